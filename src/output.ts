/**
 * Writing outputs: atomic (temporary files in the same folder, fsync, then rename), 0600 when a secret is inside, a
 * manifest of what was written (with each file's sha256) so a removed template's stale output is deleted — and only
 * an output promplate provably wrote — and redacted diffs.
 */
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { systemHost, type Host } from "./host.js";
import { isWithin, normalizeRelative, resolveReal } from "./paths.js";
import type { Finding } from "./finding.js";
import { BadInputError, EnvironmentError, type PromplateError } from "./errors.js";

const MANIFEST = ".promplate/manifest.json";

export interface PlannedFile {
  /** Relative to the output root. */
  path: string;
  /** The service the output belongs to; a render of some services leaves the others' files alone. */
  service: string;
  /** The instance it was rendered for (a project with instances); a render of one instance leaves the others' alone. */
  instance?: string;
  content: string;
  /** 0600 when the content holds a secret; narrowed further by `sourceMode` (see `outputMode`). */
  mode: 0o600 | 0o644;
  /** Permission bits of the template: an output is never readable by more people than its source. */
  sourceMode?: number;
  /** Output lines (1-based) holding a secret value, masked in diffs. */
  secretLines: number[];
}

export interface ManifestEntry {
  mode: number;
  secretLines: number[];
  service?: string;
  instance?: string;
  /** The project folder whose render wrote it, relative to the output root; manifests of older versions have none. */
  project?: string;
  /** sha256 (hex) of the content written; manifests of older versions have none. */
  sha256?: string;
}

export interface Manifest {
  version: 2;
  /** Keyed by the path relative to the output root, normalized (`out/o.yml`, never `./out/o.yml`). */
  files: Record<string, ManifestEntry>;
}

/** A file an output must never overwrite nor the manifest delete: a template, promplate.yaml, a rule test. */
export interface ProtectedPath {
  /** Absolute, symlinks resolved; a folder protects everything inside it. */
  path: string;
  /** As the user knows it, e.g. `the template rules/`. */
  description: string;
}

export type ChangeKind = "create" | "update" | "unchanged" | "delete" | "kept";

export interface FileChange {
  path: string;
  change: ChangeKind;
  mode?: number;
  /** The previous content, when there was one (for diffs). */
  previous?: string;
  previousSecretLines: number[];
  planned?: PlannedFile;
  /** `delete`: the hash recorded when promplate wrote it, checked again just before deleting. */
  recordedSha256?: string;
  /** `kept`: why a stale file was left in place. */
  reason?: string;
}

export interface OutputPlan {
  changes: FileChange[];
  /** The manifest to record once the changes are applied. */
  manifest: Manifest;
}

export interface PlanOptions {
  /** Only these services' previous outputs can be stale. */
  services?: readonly string[];
  /** Only these instances' previous outputs can be stale (`--instance`). */
  instances?: readonly string[];
  /** The project rendering (real path): another project's files in a shared output root are never stale here. */
  project?: string;
  protectedPaths?: readonly ProtectedPath[];
}

