/**
 * The one render pipeline behind `render`, `exec` and `check` (and the writes of `compose`). `prepare` loads the
 * project, resolves the variables, renders, checks and plans the changes, and returns all of it as data without
 * writing anything; `apply` writes a prepared result: atomically, under each output root's lock, recording the
 * manifest. A command maps its flags to `PrepareOptions` and prints what comes back.
 */
import { stat } from "node:fs/promises";
import { extname, isAbsolute, join, posix, relative } from "node:path";
import { BadInputError, EnvironmentError, PromplateError } from "./errors.js";
import type { CheckReport, RenderedCheckOptions } from "./check.js";
import { mergeInstanceFindings, type Finding } from "./finding.js";
import { selectInstances, selectOneTarget, selectTargets, type InstanceTarget } from "./instances.js";
import { withOutputLock, type LockOptions } from "./lock.js";
import {
  applyChanges,
  outputMode,
  planChanges,
  planIsApplied,
  readManifest,
  refuseProtectedPaths,
  writeChangedFiles,
  writeFileAtomic,
  type FileChange,
  type OutputPlan,
  type PlanOptions,
  type PlannedFile,
} from "./output.js";
import { insertionKindOf, loadProject, protectedPaths, type Project } from "./project.js";
import {
  renderFile,
  renderLoadedProject,
  utf8Problem,
  type FileRender,
  type ProjectRender,
  type RenderedFile,
  type RenderProjectOptions,
  type SourceOptions,
} from "./render.js";
import type { InsertionKind } from "./template/index.js";
import type { ProjectSecretFiles } from "./secret-files.js";
import { isWithin, normalizeRelative, resolveReal } from "./paths.js";

/** Where a prepared render is written. */
export type OutputTarget =
  /** `render`: every output at its `path`, under `root` (`--out DIR`; default the project folder). */
  | { layout: "project"; root?: string }
  /**
   * `exec`: every output at its `runtimePath` (one without at its `path` in the project folder), each runtime
   * folder (e.g. /etc/prometheus) an output root with its own manifest and lock; with `out` (`--out DIR`),
   * everything under that one folder instead of `/`.
   */
  | { layout: "runtime"; out?: string };

export interface PrepareOptions extends RenderProjectOptions {
  /** The checks run before anything is written; an error finding means nothing may be written. */
  checks: RenderedCheckOptions;
  /** Where the outputs go; none for `check`, which plans nothing. */
  target?: OutputTarget;
  /** Secret-file mode: each secret in its own 0600 file in this folder, referenced by the `*_file` fields. */
  secretFilesDir?: string;
  /** `--instance NAME`: only this instance of a project with instances (every shard of it); else every instance. */
  instance?: string;
  /** `--shard N`: only this shard of the instance. */
  shard?: number;
  /**
   * The command needs exactly one instance and shard (`exec`, `compose`): with instances, a missing `instance` (or
   * `shard` of a sharded instance) is exit 2 naming these flags.
   */
  oneTarget?: { instanceFlag: string; shardFlag: string };
}

/** One output root: the files planned in it and the changes they make to what is there now. */
export interface PlannedRoot {
  /** Absolute; holds `.promplate/manifest.json` and `.promplate/lock`. */
  root: string;
  /** Paths relative to the root. */
  files: PlannedFile[];
  planOptions: PlanOptions;
  /** Planned without the lock (for a dry run or a diff); `apply` plans again under it. */
  plan: OutputPlan;
}

export interface PrepareResult {
  /** The render of every instance and shard together (files of all, the secrets of all); one render without instances. */
  rendered: ProjectRender;
  /** Each instance's and shard's own render, in order (one for a project without instances). */
  renders: ProjectRender[];
  /** Findings (redacted), the tools that ran, notes. */
  report: CheckReport;
  /** An error finding: nothing may be written, and no change was planned. */
  failed: boolean;
  secretFiles?: ProjectSecretFiles;
  /** Empty when nothing is to be written (`check`, or a failed check). */
  roots: PlannedRoot[];
}

