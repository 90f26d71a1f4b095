import { Option, type Command } from "commander";
import { addSourceOptions, collectValues, parseSetFlags, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";
import { BadInputError, EnvironmentError } from "../errors.js";
import { ExitCode } from "./options.js";

interface BuildFlags extends SourceFlags {
  engine?: "docker" | "podman" | "buildah";
  tag?: string;
  push?: boolean;
  dryRun?: boolean;
  pull?: "always" | "missing" | "never";
  buildArg?: string[];
}

export function registerBuild(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("build")
      .description("build the prometheus and alertmanager images, then scan them for secrets (values of the secret variables, credential patterns)")
      .addOption(new Option("--engine <ENGINE>", "the builder (default: the first of podman, docker, buildah on PATH)").choices(["docker", "podman", "buildah"]))
      .option("--tag <REF>", "image reference; {service} is replaced by the service, else -SERVICE is added to the name", "promplate-{service}:latest")
      .option("--push", "push the images when every scan is clean")
      .option("--dry-run", "print the plan and do nothing")
      .addOption(new Option("--pull <POLICY>", "when to pull base images (default: the engine's)").choices(["always", "missing", "never"]))
      .option("--build-arg <NAME=VALUE>", "a build argument, e.g. PROMETHEUS_VERSION=v3.5.0 (repeatable)", collectValues),
  ).action(async (flags: BuildFlags) => {
    const { io } = context;
    const { mkdtemp, readFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { findProject, loadProject } = await import("../project.js");
    const image = await import("../image.js");
    if (!(await findProject(context.dir))) {
      throw new BadInputError([{ id: "input/no-project", severity: "error", message: `no promplate.yaml in ${context.dir}`, hint: "run in a project folder or pass -C DIR (the embedded example is promplate's templates/)" }]);
    }
    const project = await loadProject(context.dir);
    const root = await image.findPromplateRoot(import.meta.url);
    const engine = flags.engine ?? (await detectEngine(io.env.PATH, image.ENGINES));
    const dockerfiles: Record<string, string> = {};
    for (const service of image.IMAGE_SERVICES) dockerfiles[service] = await readFile(join(root, `Dockerfile.${service}`), "utf8").catch(() => "");
    const work = flags.dryRun ? join(tmpdir(), "promplate-build-XXXXXX") : await mkdtemp(join(tmpdir(), "promplate-build-"));
    const plan = image.planImageBuild({
      engine,
      promplateRoot: root,
      project: { dir: project.dir, services: [...new Set(project.outputs.map((o) => o.service))], outputPaths: project.outputs.map((o) => o.path) },
      dockerfiles,
      contextDir: join(work, "context"),
      archiveDir: join(work, "archives"),
      tag: flags.tag,
      push: flags.push,
      pull: flags.pull,
      buildArgs: parseSetFlags(flags.buildArg),
    });
    if (plan.images.length === 0) {
      throw new BadInputError([{ id: "build/no-service", severity: "error", message: `the project has no prometheus or alertmanager outputs to build an image for` }]);
    }
    if (flags.dryRun) {
      io.stdout.write(image.formatPlan(plan));
      setExit(ExitCode.ok);
      return;
    }
    const sources = sourceOptions(context, flags);
    const secrets = await image.resolveScanSecrets({ dir: project.dir, ...sources });
    const log = (line: string) => io.stderr.write(`promplate: ${line}\n`);
    log(`scanning for the values of ${secrets.secrets.length ? [...new Set(secrets.secrets.map((s) => s.name))].join(", ") : "no secret variable"} and for credential patterns`);
    if (secrets.unresolved.length) log(`not set here, so not searched for: ${secrets.unresolved.join(", ")}`);
    if (secrets.tooShort.length) log(`shorter than ${image.MIN_SECRET_LENGTH} characters, not searched for: ${secrets.tooShort.join(", ")}`);
    for (const note of plan.notes) log(note);
    // The engine gets the environment without the project's variables: nothing in a build should see them.
    const env = Object.fromEntries(Object.entries(io.env).filter(([name]) => !project.variables.has(name) && !project.variables.has(name.replace(/_FILE$/, ""))));
    const { rm } = await import("node:fs/promises");
    const result = await image.buildImages(plan, { run: image.execaStreamingRunner, log, env, secrets }).finally(() => rm(work, { recursive: true, force: true }));
    const { secretFinding } = await import("../secrets.js");
    const { formatBrief } = await import("../report.js");
    io.stdout.write(formatBrief(result.findings.map((match) => secretFinding(match, match.image))));
    const summary = result.images.map((i) => `${i.tag} ${i.scan.findings.length ? image.plural(i.scan.findings.length, "finding") : "clean"}${i.pushed ? ", pushed" : ""}`).join("; ");
    io.stdout.write(`${result.findings.length ? `${image.plural(result.findings.length, "secret")} found` : "no secrets found"}: ${summary}\n`);
    setExit(result.findings.length ? ExitCode.checkFailed : ExitCode.ok);
  });
}

async function detectEngine(pathVariable: string | undefined, engines: readonly ("docker" | "podman" | "buildah")[]) {
  const { access, constants } = await import("node:fs/promises");
  const { delimiter, join } = await import("node:path");
  for (const engine of engines) {
    for (const dir of (pathVariable ?? "").split(delimiter).filter(Boolean)) {
      try {
        await access(join(dir, engine), constants.X_OK);
        return engine;
      } catch {
        // not here
      }
    }
  }
  throw new EnvironmentError(
    [{ id: "build/engine", severity: "error", message: "no image builder found: docker, podman or buildah", hint: "install one, or pass --engine with one that is installed" }],
  );
}
