/**
 * Writing outputs: atomic (temporary file in the same folder, fsync, rename), 0600 when a secret is inside, a
 * manifest of what was written so a removed template's stale output is deleted, and redacted diffs.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";

const MANIFEST = ".promplate/manifest.json";

export interface PlannedFile {
  /** Relative to the output root. */
  path: string;
  /** The service the output belongs to; a render of some services leaves the others' files alone. */
  service: string;
  content: string;
  mode: 0o600 | 0o644;
  /** Output lines (1-based) holding a secret value, masked in diffs. */
  secretLines: number[];
}

export interface Manifest {
  version: 1;
  files: Record<string, { mode: number; secretLines: number[]; service?: string }>;
}

export type ChangeKind = "create" | "update" | "unchanged" | "delete";

export interface FileChange {
  path: string;
  change: ChangeKind;
  mode?: number;
  /** The previous content, when there was one (for diffs). */
  previous?: string;
  previousSecretLines: number[];
  planned?: PlannedFile;
}

export async function readManifest(root: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(join(root, MANIFEST), "utf8")) as Manifest;
    if (parsed.version === 1 && parsed.files && typeof parsed.files === "object") return parsed;
  } catch {
    // No manifest yet (first render) or an unreadable one: nothing is known to be stale.
  }
  return { version: 1, files: {} };
}

/**
 * Compares the planned files with what is on disk and in the manifest. Reads only. With `services`, only those
 * services' previous outputs can be stale.
 */
export async function planChanges(root: string, files: PlannedFile[], manifest: Manifest, services?: readonly string[]): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  const planned = new Set(files.map((f) => f.path));
  for (const file of files) {
    const target = join(root, file.path);
    const previous = await readIfExists(target);
    const previousMode = previous === undefined ? undefined : (await stat(target)).mode & 0o777;
    // Without a manifest entry (a file promplate did not write, or a lost manifest) the old secrets' lines are
    // unknown: mask where the new secrets are too.
    const previousSecretLines = manifest.files[file.path]?.secretLines ?? file.secretLines;
    const change: ChangeKind = previous === undefined ? "create" : previous === file.content && previousMode === file.mode ? "unchanged" : "update";
    changes.push({ path: file.path, change, mode: file.mode, previous, previousSecretLines, planned: file });
  }
  for (const [path, entry] of Object.entries(manifest.files)) {
    if (planned.has(path) || !isInside(root, path)) continue;
    if (services && !(entry.service && services.includes(entry.service))) continue;
    const previous = await readIfExists(join(root, path));
    if (previous !== undefined) changes.push({ path, change: "delete", previous, previousSecretLines: entry.secretLines });
  }
  return changes;
}

/** Applies a plan: writes changed files atomically, deletes stale ones, then records the manifest. */
export async function applyChanges(root: string, changes: FileChange[], previous: Manifest = { version: 1, files: {} }): Promise<void> {
  for (const change of changes) {
    if ((change.change === "create" || change.change === "update") && change.planned) {
      await writeFileAtomic(join(root, change.path), change.planned.content, change.planned.mode);
    } else if (change.change === "delete") {
      await rm(join(root, change.path), { force: true });
    }
  }
  // Entries this render did not plan or delete (other services' outputs) stay recorded.
  const manifest: Manifest = { version: 1, files: { ...previous.files } };
  for (const change of changes) {
    if (change.planned) {
      manifest.files[change.path] = { mode: change.planned.mode, secretLines: change.planned.secretLines, service: change.planned.service };
    } else if (change.change === "delete") {
      delete manifest.files[change.path];
    }
  }
  await writeFileAtomic(join(root, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
}

/**
 * Writes `content` to `path` so that a reader sees the old file or the new one, never a part: a temporary file in
 * the same folder (same file system, so rename is atomic), created with its final mode, flushed, then renamed.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${randomBytes(6).toString("hex")}.promplate.tmp`);
  const handle = await open(temporary, "wx", mode);
  try {
    await handle.writeFile(content, "utf8");
    await handle.chmod(mode); // the umask may have narrowed or the file system widened the creation mode
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await chmod(path, mode);
  const directory = await open(folder, "r");
  try {
    await directory.sync();
  } catch {
    // Some file systems cannot fsync a folder; the rename itself is still atomic.
  } finally {
    await directory.close();
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(root, path));
  return rel !== "" && !rel.startsWith("..");
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
    if (change.change === "unchanged") continue;
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
