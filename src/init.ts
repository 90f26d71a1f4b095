/**
 * `promplate init [DIR]`: a new project from the embedded example (templates/), or with `--fleet` from the fleet
 * example (templates-fleet/: three instances, one sharded), with both Dockerfiles and ignore entries that keep env
 * files and rendered outputs out of git and out of images. Never overwrites a file.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { findPromplateRoot } from "./image.js";
import { BadInputError } from "./errors.js";
import { readDocument } from "./value-files.js";

/** What git must never see: env files hold secrets; outputs are rendered from them. */
export const GITIGNORE_ENTRIES = ["# promplate: env files hold secrets; outputs are rendered", "*.env", ".env.*", "/out/", "/.promplate/"];

export interface InitResult {
  written: string[];
  /** Lines appended to an existing .gitignore. */
  gitignoreAdded: string[];
}

export interface InitOptions {
  /** The fleet example instead of the single-server one. */
  fleet?: boolean;
  /**
   * With `fleet`: its prometheus-operator variant, whose prometheus.yml holds only scrape jobs and names no SHARD
   * (the operator writes the rest of the config and shards by itself); the rules and Alertmanager config are shared.
   */
  operator?: boolean;
}

/** The fleet example's files that its prometheus-operator variant replaces live in this sub-folder. */
const OPERATOR_VARIANT = "operator";

export async function initProject(target: string, options: InitOptions = {}): Promise<InitResult> {
  const root = await findPromplateRoot(import.meta.url);
  const example = join(root, options.fleet ? "templates-fleet" : "templates");
  const plan: { from: string; to: string }[] = [];
  for (const entry of await readdir(example, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === "demo.env") continue; // the demo's sample values stay with the demo
    const name = relative(example, join(entry.parentPath, entry.name));
    if (options.fleet && name.split(sep)[0] === OPERATOR_VARIANT) continue;
    const variant = join(example, OPERATOR_VARIANT, name);
    const from = options.operator && existsSync(variant) ? variant : join(example, name);
    plan.push({ from, to: join(target, name) });
  }
  for (const name of ["Dockerfile.prometheus", "Dockerfile.alertmanager", ".dockerignore"]) {
    plan.push({ from: join(root, name), to: join(target, name) });
  }
  const existing = plan.filter((p) => existsSync(p.to)).map((p) => relative(target, p.to));
  if (existing.length > 0) {
    throw new BadInputError([
      {
        id: "init/exists",
        severity: "error",
        message: `${target} already has ${existing.join(", ")}`,
        hint: "init never overwrites: choose an empty folder, or move those files away",
      },
    ]);
  }
  // Read before anything is written: a .gitignore promplate cannot read stops init with nothing half done.
  const gitignore = join(target, ".gitignore");
  const current = existsSync(gitignore) ? await readDocument(gitignore, gitignore, "init/gitignore") : "";
  for (const { from, to } of plan) {
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
  }
  const lines = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const added = GITIGNORE_ENTRIES.filter((entry) => !lines.has(entry));
  if (added.length > 0) await writeFile(gitignore, `${current}${current === "" || current.endsWith("\n") ? "" : "\n"}${added.join("\n")}\n`);
  return { written: plan.map((p) => relative(target, p.to)).sort(), gitignoreAdded: added };
}