export function sha256(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

/** The mode a file is written with: group and others keep read access only where its template gave it. */
export function outputMode(file: Pick<PlannedFile, "mode" | "sourceMode">): number {
  return file.sourceMode === undefined ? file.mode : file.mode & (0o700 | (file.sourceMode & 0o044));
}

export async function readManifest(root: string): Promise<Manifest> {
  const manifest: Manifest = { version: 2, files: {} };
  try {
    const parsed = JSON.parse(await readFile(join(root, MANIFEST), "utf8")) as { version?: unknown; files?: Record<string, ManifestEntry> };
    if ((parsed.version === 1 || parsed.version === 2) && parsed.files && typeof parsed.files === "object") {
      for (const [path, entry] of Object.entries(parsed.files)) {
        const key = normalizeRelative(path);
        // Two spellings of one file (written by an older version): the entry with a hash is the one to trust.
        if (!manifest.files[key]?.sha256) manifest.files[key] = entry;
      }
    }
  } catch {
    // No manifest yet (first render) or an unreadable one: nothing is known to be stale.
  }
  return manifest;
}

/**
 * Compares the planned files with what is on disk and in the manifest, and says what the manifest will record.
 * Reads only. A planned file on a protected path is exit 2. A stale file (recorded, no longer planned) is deleted
 * only when it is a regular file inside the root, not protected, and still holds exactly what promplate wrote;
 * otherwise it is kept and forgotten.
 */
export async function planChanges(root: string, files: PlannedFile[], manifest: Manifest, options: PlanOptions = {}): Promise<OutputPlan> {
  const protectedPaths = options.protectedPaths ?? [];
  const protectorOf = (real: string) => protectedPaths.find((p) => isWithin(real, p.path));
  const rootReal = resolveReal(root);
  const changes: FileChange[] = [];
  const next: Manifest = { version: 2, files: { ...manifest.files } };
  const plannedReal = new Set<string>();
  // Recorded relative to the root, so a checkout that moves as a whole (a CI workspace) still knows its own files.
  const projectKey = options.project === undefined ? undefined : relative(rootReal, options.project) || ".";
  const writtenByOther = (recorded: string) => recorded !== projectKey && recorded !== options.project;
  refuseProtectedTargets(root, files, protectedPaths);
  for (const planned of files) {
    const file = { ...planned, path: normalizeRelative(planned.path) };
    const target = join(root, file.path);
    plannedReal.add(resolveReal(target));
    // Only a regular file is read: a symlink here is replaced, not written through (its target, say a root-only
    // file, is no previous content to show in a diff), and a FIFO would block.
    const previousFile = await readRegularFile(target);
    const previous = previousFile?.content;
    const previousMode = previousFile?.mode;
    const mode = outputMode(file);
    const recorded = manifest.files[file.path];
    // The recorded secret lines hold only for the content recorded. Otherwise (a file promplate did not write, a lost
    // or older manifest, a file edited since) they are unknown: a file others cannot read is masked whole, any other
    // where the recorded and the new secrets are.
    const previousSecretLines =
      previous === undefined
        ? []
        : recorded?.sha256 !== undefined && recorded.sha256 === sha256(previous)
          ? recorded.secretLines
          : (previousMode! & 0o004) === 0
            ? previous.split("\n").map((_, index) => index + 1)
            : [...(recorded?.secretLines ?? []), ...file.secretLines];
    const change: ChangeKind = previous === undefined ? "create" : previous === file.content && previousMode === mode ? "unchanged" : "update";
    changes.push({ path: file.path, change, mode, previous, previousSecretLines, planned: file });
    next.files[file.path] = {
      mode,
      secretLines: file.secretLines,
      service: file.service,
      ...(file.instance !== undefined ? { instance: file.instance } : {}),
      ...(projectKey !== undefined ? { project: projectKey } : {}),
      sha256: sha256(file.content),
    };
  }

  for (const [path, entry] of Object.entries(manifest.files)) {
    if (next.files[path] !== entry) continue; // planned again under this spelling
    if (options.services && !(entry.service && options.services.includes(entry.service))) continue;
    if (options.instances && !(entry.instance && options.instances.includes(entry.instance))) continue;
    const target = join(root, path);
    const real = resolveReal(target);
    // Another spelling of a planned file (`./out/o.yml`, a symlinked folder): the new entry replaces it.
    if (plannedReal.has(real)) {
      delete next.files[path];
      continue;
    }
    if (entry.project !== undefined && writtenByOther(entry.project)) continue;
    // Never reach outside the root, nor into promplate's own folder.
    if (real === rootReal || !isWithin(real, rootReal) || isWithin(real, join(rootReal, ".promplate"))) continue;
    delete next.files[path];
    const kind = await lstat(target).catch(() => undefined);
    if (kind === undefined) continue; // already gone
    const keep = (reason: string, previous?: string) => changes.push({ path, change: "kept", reason, previous, previousSecretLines: entry.secretLines });
    const protector = protectorOf(real);
    if (protector) {
      keep(`it is now ${protector.description}`);
      continue;
    }
    if (!kind.isFile()) {
      keep("it is no longer a plain file");
      continue;
    }
    const previous = await readIfExists(target);
    if (previous === undefined) continue;
    if (entry.sha256 === undefined) keep("its manifest entry, from an older promplate, has no content hash", previous);
    else if (entry.sha256 !== sha256(previous)) keep("it changed since promplate wrote it", previous);
    else changes.push({ path, change: "delete", previous, previousSecretLines: entry.secretLines, recordedSha256: entry.sha256 });
  }
  return { changes, manifest: next };
}

/** Exit 2 when a planned file would land on a template, promplate.yaml or a rule test (say through `--out`). */
export function refuseProtectedTargets(root: string, files: readonly PlannedFile[], protectedPaths: readonly ProtectedPath[]): void {
  refuseProtectedPaths(
    files.map((file) => ({ name: normalizeRelative(file.path), path: join(root, normalizeRelative(file.path)) })),
    protectedPaths,
  );
}

/**
 * Exit 2 when one of these files (absolute paths; `name` as the user knows it) is, or lies inside, a template,
 * promplate.yaml or a rule test: exec's runtime paths, secret files, `render FILE --out PATH`.
 */
export function refuseProtectedPaths(targets: readonly { name: string; path: string }[], protectedPaths: readonly ProtectedPath[]): void {
  const problems: Finding[] = [];
  for (const target of targets) {
    const real = resolveReal(target.path);
    const protector = protectedPaths.find((p) => isWithin(real, p.path));
    if (protector) {
      problems.push({
        id: "output/protected",
        severity: "error",
        message: `output ${target.name} would overwrite ${protector.description}`,
        hint: "write outputs to a folder of their own, e.g. --out out/",
      });
    }
  }
  if (problems.length > 0) throw new BadInputError(problems);
}

/**
 * Applies a plan: stages every changed file and the manifest as temporaries (a full disk fails here, and nothing is
 * replaced), renames them into place, deletes stale files that still hold what promplate wrote, then records the
 * manifest. Stale temporaries of killed runs are removed from every folder written.
 */
export async function applyChanges(root: string, plan: OutputPlan, host: Host = systemHost): Promise<void> {
  const writes = plan.changes
    .filter((c) => (c.change === "create" || c.change === "update") && c.planned)
    .map((c) => ({ path: join(root, c.path), content: c.planned!.content, mode: c.mode ?? c.planned!.mode }));
  const manifestFile = manifestWrite(root, plan);
  // Nothing to do (exec --watch re-renders often): the root is left as it is, manifest included.
  if (await planIsApplied(root, plan)) return;
  const folders = plan.changes.filter((c) => c.planned).map((c) => dirname(join(root, c.path)));
  await removeStaleTemporaries(new Set([...folders, dirname(manifestFile.path)]), host);
  const outputs = await stageFiles(writes, host);
  let manifest: StagedFiles;
  try {
    manifest = await stageFiles([manifestFile], host);
  } catch (error) {
    await outputs.discard();
    throw error;
  }
  await outputs.commit();
  for (const change of plan.changes) {
    if (change.change !== "delete") continue;
    const target = join(root, change.path);
    // Checked again: the file may have been edited since the plan was made.
    const current = await readIfExists(target);
    if (current !== undefined && sha256(current) === change.recordedSha256) await rm(target, { force: true });
  }
  await manifest.commit();
}

/** The manifest a plan records, as the file to write. */
function manifestWrite(root: string, plan: OutputPlan): FileWrite {
  // A file's sha256 lets anyone who knows its template test guesses of a weak secret offline: the manifest is no
  // more readable than the least readable file it describes.
  const describesPrivateFile = Object.values(plan.manifest.files).some((entry) => (entry.mode & 0o004) === 0);
  return { path: join(root, MANIFEST), content: `${JSON.stringify(plan.manifest, null, 2)}\n`, mode: describesPrivateFile ? 0o600 : 0o644 };
}

/**
 * Applying the plan would change nothing: no file to write or delete, and the manifest on disk already holds what it
 * would record, with the mode it would have. Such a root needs no lock (a read-only folder holding current files).
 */
export async function planIsApplied(root: string, plan: OutputPlan): Promise<boolean> {
  if (plan.changes.some((c) => c.change === "create" || c.change === "update" || c.change === "delete" || c.change === "kept")) return false;
  const manifest = manifestWrite(root, plan);
  if ((await readIfExists(manifest.path)) !== manifest.content) return false;
  try {
    return ((await stat(manifest.path)).mode & 0o777) === manifest.mode;
  } catch {
    return false;
  }
}

export interface FileWrite {
  /** Absolute. */
  path: string;
  content: string;
  mode: number;
}

/** The files whose content or mode differ from what is on disk (anything but a regular file differs, unread). */
export async function changedFiles(files: readonly FileWrite[]): Promise<FileWrite[]> {
  const changed: FileWrite[] = [];
  for (const file of files) {
    const info = await stat(file.path).catch(() => undefined);
    const current = info?.isFile() ? await readIfExists(file.path) : undefined; // a FIFO would block
    if (current !== file.content || (info!.mode & 0o777) !== file.mode) changed.push(file); // info is set when current is
  }
  return changed;
}

/** Writes the files whose content or mode differ, all or none (see `stageFiles`); returns how many changed. */
export async function writeChangedFiles(files: FileWrite[], host: Host = systemHost): Promise<number> {
  await removeStaleTemporaries(new Set(files.map((f) => dirname(f.path))), host);
  const changed = await changedFiles(files);
  await (await stageFiles(changed, host)).commit();
  return changed.length;
}

/**
 * Writes `content` to `path` so that a reader sees the old file or the new one, never a part: a temporary file in
 * the same folder (same file system, so rename is atomic), created with its final mode, flushed, then renamed.
 */
export async function writeFileAtomic(path: string, content: string, mode: number, host: Host = systemHost): Promise<void> {
  await removeStaleTemporaries([dirname(path)], host);
  await (await stageFiles([{ path, content, mode }], host)).commit();
}

interface StagedFiles {
  /** Renames every temporary onto its file, then flushes the folders. */
  commit(): Promise<void>;
  /** Removes the temporaries; no file is replaced. */
  discard(): Promise<void>;
}

/**
 * Writes each file's content to a temporary beside it, created with its final mode and flushed. When one cannot be
 * written (a full disk, a read-only folder) every temporary is removed and the error is exit 3: until `commit`,
 * no file has been replaced.
 */
async function stageFiles(files: FileWrite[], host: Host): Promise<StagedFiles> {
  const staged: { temporary: string; path: string }[] = [];
  const discard = async () => {
    for (const { temporary } of staged.splice(0)) await rm(temporary, { force: true }).catch(() => undefined);
  };
  for (const file of files) {
    const temporary = temporaryPath(file.path, host);
    try {
      await mkdir(dirname(file.path), { recursive: true });
      const handle = await open(temporary, "wx", file.mode);
      staged.push({ temporary, path: file.path });
      try {
        await handle.writeFile(file.content, "utf8");
        await handle.chmod(file.mode); // the umask may have narrowed or the file system widened the creation mode
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await discard();
      throw writeError(file.path, error);
    }
  }
  return {
    discard,
    async commit() {
      const folders = new Set<string>();
      for (const [index, { temporary, path }] of staged.entries()) {
        try {
          await rename(temporary, path);
        } catch (error) {
          for (const rest of staged.slice(index)) await rm(rest.temporary, { force: true }).catch(() => undefined);
          throw writeError(path, error);
        }
        folders.add(dirname(path));
      }
      staged.length = 0;
      for (const folder of folders) await syncFolder(folder);
    },
  };
}

async function syncFolder(folder: string): Promise<void> {
  const directory = await open(folder, "r");
  try {
    await directory.sync();
  } catch {
    // Some file systems cannot fsync a folder; the rename itself is still atomic.
  } finally {
    await directory.close();
  }
}

const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder",
};

function writeError(path: string, error: unknown): PromplateError {
  const code = (error as NodeJS.ErrnoException).code ?? "error";
  const reason = WRITE_FAILURES[code] ?? (error instanceof Error ? error.message.split("\n")[0]! : String(error));
  return new EnvironmentError([
    {
      id: "output/write",
      severity: "error",
      message: `cannot write ${path}: ${reason} (${code}); the previous files are left as they were`,
      hint: "free space or fix the folder's permissions, then run again",
    },
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Temporary files

/** `.PID-START-RANDOM.promplate.tmp`: the writer's pid and start time say whether a leftover's writer still runs. */
const TEMPORARY_NAME = /^\.(\d+)-(\d*)-[0-9a-f]+\.promplate\.tmp$/;
/** Before the writer was part of the name. */
const OLD_TEMPORARY_NAME = /^\.[0-9a-f]{12}\.promplate\.tmp$/;
/** A leftover whose writer may still run is removed only after this long; a write takes milliseconds. */
const TEMPORARY_MAX_AGE_MS = 60_000;

export function temporaryPath(path: string, host: Host = systemHost): string {
  return join(dirname(path), `.${host.self.pid}-${host.self.start ?? ""}-${randomBytes(6).toString("hex")}.promplate.tmp`);
}

/**
 * Removes promplate's own leftover temporaries (a run killed mid-write) from these folders: only names of its
 * pattern, whose writer no longer runs or that are older than a minute. Returns how many were removed.
 */
export async function removeStaleTemporaries(folders: Iterable<string>, host: Host = systemHost): Promise<number> {
  let removed = 0;
  for (const folder of folders) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      const match = TEMPORARY_NAME.exec(name);
      if (!match && !OLD_TEMPORARY_NAME.test(name)) continue;
      const path = join(folder, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      const writerGone = match !== null && !host.isRunning({ pid: Number(match[1]), start: match[2] || undefined });
      if (!writerGone && host.now() - info.mtimeMs < TEMPORARY_MAX_AGE_MS) continue;
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/** A regular file's content and permission bits, not following a symlink; undefined for anything else. */
async function readRegularFile(path: string): Promise<{ content: string; mode: number } | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const content = await readIfExists(path);
  return content === undefined ? undefined : { content, mode: info.mode & 0o777 };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Replaces secret-bearing lines and any occurrence of a secret string with `***`. */
export function redactText(text: string, secretLines: readonly number[], secrets: readonly string[]): string {
  const masked = new Set(secretLines);
  const lines = text.split("\n").map((line, index) => (masked.has(index + 1) ? maskLine(line) : line));
  let result = lines.join("\n");
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join("***");
  return result;
}

/** Keeps a line's indentation and key so a redacted diff stays readable: `  password: ***`. */
function maskLine(line: string): string {
  const keyed = /^(\s*(?:- )*(?:[A-Za-z0-9_.-]+|"[^"]*"|'[^']*'):\s)/.exec(line);
  if (keyed) return `${keyed[1]}***`;
  const indent = /^\s*(?:- )*/.exec(line)![0];
  return `${indent}***`;
}

/** A unified diff of every change, with secrets masked on both sides. */
export async function formatDiff(changes: FileChange[], secrets: readonly string[]): Promise<string> {
  const { createTwoFilesPatch } = await import("diff");
  let out = "";
  for (const change of changes) {
    if (change.change === "unchanged" || change.change === "kept") continue;
    const maskedBefore = [...change.previousSecretLines, ...(change.planned?.secretLines ?? [])];
    const before = change.previous === undefined ? "" : redactText(change.previous, maskedBefore, secrets);
    const after = change.planned ? redactText(change.planned.content, change.planned.secretLines, secrets) : "";
    const oldName = change.change === "create" ? "/dev/null" : `a/${change.path}`;
    const newName = change.change === "delete" ? "/dev/null" : `b/${change.path}`;
    const patch = createTwoFilesPatch(oldName, newName, before, after, "", "", { context: 3 });
    // createTwoFilesPatch starts with an "Index"-style separator line; keep from the --- header on.
    out += patch.slice(patch.indexOf("---"));
    if (change.previous !== undefined && change.planned && before === after) {
      out += `(${change.path}: only secret values or the mode changed)\n`;
    }
  }
  return out;
}
