/**
 * `promplate build`: the two images (Dockerfile.prometheus, Dockerfile.alertmanager) built with docker, podman or
 * buildah, then scanned for secrets before anything is pushed.
 *
 * Plan, then act: `planImageBuild` turns options into commands and copies (pure, tested as data; `--dry-run` prints
 * it); `buildImages` executes a plan through an injected process runner; `scanImageArchive` reads an exported image
 * (docker-archive or OCI archive) — config, history and every layer's files — and returns findings as data.
 */
import { cp, mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { BadInputError, EnvironmentError } from "./errors.js";
import type { StreamingRunner } from "./process.js";
import { formatBrief } from "./report.js";
import { loadProject } from "./project.js";
import { createRedactor } from "./redact.js";
import { buildSources, type SourceOptions } from "./render.js";
import { resolveVariables } from "./variables.js";
import {
  describeHistoryEntry,
  findSecretValuesInBuffer,
  findSecretsInText,
  historyBuildArgs,
  isSecretLikeName,
  looksBinary,
  secretFinding,
  type KnownSecret,
  type SecretMatch,
} from "./secrets.js";
import { indexTarFile, openBlob, readFileRange, readTarStream, type TarFileEntry } from "./tar.js";

export type Engine = "docker" | "podman" | "buildah";
export const ENGINES: readonly Engine[] = ["podman", "docker", "buildah"];
export type PullPolicy = "always" | "missing" | "never";

/** The services an image exists for, each with its Dockerfile at promplate's root. */
export const IMAGE_SERVICES = ["prometheus", "alertmanager"] as const;

/**
 * The packages promplate loads at run time with `require` instead of bundling (the PromQL checks of
 * `exec --tool-checks`). .dockerignore lets the same list in; a test keeps both equal to the dependency closure.
 */
export const RUNTIME_PACKAGES = ["@prometheus-io", "@codemirror", "@lezer", "@marijn", "lru-cache", "style-mod", "crelt", "w3c-keyname"] as const;

/** Never copied into a build context from the project: env files, rendered outputs, promplate's state. */
export const CONTEXT_EXCLUDES = ["*.env", ".env*", "out", "demo-out", ".promplate", "*.promplate.tmp", "node_modules", ".git"] as const;

export interface CommandLine {
  command: string;
  args: string[];
}

export interface StagedCopy {
  from: string;
  /** Relative to the context folder. */
  to: string;
  /** Paths relative to `from` that are left out (glob-like names, see `isExcludedFromContext`). */
  exclude?: string[];
}

export interface PlannedImage {
  service: string;
  dockerfile: string;
  tag: string;
  /** The final stage's base image, whose layers are upstream's (scanned for values, not patterns). */
  baseImage: string;
  build: CommandLine;
  inspectBase: CommandLine;
  /** Exports the image to `archive` for the scan. */
  export: CommandLine;
  archive: string;
  push?: CommandLine;
}

export interface ImageBuildPlan {
  engine: Engine;
  context: { dir: string; copies: StagedCopy[] };
  images: PlannedImage[];
  /** Things the user should know (services without an image). */
  notes: string[];
}

export interface PlanImageBuildOptions {
  engine: Engine;
  /** promplate's own folder: package.json, dist/, node_modules/, the Dockerfiles, .dockerignore. */
  promplateRoot: string;
  /** The project folder and the services its outputs belong to. */
  project: { dir: string; services: readonly string[]; outputPaths?: readonly string[] };
  /** The text of each Dockerfile, by service (for the base image). */
  dockerfiles: Readonly<Record<string, string>>;
  /** Where the build context is staged. */
  contextDir: string;
  /** Where images are exported for the scan. */
  archiveDir: string;
  /**
   * Image reference; `{service}` is replaced by the service, else `-SERVICE` is added to the repository.
   * @default "promplate-{service}:latest"
   * @example "registry.example.com/monitoring/{service}:1.4.0"
   */
  tag?: string;
  push?: boolean;
  /** Passed to the engine; unset leaves the engine's default. */
  pull?: PullPolicy;
  /** `--build-arg NAME=VALUE` (the scan finds a secret passed this way). */
  buildArgs?: Readonly<Record<string, string>>;
}

/** The image reference for a service; exit 2 when `--tag` makes one no engine or registry would take. */
export function imageTag(template: string | undefined, service: string): string {
  const reference = template ?? "promplate-{service}:latest";
  let result: string;
  if (reference.includes("{service}")) result = reference.replaceAll("{service}", service);
  else {
    const slash = reference.lastIndexOf("/");
    const colon = reference.lastIndexOf(":");
    const [repository, tag] = colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, "latest"];
    result = `${repository}-${service}:${tag}`;
  }
  if (!IMAGE_REFERENCE.test(result)) {
    throw new BadInputError([
      {
        id: "input/tag",
        severity: "error",
        message: `--tag ${JSON.stringify(reference.slice(0, 200))} gives ${JSON.stringify(result.slice(0, 200))} for ${service}, which is not an image reference`,
        hint: "[REGISTRY[:PORT]/]NAME[:TAG], the name in lower case, e.g. registry.example.com/monitoring/promplate-{service}:1.0",
      },
    ]);
  }
  return result;
}

