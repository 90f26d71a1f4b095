/**
 * Loads promplate.yaml and validates it once, at the edge: downstream code trusts the `Project` type.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { join, posix, resolve } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, visit, type Document, type Node, type Scalar } from "yaml";
import { type ProjectFile, type ProjectFileOutput, validate as validateProjectFile } from "./generated/project-validator.js";
import type { ProtectedPath } from "./output.js";
import { isWithin, normalizeRelative, resolveReal, staysInside } from "./paths.js";
import { suggestName, type Finding } from "./finding.js";
import { BadInputError } from "./errors.js";
import { createRedactor } from "./redact.js";
import { expandPath, INSTANCE_VARIABLES, targetsOf, type Instance, type InstanceTarget } from "./instances.js";
import type { DeclaredType } from "./template/index.js";
import { cannotRead, DOCUMENT_LIMIT_HINT, MAX_DOCUMENT_BYTES, readRegularFile } from "./value-files.js";
import { parseDocumentWithinLimits } from "./yaml-limits.js";

export const PROJECT_FILE = "promplate.yaml";

/** The kinds the code handles; OutputDeclaration fails to type-check when the schema's list differs. */
export type OutputKind = "prometheus-config" | "prometheus-rules" | "alertmanager-config" | "web-config" | "yaml" | "json" | "toml" | "text";

/** A variable's property schema as written, plus what promplate reads from it. */
export interface VariableDeclaration {
  name: string;
  schema: Record<string, unknown>;
  type: DeclaredType;
  /** `writeOnly: true`: redacted everywhere, and outputs using it are written 0600. */
  secret: boolean;
  /** Neither a default nor `x-optional: true`. */
  required: boolean;
  default?: unknown;
  /** The digits of an integer `default` beyond 2^53, which `default` holds only rounded; inserted instead of it. */
  defaultDigits?: string;
  examples: unknown[];
  /** Likewise for `examples`, by index. */
  exampleDigits?: (string | undefined)[];
  aws?: "accessKeyId" | "secretAccessKey" | "sessionToken" | "region";
  source?: string;
  /** Where the declaration is in promplate.yaml. */
  line: number;
  column: number;
}

/** An output as promplate.yaml declares it (the fields are generated from the schema), and the line it is on. */
export interface OutputDeclaration extends ProjectFileOutput {
  kind: OutputKind;
  line: number;
}

export interface Project {
  dir: string;
  file: string;
  variables: Map<string, VariableDeclaration>;
  outputs: OutputDeclaration[];
  tests: string[];
  /** `instances:`, in the order written; undefined for a project without them (one instance, as before). */
  instances?: Instance[];
  /** `lint:`: the rule checks that know the config turned off, or given another severity (src/checks/rule-lint.ts). */
  lint?: ProjectFile["lint"];
}

/** One template file to render, after expanding folder outputs. */
export interface OutputFile {
  output: OutputDeclaration;
  /** Absolute template path. */
  templatePath: string;
  /** Template path as shown to the user (relative to the project). */
  templateName: string;
  /** Output path relative to the output root, normalized. */
  path: string;
  runtimePath?: string;
  /** The template's permission bits: an output is never readable by more people than its template. */
  templateMode?: number;
}

export async function findProject(dir: string): Promise<string | undefined> {
  const file = join(dir, PROJECT_FILE);
  try {
    await stat(file);
    return file;
  } catch {
    return undefined;
  }
}

