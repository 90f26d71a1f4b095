/**
 * Turns ajv errors from the precompiled config schemas into findings with readable messages, in the words
 * Prometheus' own strict parser uses where it has them ("field x not found in type …").
 */
import type { DocumentFinding } from "./types.js";

export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  /** Set when the schema author gave the rule a message (`errorMessage`-style `description` is not used). */
}

export function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Keeps the most useful error per location: ajv reports every failed branch of a oneOf/anyOf. */
export function schemaFindings(errors: readonly SchemaError[] | null | undefined): DocumentFinding[] {
  const findings: DocumentFinding[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    if (error.keyword === "oneOf" || error.keyword === "anyOf" || error.keyword === "if") continue;
    const path = pathOf(error.instancePath);
    let finding: DocumentFinding;
    switch (error.keyword) {
      case "additionalProperties": {
        const key = String(error.params.additionalProperty);
        finding = { id: "schema/unknown-key", severity: "error", message: `unknown key \`${key}\``, path: [...path, key], atKey: true };
        break;
      }
      case "required":
        finding = { id: "schema/missing-key", severity: "error", message: `missing required key \`${String(error.params.missingProperty)}\``, path };
        break;
      case "type":
        finding = { id: "schema/type", severity: "error", message: `must be ${String(error.params.type).replace(/,/g, " or ")}`, path };
        break;
      case "enum":
        finding = {
          id: "schema/enum",
          severity: "error",
          message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
          path,
        };
        break;
      case "pattern":
        finding = { id: "schema/pattern", severity: "error", message: describePattern(String(error.params.pattern)), path };
        break;
      default:
        finding = { id: OTHER_KEYWORD_IDS[error.keyword] ?? "schema/invalid", severity: "error", message: error.message ?? `violates ${error.keyword}`, path };
    }
    const key = `${finding.id} ${JSON.stringify(finding.path)} ${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  // When a node has a precise error (unknown key, type), drop vaguer ones reported for the same node's branches.
  return findings;
}

/** The other keywords the config schemas use, each with its finding id. */
const OTHER_KEYWORD_IDS: Record<string, string> = {
  minimum: "schema/minimum",
  maximum: "schema/maximum",
  minItems: "schema/minItems",
  minLength: "schema/minLength",
  propertyNames: "schema/propertyNames",
};

/** Names the well-known patterns the config schemas use, so messages say "a duration" rather than a regex. */
export const PATTERNS = {
  duration: "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
  labelName: "^[a-zA-Z_][a-zA-Z0-9_]*$",
} as const;

function describePattern(pattern: string): string {
  if (pattern === PATTERNS.duration) return "must be a duration such as 30s, 5m, 1h30m";
  if (pattern === PATTERNS.labelName) return "must be a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)";
  return `must match ${pattern}`;
}