/** An image reference as the distribution spec writes it: [host[:port]/]path[:tag][@digest]. */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** The base image of a Dockerfile's last stage, with global `ARG` defaults expanded. */
export function finalBaseImage(dockerfile: string): string | undefined {
  const args: Record<string, string> = {};
  let base: string | undefined;
  let seenFrom = false;
  for (const raw of dockerfile.split("\n")) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)/i.exec(line);
    if (arg && !seenFrom) args[arg[1]!] = arg[2]!.replace(/^["']|["']$/g, "");
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(line);
    if (from) {
      seenFrom = true;
      base = from[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args[name] ?? "");
    }
  }
  return base;
}

function buildCommand(engine: Engine, image: { dockerfile: string; tag: string }, options: PlanImageBuildOptions): CommandLine {
  const buildArgs = Object.entries({ PROJECT: "project", ...options.buildArgs }).flatMap(([name, value]) => ["--build-arg", `${name}=${value}`]);
  const pull = options.pull === undefined ? [] : engine === "docker" ? (options.pull === "always" ? ["--pull"] : []) : [`--pull=${options.pull}`];
  // buildah commits one layer for the whole build unless told otherwise; a layer per instruction lets the scan
  // name the instruction that leaked.
  const layers = engine === "buildah" ? ["--layers"] : [];
  const args = [
    ...(engine === "buildah" ? ["bud"] : ["build"]),
    ...layers,
    ...pull,
    "-f",
    join(options.contextDir, image.dockerfile),
    "-t",
    image.tag,
    ...buildArgs,
    options.contextDir,
  ];
  return { command: engine, args };
}

function exportCommand(engine: Engine, tag: string, archive: string): CommandLine {
  if (engine === "docker") return { command: "docker", args: ["save", "-o", archive, tag] };
  // docker-archive: layers uncompressed, which is faster to write and to read than a (gzip) OCI archive.
  if (engine === "podman") return { command: "podman", args: ["save", "--quiet", "--format", "docker-archive", "-o", archive, tag] };
  return { command: "buildah", args: ["push", "--quiet", tag, `docker-archive:${archive}`] };
}

function inspectCommand(engine: Engine, image: string): CommandLine {
  return engine === "buildah" ? { command: "buildah", args: ["inspect", "--type", "image", image] } : { command: engine, args: ["image", "inspect", image] };
}

function pushCommand(engine: Engine, tag: string): CommandLine {
  return engine === "buildah" ? { command: "buildah", args: ["push", tag, `docker://${tag}`] } : { command: engine, args: ["push", tag] };
}