export async function loadProject(dir: string): Promise<Project> {
  const file = join(dir, PROJECT_FILE);
  const projectReal = resolveReal(dir);
  // As for templates: a link out of the project (to ~/.git-credentials, say) would have its lines quoted in errors.
  const real = await realpath(file).catch(() => undefined);
  if (real !== undefined && !isWithin(real, projectReal)) {
    throw new BadInputError([
      {
        id: "project/outside-project",
        severity: "error",
        message: `${PROJECT_FILE} is a symlink to ${real}, outside the project folder ${dir}`,
        hint: "copy the file into the project folder",
      },
    ]);
  }
  let text: string;
  try {
    text = await readRegularFile(file, MAX_DOCUMENT_BYTES, DOCUMENT_LIMIT_HINT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BadInputError([
        { id: "project/missing", severity: "error", message: `${PROJECT_FILE} not found in ${dir}`, hint: "run promplate init, or pass -C DIR" },
      ]);
    }
    throw cannotRead(error, file, "project/unreadable");
  }
  const project = parseProject(dir, PROJECT_FILE, text);
  const problems: Finding[] = [];
  for (const test of project.tests) {
    const testReal = await realpath(join(project.dir, test)).catch(() => undefined);
    if (testReal !== undefined && !isWithin(testReal, projectReal)) {
      problems.push({
        id: "project/outside-project",
        severity: "error",
        message: `rule test file ${test} leads to ${testReal}, outside the project folder`,
        hint: "keep rule tests in the project folder",
        file: PROJECT_FILE,
      });
    }
  }
  if (problems.length > 0) throw new BadInputError(problems);
  return project;
}

