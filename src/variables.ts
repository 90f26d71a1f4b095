/**
 * Variables: where each value comes from, coercion from text to the declared type, schema validation, redaction.
 * Sources, highest first: --set, the environment, NAME_FILE, the secrets folder, --env-file, the cloud and secret
 * stores, the instance's `values`, then the default.
 */
import { isAbsolute, join } from "node:path";
import { suggestName, type Finding } from "./finding.js";
import { BadInputError, EnvironmentError, PromplateError } from "./errors.js";
import type { VariableDeclaration } from "./project.js";
import type { StorePrefix } from "./stores/index.js";
import { exampleCandidates } from "./examples.js";
import { compileSimpleValidator, type ValueError, type ValueValidator } from "./value-validator.js";
import { DEFAULT_MAX_FILE_SIZE, describeReadFailure, readRegularFile, RefusedFileError } from "./value-files.js";

export type SourceName =
  | "--set"
  | "environment"
  | "NAME_FILE"
  | "secrets folder"
  | "env file"
  | "aws"
  | "ssm"
  | "secretsmanager"
  | StorePrefix
  | "instance"
  | "default"
  | "example"
  | "synthesized";

/** A value from the cloud: an `x-aws` credential or an `x-source` secret. */
export interface CloudValue {
  value: string;
  source: "aws" | "ssm" | "secretsmanager" | StorePrefix;
  /** Which provider or parameter supplied it, e.g. `ini profile "dev"`, `ssm:/monitoring/password`, `vault: secret/monitoring#webhook`. */
  origin: string;
  /** When a temporary credential expires. */
  expires?: Date;
}

/**
 * Resolves `x-aws` and `x-source` variables that no higher source set. Called once, with all of them, and only when
 * there are some (so the AWS SDK is loaded only then). Throws EnvironmentError when a needed value cannot
 * be had, naming the providers tried.
 */
export type CloudResolver = (declarations: VariableDeclaration[]) => Promise<Map<string, CloudValue>>;

/** `--examples`: only `--set`, then each variable's examples, default or a synthesized value. */
export interface ExampleSources {
  examples: true;
  set: Record<string, string>;
  /** The instance being rendered: its values rank above examples and defaults here too. */
  instance?: InstanceValues;
}

/** An instance's non-secret values (promplate.yaml `instances.NAME.values`), by variable: an `Instance` is one. */
export interface InstanceValues {
  name: string;
  values: Readonly<Record<string, unknown>>;
  /** Where each value is written in promplate.yaml. */
  valuePositions?: Readonly<Record<string, { line: number; column: number }>>;
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
  /** The largest file a value is read from, in bytes. @default DEFAULT_MAX_FILE_SIZE (1 MiB) */
  maxFileSize?: number;
  /** For `x-aws` / `x-source` variables; without it they fall through to their default. */
  cloud?: CloudResolver;
  /** The instance being rendered: its values rank just above the default. */
  instance?: InstanceValues;
}

export interface ResolvedVariable {
  declaration: VariableDeclaration;
  /** The typed value; for an integer beyond 2^53, its digits as a string, so that none is lost. */
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
  problems: Finding[];
  /** The only problems are the environment's (an unreachable cloud source, a file promplate may not read): exit 3, else 2. */
  environmentOnly: boolean;
}

