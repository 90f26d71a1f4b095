import { Option, type Command } from "commander";
import {
  addSourceOptions,
  collectValues,
  ExitCode,
  logTo,
  parseSetFlags,
  requireProject,
  sourceOptions,
  type CommandContext,
  type SetExit,
  type SourceFlags,
} from "./options.js";

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
      .addOption(
        new Option("--engine <ENGINE>", "the builder (default: the first of podman, docker, buildah on PATH)").choices(["docker", "podman", "buildah"]),
      )
      .option("--tag <REF>", "image reference; {service} is replaced by the service, else -SERVICE is added to the name", "promplate-{service}:latest")
      .option("--push", "push the images when every scan is clean")
      .option("--dry-run", "print the plan and do nothing")
      .addOption(new Option("--pull <POLICY>", "when to pull base images (default: the engine's)").choices(["always", "missing", "never"]))
      .option("--build-arg <NAME=VALUE>", "a build argument, e.g. PROMETHEUS_VERSION=v3.5.0 (repeatable)", collectValues),
  ).action(async (flags: BuildFlags) => {
    const { io } = context;
    await requireProject(context, "run in a project folder or pass -C DIR (the embedded example is promplate's templates/)");
    const { prepareBuild, runBuild } = await import("../build.js");
    const image = await import("../image.js");
    const sources = sourceOptions(context, flags);
    const prepared = await prepareBuild({
      dir: context.dir,
      moduleUrl: import.meta.url,
      env: io.env,
      engine: flags.engine,
      set: sources.set,
      tag: flags.tag,
      push: flags.push,
      pull: flags.pull,
      buildArgs: parseSetFlags(flags.buildArg),
      dryRun: flags.dryRun,
    });
    if (flags.dryRun) {
      io.stdout.write(image.formatPlan(prepared.plan));
      setExit(ExitCode.ok);
      return;
    }
    const log = logTo(io);
    const secrets = await image.resolveScanSecrets({ dir: prepared.project.dir, ...sources });
    log(
      `scanning for the values of ${secrets.secrets.length ? [...new Set(secrets.secrets.map((s) => s.name))].join(", ") : "no secret variable"} and for credential patterns`,
    );
    if (secrets.unresolved.length) log(`not set here, so not searched for: ${secrets.unresolved.join(", ")}`);
    if (secrets.tooShort.length) log(`shorter than ${image.MIN_SECRET_LENGTH} characters, not searched for: ${secrets.tooShort.join(", ")}`);
    for (const note of prepared.plan.notes) log(note);
    const { streamProcess } = await import("../process.js");
    const result = await runBuild(prepared, { run: streamProcess, log, env: io.env, secrets });
    const { secretFinding } = await import("../secrets.js");
    const { formatBrief } = await import("../report.js");
    io.stdout.write(formatBrief(result.findings.map((match) => secretFinding(match, match.image))));
    const summary = result.images
      .map((i) => `${i.tag} ${i.scan.findings.length ? image.plural(i.scan.findings.length, "finding") : "clean"}${i.pushed ? ", pushed" : ""}`)
      .join("; ");
    io.stdout.write(`${result.findings.length ? `${image.plural(result.findings.length, "secret")} found` : "no secrets found"}: ${summary}\n`);
    setExit(result.findings.length ? ExitCode.checkFailed : ExitCode.ok);
  });
}