export async function prepare(options: PrepareOptions): Promise<PrepareResult> {
  const project = await loadProject(options.dir);
  const one = options.oneTarget ? selectOneTarget(project, options.instance, options.shard, options.oneTarget) : undefined;
  // Without instances only `default` names the one there is (what generated deployments pass).
  if (!project.instances && options.instance !== undefined) selectInstances(project, options.instance);
  const targets: (InstanceTarget | undefined)[] =
    (options.instanceTarget ?? one)
      ? [(options.instanceTarget ?? one)!]
      : project.instances
        ? selectTargets(project, options.instance, options.shard)
        : [undefined];
  const renders: ProjectRender[] = [];
  const problems: Finding[] = [];
  let badInput = false;
  for (const instanceTarget of targets) {
    try {
      renders.push(await renderLoadedProject(project, { ...options, instanceTarget }));
    } catch (error) {
      // Every instance is rendered, so one run reports each one's problems, each naming its instance.
      if (!(error instanceof PromplateError) || targets.length === 1) throw error;
      badInput ||= !(error instanceof EnvironmentError);
      problems.push(...error.findings.map((finding) => ({ ...finding, instance: targetName(instanceTarget!) })));
    }
  }
  if (problems.length > 0) {
    const merged = mergeInstanceFindings(problems);
    throw badInput ? new BadInputError(merged) : new EnvironmentError(merged);
  }
  const secretFiles = options.secretFilesDir ? await applySecretFilesTo(renders, options.secretFilesDir) : undefined;
  // A secret file on a template, promplate.yaml or a rule test would replace it: refused before anything is written.
  if (secretFiles)
    refuseProtectedPaths(
      secretFiles.files.map((file) => ({ name: file.path, path: file.path })),
      protectedPaths(project),
    );
  // The checks run before anything is planned or written: a config the server would reject is never deployed.
  const { checkRendered } = await import("./check.js");
  const reports: CheckReport[] = [];
  for (const render of renders) reports.push(await checkRendered(render, options.checks));
  const rendered = renders.length === 1 ? renders[0]! : combineRenders(project, renders);
  const report = reports.length === 1 ? reports[0]! : await combineReports(renders, reports, rendered.secrets);
  const failed = report.findings.some((f) => f.severity === "error");
  const roots: PlannedRoot[] = [];
  if (options.target && !failed) {
    const planOptions: PlanOptions = {
      services: options.services,
      ...(project.instances && options.instance !== undefined ? { instances: [options.instance] } : {}),
      project: resolveReal(rendered.project.dir),
      protectedPaths: protectedPaths(rendered.project),
    };
    for (const { root, files } of outputRoots(rendered, options.target)) {
      roots.push({ root, files, planOptions, plan: await planChanges(root, files, await readManifest(root), planOptions) });
    }
  }
  return { rendered, renders, report, failed, ...(secretFiles ? { secretFiles } : {}), roots };
}

/** How findings and messages name a target: `prod-eu`, or `prod-us/1` for a shard. */
export function targetName(target: InstanceTarget): string {
  return target.instance.shards > 1 ? `${target.instance.name}/${target.shard}` : target.instance.name;
}

/** The renders of all instances as one: every file (their paths differ by `{instance}`/`{shard}`), every secret. */
function combineRenders(project: Project, renders: ProjectRender[]): ProjectRender {
  const variables = new Map(renders.flatMap((render) => [...render.variables]));
  return { project, files: renders.flatMap((render) => render.files), variables, secrets: [...new Set(renders.flatMap((render) => render.secrets))] };
}

async function combineReports(renders: ProjectRender[], reports: CheckReport[], secrets: string[]): Promise<CheckReport> {
  const { createRedactor } = await import("./redact.js");
  const findings = reports.flatMap((report, index) => report.findings.map((finding) => ({ ...finding, instance: targetName(renders[index]!.target!) })));
  const tools = [...new Map(reports.flatMap((report) => report.tools).map((tool) => [JSON.stringify(tool), tool])).values()];
  return { findings: mergeInstanceFindings(findings), tools, notes: [...new Set(reports.flatMap((report) => report.notes))], redact: createRedactor(secrets) };
}

async function applySecretFilesTo(renders: ProjectRender[], dir: string): Promise<ProjectSecretFiles> {
  const { applySecretFiles } = await import("./secret-files.js");
  const results = renders.map((render) => applySecretFiles(render, dir));
  return results.length === 1 ? results[0]! : { files: results.flatMap((r) => r.files), inline: results.flatMap((r) => r.inline) };
}

export interface ApplyOptions {
  /** Called under each root's lock with the changes about to be made (for `--diff`). */
  onPlanned?(changes: FileChange[]): void | Promise<void>;
  lock?: LockOptions;
  /**
   * A root whose files are all current is left alone, its manifest too, without taking its lock (exec: a read-only
   * folder already holding the files still starts the server). Otherwise such a root still gets its manifest updated.
   */
  leaveCurrentRoots?: boolean;
}

/**
 * Writes a prepared result: the secret files, then each root's changes, planned again under its lock so the manifest
 * read is the one replaced. Each root is written all or nothing. Returns the changes made.
 */
export async function apply(prepared: PrepareResult, options: ApplyOptions = {}): Promise<FileChange[]> {
  if (prepared.failed) throw new Error("a prepared render whose checks failed cannot be applied");
  for (const file of prepared.secretFiles?.files ?? []) await writeFileAtomic(file.path, file.content, 0o600);
  const changes: FileChange[] = [];
  for (const planned of prepared.roots) {
    // No lock when nothing changes: nothing is written.
    const filesCurrent = !planned.plan.changes.some((c) => c.change !== "unchanged");
    if ((options.leaveCurrentRoots && filesCurrent) || (await planIsApplied(planned.root, planned.plan))) {
      await options.onPlanned?.(planned.plan.changes);
      changes.push(...planned.plan.changes);
      continue;
    }
    const applied = await withOutputLock(
      planned.root,
      async () => {
        const plan = await planChanges(planned.root, planned.files, await readManifest(planned.root), planned.planOptions);
        await options.onPlanned?.(plan.changes);
        await applyChanges(planned.root, plan);
        return plan.changes;
      },
      options.lock,
    );
    changes.push(...applied);
  }
  return changes;
}