/** Reads a value from a file the way the Docker/Kubernetes convention expects: one trailing newline dropped. */
async function readValueFile(path: string, sources: VariableSources): Promise<string> {
  const text = await readRegularFile(path, sources.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
  return text.replace(/\r?\n$/, "");
}

/** Where a value file could not be read from, as a problem; permission problems are the environment's (exit 3). */
function valueFileProblem(name: string, what: string, error: unknown): { problem: Finding; environment: boolean } {
  const { reason, hint, environment } = describeReadFailure(error);
  const id = error instanceof RefusedFileError ? "variable/file-refused" : environment ? "variable/file-permission" : "variable/file-unreadable";
  const advice = environment
    ? "give the user promplate runs as read access to the file (e.g. the secret mount's mode or group)"
    : (hint ?? "mount the file, or point to another one");
  return { problem: { id, severity: "error", message: `${name} cannot be read from ${what}: ${reason}`, hint: advice }, environment };
}

/** `--set` of a name the project does not declare is a mistake (a typo, or a variable that was renamed): exit 2. */
export function refuseUndeclaredSet(set: Readonly<Record<string, string>>, declared: ReadonlyMap<string, unknown>): void {
  const problems = Object.keys(set)
    .filter((name) => !declared.has(name))
    .map((name): Finding => {
      const suggestion = suggestName(name, declared.keys());
      return {
        id: "input/undeclared-set",
        severity: "error",
        message: `--set ${name}: promplate.yaml declares no variable ${name}${suggestion ? `; did you mean ${suggestion}?` : ""}`,
        hint: suggestion ? `--set ${suggestion}=…` : "declare it under variables: in promplate.yaml, or drop the --set",
      };
    });
  if (problems.length > 0) throw new BadInputError(problems);
}

interface RawValue {
  text: string;
  source: SourceName;
  origin?: string;
  expires?: Date;
}

/** Where each variable's value is, and the problems with the files that were to hold one. */
async function findRawValue(
  declaration: VariableDeclaration,
  sources: VariableSources,
  report: (what: string, error: unknown) => void,
): Promise<RawValue | undefined> {
  const name = declaration.name;
  if (name in sources.set) return { text: sources.set[name]!, source: "--set" };
  const fromEnv = sources.env[name];
  if (fromEnv !== undefined) return { text: fromEnv, source: "environment" };
  const filePath = sources.env[`${name}_FILE`];
  if (filePath !== undefined) {
    const path = isAbsolute(filePath) ? filePath : join(sources.cwd, filePath);
    try {
      return { text: await readValueFile(path, sources), source: "NAME_FILE", origin: filePath };
    } catch (error) {
      report(`${name}_FILE=${filePath}`, error);
      return undefined;
    }
  }
  if (sources.secretsDir) {
    const path = join(sources.secretsDir, name);
    try {
      return { text: await readValueFile(path, sources), source: "secrets folder", origin: path };
    } catch (error) {
      // No file for this variable in the secrets folder: fall through to the next source. Anything else is a problem.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        report(`the secrets folder's file ${path}`, error);
        return undefined;
      }
    }
  }
  if (sources.envFile && name in sources.envFile.values) {
    return { text: sources.envFile.values[name]!, source: "env file", origin: sources.envFile.path };
  }
  return undefined;
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * An integer written beyond 2^53 is not held exactly by a JavaScript number (…993 becomes …992): its digits, as
 * given (sign and leading zeros normalised), go into the output instead. The number still serves validation.
 */
function exactInteger(text: string): { value: number; exact?: string } {
  const value = Number(text);
  if (Number.isSafeInteger(value)) return { value };
  const trimmed = text.trim();
  const negative = trimmed.startsWith("-");
  const digits = trimmed.replace(/^[+-]/, "").replace(/^0+(?=\d)/, "");
  return { value, exact: `${negative ? "-" : ""}${digits}` };
}

/** JSON numbers beyond 2^53 lose digits in JSON.parse: an error rather than a silently different value. */
function unsafeNumberIn(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (value && typeof value === "object") return Object.values(value).some(unsafeNumberIn);
  return false;
}
const UNSAFE_JSON_NUMBER = "holds an integer beyond 2^53, which JSON numbers cannot hold exactly: write it as a string";

/**
 * Text → the declared type. Returns an error message (free of the value) when the text does not fit; `exact` is
 * the text to insert when the value (an integer beyond 2^53) cannot be written from the number.
 */
export function coerce(text: string, schema: Record<string, unknown>): { value: unknown; exact?: string } | { error: string } {
  const type = schema.type;
  switch (type) {
    case "integer":
      return INTEGER_TEXT.test(text) ? exactInteger(text) : { error: "must be an integer" };
    case "number": {
      if (INTEGER_TEXT.test(text)) return exactInteger(text);
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
          if (unsafeNumberIn(parsed)) return { error: UNSAFE_JSON_NUMBER };
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
        if (coerced.exact !== undefined) return { error: `item ${values.length + 1} is an integer beyond 2^53, which a list cannot hold exactly` };
        values.push(coerced.value);
      }
      return { value: values };
    }
    case "object":
      try {
        const parsed = JSON.parse(text) as unknown;
        if (unsafeNumberIn(parsed)) return { error: UNSAFE_JSON_NUMBER };
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
  const problems: Finding[] = [];
  const variables = new Map<string, ResolvedVariable>();
  const validators = await compileValidators(declarations, problems);
  const raws = new Map<string, RawValue | undefined>();
  let cloudFailed: PromplateError | undefined;
  const cloudProblems: Finding[] = [];
  const cloudAsked = new Set<string>();
  const environmentProblems: Finding[] = [];
  /** Why a variable's file could not be read, by variable (the problem is reported once, as is). */
  const fileFailed = new Map<string, string>();
  if (!("examples" in sources)) {
    for (const declaration of declarations) {
      const report = (what: string, error: unknown) => {
        const { problem, environment } = valueFileProblem(declaration.name, what, error);
        (environment ? environmentProblems : problems).push(problem);
        fileFailed.set(declaration.name, problem.message.slice(declaration.name.length + 1));
      };
      raws.set(declaration.name, await findRawValue(declaration, sources, report));
    }
    // Cloud sources come after every local one and before the default: only what is still unset is fetched.
    // A NAME_FILE that is set but unreadable is a problem already reported, not a reason to ask the cloud.
    const fromCloud = declarations.filter(
      (d) => !raws.get(d.name) && !fileFailed.has(d.name) && sources.env[`${d.name}_FILE`] === undefined && (d.aws || d.source),
    );
    if (fromCloud.length > 0 && sources.cloud) {
      try {
        for (const [name, cloud] of await sources.cloud(fromCloud)) {
          raws.set(name, { text: cloud.value, source: cloud.source, origin: cloud.origin, expires: cloud.expires });
        }
      } catch (error) {
        // Collected with the rest, so a run reports every problem at once; the caller exits 3 if only these remain.
        if (!(error instanceof PromplateError)) throw error;
        cloudProblems.push(...error.findings);
        cloudFailed = error;
        for (const declaration of fromCloud) cloudAsked.add(declaration.name);
      }
    }
  }
  for (const declaration of declarations) {
    if ("examples" in sources && !(declaration.name in sources.set) && !(sources.instance && Object.hasOwn(sources.instance.values, declaration.name))) {
      variables.set(declaration.name, resolveExample(declaration, validators.get(declaration.name)));
      continue;
    }
    const raw =
      "examples" in sources
        ? declaration.name in sources.set
          ? { text: sources.set[declaration.name]!, source: "--set" as const }
          : undefined
        : raws.get(declaration.name);
    const resolved: ResolvedVariable = { declaration, value: undefined, status: "ok", errors: [] };
    let exact: string | undefined;
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
        exact = coerced.exact;
      }
    } else if (sources.instance && Object.hasOwn(sources.instance.values, declaration.name)) {
      // Typed as written in promplate.yaml, so not coerced: validated as is.
      resolved.value = sources.instance.values[declaration.name];
      resolved.source = "instance";
      resolved.origin = sources.instance.name;
    } else if (declaration.default !== undefined) {
      resolved.value = declaration.default;
      resolved.source = "default";
      exact = declaration.defaultDigits;
    } else if (declaration.required && required.has(declaration.name)) {
      resolved.status = "missing";
    } else {
      resolved.status = "optional-unset";
    }
    if (resolved.status === "ok" && resolved.value !== undefined) {
      resolved.errors.push(...validateValue(validators.get(declaration.name), resolved.value));
      if (resolved.errors.length > 0) resolved.status = "invalid";
      // Validated as a number, inserted as the digits given: written bare, an integer in YAML and JSON alike.
      else if (exact !== undefined) resolved.value = exact;
    }
    // A file that should hold the value and cannot be read is not passed over for a lower source or the default.
    const fileProblem = fileFailed.get(declaration.name);
    if (fileProblem !== undefined) Object.assign(resolved, { value: undefined, source: undefined, status: "invalid", errors: [fileProblem] });
  }
  for (const resolved of variables.values()) {
    // A variable the cloud could not fill is explained by the cloud's problem, not again as "not set".
    // Nor one whose file could not be read: that problem says it.
    if (fileFailed.has(resolved.declaration.name)) continue;
    if (resolved.status === "missing" && cloudAsked.has(resolved.declaration.name)) continue;
    problems.push(...problemsOf(resolved, sources));
  }
  // Exit 3 when the environment is all that is wrong: a cloud source unreachable, or a file promplate may not read.
  const environmentOnly = problems.length === 0 && (environmentProblems.length > 0 || cloudFailed instanceof EnvironmentError);
  problems.push(...environmentProblems, ...cloudProblems);
  return { variables, problems, environmentOnly };
}

