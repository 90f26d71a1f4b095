/**
 * Variables: where each value comes from, coercion from text to the declared type, schema validation, redaction.
 * Sources, highest first: --set, the environment, NAME_FILE, the secrets folder, --env-file, then the default.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { PromplateError, type Problem } from "./problems.js";
import type { VariableDeclaration } from "./project.js";
import { exampleCandidates } from "./examples.js";
import { compileSimpleValidator, type ValueError, type ValueValidator } from "./value-validator.js";

export type SourceName = "--set" | "environment" | "NAME_FILE" | "secrets folder" | "env file" | "aws" | "ssm" | "secretsmanager" | "default" | "example" | "synthesized";

/** A value from the cloud: an `x-aws` credential or an `x-source` secret. */
export interface CloudValue {
  value: string;
  source: "aws" | "ssm" | "secretsmanager";
  /** Which provider or parameter supplied it, e.g. `ini profile "dev"`, `ssm:/monitoring/password`. */
  origin: string;
  /** When a temporary credential expires. */
  expires?: Date;
}

/**
 * Resolves `x-aws` and `x-source` variables that no higher source set. Called once, with all of them, and only when
 * there are some (so the AWS SDK is loaded only then). Throws PromplateError (exit 3) when a needed value cannot
 * be had, naming the providers tried.
 */
export type CloudResolver = (declarations: VariableDeclaration[]) => Promise<Map<string, CloudValue>>;

/** `--examples`: only `--set`, then each variable's examples, default or a synthesized value. */
export interface ExampleSources {
  examples: true;
  set: Record<string, string>;
}

export interface VariableSources {
  /** `--set NAME=VALUE` pairs. */
  set: Record<string, string>;
  env: Readonly<Record<string, string | undefined>>;
  /** Parsed `--env-file`, with its path for messages. */
  envFile?: { path: string; values: Record<string, string> };
  /** A folder holding one file per variable (Docker/Kubernetes secrets). */
  secretsDir?: string;
  /** Working folder for relative NAME_FILE paths. */
  cwd: string;
  /** For `x-aws` / `x-source` variables; without it they fall through to their default. */
  cloud?: CloudResolver;
}

export interface ResolvedVariable {
  declaration: VariableDeclaration;
  value: unknown;
  source?: SourceName;
  /** Where the value was read from (a file path), when it was a file. */
  origin?: string;
  status: "ok" | "missing" | "invalid" | "optional-unset" | "no-example";
  /** The text as read from its source, before coercion. */
  raw?: string;
  /** When a temporary cloud credential expires. */
  expires?: Date;
  /** Why the value is invalid; never contains a secret value. */
  errors: string[];
}

export interface ResolveResult {
  variables: Map<string, ResolvedVariable>;
  problems: Problem[];
  /** The exit code to use: 3 when the only problems are an unreachable cloud source, else 2. */
  exitCode: number;
}

/** Reads a value from a file the way the Docker/Kubernetes convention expects: one trailing newline dropped. */
async function readValueFile(path: string): Promise<string> {
  const text = await readFile(path, "utf8");
  return text.replace(/\r?\n$/, "");
}

interface RawValue {
  text: string;
  source: SourceName;
  origin?: string;
  expires?: Date;
}

