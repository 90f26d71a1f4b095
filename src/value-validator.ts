/**
 * A fast validator for the JSON Schema keywords variables commonly use. Compiling with ajv at every container
 * start costs more than the whole render; schemas using any other keyword (or a malformed one) go to ajv, which
 * runs strict. test/unit/value-validator.test.ts checks both give the same verdicts. Patterns are RE2 (src/patterns.ts).
 */
import { isDeepStrictEqual } from "node:util";
import { FORMATS, checkFormat } from "./formats.js";
import { compilePattern, type Pattern } from "./patterns.js";

export interface ValueError {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

export type ValueValidator = (value: unknown) => ValueError[];

const ANNOTATIONS = new Set([
  "default",
  "examples",
  "description",
  "title",
  "writeOnly",
  "readOnly",
  "deprecated",
  "$comment",
  "x-optional",
  "x-aws",
  "x-source",
]);
const TYPES = new Set(["string", "integer", "number", "boolean", "array", "object", "null"]);
const NUMBER_KEYWORDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] as const;
const COUNT_KEYWORDS = ["minLength", "maxLength", "minItems", "maxItems"] as const;

const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;

/** Returns undefined when the schema needs ajv (an unhandled or malformed keyword). */
export function compileSimpleValidator(schema: unknown): ValueValidator | undefined {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return undefined;
  const s = schema as Record<string, unknown>;
  let pattern: Pattern | undefined;
  for (const [keyword, value] of Object.entries(s)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "type":
        if (!(typeof value === "string" && TYPES.has(value))) return undefined;
        break;
      case "enum":
        if (!Array.isArray(value) || value.length === 0) return undefined;
        break;
      case "const":
        break;
      case "pattern":
        // A pattern RE2 cannot compile goes to ajv, which reports it as RE2 words it.
        if (typeof value !== "string") return undefined;
        try {
          pattern = compilePattern(value);
        } catch {
          return undefined;
        }
        break;
      case "format":
        if (typeof value !== "string" || !(value in FORMATS)) return undefined;
        break;
      case "uniqueItems":
        if (typeof value !== "boolean") return undefined;
        break;
      case "items":
        if (!compileSimpleValidator(value)) return undefined;
        break;
      default:
        if ((NUMBER_KEYWORDS as readonly string[]).includes(keyword)) {
          if (typeof value !== "number" || (keyword === "multipleOf" && value <= 0)) return undefined;
        } else if ((COUNT_KEYWORDS as readonly string[]).includes(keyword)) {
          if (!isCount(value)) return undefined;
        } else {
          return undefined;
        }
    }
  }
  // ajv's strictTypes would reject e.g. `pattern` next to `type: integer`; let ajv judge anything unusual.
  const items = s.items === undefined ? undefined : compileSimpleValidator(s.items)!;
  return (value) => validate(s, value, "", pattern, items);
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

function validate(s: Record<string, unknown>, value: unknown, path: string, pattern: Pattern | undefined, items: ValueValidator | undefined): ValueError[] {
  const errors: ValueError[] = [];
  const fail = (keyword: string, message: string, params: Record<string, unknown> = {}) => errors.push({ keyword, instancePath: path, message, params });
  // As ajv with allErrors: a type mismatch is reported and the type-independent keywords still apply.
  if (typeof s.type === "string" && !typeMatches(s.type, value)) fail("type", `must be ${s.type}`, { type: s.type });
  if (Array.isArray(s.enum) && !s.enum.some((option) => isDeepStrictEqual(option, value))) {
    fail("enum", "must be equal to one of the allowed values", { allowedValues: s.enum });
  }
  if ("const" in s && !isDeepStrictEqual(s.const, value)) fail("const", "must be equal to constant", { allowedValue: s.const });
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength)
      fail("minLength", `must NOT have fewer than ${s.minLength} characters`, { limit: s.minLength });
    if (typeof s.maxLength === "number" && length > s.maxLength) fail("maxLength", `must NOT have more than ${s.maxLength} characters`, { limit: s.maxLength });
    if (pattern && !pattern.test(value)) fail("pattern", `must match pattern "${String(s.pattern)}"`, { pattern: s.pattern });
    if (typeof s.format === "string" && !checkFormat(s.format, value)) fail("format", `must match format "${s.format}"`, { format: s.format });
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) fail("minimum", `must be >= ${s.minimum}`, { limit: s.minimum, comparison: ">=" });
    if (typeof s.maximum === "number" && value > s.maximum) fail("maximum", `must be <= ${s.maximum}`, { limit: s.maximum, comparison: "<=" });
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum)
      fail("exclusiveMinimum", `must be > ${s.exclusiveMinimum}`, { limit: s.exclusiveMinimum, comparison: ">" });
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum)
      fail("exclusiveMaximum", `must be < ${s.exclusiveMaximum}`, { limit: s.exclusiveMaximum, comparison: "<" });
    if (typeof s.multipleOf === "number" && !Number.isInteger(value / s.multipleOf))
      fail("multipleOf", `must be multiple of ${s.multipleOf}`, { multipleOf: s.multipleOf });
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) fail("minItems", `must NOT have fewer than ${s.minItems} items`, { limit: s.minItems });
    if (typeof s.maxItems === "number" && value.length > s.maxItems) fail("maxItems", `must NOT have more than ${s.maxItems} items`, { limit: s.maxItems });
    if (s.uniqueItems === true) {
      for (let i = 0; i < value.length; i++) {
        if (value.slice(0, i).some((other) => isDeepStrictEqual(other, value[i]))) {
          fail("uniqueItems", "must NOT have duplicate items", {});
          break;
        }
      }
    }
    if (items) {
      value.forEach((item, index) => errors.push(...items(item).map((e) => ({ ...e, instancePath: `${path}/${index}${e.instancePath}` }))));
    }
  }
  return errors;
}
