/**
 * `promplate scan`: literal credentials in tracked files (`git ls-files`), templates and rendered outputs — the
 * credential patterns of src/secrets.ts and the current values of the project's secret variables. A finding says
 * `file:line: kind`, never the secret. Values under a variable's `examples:` are documentation, not findings.
 */
import { open, readFile, readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Git } from "./process.js";
import { findProject, listOutputFiles, loadProject } from "./project.js";
import type { SourceOptions } from "./render.js";
import type { Finding } from "./finding.js";
import { findSecretsInText, findSecretValuesInBuffer, looksBinary, secretFinding, type KnownSecret, type SecretMatch } from "./secrets.js";
import { refuseUndeclaredSet } from "./variables.js";

export interface ScanOptions extends SourceOptions {
  /** The project folder (`-C DIR`): where git and promplate.yaml are looked for. */
  dir: string;
  /** Files or folders to scan; default: the tracked files, templates and rendered outputs. */
  paths?: string[];
  /** Lists the tracked files (src/process.ts `systemGit` in the CLI). */
  git: Git;
}

export interface ScanResult {
  /** `FILE:LINE: KIND (VARIABLE)`, never the value. */
  findings: Finding[];
  files: number;
  notes: string[];
}

/** Files too large to read whole are searched for secret values only, in chunks of this size. */
const MAX_TEXT_SIZE = 8 * 1024 * 1024;
const SKIPPED_FOLDERS = new Set([".git", "node_modules"]);

export async function scanForSecrets(options: ScanOptions): Promise<ScanResult> {
  const notes: string[] = [];
  const hasProject = (await findProject(options.dir)) !== undefined;
  let secrets: KnownSecret[] = [];
  let examples: string[] = [];
  const tree = await createTree(options.dir);

  if (hasProject) {
    const project = await loadProject(options.dir);
    refuseUndeclaredSet(options.set ?? {}, project.variables);
    const { resolveScanSecrets } = await import("./image.js");
    const found = await resolveScanSecrets({ ...options, dir: options.dir });
    secrets = found.secrets;
    if (found.unresolved.length > 0) notes.push(`not searched for (no value here): ${found.unresolved.join(", ")}`);
    examples = [...project.variables.values()]
      .flatMap((d) => d.examples)
      .map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
      .filter((v) => v.length >= 6);
    if (!options.paths) {
      for (const file of await listOutputFiles(project)) {
        await tree.admit(file.templatePath);
        await tree.admit(join(project.dir, file.path));
      }
    }
  }
  if (options.paths) {
    for (const path of options.paths) await tree.addNamed(isAbsolute(path) ? path : join(options.dir, path));
  } else {
    const tracked = (await options.git.listFiles(options.dir, ["."]))?.map((file) => join(options.dir, file));
    if (tracked) for (const file of tracked) await tree.admit(file);
    else await tree.walk(options.dir, tree.realRoot);
  }
  await tree.settle();
  if (tree.leaving.length > 0) {
    const shown = tree.leaving.slice(0, 5).map((p) => relative(options.dir, p) || p);
    notes.push(
      `not followed: ${tree.leaving.length} symlink${tree.leaving.length === 1 ? "" : "s"} leading out of the scanned folder (${shown.join(", ")}${tree.leaving.length > 5 ? ", …" : ""})`,
    );
  }

  const matches: SecretMatch[] = [];
  for (const file of [...tree.files.keys()].sort()) {
    const shown = relative(options.dir, file) || file;
    let buffer: Buffer;
    try {
      if (tree.files.get(file)!.size > MAX_TEXT_SIZE) {
        // Read a chunk at a time: whole, a 2 GiB file cannot be read at all and a smaller one costs its size in memory.
        matches.push(...(await findSecretValuesInLargeFile(file, secrets, { file: shown, where: shown })));
        notes.push(`${shown}: larger than ${MAX_TEXT_SIZE / 1024 / 1024} MiB, searched for secret values only`);
        continue;
      }
      buffer = await readFile(file);
    } catch {
      continue; // deleted since git listed it, or unreadable
    }
    if (looksBinary(buffer) || buffer.length > MAX_TEXT_SIZE) {
      matches.push(...findSecretValuesInBuffer(buffer, secrets, { file: shown, where: shown }));
      continue;
    }
    let text = buffer.toString("utf8");
    // Documented examples are masked (as placeholders the patterns already allow), so a realistic-looking example
    // is not a finding.
    for (const example of examples) text = text.split(example).join("EXAMPLE".padEnd(example.length, "X"));
    matches.push(...findSecretsInText(text, { file: shown, where: shown, secrets }));
  }
  return { findings: matches.map((match) => secretFinding(match)), files: tree.files.size, notes };
}