function resolveExample(declaration: VariableDeclaration, validate: ValueValidator | undefined): ResolvedVariable {
  for (const candidate of exampleCandidates(declaration)) {
    if (validateValue(validate, candidate.value).length === 0) {
      return { declaration, value: candidate.digits ?? candidate.value, source: candidate.source, status: "ok", errors: [] };
    }
  }
  return { declaration, value: undefined, status: "no-example", errors: ["has no example value that passes its schema"] };
}

function problemsOf(resolved: ResolvedVariable, sources: VariableSources | ExampleSources): Finding[] {
  const { declaration } = resolved;
  // A bad instance value is shown where it is written, not at the declaration.
  const written = resolved.source === "instance" && "instance" in sources ? sources.instance?.valuePositions?.[declaration.name] : undefined;
  const where = { file: "promplate.yaml", line: written?.line ?? declaration.line, column: written?.column ?? declaration.column };
  if (resolved.status === "no-example") {
    return [
      {
        id: "variable/no-example",
        severity: "error",
        message: `${declaration.name} has no example value that passes its schema`,
        hint: `add examples: [ … ] to ${declaration.name} in promplate.yaml, or pass --set ${declaration.name}=…`,
        ...where,
      },
    ];
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
    return [
      { id: "variable/missing", severity: "error", message: `${declaration.name} is required but not set`, hint: `${hint}; or give it a default`, ...where },
    ];
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

async function compileValidators(declarations: readonly VariableDeclaration[], problems: Finding[]): Promise<Map<string, ValueValidator>> {
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
      error.keyword === "pattern"
        ? `must match the pattern ${String(error.params.pattern)}`
        : error.keyword === "format"
          ? `must be a valid ${String(error.params.format)}`
          : error.keyword === "enum"
            ? `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`
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
