import { extname, isAbsolute, join } from "node:path";
import { Option, type Command } from "commander";
import { addSourceOptions, fromCwd, serviceOption, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";
import type { FileChange } from "../output.js";
import { PromplateError, BadInputError } from "../errors.js";
import { ExitCode } from "./options.js";

interface RenderFlags extends SourceFlags {
  out?: string;
  writeSecretFiles?: string;
  toolChecks?: boolean;
  promtool?: string;
  amtool?: string;
  diff?: boolean;
  dryRun?: boolean;
  service?: string[];
  kind?: "yaml" | "json" | "text";
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
      .option("--write-secret-files <DIR>", "put each secret in its own 0600 file under DIR and reference it with the *_file field")
      .option("--tool-checks", "also run promtool/amtool on the outputs before writing (a missing tool is exit 3)")
      .option("--promtool <PATH>", "the promtool to run (default: from PATH)")
      .option("--amtool <PATH>", "the amtool to run (default: from PATH)")
      .addOption(new Option("--kind <KIND>", "insertion rules for FILE (default: from its extension)").choices(["yaml", "json", "text"])),
  ).action(async (file: string | undefined, flags: RenderFlags) => {
    const { findProject, loadProject } = await import("../project.js");
    const hasProject = (await findProject(context.dir)) !== undefined;
    if (file === undefined && !hasProject && context.io.stdinIsTTY) {
      throw new BadInputError([{
        id: "input/no-project",
        severity: "error",
        message: `no promplate.yaml in ${context.dir}`,
        hint: "run in a project folder (or -C DIR), give a template: promplate render FILE, or pipe one in",
      }]);
    }
    if (file !== undefined || !hasProject) {
      setExit(await renderOne(file ?? "-", flags, context, hasProject ? await loadProject(context.dir) : undefined));
      return;
    }
    setExit(await renderAll(flags, context));
  });
}

async function renderAll(flags: RenderFlags, context: CommandContext): Promise<number> {
  const { renderProject } = await import("../render.js");
  const { applyChanges, formatDiff, planChanges, readManifest, refuseProtectedTargets, writeFileAtomic } = await import("../output.js");
  const { withOutputLock } = await import("../lock.js");
  const { protectedPaths } = await import("../project.js");
  const { io } = context;
  const result = await renderProject({ dir: context.dir, services: flags.service, ...sourceOptions(context, flags) });
  const secretFiles = flags.writeSecretFiles ? await moveSecrets(result, flags.writeSecretFiles, io) : undefined;
  // The built-in checks run before anything is written: a config Prometheus would reject is never deployed.
  const { checkRendered } = await import("../check.js");
  const { execaRunner } = await import("../checks/tools.js");
  const report = await checkRendered(result, { promql: flags.toolChecks === true, tools: flags.toolChecks === true, requireTools: true, promtool: flags.promtool, amtool: flags.amtool, run: execaRunner, env: io.env });
  if (report.findings.length > 0) {
    const { printReport } = await import("./print.js");
    const code = await printReport(report, "text", { ...context, io: { ...io, stdout: io.stderr } });
    if (code !== ExitCode.ok) {
      io.stderr.write("promplate: nothing was written\n");
      return code;
    }
  }
  const root = flags.out ? (isAbsolute(flags.out) ? flags.out : join(io.cwd, flags.out)) : result.project.dir;
  const planOptions = { services: flags.service, protectedPaths: protectedPaths(result.project) };
  // Refused before the lock is taken: nothing at all is created beside a template.
  refuseProtectedTargets(root, result.files, planOptions.protectedPaths);
  const plan = async () => planChanges(root, result.files, await readManifest(root), planOptions);
  let changes: FileChange[];
  if (flags.dryRun) {
    changes = (await plan()).changes;
    io.stdout.write(await formatDiff(changes, result.secrets));
  } else {
    // One writer at a time: planned and applied under the lock, so the manifest read is the one replaced.
    changes = await withOutputLock(root, async () => {
      const planned = await plan();
      if (flags.diff) io.stdout.write(await formatDiff(planned.changes, result.secrets));
      if (secretFiles) for (const file of secretFiles.files) await writeFileAtomic(file.path, file.content, 0o600);
      await applyChanges(root, planned);
      return planned.changes;
    }, { onWait: (holder, waitMs) => io.stderr.write(`promplate: ${root} is being written by pid ${holder.pid}; waiting up to ${waitMs / 1000} s\n`) });
  }
  for (const kept of changes.filter((c) => c.change === "kept")) {
    io.stderr.write(`promplate: kept ${kept.path}, no longer an output, not deleted: ${kept.reason}\n`);
  }
  const count = (kind: string) => changes.filter((c) => c.change === kind).length;
  const verb = flags.dryRun ? "would write" : "wrote";
  const stale = [count("delete") ? `, ${count("delete")} stale deleted` : "", count("kept") ? `, ${count("kept")} stale kept` : ""].join("");
  io.stderr.write(
    `promplate: ${verb} ${count("create") + count("update")} of ${result.files.length} files (${count("create")} new, ${count("update")} changed, ${count("unchanged")} unchanged${stale})\n`,
  );
  return ExitCode.ok;
}

