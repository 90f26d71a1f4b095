/**
 * The render job: project → templates → variables → outputs in memory. Nothing is written here; every problem is
 * collected and thrown together, so a bad input never leaves half-written files.
 */
import { isUtf8 } from "node:buffer";
import { stat } from "node:fs/promises";
import { parseEnvFile } from "./env-file.js";
import { insertionKindOf, listOutputFiles, loadProject, type OutputFile, type Project, type VariableDeclaration } from "./project.js";
import type { Finding } from "./finding.js";
import { BadInputError, EnvironmentError } from "./errors.js";
import { lineIndex, renderTemplate, scanTemplate, type InsertionKind, type ScannedTemplate } from "./template/index.js";
import { refuseUndeclaredSet, resolveVariables, secretStrings, type ResolvedVariable, type VariableSources } from "./variables.js";
import { cannotRead, DOCUMENT_LIMIT_HINT, firstInvalidUtf8, MAX_DOCUMENT_BYTES, maxFileSize, readRegularFile, readRegularFileBytes } from "./value-files.js";
import type { PlannedFile } from "./output.js";
import { expandSource, INSTANCE_VARIABLES, type InstanceTarget } from "./instances.js";

export interface SourceOptions {
  /** The process environment (the core never reads `process.env` itself). */
  env: Readonly<Record<string, string | undefined>>;
  /** `--set NAME=VALUE` pairs. */
  set?: Record<string, string>;
  envFile?: string;
  /** `--secrets-dir`; when undefined, `defaultSecretsDir` is used if it exists. */
  secretsDir?: string;
  /** @default "/run/secrets" */
  defaultSecretsDir?: string;
  /** `--aws-profile`: the shared-config profile for `x-aws` / `x-source` (else AWS_PROFILE, else default). */
  awsProfile?: string;
  /** `--kube-context`: the kubeconfig context for `k8s:` sources (else the kubeconfig's current-context). */
  kubeContext?: string;
}

export interface RenderProjectOptions extends SourceOptions {
  /** The project folder (`-C DIR`). */
  dir: string;
  /** Only these services' outputs (and so only their variables). */
  services?: string[];
  /** Example values only (`--set`, examples, defaults, synthesized): never the environment, files or cloud. */
  examples?: boolean;
  /** The instance and shard to render; required when the project declares `instances`. */
  instanceTarget?: InstanceTarget;
}

export interface RenderedFile extends PlannedFile {
  source: OutputFile;
  /** Template line of each output line, for findings. */
  lineMap: number[];
}

export interface ProjectRender {
  project: Project;
  files: RenderedFile[];
  variables: Map<string, ResolvedVariable>;
  /** Every string form of the secrets in use, for scrubbing anything shown to the user. */
  secrets: string[];
  /** The instance and shard rendered (absent for a project without `instances`). */
  target?: InstanceTarget;
}

export async function buildSources(options: SourceOptions, cwd: string): Promise<VariableSources> {
  const sources: VariableSources = {
    set: options.set ?? {},
    env: options.env,
    cwd,
    // Each store (and the AWS SDK) is loaded only when a variable needs it.
    cloud: async (declarations) =>
      (await import("./stores/index.js")).resolveCloudValues(declarations, {
        env: options.env,
        awsProfile: options.awsProfile,
        kubeContext: options.kubeContext,
      }),
  };
  const maxBytes = maxFileSize(options.env);
  if (typeof maxBytes === "object") throw new BadInputError([{ id: "input/max-file-size", severity: "error", message: maxBytes.error }]);
  sources.maxFileSize = maxBytes;
  if (options.envFile) sources.envFile = { path: options.envFile, values: await readEnvFile(options.envFile, maxBytes) };
  if (options.secretsDir) {
    if (!(await isDirectory(options.secretsDir))) {
      throw new BadInputError([{ id: "input/secrets-dir", severity: "error", message: `--secrets-dir ${options.secretsDir} is not a folder` }]);
    }
    sources.secretsDir = options.secretsDir;
  } else {
    const fallback = options.defaultSecretsDir ?? "/run/secrets";
    if (await isDirectory(fallback)) sources.secretsDir = fallback;
  }
  return sources;
}

