/**
 * `promplate scan`: literal credentials in tracked files (`git ls-files`), templates and rendered outputs — the
 * credential patterns of src/secrets.ts and the current values of the project's secret variables. A finding says
 * `file:line: kind`, never the secret. Values under a variable's `examples:` are documentation, not findings.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { findProject, listOutputFiles, loadProject } from "./project.js";
import type { SourceOptions } from "./render.js";
import { findSecretsInText, findSecretValuesInBuffer, looksBinary, type KnownSecret, type SecretFinding } from "./secrets.js";

export interface ScanOptions extends SourceOptions {
  /** The project folder (`-C DIR`): where git and promplate.yaml are looked for. */
  dir: string;
  /** Files or folders to scan; default: the tracked files, templates and rendered outputs. */
  paths?: string[];
}

export interface ScanResult {
  findings: SecretFinding[];
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
  const files = new Set<string>();

  if (hasProject) {
    const project = await loadProject(options.dir);
    const { resolveScanSecrets } = await import("./image.js");
    const found = await resolveScanSecrets({ ...options, dir: options.dir });
    secrets = found.secrets;
    if (found.unresolved.length > 0) notes.push(`not searched for (no value here): ${found.unresolved.join(", ")}`);
    examples = [...project.variables.values()].flatMap((d) => d.examples).map((v) => (typeof v === "string" ? v : JSON.stringify(v))).filter((v) => v.length >= 6);
    if (!options.paths) {
      for (const file of await listOutputFiles(project)) {
        files.add(file.templatePath);
        const rendered = join(project.dir, file.path);
        if (existsSync(rendered)) files.add(rendered);
      }
    }
  }
  if (options.paths) {
    for (const path of options.paths) await collect(isAbsolute(path) ? path : join(options.dir, path), files);
  } else {
    const tracked = gitTrackedFiles(options.dir);
    if (tracked) tracked.forEach((f) => files.add(f));
    else await collect(options.dir, files);
  }

  const findings: SecretFinding[] = [];
  for (const file of [...files].sort()) {
    const shown = relative(options.dir, file) || file;
    let buffer: Buffer;
    try {
      if ((await stat(file)).size > MAX_TEXT_SIZE) {
        notes.push(`${shown}: larger than ${MAX_TEXT_SIZE / 1024 / 1024} MiB, searched for secret values only`);
      }
      buffer = await readFile(file);
    } catch {
      continue; // deleted since git listed it, or unreadable
    }
    if (looksBinary(buffer) || buffer.length > MAX_TEXT_SIZE) {
      findings.push(...findSecretValuesInBuffer(buffer, secrets, { file: shown, where: shown }));
      continue;
    }
    let text = buffer.toString("utf8");
    // Documented examples are masked (as placeholders the patterns already allow), so a realistic-looking example
    // is not a finding.
    for (const example of examples) text = text.split(example).join("EXAMPLE".padEnd(example.length, "X"));
    findings.push(...findSecretsInText(text, { file: shown, where: shown, secrets }));
  }
  return { findings, files: files.size, notes };
}

function gitTrackedFiles(dir: string): string[] | undefined {
  try {
    const top = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    const listed = execFileSync("git", ["ls-files", "-z", "--", "."], { cwd: dir, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 256 * 1024 * 1024 }).toString();
    void top;
    return listed.split("\0").filter(Boolean).map((f) => join(dir, f));
  } catch {
    return undefined;
  }
}

async function collect(path: string, files: Set<string>): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return;
  if (info.isFile()) {
    files.add(path);
    return;
  }
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory() && SKIPPED_FOLDERS.has(entry.name)) continue;
    await collect(join(path, entry.name), files);
  }
}