async function findRawValue(declaration: VariableDeclaration, sources: VariableSources, problems: Problem[]): Promise<RawValue | undefined> {
  const name = declaration.name;
  if (name in sources.set) return { text: sources.set[name]!, source: "--set" };
  const fromEnv = sources.env[name];
  if (fromEnv !== undefined) return { text: fromEnv, source: "environment" };
  const filePath = sources.env[`${name}_FILE`];
  if (filePath !== undefined) {
    const path = isAbsolute(filePath) ? filePath : join(sources.cwd, filePath);
    try {
      return { text: await readValueFile(path), source: "NAME_FILE", origin: filePath };
    } catch (error) {
      problems.push({
        id: "variable/file-unreadable",
        severity: "error",
        message: `${name}_FILE points to ${filePath}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        hint: `mount the file, or unset ${name}_FILE`,
      });
      return undefined;
    }
  }
  if (sources.secretsDir) {
    const path = join(sources.secretsDir, name);
    try {
      return { text: await readValueFile(path), source: "secrets folder", origin: path };
    } catch {
      // No file for this variable in the secrets folder: fall through to the next source.
    }
  }
  if (sources.envFile && name in sources.envFile.values) {
    return { text: sources.envFile.values[name]!, source: "env file", origin: sources.envFile.path };
  }
  return undefined;
}

/** Text → the declared type. Returns an error message (free of the value) when the text does not fit. */
export function coerce(text: string, schema: Record<string, unknown>): { value: unknown } | { error: string } {
  const type = schema.type;
  switch (type) {
    case "integer":
      return /^\s*[+-]?\d+\s*$/.test(text) ? { value: Number(text) } : { error: "must be an integer" };
    case "number": {
      const number = Number(text);
      return text.trim() !== "" && Number.isFinite(number) ? { value: number } : { error: "must be a number" };
    }
    case "boolean": {
      const lowered = text.trim().toLowerCase();
      if (["true", "yes", "on", "1"].includes(lowered)) return { value: true };
      if (["false", "no", "off", "0"].includes(lowered)) return { value: false };
      return { error: "must be a boolean (true/false, yes/no, on/off, 1/0)" };
    }
    case "array": {
      if (text.trim().startsWith("[")) {
        try {
          const parsed = JSON.parse(text) as unknown;
          return Array.isArray(parsed) ? { value: parsed } : { error: "must be a JSON array or a comma-separated list" };
        } catch {
          return { error: "is not valid JSON (a list is written as JSON or comma-separated)" };
        }
      }
      const items = text.trim() === "" ? [] : text.split(",").map((item) => item.trim());
      const itemSchema = (schema.items ?? {}) as Record<string, unknown>;
      const values: unknown[] = [];
      for (const item of items) {
        const coerced = coerce(item, itemSchema);
        if ("error" in coerced) return { error: `item ${values.length + 1} ${coerced.error}` };
        values.push(coerced.value);
      }
      return { value: values };
    }
    case "object":
      try {
        const parsed = JSON.parse(text) as unknown;
        return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? { value: parsed } : { error: "must be a JSON object" };
      } catch {
        return { error: "is not valid JSON" };
      }
    default:
      return { value: text };
  }
}

/**
 * Resolves the named variables. Every problem (missing, invalid, unreadable) is collected, none thrown, so the
 * caller can report them all at once.
 */
export async function resolveVariables(
  declarations: readonly VariableDeclaration[],
  sources: VariableSources | ExampleSources,
  required: ReadonlySet<string>,
): Promise<ResolveResult> {
  const problems: Problem[] = [];
  const variables = new Map<string, ResolvedVariable>();
  const validators = await compileValidators(declarations, problems);
  const raws = new Map<string, RawValue | undefined>();
  let cloudFailed: number | undefined;
  const cloudProblems: Problem[] = [];
  const cloudAsked = new Set<string>();
  if (!("examples" in sources)) {
    for (const declaration of declarations) raws.set(declaration.name, await findRawValue(declaration, sources, problems));
    // Cloud sources come after every local one and before the default: only what is still unset is fetched.
    // A NAME_FILE that is set but unreadable is a problem already reported, not a reason to ask the cloud.
    const fromCloud = declarations.filter((d) => !raws.get(d.name) && sources.env[`${d.name}_FILE`] === undefined && (d.aws || d.source));
    if (fromCloud.length > 0 && sources.cloud) {
      try {
        for (const [name, cloud] of await sources.cloud(fromCloud)) {
          raws.set(name, { text: cloud.value, source: cloud.source, origin: cloud.origin, expires: cloud.expires });
        }
      } catch (error) {
        // Collected with the rest, so a run reports every problem at once; the caller exits 3 if only these remain.
        if (!(error instanceof PromplateError)) throw error;
        cloudProblems.push(...error.problems);
        cloudFailed = error.exitCode;
        for (const declaration of fromCloud) cloudAsked.add(declaration.name);
      }
    }
  }
  for (const declaration of declarations) {
    if ("examples" in sources && !(declaration.name in sources.set)) {
      variables.set(declaration.name, resolveExample(declaration, validators.get(declaration.name)));
      continue;
    }
    const raw = "examples" in sources ? { text: sources.set[declaration.name]!, source: "--set" as const } : raws.get(declaration.name);
    const resolved: ResolvedVariable = { declaration, value: undefined, status: "ok", errors: [] };
    variables.set(declaration.name, resolved);
    if (raw) {
      resolved.source = raw.source;
      resolved.origin = raw.origin;
      resolved.raw = raw.text;
      resolved.expires = "expires" in raw ? raw.expires : undefined;
      const coerced = coerce(raw.text, declaration.schema);
      if ("error" in coerced) {
        resolved.status = "invalid";
        resolved.errors.push(coerced.error);
      } else {
        resolved.value = coerced.value;
      }
    } else if (declaration.default !== undefined) {
      resolved.value = declaration.default;
      resolved.source = "default";
    } else if (declaration.required && required.has(declaration.name)) {
      resolved.status = "missing";
    } else {
      resolved.status = "optional-unset";
    }
    if (resolved.status === "ok" && resolved.value !== undefined) {
      resolved.errors.push(...validateValue(validators.get(declaration.name), resolved.value));
      if (resolved.errors.length > 0) resolved.status = "invalid";
    }
  }
  for (const resolved of variables.values()) {
    // A variable the cloud could not fill is explained by the cloud's problem, not again as "not set".
    if (resolved.status === "missing" && cloudAsked.has(resolved.declaration.name)) continue;
    problems.push(...problemsOf(resolved, sources));
  }
  const exitCode = cloudFailed !== undefined && problems.length === 0 ? cloudFailed : 2;
  problems.push(...cloudProblems);
  return { variables, problems, exitCode };
}

function resolveExample(declaration: VariableDeclaration, validate: ValueValidator | undefined): ResolvedVariable {
  for (const candidate of exampleCandidates(declaration)) {
    if (validateValue(validate, candidate.value).length === 0) {
      return { declaration, value: candidate.value, source: candidate.source, status: "ok", errors: [] };
    }
  }
  return { declaration, value: undefined, status: "no-example", errors: ["has no example value that passes its schema"] };
}

function problemsOf(resolved: ResolvedVariable, sources: VariableSources | ExampleSources): Problem[] {
  const { declaration } = resolved;
  const where = { file: "promplate.yaml", line: declaration.line, column: declaration.column };
  if (resolved.status === "no-example") {
    return [{
      id: "variable/no-example",
      severity: "error",
      message: `${declaration.name} has no example value that passes its schema`,
      hint: `add examples: [ … ] to ${declaration.name} in promplate.yaml, or pass --set ${declaration.name}=…`,
      ...where,
    }];
  }
  if (resolved.status === "missing") {
    if ("examples" in sources) return [];
    const hint = [
      `set ${declaration.name} in the environment`,
      `${declaration.name}_FILE=/path`,
      sources.secretsDir ? `a file ${join(sources.secretsDir, declaration.name)}` : "--secrets-dir DIR",
      "--env-file FILE",
      `--set ${declaration.name}=…`,
    ].join(", ");
    return [{ id: "variable/missing", severity: "error", message: `${declaration.name} is required but not set`, hint: `${hint}; or give it a default`, ...where }];
  }
  if (resolved.status === "invalid") {
    const from = resolved.source ? ` (from ${resolved.source}${resolved.origin ? ` ${resolved.origin}` : ""})` : "";
    // Showing the offending value helps, except for secrets, which are never shown.
    const shown = !declaration.secret && resolved.raw !== undefined && resolved.raw.length <= 80 ? ` = ${JSON.stringify(resolved.raw)}` : "";
    return resolved.errors.map((error) => ({
      id: "variable/invalid",
      severity: "error" as const,
      message: `${declaration.name}${from}${shown} ${error}`,
      ...where,
    }));
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// Schema validation: the fast validator for common keywords, else ajv (strict), loaded only when needed.

/** promplate's keywords on top of JSON Schema; ajv's strict mode rejects any other unknown keyword. */
export const PROMPLATE_KEYWORDS = ["x-optional", "x-aws", "x-source"] as const;

let ajvInstance: Promise<import("ajv/dist/2020.js").default> | undefined;

export async function createAjv() {
  ajvInstance ??= (async () => {
    const [ajvModule, { FORMATS }, { re2Engine }] = await Promise.all([import("ajv/dist/2020.js"), import("./formats.js"), import("./patterns.js")]);
    const Ajv2020 = ajvModule.default.default; // CommonJS: module.exports.default is the class
    const ajv = new Ajv2020({ strict: true, allErrors: true, strictTypes: false, code: { regExp: re2Engine } });
    for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
    ajv.addKeyword({ keyword: "x-optional", metaSchema: { type: "boolean" } });
    ajv.addKeyword({ keyword: "x-aws", metaSchema: { enum: ["accessKeyId", "secretAccessKey", "sessionToken", "region"] } });
    ajv.addKeyword({ keyword: "x-source", metaSchema: { type: "string" } });
    return ajv;
  })();
  return ajvInstance;
}

async function compileValidators(declarations: readonly VariableDeclaration[], problems: Problem[]): Promise<Map<string, ValueValidator>> {
  const validators = new Map<string, ValueValidator>();
  for (const declaration of declarations) {
    const simple = compileSimpleValidator(declaration.schema);
    if (simple) {
      validators.set(declaration.name, simple);
      continue;
    }
    const ajv = await createAjv();
    try {
      const validate = ajv.compile(declaration.schema);
      validators.set(declaration.name, (value) => (validate(value) ? [] : ((validate.errors ?? []) as ValueError[])));
    } catch (error) {
      const pattern = (error as Error).name === "PatternError";
      problems.push({
        id: pattern ? "project/variable-pattern" : "project/variable-schema",
        severity: "error",
        message: `variables.${declaration.name}: ${(error as Error).message.split("\n")[0]}`,
        hint: pattern
          ? "write the pattern in RE2 syntax: match what is wanted instead of looking around it, and repeat a group instead of referring back to it"
          : "use JSON Schema 2020-12 keywords, promplate's x-optional, x-aws, x-source, and the documented formats",
        file: "promplate.yaml",
        line: declaration.line,
        column: declaration.column,
      });
    }
  }
  return validators;
}

function validateValue(validate: ValueValidator | undefined, value: unknown): string[] {
  if (!validate) return [];
  return validate(value).map((error) => {
    const at = error.instancePath ? ` at ${error.instancePath}` : "";
    const rule =
      error.keyword === "pattern" ? `must match the pattern ${String(error.params.pattern)}`
      : error.keyword === "format" ? `must be a valid ${String(error.params.format)}`
      : error.keyword === "enum" ? `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`
      : error.message;
    return `${rule}${at} (schema rule: ${error.keyword})`;
  });
}

/** The text shown for a value: `***` for secrets, never the value itself. */
export function displayValue(resolved: ResolvedVariable): string {
  if (resolved.value === undefined) return "";
  if (resolved.declaration.secret) return "***";
  return typeof resolved.value === "string" ? resolved.value : JSON.stringify(resolved.value);
}

/** Every string form of the secret values, for scrubbing text that might hold them. */
export function secretStrings(variables: Iterable<ResolvedVariable>): string[] {
  const strings = new Set<string>();
  for (const variable of variables) {
    if (!variable.declaration.secret || variable.value === undefined) continue;
    const add = (value: unknown) => {
      if (value === undefined || value === null) return;
      if (typeof value === "object") {
        Object.values(value).forEach(add);
        strings.add(JSON.stringify(value));
      } else if (String(value).length > 0) strings.add(String(value));
    };
    add(variable.value);
  }
  return [...strings].sort((a, b) => b.length - a.length);
}