/** Plans the builds: what is staged into the context, and each image's build, export, inspect and push commands. */
export function planImageBuild(options: PlanImageBuildOptions): ImageBuildPlan {
  const { engine, promplateRoot: root, project, contextDir } = options;
  const notes: string[] = [];
  const services = IMAGE_SERVICES.filter((s) => project.services.includes(s));
  for (const service of project.services) {
    if (!(IMAGE_SERVICES as readonly string[]).includes(service)) notes.push(`service ${service} has no image (images exist for ${IMAGE_SERVICES.join(", ")})`);
  }
  const dockerfiles = services.map((s) => `Dockerfile.${s}`);
  const projectExcludes = [...CONTEXT_EXCLUDES, ...(project.outputPaths ?? []).map((p) => p.replace(/\/+$/, ""))];
  const copies: StagedCopy[] = [
    { from: join(root, "package.json"), to: "package.json" },
    { from: join(root, "dist"), to: "dist" },
    { from: join(root, ".dockerignore"), to: ".dockerignore" },
    ...dockerfiles.map((file) => ({ from: join(root, file), to: file })),
    ...RUNTIME_PACKAGES.map((name) => ({ from: join(root, "node_modules", name), to: `node_modules/${name}` })),
    { from: project.dir, to: "project", exclude: [...new Set(projectExcludes)] },
  ];
  const images = services.map((service): PlannedImage => {
    const dockerfile = `Dockerfile.${service}`;
    const tag = imageTag(options.tag, service);
    const baseImage = finalBaseImage(options.dockerfiles[service] ?? "") ?? "node:24-bookworm-slim";
    const archive = join(options.archiveDir, `${service}.tar`);
    return {
      service,
      dockerfile,
      tag,
      baseImage,
      build: buildCommand(engine, { dockerfile, tag }, options),
      inspectBase: inspectCommand(engine, baseImage),
      export: exportCommand(engine, tag, archive),
      archive,
      ...(options.push ? { push: pushCommand(engine, tag) } : {}),
    };
  });
  return { engine, context: { dir: contextDir, copies }, images, notes };
}

/** Whether a path (relative, `/`-separated) falls under one of the exclusions: a name, `*.ext` or `prefix*`. */
export function isExcludedFromContext(path: string, excludes: readonly string[]): boolean {
  const parts = path.split("/").filter(Boolean);
  return excludes.some((pattern) => {
    if (pattern.includes("/")) return path === pattern || path.startsWith(`${pattern}/`);
    const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
    return parts.some((part) => regex.test(part));
  });
}

/** The plan as shell lines, for `--dry-run`. */
export function formatPlan(plan: ImageBuildPlan): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
  const line = (command: CommandLine) => [command.command, ...command.args].map(quote).join(" ");
  const out: string[] = [`# build context, staged in ${plan.context.dir}`];
  for (const copy of plan.context.copies) {
    out.push(`#   ${copy.to} <- ${copy.from}${copy.exclude?.length ? ` (without ${copy.exclude.join(" ")})` : ""}`);
  }
  for (const image of plan.images) {
    out.push(`# ${image.service}: ${image.tag} (from ${image.baseImage})`, line(image.build), line(image.export));
    out.push(`#   scan ${image.archive}: config, history and every layer, for secret values and credential patterns`);
  }
  for (const image of plan.images) if (image.push) out.push(`${line(image.push)}   # only when every scan is clean`);
  for (const note of plan.notes) out.push(`# note: ${note}`);
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading an exported image

export interface ImageLayer {
  /** Uncompressed digest (`sha256:…`), as `image inspect` shows it. */
  diffId: string;
  entry: TarFileEntry;
  /** The history entry that made the layer, if the history says. */
  history?: { index: number; createdBy: string };
}

export interface ImageArchive {
  config: Record<string, unknown> & { config?: { Env?: string[] }; history?: Array<{ created_by?: string; comment?: string; empty_layer?: boolean }> };
  layers: ImageLayer[];
}

/** Reads an image archive from `docker save` (manifest.json) or an OCI archive (index.json). */
export async function readImageArchive(path: string): Promise<ImageArchive> {
  const entries = await indexTarFile(path);
  const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ""), e]));
  const json = async (name: string) => {
    const entry = byName.get(name);
    if (!entry) throw new Error(`${name} is missing from the image archive`);
    return JSON.parse((await readFileRange(path, entry.offset, entry.size)).toString("utf8")) as Record<string, unknown>;
  };
  const blobName = (digest: string) => `blobs/${digest.replace(":", "/")}`;
  let configName: string;
  let layerNames: string[];
  if (byName.has("manifest.json")) {
    const manifest = (await json("manifest.json")) as unknown as Array<{ Config: string; Layers: string[] }>;
    configName = manifest[0]!.Config;
    layerNames = manifest[0]!.Layers;
  } else {
    let index = await json("index.json");
    let descriptor = (index.manifests as Array<{ digest: string; mediaType?: string }>)[0]!;
    while (descriptor.mediaType?.includes("index")) {
      index = await json(blobName(descriptor.digest));
      descriptor = (index.manifests as Array<{ digest: string; mediaType?: string }>)[0]!;
    }
    const manifest = (await json(blobName(descriptor.digest))) as { config: { digest: string }; layers: Array<{ digest: string }> };
    configName = blobName(manifest.config.digest);
    layerNames = manifest.layers.map((l) => blobName(l.digest));
  }
  const config = (await json(configName)) as ImageArchive["config"];
  const diffIds = ((config.rootfs as { diff_ids?: string[] } | undefined)?.diff_ids ?? []) as string[];
  const layerHistory = (config.history ?? [])
    .map((h, index) => ({ index, createdBy: h.created_by ?? "", empty: h.empty_layer === true }))
    .filter((h) => !h.empty);
  const layers = layerNames.map((name, i): ImageLayer => {
    const entry = byName.get(name);
    if (!entry) throw new Error(`layer ${name} is missing from the image archive`);
    const history = layerHistory[i];
    return { diffId: diffIds[i] ?? name, entry, ...(history ? { history: { index: history.index, createdBy: history.createdBy } } : {}) };
  });
  return { config, layers };
}