export function parseProject(dir: string, fileName: string, text: string): Project {
  const lineCounter = new LineCounter();
  // Integers are read as BigInt, so that none beyond 2^53 is rounded unnoticed (see numbersFromBigInts).
  const document = parseDocumentWithinLimits(text, { lineCounter, prettyErrors: false, uniqueKeys: true, intAsBigInt: true });
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { file: fileName, line, column: col };
  };
  if (document.errors.length > 0) {
    throw new BadInputError(
      document.errors.map((e): Finding => ({ id: "project/yaml", severity: "error", message: e.message.split("\n")[0]!, ...at(e.pos[0]) })),
    );
  }
  const bigIntegers = numbersFromBigInts(document);
  const data = document.toJS({ maxAliasCount: -1 }) as unknown; // aliases are within the budget already
  const nodeAt = (path: (string | number)[]): Node | undefined => {
    let node: unknown = document.contents;
    for (const key of path) {
      if (isMap(node)) node = node.get(key, true);
      else if (isSeq(node)) node = node.get(Number(key), true);
      else return undefined;
    }
    return node as Node | undefined;
  };
  const positionOfPath = (path: (string | number)[]) => {
    for (let length = path.length; length >= 0; length--) {
      // A mapping entry is shown at its key (`AWS_REGION:`), not at its value on the next line.
      const parent = length > 0 ? nodeAt(path.slice(0, length - 1)) : undefined;
      const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === path[length - 1]) : undefined;
      const keyRange = pair && isScalar(pair.key) ? pair.key.range : undefined;
      if (keyRange) return at(keyRange[0]);
      const node = nodeAt(path.slice(0, length));
      if (node?.range) return at(node.range[0]);
    }
    return at(0);
  };

  if (!validateProjectFile(data)) {
    // A bad property name gives two errors (the name's pattern, then "property name must be valid"): one is shown.
    const errors = (validateProjectFile.errors ?? []).filter((error) => (error as { propertyName?: string }).propertyName === undefined);
    const problems = errors.map((error): Finding => {
      const path = error.instancePath
        .split("/")
        .slice(1)
        .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
      const where = path.length > 0 ? path.join(".") : "the project";
      const extra = error.keyword === "additionalProperties" ? ` \`${String(error.params.additionalProperty)}\`` : "";
      const allowed = error.keyword === "enum" ? ` (one of ${(error.params.allowedValues as unknown[]).join(", ")})` : "";
      if (error.keyword === "propertyNames") {
        const name = String(error.params.propertyName);
        const rule =
          path[0] === "instances"
            ? "an instance name is lower-case letters, digits and dashes, at most 40, starting and ending with a letter or digit"
            : "a variable name is letters, digits and underscores, not starting with a digit";
        return { id: "project/schema", severity: "error", message: `${where}: \`${name}\` is not a valid name: ${rule}`, ...positionOfPath([...path, name]) };
      }
      return { id: "project/schema", severity: "error", message: `${where}: ${error.message}${extra}${allowed}`, ...positionOfPath(path) };
    });
    throw new BadInputError(problems);
  }
  // The type generated from schemas/promplate.schema.json: a schema change the code does not follow fails the type check.
  const valid: ProjectFile = data;

  const variables = new Map<string, VariableDeclaration>();
  const problems: Finding[] = [];
  /** The digits of an integer beyond 2^53 at `path`, when a value is written there. */
  const keptDigits = new Set<Scalar>();
  const digitsAt = (path: (string | number)[]): string | undefined => {
    let node = nodeAt(path);
    if (isAlias(node)) node = node.resolve(document);
    const digits = isScalar(node) ? bigIntegers.get(node) : undefined;
    if (digits !== undefined) keptDigits.add(node as Scalar);
    return digits;
  };
  for (const [name, schema] of Object.entries(valid.variables ?? {})) {
    const position = positionOfPath(["variables", name]);
    const examples = Array.isArray(schema.examples) ? schema.examples : [];
    const exampleDigits = examples.map((_, index) => digitsAt(["variables", name, "examples", index]));
    variables.set(name, {
      name,
      schema,
      type: schema.type,
      secret: schema.writeOnly === true,
      required: !("default" in schema) && schema["x-optional"] !== true,
      default: schema.default,
      defaultDigits: digitsAt(["variables", name, "default"]),
      examples,
      ...(exampleDigits.some((digits) => digits !== undefined) ? { exampleDigits } : {}),
      aws: schema["x-aws"],
      source: schema["x-source"],
      line: position.line,
      column: position.column,
    });
  }
  // Anywhere else in the declarations or an instance's values (a bound, an enum, inside a list or object default),
  // the rounded number would silently be another value: refused, as --set refuses such an integer inside a list.
  const guardedRanges = [nodeAt(["variables"])?.range, nodeAt(["instances"])?.range].filter((range) => range != null);
  for (const [node, digits] of bigIntegers) {
    const offset = node.range?.[0] ?? 0;
    if (keptDigits.has(node) || !guardedRanges.some((range) => offset >= range[0] && offset < range[1])) continue;
    problems.push({
      id: "project/big-integer",
      severity: "error",
      message: `${digits} is an integer beyond 2^53, which promplate can hold exactly only as a variable's default or example`,
      hint: "use a smaller number here, or write it as a string",
      ...at(offset),
    });
  }
  const outputs = valid.outputs.map((output, index) => {
    const position = positionOfPath(["outputs", index]);
    for (const key of ["template", "path"] as const) {
      if (!staysInside(output[key])) {
        problems.push({ id: "project/path", severity: "error", message: `outputs[${index}].${key} must be a relative path inside the project`, ...position });
      }
    }
    if (output.template.endsWith("/") !== output.path.endsWith("/")) {
      problems.push({
        id: "project/path",
        severity: "error",
        message: `outputs[${index}]: a folder template (ending in /) needs a folder path (ending in /), and a file a file`,
        ...positionOfPath(["outputs", index]),
      });
    }
    return { ...output, line: position.line };
  });
  const tests = valid.tests ?? [];
  const instances = valid.instances
    ? Object.entries(valid.instances).map(
        ([name, instance]): Instance => ({
          name,
          values: instance.values ?? {},
          shards: instance.shards ?? 1,
          line: positionOfPath(["instances", name]).line,
          valuePositions: Object.fromEntries(
            Object.keys(instance.values ?? {}).map((variable) => {
              const { line, column } = positionOfPath(["instances", name, "values", variable]);
              return [variable, { line, column }];
            }),
          ),
        }),
      )
    : undefined;
  for (const name of INSTANCE_VARIABLES) {
    if (variables.has(name)) {
      problems.push({
        id: "project/reserved-variable",
        severity: "error",
        message: `the variable name ${name} is reserved: every template can read INSTANCE, SHARD and SHARDS`,
        hint: "rename the variable",
        ...positionOfPath(["variables", name]),
      });
    }
  }
  if (instances) {
    problems.push(...instanceProblems(instances, variables, (path) => positionOfPath(path)));
    problems.push(...placeholderProblems(instances, outputs, (index) => positionOfPath(["outputs", index, "path"])));
  }
  if (problems.length === 0) {
    // Each instance and shard writes its own files: compared once per expansion of the paths.
    const expansions = instances ? instances.flatMap(targetsOf) : [undefined];
    for (const target of expansions) {
      const expanded = target ? outputs.map((output) => ({ ...output, path: expandPath(output.path, target) })) : outputs;
      problems.push(...findPathClashes(resolve(dir), fileName, expanded, tests, (index) => positionOfPath(["outputs", index, "path"])));
      if (problems.length > 0) break;
    }
  }
  if (problems.length > 0) {
    // A secret's value written under an instance's values is shown masked in the line the finding points at.
    const misplaced = (instances ?? []).flatMap((instance) =>
      Object.entries(instance.values)
        .filter(([name]) => variables.get(name)?.secret)
        .map(([, value]) => (typeof value === "string" ? value : JSON.stringify(value))),
    );
    throw new BadInputError(problems, misplaced.length > 0 ? createRedactor(misplaced) : undefined);
  }
  return { dir: resolve(dir), file: fileName, variables, outputs, tests, ...(instances ? { instances } : {}), ...(valid.lint ? { lint: valid.lint } : {}) };
}