export interface PrepareFileOptions extends SourceOptions {
  /** The template as named on the command line (relative to `cwd`), or `-` for standard input. */
  file: string;
  /** Standard input's text, read by the caller, when `file` is `-`. */
  stdin?: string;
  cwd: string;
  /** Insertion rules; default: the declared output's kind, else from the file name. */
  kind?: InsertionKind;
  /** With a project, its declarations apply to the file. */
  project?: Project;
}

export interface PreparedFile extends FileRender {
  /** The mode to write it with: 0600 when it holds a secret, never wider than the template's. */
  mode: number;
}

/** `render FILE`: one template, read and rendered in memory (exit 2 for a file that cannot be read or is not UTF-8). */
export async function prepareFile(options: PrepareFileOptions): Promise<PreparedFile> {
  const fromStdin = options.file === "-";
  const path = fromStdin ? "<stdin>" : isAbsolute(options.file) ? options.file : join(options.cwd, options.file);
  let source = options.stdin ?? "";
  let sourceMode: number | undefined;
  if (!fromStdin) {
    const { cannotRead, DOCUMENT_LIMIT_HINT, MAX_DOCUMENT_BYTES, readRegularFileBytes } = await import("./value-files.js");
    let bytes: Buffer;
    try {
      bytes = await readRegularFileBytes(path, MAX_DOCUMENT_BYTES, DOCUMENT_LIMIT_HINT);
      sourceMode = (await stat(path)).mode & 0o777;
    } catch (error) {
      throw cannotRead(error, options.file, "input/file");
    }
    const encoding = utf8Problem(bytes, options.file);
    if (encoding) throw new BadInputError([encoding]);
    source = bytes.toString("utf8");
  }
  const project = options.project;
  const declared = fromStdin ? undefined : project?.outputs.find((o) => join(project.dir, o.template) === path);
  const kind = options.kind ?? (declared ? insertionKindOf(declared.kind) : kindFromName(options.file));
  const result = await renderFile({ ...options, name: fromStdin ? "<stdin>" : options.file, source, kind });
  return { ...result, mode: outputMode({ mode: result.holdsSecret ? 0o600 : 0o644, sourceMode }) };
}

function kindFromName(file: string): InsertionKind {
  if (file === "-") return "yaml";
  const extension = extname(file).toLowerCase();
  if (extension === ".json") return "json";
  if (extension === ".toml") return "toml";
  if (extension === ".yml" || extension === ".yaml") return "yaml";
  return "text";
}

/** How many files a set of changes writes or deletes. */
export function changedCount(changes: readonly FileChange[]): number {
  return changes.filter((c) => c.change === "create" || c.change === "update" || c.change === "delete").length;
}

/** A file written as it is, with no manifest (the compose setup: it is not a rendered output). */
export interface PlainFile {
  /** Relative to the root. */
  path: string;
  content: string;
  mode: number;
}

/** Writes the files whose content or mode differ, all or none, under the root's lock; returns how many changed. */
export async function applyPlainFiles(root: string, files: readonly PlainFile[], lock?: LockOptions): Promise<number> {
  return withOutputLock(root, () => writeChangedFiles(files.map((file) => ({ ...file, path: join(root, file.path) }))), lock);
}

/** The output roots of a render and the files in each. */
export function outputRoots(rendered: ProjectRender, target: OutputTarget): { root: string; files: PlannedFile[] }[] {
  const project = rendered.project;
  if (target.layout === "project") return [{ root: target.root ?? project.dir, files: rendered.files }];
  if (target.out !== undefined) {
    const out = target.out;
    return [
      {
        root: out,
        files: rendered.files.map((file) => ({
          ...file,
          path: file.source.runtimePath ? normalizeRelative(file.source.runtimePath.replace(/^\/+/, "")) : file.path,
        })),
      },
    ];
  }
  const roots = runtimeFolders(rendered.files);
  const byRoot = new Map<string, PlannedFile[]>();
  for (const file of rendered.files) {
    const runtime = file.source.runtimePath;
    const root = runtime ? roots.find((folder) => isWithin(runtime, folder))! : project.dir;
    const path = runtime ? relative(root, runtime) : file.path;
    byRoot.set(root, [...(byRoot.get(root) ?? []), { ...file, path }]);
  }
  return [...byRoot].map(([root, files]) => ({ root, files }));
}

/**
 * The folders outputs live in at run time, each an output root: the folder holding an output's runtimePath (a
 * rules folder's parent), keeping only the outermost of nested ones: /etc/prometheus for both
 * /etc/prometheus/prometheus.yml and /etc/prometheus/rules/.
 */
function runtimeFolders(files: readonly RenderedFile[]): string[] {
  const declared = new Set(files.flatMap((f) => (f.source.output.runtimePath ? [f.source.output.runtimePath] : [])));
  const folders = [...new Set([...declared].map((path) => posix.dirname(posix.normalize(path).replace(/(.)\/+$/, "$1"))))];
  return folders.filter((folder) => !folders.some((other) => other !== folder && isWithin(folder, other)));
}
