import { Option, type Command } from "commander";
import { BadInputError, PromplateError } from "../errors.js";
import type { FileChange } from "../output.js";
import {
  addSourceOptions,
  ExitCode,
  fromCwd,
  instanceOption,
  rulesDialectOption,
  logTo,
  serviceOption,
  sourceOptions,
  type CommandContext,
  type SetExit,
  type SourceFlags,
} from "./options.js";

interface RenderFlags extends SourceFlags {
  out?: string;
  writeSecretFiles?: string;
  toolChecks?: boolean;
  promtool?: string;
  amtool?: string;
  diff?: boolean;
  dryRun?: boolean;
  service?: string[];
  instance?: string;
  kind?: "yaml" | "json" | "toml" | "text";
  rulesDialect?: "prometheus" | "thanos" | "mimir";
}

export function registerRender(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("render")
      .argument("[FILE]", "render one template to stdout (`-` for stdin) instead of the project's outputs")
      .description("render every output of the project (or one template) with typed, validated variables")
      .option("--out <DIR|PATH>", "write outputs under DIR (project) or to PATH (one template; 0600 when it holds a secret)")
      .option("--diff", "show what changed, secrets redacted")
      .option("--dry-run", "show what would change, secrets redacted; write nothing")
      .addOption(serviceOption("this service's outputs"))
      .addOption(instanceOption("this instance's outputs"))
      .option("--write-secret-files <DIR>", "put each secret in its own 0600 file under DIR and reference it with the *_file field")
      .option("--tool-checks", "also run promtool/amtool on the outputs before writing (a missing tool is exit 3)")
      .addOption(rulesDialectOption())
      .option("--promtool <PATH>", "the promtool to run (default: from PATH)")
      .option("--amtool <PATH>", "the amtool to run (default: from PATH)")
      .addOption(new Option("--kind <KIND>", "insertion rules for FILE (default: from its extension)").choices(["yaml", "json", "toml", "text"])),
  ).action(async (file: string | undefined, flags: RenderFlags) => {
    const { findProject, loadProject } = await import("../project.js");
    const hasProject = (await findProject(context.dir)) !== undefined;
    if (file === undefined && !hasProject && context.io.stdinIsTTY) {
      throw new BadInputError([
        {
          id: "input/no-project",
          severity: "error",
          message: `no promplate.yaml in ${context.dir}`,
          hint: "run in a project folder (or -C DIR), give a template: promplate render FILE, or pipe one in",
        },
      ]);
    }
    if (file !== undefined || !hasProject) {
      setExit(await renderOne(file ?? "-", flags, context, hasProject ? await loadProject(context.dir) : undefined));
      return;
    }
    setExit(await renderAll(flags, context));
  });
}

async function renderAll(flags: RenderFlags, context: CommandContext): Promise<number> {
  const { apply, prepare } = await import("../pipeline.js");
  const { runProcess } = await import("../process.js");
  const { formatDiff } = await import("../output.js");
  const { io } = context;
  const log = logTo(io);
  const tools = flags.toolChecks === true;
  const prepared = await prepare({
    dir: context.dir,
    services: flags.service,
    instance: flags.instance,
    ...sourceOptions(context, flags),
    checks: {
      promql: tools,
      tools,
      requireTools: true,
      promtool: flags.promtool,
      amtool: flags.amtool,
      run: runProcess,
      env: io.env,
      rulesDialect: flags.rulesDialect,
    },
    target: { layout: "project", root: fromCwd(context, flags.out) },
    secretFilesDir: fromCwd(context, flags.writeSecretFiles),
  });
  for (const { variable, output, field } of prepared.secretFiles?.inline ?? []) {
    log(`${variable} stays inline in ${output} at ${field} (that field has no *_file form); the file is written 0600`);
  }
  if (prepared.report.findings.length > 0) {
    const { printReport } = await import("./print.js");
    printReport(prepared.report, "text", { ...context, io: { ...io, stdout: io.stderr } });
  }
  if (prepared.failed) {
    log("nothing was written");
    return ExitCode.checkFailed;
  }
  const secrets = prepared.rendered.secrets;
  let changes: FileChange[];
  if (flags.dryRun) {
    changes = prepared.roots.flatMap((root) => root.plan.changes);
    io.stdout.write(await formatDiff(changes, secrets));
  } else {
    changes = await apply(prepared, {
      // The diff shown is of the plan made under the lock: what is written.
      onPlanned: flags.diff ? async (planned) => void io.stdout.write(await formatDiff(planned, secrets)) : undefined,
      lock: { onWait: (holder, waitMs) => log(`${prepared.roots[0]?.root} is being written by pid ${holder.pid}; waiting up to ${waitMs / 1000} s`) },
    });
  }
  for (const kept of changes.filter((c) => c.change === "kept")) log(`kept ${kept.path}, no longer an output, not deleted: ${kept.reason}`);
  const count = (kind: string) => changes.filter((c) => c.change === kind).length;
  const verb = flags.dryRun ? "would write" : "wrote";
  const stale = [count("delete") ? `, ${count("delete")} stale deleted` : "", count("kept") ? `, ${count("kept")} stale kept` : ""].join("");
  log(
    `${verb} ${count("create") + count("update")} of ${prepared.rendered.files.length} files (${count("create")} new, ${count("update")} changed, ${count("unchanged")} unchanged${stale})`,
  );
  return ExitCode.ok;
}

async function renderOne(file: string, flags: RenderFlags, context: CommandContext, project: import("../project.js").Project | undefined): Promise<number> {
  const { prepareFile } = await import("../pipeline.js");
  const { io } = context;
  const stdin = file === "-" ? await readStdin(io) : undefined;
  const result = await prepareFile({ file, stdin, cwd: io.cwd, kind: flags.kind, project, ...sourceOptions(context, flags) });
  if (flags.out) {
    const { refuseProtectedPaths, writeFileAtomic } = await import("../output.js");
    const { resolveReal } = await import("../paths.js");
    const target = fromCwd(context, flags.out);
    // `render t.yml --out t.yml` would replace the template with its own output, as `envsubst < t > t` empties it.
    const sources = [
      ...(project ? (await import("../project.js")).protectedPaths(project) : []),
      ...(file === "-" ? [] : [{ path: resolveReal(fromCwd(context, file)), description: `the template ${file}` }]),
    ];
    refuseProtectedPaths([{ name: flags.out, path: target }], sources);
    await writeFileAtomic(target, result.text, result.mode);
    const note = result.holdsSecret
      ? " (mode 0600: it holds a secret)"
      : result.mode !== 0o644
        ? ` (mode 0${result.mode.toString(8)}, as readable as ${file})`
        : "";
    logTo(io)(`wrote ${flags.out}${note}`);
    return ExitCode.ok;
  }
  if (result.holdsSecret) {
    throw new BadInputError([
      {
        id: "output/secret-on-stdout",
        severity: "error",
        message: `${file === "-" ? "the template" : file} uses a secret variable; refusing to print it`,
        hint: "write it to a file with --out PATH (mode 0600)",
      },
    ]);
  }
  io.stdout.write(result.text);
  return ExitCode.ok;
}

/** Standard input as the template, bounded and UTF-8 (src/value-files.ts readStream); exit 2 when it is not. */
async function readStdin(io: CommandContext["io"]): Promise<string> {
  try {
    return await io.readStdin();
  } catch (error) {
    if (error instanceof PromplateError) throw error;
    const { cannotRead } = await import("../value-files.js");
    throw cannotRead(error, "the template on standard input", "input/file");
  }
}
