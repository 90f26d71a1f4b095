/**
 * `promplate compose`: a local docker-compose setup from the same project. The compose file holds no secret; each
 * service gets its own env file (0600, only its variables, git-ignored — checked with `git check-ignore`, not by
 * looking for a line — and not tracked: `git ls-files`). AWS credentials are never written: the compose file mounts ~/.aws read-only and names the
 * profile, after promplate has checked that the profile resolves.
 */
import { existsSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { stringify } from "yaml";
import { BadInputError, EnvironmentError, PromplateError } from "./errors.js";
import type { Finding } from "./finding.js";
import { refuseProtectedPaths } from "./output.js";
import { resolveReal } from "./paths.js";
import { applyPlainFiles } from "./pipeline.js";
import { GitRefusedError, type Git } from "./process.js";
import { expandSource, selectOneTarget } from "./instances.js";
import { loadProject, protectedPaths, type VariableDeclaration } from "./project.js";
import { buildSources, serviceVariables, type SourceOptions } from "./render.js";
import { readDocument } from "./value-files.js";
import { refuseUndeclaredSet, resolveVariables, type ResolvedVariable } from "./variables.js";

export type Engine = "docker" | "podman";

export interface ComposeOptions extends SourceOptions {
  dir: string;
  examples?: boolean;
  /** @default "docker-compose.yml" */
  composeFile?: string;
  /** Which host alias Prometheus uses to reach node-exporter on the host network. @default "docker" */
  engine?: Engine;
  pushgateway?: boolean;
  /** The user's home, for the read-only ~/.aws mount. */
  home?: string;
  /** The user's uid: the container runs as it when it reads the mounted ~/.aws. */
  uid?: number;
  /** The instance (and shard) to run, in a project with instances: required there. */
  instance?: string;
  shard?: number;
  /** Image tags the compose file runs (as `promplate build` tags them). */
  images?: { prometheus?: string; alertmanager?: string; nodeExporter?: string; pushgateway?: string };
}

export interface ComposeFile {
  path: string;
  content: string;
  mode: 0o600 | 0o644;
}

export interface ComposePlan {
  files: ComposeFile[];
  notes: string[];
}

const HOST_ALIAS: Record<Engine, string> = { docker: "host.docker.internal", podman: "host.containers.internal" };
/** Where the images' non-root user finds a mounted ~/.aws. */
const CONTAINER_AWS_DIR = "/run/promplate/aws";
const SERVER_PORTS: Record<string, string> = { prometheus: "9090:9090", alertmanager: "9093:9093" };

export async function planCompose(options: ComposeOptions): Promise<ComposePlan> {
  const project = await loadProject(options.dir);
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  const engine = options.engine ?? "docker";
  const servers = ["prometheus", "alertmanager"].filter((s) => project.outputs.some((o) => o.service === s));
  if (servers.length === 0) {
    throw new BadInputError([
      { id: "compose/services", severity: "error", message: "the project has no prometheus or alertmanager outputs", file: project.file },
    ]);
  }
  const notes: string[] = [];
  const files: ComposeFile[] = [];
  const services: Record<string, Record<string, unknown>> = {};
  const awsProfile = options.awsProfile ?? options.env.AWS_PROFILE ?? "default";
  const problems: Finding[] = [];
  // Compose runs one instance (and one shard of a sharded one): a project with instances must say which.
  const target = selectOneTarget(project, options.instance, options.shard);

  for (const service of servers) {
    const used = await serviceVariables(project, service, target, problems);
    const { required } = used;
    const declarations = used.declarations.map((d) => (d.source ? { ...d, source: expandSource(d.source, target?.instance) } : d));
    const fixed = hostValues(declarations, engine, options.set ?? {});
    const set = { ...fixed, ...(options.set ?? {}) };
    const instance = target ? { instance: target.instance } : {};
    // Cloud values are the container's business (it resolves them from the mounted profile), never a local file's.
    const sources = options.examples
      ? { examples: true as const, set, ...instance }
      : { ...(await buildSources({ ...options, set }, project.dir)), cloud: undefined, ...instance };
    const cloudNeeded = options.examples ? [] : declarations.filter((d) => (d.aws || d.source) && !hasLocalValue(d, sources));
    const resolved = await resolveVariables(declarations, sources, new Set([...required].filter((n) => !cloudNeeded.some((d) => d.name === n))));
    problems.push(...resolved.problems);

    const envFile = `.env.${service}`;
    const values = [...resolved.variables.values()].filter((v) => v.value !== undefined && !cloudNeeded.some((d) => d.name === v.declaration.name));
    files.push({ path: envFile, content: envFileText(values, problems), mode: 0o600 });

    const definition: Record<string, unknown> = {
      image: options.images?.[service as "prometheus" | "alertmanager"] ?? `promplate-${service}`,
      build: { context: ".", dockerfile: `Dockerfile.${service}` },
      env_file: [envFile],
      ports: [SERVER_PORTS[service]],
      restart: "unless-stopped",
    };
    if (service === "prometheus" && engine === "docker") definition.extra_hosts = [`${HOST_ALIAS.docker}:host-gateway`];
    // The image's entrypoint renders this instance and shard.
    if (target)
      definition.environment = { PROMPLATE_INSTANCE: target.instance.name, ...(target.instance.shards > 1 ? { PROMPLATE_SHARD: String(target.shard) } : {}) };
    if (cloudNeeded.length > 0) {
      await ensureProfileResolves(awsProfile, options, cloudNeeded);
      definition.environment = {
        ...(definition.environment as Record<string, string> | undefined),
        AWS_PROFILE: awsProfile,
        AWS_CONFIG_FILE: `${CONTAINER_AWS_DIR}/config`,
        AWS_SHARED_CREDENTIALS_FILE: `${CONTAINER_AWS_DIR}/credentials`,
      };
      definition.volumes = [`${join(options.home ?? options.env.HOME ?? "~", ".aws")}:${CONTAINER_AWS_DIR}:ro`];
      // ~/.aws is the host user's (0600): the server runs as that uid (with group 0, which owns the runtime paths).
      if (options.uid !== undefined) definition.user = `${options.uid}:0`;
      notes.push(`${service}: ${cloudNeeded.map((d) => d.name).join(", ")} come from AWS profile "${awsProfile}" through the read-only ~/.aws mount`);
    }
    services[service] = definition;
  }
  if (problems.length > 0) throw new BadInputError(problems);

  services["node-exporter"] = {
    image: options.images?.nodeExporter ?? "prom/node-exporter:v1.9.1",
    // The host's real network and processes, not the container's: no ports, Prometheus reaches it on the host.
    network_mode: "host",
    pid: "host",
    command: ["--path.rootfs=/host"],
    volumes: ["/:/host:ro,rslave"],
    restart: "unless-stopped",
  };
  if (options.pushgateway) {
    services.pushgateway = { image: options.images?.pushgateway ?? "prom/pushgateway:v1.11.1", ports: ["9091:9091"], restart: "unless-stopped" };
  }
  const compose = {
    // Compose interpolates `$` in this file: every literal `$` is written `$$`.
    services: escapeDollars(services),
  };
  const header = `# Generated by promplate compose (${options.examples ? "example values" : "real values"}, ${engine}). No secret is in this file:\n# each service reads its variables from its own env file (0600, kept out of git).\n`;
  const composeFile = options.composeFile ?? "docker-compose.yml";
  // `--compose-file promplate.yaml` (or a template, or an env file's name) would replace it.
  const envFiles = files.map((f) => ({ path: resolveReal(join(project.dir, f.path)), description: `the env file ${f.path}` }));
  refuseProtectedPaths([{ name: composeFile, path: join(project.dir, composeFile) }], [...protectedPaths(project), ...envFiles]);
  refuseProtectedPaths(
    files.map((f) => ({ name: f.path, path: join(project.dir, f.path) })),
    protectedPaths(project),
  );
  files.unshift({ path: composeFile, content: header + stringify(compose, { lineWidth: 0 }), mode: 0o644 });
  return { files, notes };
}

/** Values the compose setup itself decides: where node-exporter and Alertmanager are reachable. */
function hostValues(declarations: VariableDeclaration[], engine: Engine, set: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  const declared = new Set(declarations.map((d) => d.name));
  if (declared.has("NODE_EXPORTER_TARGET") && !("NODE_EXPORTER_TARGET" in set)) values.NODE_EXPORTER_TARGET = `${HOST_ALIAS[engine]}:9100`;
  if (declared.has("ALERTMANAGER_TARGET") && !("ALERTMANAGER_TARGET" in set)) values.ALERTMANAGER_TARGET = "alertmanager:9093";
  return values;
}

function hasLocalValue(
  declaration: VariableDeclaration,
  sources: { set: Record<string, string>; env?: Readonly<Record<string, string | undefined>>; envFile?: { values: Record<string, string> } },
): boolean {
  const name = declaration.name;
  return (
    name in sources.set ||
    sources.env?.[name] !== undefined ||
    sources.env?.[`${name}_FILE`] !== undefined ||
    (sources.envFile !== undefined && name in sources.envFile.values)
  );
}

async function ensureProfileResolves(profile: string, options: ComposeOptions, declarations: VariableDeclaration[]): Promise<void> {
  const { resolveCloudValues } = await import("./aws.js");
  const credentials = declarations.filter((d) => d.aws === "accessKeyId" || d.aws === "secretAccessKey" || d.aws === "sessionToken");
  if (credentials.length === 0) return;
  try {
    const found = await resolveCloudValues(credentials, { env: { ...options.env, AWS_PROFILE: profile }, profile });
    if (found.size === 0) throw new Error("no credentials");
  } catch (error) {
    if (error instanceof PromplateError) throw error;
    throw new EnvironmentError([
      {
        id: "compose/aws-profile",
        severity: "error",
        message: `AWS profile "${profile}" does not resolve to credentials`,
        hint: "pass --aws-profile NAME, or use --examples",
      },
    ]);
  }
}

/**
 * One `NAME='value'` line per variable, quoted so that Compose (v1's python-dotenv and v2's parser alike) reads the
 * value literally: single quotes when the value has none and no line break, else double quotes with escapes as long
 * as no `${` could be interpolated.
 */
export function envFileText(variables: ResolvedVariable[], problems: Finding[]): string {
  let text = "# Generated by promplate compose. Holds secrets: mode 0600, kept out of git. Do not commit.\n";
  for (const variable of variables) {
    const value = typeof variable.value === "string" ? variable.value : JSON.stringify(variable.value);
    const quoted = quoteEnvValue(value);
    if (quoted === undefined) {
      problems.push({
        id: "compose/env-value",
        severity: "error",
        message: `${variable.declaration.name}'s value cannot be written to an env file so that Compose reads it back exactly (it holds both ' and \${)`,
        hint: "pass it to the container another way, e.g. a NAME_FILE secret",
      });
      continue;
    }
    text += `${variable.declaration.name}=${quoted}\n`;
  }
  return text;
}

export function quoteEnvValue(value: string): string | undefined {
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  if (value.includes("${") || value.includes("$")) return undefined;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

function escapeDollars<T>(value: T): T {
  if (typeof value === "string") return value.replace(/\$/g, "$$$$") as T;
  if (Array.isArray(value)) return value.map(escapeDollars) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)])) as T;
  return value;
}