/** `--env-file`: a regular file within the size limit, every line well-formed (exit 2 naming the line if not). */
async function readEnvFile(path: string, maxBytes: number): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readRegularFile(path, maxBytes);
  } catch (error) {
    const enoent = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw cannotRead(error, `--env-file ${path}`, "input/env-file", enoent ? { hint: "pass the path of a dotenv file (NAME=VALUE lines)" } : {});
  }
  const parsed = parseEnvFile(text);
  if ("errors" in parsed) {
    // The file and line go in the message, not in the problem's position: the reporter would show the line, and an
    // env file's line may hold a secret.
    throw new BadInputError(
      parsed.errors.map((e) => ({
        id: "input/env-file",
        severity: "error" as const,
        message: `--env-file ${path}:${e.line}: ${e.message} (the line is not shown: it may hold a secret)`,
      })),
    );
  }
  return parsed.values;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads and scans each output's template; problems are collected, not thrown. */
export async function scanOutputs(project: Project, files: OutputFile[], problems: Finding[]): Promise<Map<OutputFile, ScannedTemplate>> {
  const declared = new Set([...project.variables.keys(), ...(project.instances ? INSTANCE_VARIABLES : [])]);
  const scanned = new Map<OutputFile, ScannedTemplate>();
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readRegularFileBytes(file.templatePath, MAX_DOCUMENT_BYTES, DOCUMENT_LIMIT_HINT);
    } catch (error) {
      const where = { file: project.file, line: file.output.line, column: 1 };
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        problems.push({ id: "project/template-missing", severity: "error", message: `template ${file.templateName} not found`, ...where });
        continue;
      }
      const refused = cannotRead(error, `template ${file.templateName}`, "template/unreadable", where);
      // A template promplate may not read is the environment's problem (exit 3): reported at once, as such.
      if (refused instanceof EnvironmentError) throw refused;
      problems.push(...refused.findings);
      continue;
    }
    const encoding = utf8Problem(bytes, file.templateName);
    if (encoding) {
      problems.push(encoding);
      continue;
    }
    const source = bytes.toString("utf8");
    const template = scanTemplate(file.templateName, source, { declared });
    problems.push(...template.problems);
    scanned.set(file, template);
  }
  return scanned;
}

/**
 * A template must be UTF-8: decoding would silently turn a stray byte into U+FFFD, changing the output. Exit 2
 * with the offset of the first byte that is not, for every output kind.
 */
export function utf8Problem(bytes: Uint8Array, name: string): Finding | undefined {
  if (isUtf8(bytes)) return undefined;
  const offset = firstInvalidUtf8(bytes);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return {
    id: "template/encoding",
    severity: "error",
    message: `${name} is not valid UTF-8: byte ${offset} (0x${bytes[offset]!.toString(16).padStart(2, "0")}) starts no UTF-8 character`,
    hint: "save the template as UTF-8",
    file: name,
    line,
    column: offset - lineStart + 1,
  };
}

/**
 * The declared variables one service's templates read, which of them must have a value, and the scanned templates
 * (their problems added to `problems`): what the deployment commands (compose, kubernetes, ecs) give a container.
 */
export async function serviceVariables(project: Project, service: string, target: InstanceTarget | undefined, problems: Finding[]) {
  const scanned = await scanOutputs(project, await listOutputFiles(project, [service], target), problems);
  const { all, required } = referencedVariables(scanned.values());
  const declarations = [...all].flatMap((name) => project.variables.get(name) ?? []);
  return { scanned, declarations, required };
}

/** Which variables the templates read, and which of them must have a value. */
export function referencedVariables(templates: Iterable<ScannedTemplate>): { all: Set<string>; required: Set<string> } {
  const all = new Set<string>();
  const required = new Set<string>();
  for (const template of templates) {
    for (const [name, reference] of template.references) {
      all.add(name);
      if (reference.required) required.add(name);
    }
  }
  return { all, required };
}