/** The layer digests (`sha256:…`) in `image inspect` output of any engine (RootFS.Layers, rootfs.diff_ids). */
export function layerDigestsOf(inspectOutput: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(inspectOutput);
  } catch {
    return [];
  }
  const found: string[] = [];
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      if ((key === "Layers" || key === "diff_ids") && value.every((v) => typeof v === "string" && v.startsWith("sha256:"))) found.push(...(value as string[]));
      else value.forEach((v) => visit(v, key));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(parsed, "");
  return [...new Set(found)];
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning

export interface ImageScanOptions {
  /** Values of the project's secret variables. */
  secrets: readonly KnownSecret[];
  /** Declared secret variables: such a name in the config's Env or a build argument is a finding even without its value. */
  secretNames?: readonly string[];
  /** Layers (diff ids) of the base image: scanned for secret values, not for credential patterns (upstream's files). */
  baseLayers?: ReadonlySet<string>;
  /** Text files larger than this are scanned for values only. @default 4 MiB */
  maxPatternFileSize?: number;
}

export interface ImageScan {
  findings: SecretMatch[];
  layers: number;
  files: number;
  bytes: number;
}

const MAX_FILE_SIZE = 1 << 30;

function layerLabel(layer: ImageLayer, index: number, total: number, secrets: readonly KnownSecret[]): string {
  const history = layer.history ? ` (history #${layer.history.index}: ${describeHistoryEntry(layer.history.createdBy, secrets)})` : "";
  return `layer ${index + 1}/${total} ${layer.diffId.slice(0, 19)}${history}`;
}

/** Scans an exported image: its config (Env, labels, command), its history, and every file of every layer. */
export async function scanImageArchive(path: string, options: ImageScanOptions): Promise<ImageScan> {
  const archive = await readImageArchive(path);
  const { secrets } = options;
  const secretNames = new Set(options.secretNames ?? []);
  const findings: SecretMatch[] = [];
  const flaggedName = (name: string) => secretNames.has(name) || isSecretLikeName(name);

  // Config: every field but the history (scanned next, entry by entry) and the layer list.
  const { history = [], rootfs: _rootfs, ...rest } = archive.config;
  for (const entry of rest.config?.Env ?? []) {
    const name = entry.slice(0, entry.indexOf("=") >>> 0);
    const value = entry.slice(name.length + 1);
    if (flaggedName(name) && value !== "") findings.push({ kind: "secret-env", file: "config", where: `image config Env ${name}`, variable: name });
  }
  for (const finding of findSecretsInText(JSON.stringify(rest, null, 1), { file: "config", where: "image config", secrets, fileName: "config" })) {
    findings.push({ ...finding, line: undefined });
  }

  history.forEach((entry, index) => {
    const createdBy = `${entry.created_by ?? ""}\n${entry.comment ?? ""}`;
    const where = `history #${index}: ${describeHistoryEntry(entry.created_by ?? "", secrets)}`;
    for (const name of historyBuildArgs(entry.created_by ?? "")) {
      if (flaggedName(name)) findings.push({ kind: "build-arg-in-history", file: "history", where, variable: name });
    }
    for (const finding of findSecretsInText(createdBy, { file: "history", where, secrets, fileName: "history" }))
      findings.push({ ...finding, line: undefined });
  });

  let files = 0;
  let bytes = 0;
  const maxPatternFileSize = options.maxPatternFileSize ?? 4 << 20;
  for (const [index, layer] of archive.layers.entries()) {
    const upstream = options.baseLayers?.has(layer.diffId) === true;
    const where = layerLabel(layer, index, archive.layers.length, secrets);
    const stream = await openBlob(path, layer.entry);
    for await (const entry of readTarStream(stream, { maxFileSize: MAX_FILE_SIZE })) {
      if (!entry.content) continue;
      files++;
      bytes += entry.content.length;
      const file = `/${entry.name}`;
      const text = !upstream && entry.content.length <= maxPatternFileSize && !looksBinary(entry.content);
      findings.push(
        ...(text
          ? findSecretsInText(entry.content.toString("utf8"), { file, where, secrets })
          : findSecretValuesInBuffer(entry.content, secrets, { file, where })),
      );
    }
  }
  return { findings, layers: archive.layers.length, files, bytes };
}