export interface IgnoreResult {
  /** Lines added to `.gitignore`. */
  added: string[];
  /** git confirmed the env files are ignored and untracked; false outside a git work tree (or without git). */
  checked: boolean;
}

/**
 * Env files must be ignored by git and not tracked: a tracked (or staged) file is committed whatever `.gitignore`
 * says, so it is refused (exit 2) before anything is written. Ignoring is checked with `git check-ignore` (a
 * `.gitignore` line such as `./docker-compose.yaml` looks right and ignores nothing); entries are added when
 * needed, then checked again.
 */
export async function ensureIgnored(dir: string, paths: string[], git: Git): Promise<IgnoreResult> {
  // Read (bounded) before git runs: git would wait for ever on a .gitignore that is a FIFO.
  const gitignore = join(dir, ".gitignore");
  const current = existsSync(gitignore) ? await readDocument(gitignore, gitignore, "compose/gitignore") : "";
  try {
    // Not a git work tree (or no git): nothing can be committed by accident here.
    if (!(await git.isWorkTree(dir))) return { added: [], checked: false };
  } catch (error) {
    if (!(error instanceof GitRefusedError)) throw error;
    throw new EnvironmentError([
      {
        id: "compose/git",
        severity: "error",
        message: `git cannot tell whether the env files would be committed (${error.message}); nothing was written`,
        hint: `run compose as the repository's owner, or mark it safe: git config --global --add safe.directory ${dir}`,
      },
    ]);
  }
  const tracked = await trackedPaths(git, dir, paths);
  if (tracked.length > 0) {
    throw new BadInputError([
      {
        id: "compose/tracked",
        severity: "error",
        message: `git tracks ${tracked.join(", ")}: the secrets written there would go into the next commit, whatever .gitignore says; nothing was written`,
        hint: `untrack it, keeping the file on disk: git rm --cached -- ${tracked.join(" ")} (in ${dir}), commit, then run again`,
      },
    ]);
  }
  const notIgnored = async (paths: string[]) => {
    const ignored = await Promise.all(paths.map((path) => git.isIgnored(dir, path)));
    return paths.filter((_, i) => !ignored[i]);
  };
  const missing = await notIgnored(paths);
  if (missing.length === 0) return { added: [], checked: true };
  const lines = missing.map((p) => `/${p}`);
  await appendFile(gitignore, `${current === "" || current.endsWith("\n") ? "" : "\n"}# promplate compose: env files hold secrets\n${lines.join("\n")}\n`);
  const still = await notIgnored(paths);
  if (still.length > 0) {
    throw new BadInputError([
      {
        id: "compose/not-ignored",
        severity: "error",
        message: `git would track ${still.join(", ")} even after adding it to .gitignore`,
        hint: "a rule in .gitignore re-includes it (a line starting with !): fix it, then run again",
      },
    ]);
  }
  return { added: lines, checked: true };
}

/** The paths git tracks or has staged (they are in the index). */
async function trackedPaths(git: Git, dir: string, paths: string[]): Promise<string[]> {
  const files = await git.listFiles(dir, paths);
  if (!files) {
    throw new EnvironmentError([
      {
        id: "compose/git",
        severity: "error",
        message: `git ls-files failed in ${dir}: cannot tell whether git tracks ${paths.join(", ")}; nothing was written`,
        hint: "run git status there to see what is wrong",
      },
    ]);
  }
  const listed = new Set(files.map((p) => posix.normalize(p)));
  return paths.filter((p) => listed.has(posix.normalize(p)));
}

/**
 * Writes a planned setup: the env files are checked against git first (ignored, not tracked), then every file is
 * written through the pipeline (src/pipeline.ts): atomically, all or none, under the project folder's lock.
 */
export async function writeCompose(dir: string, plan: ComposePlan, git: Git): Promise<IgnoreResult> {
  const ignored = await ensureIgnored(
    dir,
    plan.files.filter((f) => f.mode === 0o600).map((f) => f.path),
    git,
  );
  await applyPlainFiles(dir, plan.files);
  return ignored;
}