export async function renderProject(options: RenderProjectOptions): Promise<ProjectRender> {
  const project = await loadProject(options.dir);
  return renderLoadedProject(project, options);
}

/** Renders a loaded project for one target (each instance and shard is rendered on its own). */
export async function renderLoadedProject(project: Project, options: RenderProjectOptions): Promise<ProjectRender> {
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  const target = project.instances ? options.instanceTarget : undefined;
  if (project.instances && !target) throw new Error("a project with instances is rendered one instance and shard at a time");
  const files = await listOutputFiles(project, options.services, target);
  if (options.services) {
    const known = new Set(project.outputs.map((o) => o.service));
    const unknown = options.services.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      throw new BadInputError([
        {
          id: "input/service",
          severity: "error",
          message: `no outputs for service ${unknown.join(", ")}`,
          hint: `services in this project: ${[...known].join(", ")}`,
        },
      ]);
    }
  }
  const problems: Finding[] = [];
  const scanned = await scanOutputs(project, files, problems);
  const { all, required } = referencedVariables(scanned.values());
  // An instance's values are resolved (and so validated) even where no template of these services reads them.
  const names = new Set([...all, ...Object.keys(target?.instance.values ?? {})]);
  const declarations = [...names]
    .map((name) => project.variables.get(name))
    .filter((declaration) => declaration !== undefined)
    .map((declaration) => (declaration.source ? { ...declaration, source: expandSource(declaration.source, target?.instance) } : declaration));
  const instance = target ? { instance: target.instance } : {};
  const sources = options.examples
    ? { examples: true as const, set: options.set ?? {}, ...instance }
    : { ...(await buildSources(options, project.dir)), ...instance };
  const resolved = await resolveVariables(declarations, sources, required);
  if (target) for (const variable of instanceVariables(target)) resolved.variables.set(variable.declaration.name, variable);
  const templateProblems = problems.length;
  problems.push(...resolved.problems);
  if (problems.length > 0) throw templateProblems === 0 && resolved.environmentOnly ? new EnvironmentError(problems) : new BadInputError(problems);

  const rendered = (await renderScanned(project, scanned, resolved.variables)).map((file) => (target ? { ...file, instance: target.instance.name } : file));
  await refuseTemporaryCredentials(rendered, resolved.variables);
  return { project, files: rendered, variables: resolved.variables, secrets: secretStrings(resolved.variables.values()), ...(target ? { target } : {}) };
}

/** INSTANCE, SHARD and SHARDS, which every template of a project with instances can read. */
function instanceVariables(target: InstanceTarget): ResolvedVariable[] {
  const values = { INSTANCE: target.instance.name, SHARD: target.shard, SHARDS: target.instance.shards };
  return INSTANCE_VARIABLES.map((name) => ({
    declaration: {
      name,
      schema: { type: name === "INSTANCE" ? "string" : "integer" },
      type: name === "INSTANCE" ? "string" : "integer",
      secret: false,
      required: true,
      examples: [],
      line: target.instance.line ?? 1,
      column: 1,
    },
    value: values[name],
    source: "instance",
    origin: target.instance.name,
    status: "ok",
    errors: [],
  }));
}

/**
 * Temporary AWS keys in a Prometheus config's ec2_sd_configs fail at run time (no session-token field there): exit 2
 * saying what to do. Checked only when an x-aws key variable has a real value.
 */
async function refuseTemporaryCredentials(files: RenderedFile[], variables: Map<string, ResolvedVariable>): Promise<void> {
  const keys = [...variables.values()].some(
    (v) =>
      (v.declaration.aws === "accessKeyId" || v.declaration.aws === "secretAccessKey") &&
      typeof v.value === "string" &&
      v.source !== "example" &&
      v.source !== "synthesized",
  );
  if (!keys) return;
  const { findTemporaryCredentialProblems } = await import("./temporary-credentials.js");
  const problems = await findTemporaryCredentialProblems(files, variables);
  if (problems.length > 0) throw new BadInputError(problems);
}