/** Secret values in a file too large to read whole, one chunk at a time; each variable is reported once. */
async function findSecretValuesInLargeFile(path: string, secrets: readonly KnownSecret[], place: { file: string; where: string }): Promise<SecretMatch[]> {
  const findings: SecretMatch[] = [];
  let left = [...secrets];
  if (left.length === 0) return findings;
  // Each chunk starts with the previous one's tail, so a value cut in two is whole in the next chunk.
  const overlap = Math.max(...secrets.map((s) => Buffer.byteLength(JSON.stringify(s.value))));
  const handle = await open(path, "r");
  try {
    let tail = Buffer.alloc(0);
    let linesBefore = 0; // newlines before `tail`
    let binary: boolean | undefined;
    for (;;) {
      const fresh = Buffer.alloc(MAX_TEXT_SIZE);
      const { bytesRead } = await handle.read(fresh, 0, fresh.length, null);
      if (bytesRead === 0) break;
      const chunk = Buffer.concat([tail, fresh.subarray(0, bytesRead)]);
      binary ??= looksBinary(chunk);
      for (const finding of findSecretValuesInBuffer(chunk, left, place)) {
        const { line, ...rest } = finding;
        findings.push(binary || line === undefined ? rest : { ...rest, line: line + linesBefore });
        left = left.filter((s) => s.name !== finding.variable);
      }
      if (left.length === 0) break;
      const kept = Math.min(overlap, chunk.length);
      linesBefore += countNewlines(chunk.subarray(0, chunk.length - kept));
      tail = chunk.subarray(chunk.length - kept);
    }
  } finally {
    await handle.close();
  }
  return findings;
}

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) count++;
  return count;
}

/**
 * The files to scan, each once (by device and inode, so a symlink or hard link to a file already listed adds
 * nothing). A symlink is followed only while its target stays inside the scanned folder: a link to `/` or `..`
 * is not walked, a link to `.` adds nothing; each folder is walked once. Only regular files are read (a FIFO would
 * block). A path named on the command line is scanned even when it is itself a symlink: the user chose it.
 */
interface ScanTree {
  /** The scanned folder's real path. */
  realRoot: string;
  /** Scanned file → its size. */
  files: Map<string, { size: number }>;
  /** Symlinks not followed because they lead out of the scanned folder. */
  leaving: string[];
  /** Adds a listed file (tracked, a template, an output) unless a symlink takes it out of the folder. */
  admit(path: string): Promise<void>;
  /** Adds the admitted paths that go through a symlink (after the others, which name the same files better). */
  settle(): Promise<void>;
  /** Adds a file or folder named on the command line. */
  addNamed(path: string): Promise<void>;
  walk(folder: string, realRoot: string): Promise<void>;
}

async function createTree(dir: string): Promise<ScanTree> {
  const realRoot = await realpath(dir).catch(() => resolve(dir));
  const seenFiles = new Set<string>();
  const seenFolders = new Set<string>();
  const files = new Map<string, { size: number }>();
  const leaving: string[] = [];
  const linked: { path: string; real: string }[] = [];

  const addFile = async (path: string, real: string) => {
    const info = await stat(real).catch(() => undefined);
    if (!info?.isFile()) return;
    const key = `${info.dev}:${info.ino}`;
    if (seenFiles.has(key)) return;
    seenFiles.add(key);
    files.set(path, { size: info.size });
  };

  const tree: ScanTree = {
    realRoot,
    files,
    leaving,
    async admit(path) {
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined) return; // deleted since listed, or a dangling link
      // Where the file would be if no symlink were involved: a project output in ../out is fine, a link out is not.
      const unlinked = join(realRoot, relative(resolve(dir), resolve(path)));
      if (real === unlinked) await addFile(path, real);
      else if (isInside(realRoot, real)) linked.push({ path, real });
      else leaving.push(path);
    },
    async settle() {
      // Linked paths last, so a file is shown by its own path when it is listed too.
      for (const { path, real } of linked.splice(0)) await addFile(path, real);
    },
    async addNamed(path) {
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined) return;
      const info = await stat(real).catch(() => undefined);
      if (info?.isDirectory()) await tree.walk(path, real);
      else await addFile(path, real);
    },
    async walk(folder, walkRoot) {
      // Real folders and files first, then the symlinks (sorted), so a file is shown by its own path, not a link's.
      const links: { path: string; walkRoot: string }[] = [];
      await walkFolder(folder, walkRoot, links);
      while (links.length > 0) {
        links.sort((a, b) => (a.path < b.path ? -1 : 1));
        const link = links.shift()!;
        const target = await realpath(link.path).catch(() => undefined);
        if (target === undefined) continue; // dangling
        if (!isInside(link.walkRoot, target)) {
          leaving.push(link.path);
          continue;
        }
        if (
          relative(link.walkRoot, target)
            .split(sep)
            .some((part) => SKIPPED_FOLDERS.has(part))
        )
          continue;
        const info = await stat(target).catch(() => undefined);
        if (info?.isDirectory()) await walkFolder(link.path, link.walkRoot, links);
        else await addFile(link.path, target);
      }
    },
  };

  async function walkFolder(folder: string, walkRoot: string, links: { path: string; walkRoot: string }[]): Promise<void> {
    const real = await realpath(folder).catch(() => undefined);
    const info = real === undefined ? undefined : await stat(real).catch(() => undefined);
    if (!info?.isDirectory()) return;
    const key = `${info.dev}:${info.ino}`;
    if (seenFolders.has(key)) return;
    seenFolders.add(key);
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walkFolder(path, walkRoot, links);
      } else if (entry.isFile()) {
        await addFile(path, path);
      } else if (entry.isSymbolicLink()) {
        links.push({ path, walkRoot });
      }
    }
  }
  return tree;
}

/** `path` is `folder` or inside it (both real paths). */
function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}