type PositionOfPath = (path: (string | number)[]) => { file: string; line: number; column: number };

/** An instance's values are declared, non-secret variables (their types are checked when they are resolved). */
function instanceProblems(instances: Instance[], variables: Map<string, VariableDeclaration>, positionOf: PositionOfPath): Finding[] {
  const problems: Finding[] = [];
  for (const instance of instances) {
    for (const name of Object.keys(instance.values)) {
      const where = positionOf(["instances", instance.name, "values", name]);
      const declaration = variables.get(name);
      if (!declaration) {
        const suggestion = suggestName(name, variables.keys());
        problems.push({
          id: "project/instance-value",
          severity: "error",
          message: `instances.${instance.name}.values.${name}: ${name} is not a declared variable${suggestion ? ` (did you mean ${suggestion}?)` : ""}`,
          hint: `declare ${name} under variables:, or remove the value`,
          ...where,
        });
      } else if (declaration.secret) {
        // The value would sit in promplate.yaml, in git: a secret comes from its sources (x-source may name {instance}).
        problems.push({
          id: "project/instance-secret",
          severity: "error",
          message: `instances.${instance.name}.values.${name}: ${name} is a secret (writeOnly), and instance values are written in promplate.yaml`,
          hint: `remove the value; give ${name} an x-source such as "ssm:/monitoring/{instance}/${name.toLowerCase()}", or set it per instance in the environment`,
          ...where,
        });
      }
    }
  }
  return problems;
}

/** With instances, every output path names `{instance}`; with a sharded instance, `{shard}` too. */
function placeholderProblems(
  instances: Instance[],
  outputs: OutputDeclaration[],
  positionOf: (index: number) => { file: string; line: number; column: number },
): Finding[] {
  const sharded = instances.find((instance) => instance.shards > 1);
  return outputs.flatMap((output, index): Finding[] => {
    const missing = [
      !output.path.includes("{instance}") ? "{instance}" : undefined,
      sharded && !output.path.includes("{shard}") ? "{shard}" : undefined,
    ].filter((m) => m !== undefined);
    if (missing.length === 0) return [];
    const why = missing.includes("{instance}")
      ? "each instance renders every output"
      : `instance ${sharded!.name} has ${sharded!.shards} shards, each rendering every output`;
    return [
      {
        id: "project/output-placeholder",
        severity: "error",
        message: `outputs[${index}].path ${output.path} has no ${missing.join(" or ")}: ${why}, and they would write one file`,
        hint: `put ${missing.join(" and ")} in the path, e.g. out/${missing.join("/")}/${output.path.split("/").pop() || "rules/"}`,
        ...positionOf(index),
      },
    ];
  });
}