// ---------------------------------------------------------------------------------------------------------------
// The values to look for

/** Values shorter than this are not searched for: they would match by chance. */
export const MIN_SECRET_LENGTH = 6;

export interface ScanSecrets {
  secrets: KnownSecret[];
  /** Every declared secret variable. */
  names: string[];
  /** Declared secrets with no value from a real source here (not searched for). */
  unresolved: string[];
  /** Secrets whose value is too short to search for. */
  tooShort: string[];
}

/**
 * The values of all secret variables the real sources (environment, NAME_FILE, secrets folder, env file, --set)
 * provide. A missing one is simply not searched for; a value that is also a declared example or default is not
 * secret (it is written in promplate.yaml, which is in the image).
 */
export async function resolveScanSecrets(options: SourceOptions & { dir: string }): Promise<ScanSecrets> {
  const project = await loadProject(options.dir);
  const declarations = [...project.variables.values()].filter((d) => d.secret);
  // Local sources only: a scan looks for values that could have been copied into files, never asks the cloud.
  const sources = { ...(await buildSources(options, project.dir)), cloud: undefined };
  const { variables } = await resolveVariables(declarations, sources, new Set());
  const result: ScanSecrets = { secrets: [], names: declarations.map((d) => d.name), unresolved: [], tooShort: [] };
  for (const variable of variables.values()) {
    const { declaration } = variable;
    if (variable.source === undefined || variable.source === "default") {
      result.unresolved.push(declaration.name);
      continue;
    }
    const published = new Set(
      [...declaration.examples, declaration.default].filter((v) => v !== undefined).map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
    );
    const forms = new Set<string>();
    const add = (value: unknown) => {
      if (value === undefined || value === null) return;
      if (typeof value === "object") Object.values(value).forEach(add);
      else forms.add(String(value));
    };
    add(variable.value);
    if (variable.raw !== undefined) forms.add(variable.raw);
    const values = [...forms].filter((v) => !published.has(v));
    if (values.some((v) => v.length < MIN_SECRET_LENGTH)) result.tooShort.push(declaration.name);
    for (const value of values) if (value.length >= MIN_SECRET_LENGTH) result.secrets.push({ name: declaration.name, value });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Acting on a plan

export interface BuildImagesOptions {
  run: StreamingRunner;
  /** Progress, one line at a time (the CLI prints it on stderr). */
  log: (line: string) => void;
  /** The engine's environment. */
  env: Record<string, string | undefined>;
  secrets: ScanSecrets;
  /** Milliseconds, for timings. @default Date.now */
  now?: () => number;
}

export interface BuiltImage {
  service: string;
  tag: string;
  buildSeconds: number;
  scanSeconds: number;
  scan: ImageScan;
  pushed: boolean;
}

export interface ImageBuildResult {
  images: BuiltImage[];
  findings: Array<SecretMatch & { image: string }>;
}

async function runStep(command: CommandLine, options: BuildImagesOptions, what: string, echo: boolean): Promise<{ output: string }> {
  // Known secret values are masked in the engine's output, in any encoding (src/redact.ts).
  const scrub = createRedactor(options.secrets.secrets.map((secret) => secret.value));
  const onLine = echo ? (line: string) => options.log(`  ${scrub(line)}`) : undefined;
  let result;
  try {
    result = await options.run(command.command, command.args, { env: options.env, onLine });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EnvironmentError([
      {
        id: "build/engine",
        severity: "error",
        message: `cannot run ${command.command}${code ? ` (${code})` : ""}`,
        hint: `install ${command.command}, or choose another with --engine ${ENGINES.join("|")}`,
      },
    ]);
  }
  if (result.exitCode !== 0) {
    const tail = result.output
      .trim()
      .split("\n")
      .slice(-5)
      .map((l) => scrub(l))
      .join("\n  ");
    throw new EnvironmentError([
      { id: "build/engine", severity: "error", message: `${what} failed: ${command.command} exited with ${result.exitCode}${tail ? `\n  ${tail}` : ""}` },
    ]);
  }
  return result;
}

/** Copies what the build context needs into the plan's context folder. */
export async function stageContext(plan: ImageBuildPlan): Promise<void> {
  await mkdir(plan.context.dir, { recursive: true });
  for (const copy of plan.context.copies) {
    const excludes = copy.exclude ?? [];
    try {
      await stat(copy.from);
    } catch {
      throw new EnvironmentError([
        {
          id: "build/context",
          severity: "error",
          message: `${copy.from} is missing`,
          hint: copy.to === "dist" ? "build promplate first: npm run build" : "reinstall promplate (npm ci)",
        },
      ]);
    }
    await cp(copy.from, join(plan.context.dir, copy.to), {
      recursive: true,
      filter: (source) => {
        const path = relative(copy.from, source).split(sep).join("/");
        return path === "" || !isExcludedFromContext(path, excludes);
      },
    });
  }
}

/** Stages the context, builds, exports and scans each image, and pushes only when every scan is clean. */
export async function buildImages(plan: ImageBuildPlan, options: BuildImagesOptions): Promise<ImageBuildResult> {
  const now = options.now ?? Date.now;
  const result: ImageBuildResult = { images: [], findings: [] };
  await stageContext(plan);
  for (const archive of plan.images.map((i) => i.archive)) await mkdir(dirname(archive), { recursive: true });
  try {
    for (const [n, image] of plan.images.entries()) {
      options.log(`building ${image.service} (${n + 1}/${plan.images.length}) as ${image.tag} with ${plan.engine}`);
      const started = now();
      await runStep(image.build, options, `building ${image.tag}`, true);
      const buildSeconds = (now() - started) / 1000;
      options.log(`built ${image.tag} in ${buildSeconds.toFixed(1)} s; scanning it for secrets`);
      const scanStarted = now();
      let baseLayers = new Set<string>();
      try {
        baseLayers = new Set(layerDigestsOf((await runStep(image.inspectBase, options, `inspecting ${image.baseImage}`, false)).output));
      } catch {
        options.log(`cannot inspect ${image.baseImage}: its layers are scanned for credential patterns too`);
      }
      await runStep(image.export, options, `exporting ${image.tag}`, false);
      const scan = await scanImageArchive(image.archive, { secrets: options.secrets.secrets, secretNames: options.secrets.names, baseLayers });
      await rm(image.archive, { force: true });
      const scanSeconds = (now() - scanStarted) / 1000;
      options.log(
        `scanned ${image.tag}: ${scan.layers} layers, ${scan.files} files, ${(scan.bytes / 1e6).toFixed(0)} MB in ${scanSeconds.toFixed(1)} s: ${scan.findings.length ? plural(scan.findings.length, "finding") : "clean"}`,
      );
      result.images.push({ service: image.service, tag: image.tag, buildSeconds, scanSeconds, scan, pushed: false });
      result.findings.push(...scan.findings.map((f) => ({ ...f, image: image.tag })));
    }
    if (result.findings.length === 0) {
      for (const [n, image] of plan.images.entries()) {
        if (!image.push) continue;
        options.log(`pushing ${image.tag}`);
        await runStep(image.push, options, `pushing ${image.tag}`, true);
        result.images[n]!.pushed = true;
      }
    } else if (plan.images.some((i) => i.push)) {
      options.log("not pushing: the scan found secrets");
    }
  } finally {
    await rm(plan.context.dir, { recursive: true, force: true });
    for (const image of plan.images) await rm(image.archive, { force: true });
  }
  return result;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** A match as one line, as `build` prints it: `IMAGE: FILE:LINE: KIND (VARIABLE) in WHERE`. */
export function formatFinding(finding: SecretMatch & { image?: string }): string {
  return formatBrief([secretFinding(finding, finding.image)]).trimEnd();
}

/** promplate's own folder (holding package.json, dist/ and the Dockerfiles), from a module inside it. */
export async function findPromplateRoot(moduleUrl: string): Promise<string> {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "promplate") return dir;
    } catch {
      // not here
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new EnvironmentError([
        { id: "build/install", severity: "error", message: "cannot find promplate's own folder (package.json)", hint: "reinstall promplate" },
      ]);
    }
    dir = parent;
  }
}