export async function renderScanned(
  project: Project,
  scanned: Map<OutputFile, ScannedTemplate>,
  variables: Map<string, ResolvedVariable>,
): Promise<RenderedFile[]> {
  const values = Object.fromEntries([...variables].map(([name, v]) => [name, v.value]));
  const secretNames = new Set([...variables.values()].filter((v) => v.declaration.secret).map((v) => v.declaration.name));
  const secretValues = secretStrings(variables.values());
  const problems: Finding[] = [];
  const files: RenderedFile[] = [];
  for (const [file, template] of scanned) {
    const result = await renderTemplate(template, {
      kind: insertionKindOf(file.output.kind),
      values,
      declaredType: (name) => variables.get(name)?.declaration.type ?? project.variables.get(name)?.type,
      secretNames,
      secretValues,
    });
    problems.push(...result.problems);
    files.push({
      source: file,
      service: file.output.service,
      path: file.path,
      content: result.text,
      mode: result.holdsSecret ? 0o600 : 0o644,
      sourceMode: file.templateMode,
      secretLines: result.secretLines,
      lineMap: result.lineMap,
    });
  }
  if (problems.length > 0) throw new BadInputError(problems);
  return files;
}

export interface RenderFileOptions extends SourceOptions {
  /** Shown in messages (the path, or `<stdin>`). */
  name: string;
  source: string;
  kind: InsertionKind;
  /** With a project, its declarations apply to the file. */
  project?: Project;
  cwd: string;
}

export interface FileRender {
  text: string;
  holdsSecret: boolean;
  secretLines: number[];
  secrets: string[];
}

/** `render FILE`: one template; without a project each UPPER_SNAKE `${NAME}` is a required, untyped value. */
export async function renderFile(options: RenderFileOptions): Promise<FileRender> {
  if (options.project) refuseUndeclaredSet(options.set ?? {}, options.project.variables);
  const declared = options.project ? new Set(options.project.variables.keys()) : undefined;
  const template = scanTemplate(options.name, options.source, { declared });
  const problems: Finding[] = [...template.problems];
  const declarations: VariableDeclaration[] = [...template.references.keys()].map((name) => options.project?.variables.get(name) ?? plainDeclaration(name));
  const required = new Set([...template.references].filter(([, r]) => r.required).map(([name]) => name));
  const sources = await buildSources(options, options.cwd);
  const resolved = await resolveVariables(declarations, sources, required);
  const templateProblems = problems.length;
  const lineOfFirstReference = firstReferenceLines(template);
  problems.push(...resolved.problems.map((p) => (options.project ? p : { ...p, file: options.name, line: lineOfFirstReference(p), column: 1 })));
  if (problems.length > 0) throw templateProblems === 0 && resolved.environmentOnly ? new EnvironmentError(problems) : new BadInputError(problems);
  const values = Object.fromEntries([...resolved.variables].map(([name, v]) => [name, v.value]));
  const secrets = secretStrings(resolved.variables.values());
  const result = await renderTemplate(template, {
    kind: options.kind,
    values,
    declaredType: (name) => options.project?.variables.get(name)?.type,
    secretNames: new Set(declarations.filter((d) => d.secret).map((d) => d.name)),
    secretValues: secrets,
  });
  if (result.problems.length > 0) throw new BadInputError(result.problems);
  return { text: result.text, holdsSecret: result.holdsSecret, secretLines: result.secretLines, secrets };
}

/** Without a project, a variable is required and untyped; its "declaration" is the template's first use. */
function plainDeclaration(name: string): VariableDeclaration {
  return { name, schema: {}, type: undefined, secret: false, required: true, examples: [], line: 1, column: 1 };
}

/** The line of each variable's first reference, for the problem naming it; one pass, however many problems. */
function firstReferenceLines(template: ScannedTemplate): (problem: Finding) => number {
  const firstStart = new Map<string, number>();
  for (const token of template.tokens) if (token.type === "reference" && !firstStart.has(token.name)) firstStart.set(token.name, token.start);
  const { lineOf } = lineIndex(template.source);
  return (problem) => {
    const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(problem.message)?.[1];
    const start = name === undefined ? undefined : firstStart.get(name);
    return start === undefined ? 1 : lineOf(start);
  };
}
