/**
 * Loads promplate.yaml and validates it once, at the edge: downstream code trusts the `Project` type.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { join, posix, relative, resolve, sep } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node } from "yaml";
import { validate as validateProjectFile } from "./generated/project-validator.js";
import { PromplateError, type Problem } from "./problems.js";
import type { DeclaredType } from "./template/index.js";
import { parseDocumentWithinLimits } from "./yaml-limits.js";

export const PROJECT_FILE = "promplate.yaml";

export type OutputKind =
  | "prometheus-config"
  | "prometheus-rules"
  | "alertmanager-config"
  | "web-config"
  | "yaml"
  | "json"
  | "text";

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
  examples: unknown[];
  aws?: "accessKeyId" | "secretAccessKey" | "sessionToken" | "region";
  source?: string;
  /** Where the declaration is in promplate.yaml. */
  line: number;
  column: number;
}

export interface OutputDeclaration {
  service: string;
  kind: OutputKind;
  /** Relative to the project folder; a folder when it ends in `/`. */
  template: string;
  path: string;
  runtimePath?: string;
  line: number;
}

export interface Project {
  dir: string;
  file: string;
  variables: Map<string, VariableDeclaration>;
  outputs: OutputDeclaration[];
  tests: string[];
}

/** One template file to render, after expanding folder outputs. */
export interface OutputFile {
  output: OutputDeclaration;
  /** Absolute template path. */
  templatePath: string;
  /** Template path as shown to the user (relative to the project). */
  templateName: string;
  /** Output path relative to the output root. */
  path: string;
  runtimePath?: string;
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
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new PromplateError([{ id: "project/missing", severity: "error", message: `${PROJECT_FILE} not found in ${dir}`, hint: "run promplate init, or pass -C DIR" }]);
  }
  return parseProject(dir, PROJECT_FILE, text);
}

export function parseProject(dir: string, fileName: string, text: string): Project {
  const lineCounter = new LineCounter();
  const document = parseDocumentWithinLimits(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { file: fileName, line, column: col };
  };
  if (document.errors.length > 0) {
    throw new PromplateError(
      document.errors.map((e): Problem => ({ id: "project/yaml", severity: "error", message: e.message.split("\n")[0]!, ...at(e.pos[0]) })),
    );
  }
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
    const problems = (validateProjectFile.errors ?? []).map((error): Problem => {
      const path = error.instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
      const where = path.length > 0 ? path.join(".") : "the project";
      const extra = error.keyword === "additionalProperties" ? ` \`${String(error.params.additionalProperty)}\`` : "";
      const allowed = error.keyword === "enum" ? ` (one of ${(error.params.allowedValues as unknown[]).join(", ")})` : "";
      return { id: "project/schema", severity: "error", message: `${where}: ${error.message}${extra}${allowed}`, ...positionOfPath(path) };
    });
    throw new PromplateError(problems);
  }
  const valid = data as {
    variables?: Record<string, Record<string, unknown>>;
    outputs: Omit<OutputDeclaration, "line">[];
    tests?: string[];
  };

  const variables = new Map<string, VariableDeclaration>();
  for (const [name, schema] of Object.entries(valid.variables ?? {})) {
    const position = positionOfPath(["variables", name]);
    variables.set(name, {
      name,
      schema,
      type: schema.type as DeclaredType,
      secret: schema.writeOnly === true,
      required: !("default" in schema) && schema["x-optional"] !== true,
      default: schema.default,
      examples: Array.isArray(schema.examples) ? schema.examples : [],
      aws: schema["x-aws"] as VariableDeclaration["aws"],
      source: schema["x-source"] as string | undefined,
      line: position.line,
      column: position.column,
    });
  }
  const problems: Problem[] = [];
  const outputs = valid.outputs.map((output, index) => {
    const position = positionOfPath(["outputs", index]);
    for (const key of ["template", "path"] as const) {
      const value = output[key];
      if (value.startsWith("/") || value.split("/").includes("..")) {
        problems.push({ id: "project/path", severity: "error", message: `outputs[${index}].${key} must be a relative path inside the project`, ...position });
      }
    }
    if (output.template.endsWith("/") !== output.path.endsWith("/")) {
      problems.push({ id: "project/path", severity: "error", message: `outputs[${index}]: a folder template (ending in /) needs a folder path (ending in /), and a file a file`, ...position });
    }
    return { ...output, line: position.line };
  });
  const seen = new Map<string, number>();
  outputs.forEach((output, index) => {
    const previous = seen.get(output.path);
    if (previous !== undefined) {
      problems.push({ id: "project/duplicate-path", severity: "error", message: `outputs[${index}] writes ${output.path}, as outputs[${previous}] does`, ...positionOfPath(["outputs", index]) });
    }
    seen.set(output.path, index);
  });
  // A render must never overwrite its own templates (or promplate.yaml): outputs and templates are kept apart.
  const normalized = (p: string) => posix.normalize(p).replace(/\/$/, "");
  const inside = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
  outputs.forEach((output, index) => {
    const target = normalized(output.path);
    const clash = [fileName, ...outputs.map((o) => o.template)].map(normalized).find((t) => inside(t, target) || inside(target, t));
    if (clash !== undefined) {
      problems.push({ id: "project/path", severity: "error", message: `outputs[${index}].path ${output.path} would overwrite or write inside ${clash}`, hint: "render into another folder, e.g. out/", ...positionOfPath(["outputs", index, "path"]) });
    }
  });
  if (problems.length > 0) throw new PromplateError(problems);
  return { dir: resolve(dir), file: fileName, variables, outputs, tests: valid.tests ?? [] };
}

/** Expands folder outputs into one file each (sorted, hidden files skipped). */
export async function listOutputFiles(project: Project, services?: readonly string[]): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  const problems: Problem[] = [];
  for (const output of project.outputs) {
    if (services && !services.includes(output.service)) continue;
    const templatePath = join(project.dir, output.template);
    if (!output.template.endsWith("/")) {
      files.push({ output, templatePath, templateName: output.template, path: output.path, runtimePath: output.runtimePath });
      continue;
    }
    let names: string[];
    try {
      names = (await readdir(templatePath, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
        .map((entry) => relative(templatePath, join(entry.parentPath, entry.name)).split(sep).join("/"))
        .sort();
    } catch {
      problems.push({ id: "project/template-missing", severity: "error", message: `template folder ${output.template} not found`, file: project.file, line: output.line, column: 1 });
      continue;
    }
    for (const name of names) {
      files.push({
        output,
        templatePath: join(templatePath, name),
        templateName: posix.join(output.template, name),
        path: posix.join(output.path, name),
        runtimePath: output.runtimePath ? posix.join(output.runtimePath, name) : undefined,
      });
    }
  }
  if (problems.length > 0) throw new PromplateError(problems);
  return files;
}

/** The insertion rules an output kind uses. */
export function insertionKindOf(kind: OutputKind): "yaml" | "json" | "text" {
  return kind === "json" ? "json" : kind === "text" ? "text" : "yaml";
}