async function renderOne(file: string, flags: RenderFlags, context: CommandContext, project: import("../project.js").Project | undefined): Promise<number> {
  const { renderFile, utf8Problem } = await import("../render.js");
  const { io } = context;
  const fromStdin = file === "-";
  const path = fromStdin ? "<stdin>" : isAbsolute(file) ? file : join(io.cwd, file);
  const { readTemplate, TemplateReadError } = await import("../template/read.js");
  let source: string;
  let sourceMode: number | undefined;
  try {
    if (fromStdin) {
      source = await io.readStdin();
    } else {
      const read = await readTemplate(path);
      const encoding = utf8Problem(read.bytes, file);
      if (encoding) throw new BadInputError([encoding]);
      source = read.bytes.toString("utf8");
      sourceMode = read.mode;
    }
  } catch (error) {
    if (error instanceof PromplateError) throw error;
    if (error instanceof TemplateReadError) throw new BadInputError([{ id: error.id, severity: "error", message: `${file} ${error.message}` }]);
    throw new BadInputError([{ id: "input/file", severity: "error", message: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})` }]);
  }
  const declaredOutput = project?.outputs.find((o) => !fromStdin && join(project.dir, o.template) === path);
  const kind = flags.kind ?? (declaredOutput ? (await import("../project.js")).insertionKindOf(declaredOutput.kind) : kindFromName(file));
  const options = { name: fromStdin ? "<stdin>" : file, source, kind, project, cwd: io.cwd, ...sourceOptions(context, flags) };
  const result = await renderFile(options);
  if (flags.out) {
    const { outputMode, writeFileAtomic } = await import("../output.js");
    const target = isAbsolute(flags.out) ? flags.out : join(io.cwd, flags.out);
    const mode = outputMode({ mode: result.holdsSecret ? 0o600 : 0o644, sourceMode });
    await writeFileAtomic(target, result.text, mode);
    io.stderr.write(`promplate: wrote ${flags.out}${result.holdsSecret ? " (mode 0600: it holds a secret)" : mode !== 0o644 ? ` (mode 0${mode.toString(8)}, as readable as ${file})` : ""}\n`);
    return ExitCode.ok;
  }
  if (result.holdsSecret) {
    throw new BadInputError([{
      id: "output/secret-on-stdout",
      severity: "error",
      message: `${file === "-" ? "the template" : file} uses a secret variable; refusing to print it`,
      hint: "write it to a file with --out PATH (mode 0600)",
    }]);
  }
  io.stdout.write(result.text);
  return ExitCode.ok;
}

/** Secret-file mode: moves secrets out of the outputs, and says which stay inline (no *_file form). */
async function moveSecrets(result: import("../render.js").ProjectRender, dir: string, io: CommandContext["io"]) {
  const { applySecretFiles } = await import("../secret-files.js");
  const target = isAbsolute(dir) ? dir : join(io.cwd, dir);
  const moved = applySecretFiles(result, target);
  for (const { variable, output, field } of moved.inline) {
    io.stderr.write(`promplate: ${variable} stays inline in ${output} at ${field} (that field has no *_file form); the file is written 0600\n`);
  }
  return moved;
}

function kindFromName(file: string): "yaml" | "json" | "text" {
  if (file === "-") return "yaml";
  const extension = extname(file).toLowerCase();
  if (extension === ".json") return "json";
  if (extension === ".yml" || extension === ".yaml") return "yaml";
  return "text";
}