/**
 * Turns the BigInts that `intAsBigInt` parsed back into numbers, as the rest of promplate expects, and returns the
 * digits of those beyond 2^53, which the number holds only rounded (…993 becomes …992).
 */
function numbersFromBigInts(document: Document.Parsed): Map<Scalar, string> {
  const big = new Map<Scalar, string>();
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== "bigint") return;
      const number = Number(node.value);
      if (!Number.isSafeInteger(number)) big.set(node, node.value.toString());
      node.value = number;
    },
  });
  return big;
}

/**
 * Paths are compared as files, not as spellings (`./out/o.yml`, `out//o.yml`, `x/../out/o.yml` and `link/o.yml`
 * with link → out are one file): two outputs may not write one file or one inside the other, and no output may
 * overwrite or write inside a template, promplate.yaml or a rule test file (or contain one).
 */
function findPathClashes(
  dir: string,
  fileName: string,
  outputs: OutputDeclaration[],
  tests: string[],
  positionOf: (index: number) => { file: string; line: number; column: number },
): Finding[] {
  const problems: Finding[] = [];
  const real = (path: string) => resolveReal(join(dir, normalizeRelative(path)));
  const targets = outputs.map((output) => real(output.path));
  const sources = [
    { name: fileName, path: real(fileName) },
    ...outputs.map((output) => ({ name: normalizeRelative(output.template), path: real(output.template) })),
    ...tests.map((test) => ({ name: normalizeRelative(test), path: real(test) })),
  ];
  targets.forEach((target, index) => {
    const path = outputs[index]!.path;
    const earlier = targets.findIndex((other, j) => j < index && (isWithin(target, other) || isWithin(other, target)));
    if (earlier !== -1) {
      const message =
        targets[earlier] === target
          ? `outputs[${index}] writes ${path}, as outputs[${earlier}] does`
          : `outputs[${index}].path ${path} and outputs[${earlier}].path ${outputs[earlier]!.path} overlap: one would write inside the other`;
      problems.push({ id: "project/duplicate-path", severity: "error", message, hint: "give each output a path of its own", ...positionOf(index) });
    }
    const clash = sources.find((source) => isWithin(source.path, target) || isWithin(target, source.path));
    if (clash !== undefined) {
      problems.push({
        id: "project/path",
        severity: "error",
        message: `outputs[${index}].path ${path} would overwrite or write inside ${clash.name}`,
        hint: "render into another folder, e.g. out/",
        ...positionOf(index),
      });
    }
  });
  return problems;
}

/** What an output may never overwrite and the manifest never delete: templates, promplate.yaml, rule tests. */
export function protectedPaths(project: Project): ProtectedPath[] {
  const at = (path: string) => resolveReal(join(project.dir, normalizeRelative(path)));
  return [
    { path: at(project.file), description: `the project file ${project.file}` },
    ...project.outputs.map((output) => ({ path: at(output.template), description: `the template ${output.template}` })),
    ...project.tests.map((test) => ({ path: at(test), description: `the rule test file ${test}` })),
  ];
}

/**
 * Expands folder outputs into one file each (sorted). A template, or a template folder's entry, that is a symlink
 * leading outside the project is exit 2: a render must not copy a file the project does not own (say a root-only
 * key) into an output.
 */
