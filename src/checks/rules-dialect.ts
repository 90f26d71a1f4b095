/**
 * Rule file dialects: Thanos Ruler adds `partial_response_strategy` to a group; Mimir (and Cortex) add a top-level
 * `namespace` and the group fields `source_tenants` and `evaluation_delay`. Prometheus rejects them all. In the
 * dialect that has them they are checked here and left out of what the Prometheus schema sees, and of the copy given
 * to promtool (`withoutDialectFields`); in another dialect they are errors whose hint names the dialect.
 */
import { parseDuration } from "../go/duration.js";
import type { DocumentFinding } from "./types.js";

export type RulesDialect = "prometheus" | "thanos" | "mimir";
export const RULES_DIALECTS: readonly RulesDialect[] = ["prometheus", "thanos", "mimir"];

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === "object" && value !== null && !Array.isArray(value);

interface DialectField {
  dialect: Exclude<RulesDialect, "prometheus">;
  where: "file" | "group";
  /** What a valid value is, for the message; undefined when `value` is valid. */
  problem(value: unknown): string | undefined;
}

const DIALECT_FIELDS: Record<string, DialectField> = {
  partial_response_strategy: {
    dialect: "thanos",
    where: "group",
    problem: (value) => (typeof value === "string" && /^(warn|abort)$/i.test(value) ? undefined : "must be warn or abort"),
  },
  namespace: {
    dialect: "mimir",
    where: "file",
    problem: (value) => (typeof value === "string" && value !== "" ? undefined : "must be a non-empty string"),
  },
  source_tenants: {
    dialect: "mimir",
    where: "group",
    problem: (value) =>
      value === null || (Array.isArray(value) && value.every((tenant) => typeof tenant === "string" && tenant !== ""))
        ? undefined
        : "must be a list of tenant IDs",
  },
  evaluation_delay: {
    dialect: "mimir",
    where: "group",
    problem: (value) =>
      value === 0 || value === null || (typeof value === "string" && parseDuration(value) !== undefined) ? undefined : "must be a duration such as 1m",
  },
};

const DIALECT_NAMES = { thanos: "Thanos Ruler", mimir: "Mimir (or Cortex) ruler" } as const;

/** Where the dialect fields are in a rule file: paths to their keys. */
function dialectFieldPaths(data: unknown): { path: (string | number)[]; key: string; value: unknown }[] {
  if (!isMapping(data)) return [];
  const found: { path: (string | number)[]; key: string; value: unknown }[] = [];
  for (const [key, field] of Object.entries(DIALECT_FIELDS)) if (field.where === "file" && key in data) found.push({ path: [key], key, value: data[key] });
  if (!Array.isArray(data.groups)) return found;
  data.groups.forEach((group: unknown, index) => {
    if (!isMapping(group)) return;
    for (const [key, field] of Object.entries(DIALECT_FIELDS))
      if (field.where === "group" && key in group) found.push({ path: ["groups", index, key], key, value: group[key] });
  });
  return found;
}

/**
 * Checks the dialect fields of a rule file and returns the data as Prometheus' schema should see it: without the
 * fields the dialect accepts (the others stay, and the findings here replace the schema's "unknown key").
 */
export function checkDialectFields(
  data: unknown,
  dialect: RulesDialect,
): { data: unknown; findings: DocumentFinding[]; replacesUnknownKey: (path: (string | number)[]) => boolean } {
  const fields = dialectFieldPaths(data);
  if (fields.length === 0) return { data, findings: [], replacesUnknownKey: () => false };
  const findings: DocumentFinding[] = [];
  const reported = new Set<string>();
  const accepted = new Set<string>();
  for (const { path, key, value } of fields) {
    const field = DIALECT_FIELDS[key]!;
    const where = JSON.stringify(path);
    if (field.dialect === dialect) {
      accepted.add(where);
      const problem = field.problem(value);
      if (problem) findings.push({ id: "rules/dialect", severity: "error", message: `${key} ${problem}`, path });
      continue;
    }
    reported.add(where);
    findings.push({
      id: "rules/dialect",
      severity: "error",
      message: `\`${key}\` is a ${DIALECT_NAMES[field.dialect]} field: ${dialect === "prometheus" ? "Prometheus" : DIALECT_NAMES[dialect]} rejects it`,
      hint: `if the file is for ${DIALECT_NAMES[field.dialect]}, pass --rules-dialect ${field.dialect} (or set rulesDialect: ${field.dialect} on its output)`,
      path,
      atKey: true,
    });
  }
  return { data: without(data, accepted), findings, replacesUnknownKey: (path) => reported.has(JSON.stringify(path)) };
}

/** A shallow copy of the rule file without the fields at `paths` (JSON paths of keys). */
function without(data: unknown, paths: Set<string>): unknown {
  if (paths.size === 0 || !isMapping(data)) return data;
  const copy: Mapping = {};
  for (const [key, value] of Object.entries(data)) if (!paths.has(JSON.stringify([key]))) copy[key] = value;
  if (Array.isArray(data.groups)) {
    copy.groups = data.groups.map((group: unknown, index) => {
      if (!isMapping(group)) return group;
      const kept: Mapping = {};
      for (const [key, value] of Object.entries(group)) if (!paths.has(JSON.stringify(["groups", index, key]))) kept[key] = value;
      return kept;
    });
  }
  return copy;
}

/**
 * The text given to promtool: the dialect's fields blanked out, line for line, so that promtool's line numbers stay
 * the text's. A field is blanked from its key (`keyAt` gives its 1-based line and column) to the last line of its
 * value: the lines indented deeper, and a block sequence's `- ` items at the key's own indentation.
 */
export function withoutDialectFields(
  text: string,
  data: unknown,
  dialect: RulesDialect,
  keyAt: (path: (string | number)[]) => { line: number; column: number },
): string {
  if (dialect === "prometheus") return text;
  const fields = dialectFieldPaths(data).filter(({ key }) => DIALECT_FIELDS[key]!.dialect === dialect);
  if (fields.length === 0) return text;
  const lines = text.split("\n");
  for (const { path } of fields) {
    const { line, column } = keyAt(path);
    const index = line - 1;
    const indent = column - 1;
    if (lines[index] === undefined) continue;
    lines[index] = lines[index]!.slice(0, indent);
    for (let next = index + 1; next < lines.length; next++) {
      const current = lines[next]!;
      if (current.trim() === "" || current.trimStart().startsWith("#")) continue;
      const depth = current.length - current.trimStart().length;
      if (depth > indent || (depth === indent && /^\s*-(\s|$)/.test(current))) lines[next] = "";
      else break;
    }
  }
  return lines.join("\n");
}