export async function listOutputFiles(project: Project, services?: readonly string[], target?: InstanceTarget): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  const problems: Finding[] = [];
  const projectReal = resolveReal(project.dir);
  for (const output of project.outputs) {
    if (services && !services.includes(output.service)) continue;
    const templatePath = join(project.dir, output.template);
    const where = { file: project.file, line: output.line, column: 1 };
    const outsideProblem = (name: string, real: string): Finding => ({
      id: "template/outside-project",
      severity: "error",
      message: `template ${name} is a symlink to ${real}, outside the project folder`,
      hint: "copy the file into the project, or link to a file inside it",
      ...where,
    });
    const path = normalizeRelative(target ? expandPath(output.path, target) : output.path);
    if (!output.template.endsWith("/")) {
      const entry = await inspectTemplate(templatePath, projectReal);
      if (entry.kind === "outside") problems.push(outsideProblem(output.template, entry.real));
      else if (entry.kind === "other")
        problems.push({ id: "template/not-a-file", severity: "error", message: `template ${output.template} is not a regular file`, ...where });
      // A missing template is reported when it is read.
      else files.push({ output, templatePath, templateName: output.template, path, runtimePath: output.runtimePath, templateMode: entry.mode });
      continue;
    }
    const folder = await inspectTemplate(templatePath, projectReal);
    if (folder.kind === "outside") {
      problems.push(outsideProblem(output.template, folder.real));
      continue;
    }
    if (folder.kind !== "folder") {
      problems.push({ id: "project/template-missing", severity: "error", message: `template folder ${output.template} not found`, ...where });
      continue;
    }
    for (const entry of await listTemplateFolder(templatePath, projectReal)) {
      const templateName = posix.join(output.template, entry.name);
      if (entry.kind === "outside") {
        problems.push(outsideProblem(templateName, entry.real));
        continue;
      }
      if (entry.kind !== "file") {
        problems.push({ id: "template/not-a-file", severity: "error", message: `template ${templateName} is not a regular file`, ...where });
        continue;
      }
      files.push({
        output,
        templatePath: join(templatePath, entry.name),
        templateName,
        path: posix.join(path, entry.name),
        runtimePath: output.runtimePath ? posix.join(output.runtimePath, entry.name) : undefined,
        templateMode: entry.mode,
      });
    }
  }
  if (problems.length > 0) throw new BadInputError(problems);
  return files;
}

interface TemplateEntry {
  kind: "file" | "folder" | "outside" | "missing" | "other";
  /** Symlinks resolved. */
  real: string;
  /** Permission bits, for files. */
  mode?: number;
}

/** What a template path is once its symlinks are followed, and whether that stays inside the project. */
async function inspectTemplate(path: string, projectReal: string): Promise<TemplateEntry> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return { kind: "missing", real: path };
  }
  if (!isWithin(real, projectReal)) return { kind: "outside", real };
  const info = await stat(real).catch(() => undefined);
  if (info?.isFile()) return { kind: "file", real, mode: info.mode & 0o777 };
  if (info?.isDirectory()) return { kind: "folder", real };
  return { kind: info ? "other" : "missing", real };
}

/**
 * A template folder's files by their visible names, sorted. Hidden entries are skipped — among them Kubernetes'
 * `..data` and `..2026_11_29_…` behind a mounted ConfigMap, whose visible entries are symlinks through `..data` and
 * are read under their own names. Symlinks are followed inside the project; each real folder is read once.
 */
async function listTemplateFolder(folder: string, projectReal: string): Promise<(TemplateEntry & { name: string })[]> {
  const entries: (TemplateEntry & { name: string })[] = [];
  const visited = new Set<string>();
  const walk = async (absolute: string, prefix: string) => {
    const real = await realpath(absolute);
    if (visited.has(real)) return;
    visited.add(real);
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      const inspected = await inspectTemplate(join(absolute, entry.name), projectReal);
      if (inspected.kind === "folder") await walk(join(absolute, entry.name), name);
      else if (inspected.kind !== "missing") entries.push({ ...inspected, name });
    }
  };
  await walk(folder, "");
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The insertion rules an output kind uses. */
export function insertionKindOf(kind: OutputKind): "yaml" | "json" | "toml" | "text" {
  return kind === "json" || kind === "toml" || kind === "text" ? kind : "yaml";
}
