/**
 * The built-in checker for Prometheus rule files, following Prometheus 3.x (`model/rulefmt` as `promtool check rules`
 * runs it, with UTF-8 name validation, the 3.x default):
 * - structure from schemas/prometheus-rules.schema.json (unknown keys are errors, as Prometheus decodes strictly);
 * - group names present and unique in the file;
 * - each rule has exactly one of `record` / `alert` and an `expr`, parsed and type-checked as PromQL;
 * - recording rules: a name without braces, no `annotations`, no non-zero `for` / `keep_firing_for`;
 * - label names (not `__name__`) and annotation names;
 * - alerting rules: Go templates in label values and annotations parsed as Prometheus does (undefined variables,
 *   unknown functions, syntax); recording rules' label values are plain strings;
 * - duplicate rules (same name and labels, group labels included, anywhere in the file) are a warning, as in
 *   promtool's lint.
 * Names that only Prometheus 3's UTF-8 validation accepts get a warning: Prometheus 2.x (and a 3.x server configured
 * with `metric_name_validation_scheme: legacy`) rejects them.
 */
import validate from "../generated/prometheus-rules-validator.js";
import { parseDuration } from "../go/duration.js";
import { checkGoTemplate } from "./go-template.js";
import { analyzeExpression, type ExpressionAnalysis } from "./promql.js";
import { checkDialectFields } from "./rules-dialect.js";
import { PATTERNS, schemaFindings } from "./schema-findings.js";
import type { CheckOptions, DocumentFinding } from "./types.js";

type Path = (string | number)[];
type Mapping = Record<string, unknown>;

const LEGACY_LABEL_NAME = new RegExp(PATTERNS.labelName);
const LEGACY_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const isMapping = (value: unknown): value is Mapping => typeof value === "object" && value !== null && !Array.isArray(value);

/** What Go's YAML decoder puts in a string field: the scalar's text; null is "". */
function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

export async function checkRules(data: unknown, options: CheckOptions): Promise<DocumentFinding[]> {
  // Agent mode does not apply to rule files: an agent does not load them at all.
  const checkPromQL = options.promql !== false;
  const analyses = options.ruleAnalyses;
  const findings: DocumentFinding[] = [];
  const dialect = checkDialectFields(data, options.rulesDialect ?? "prometheus");
  if (!validate(dialect.data)) {
    // A dialect field's own finding, whose hint names the dialect, stands for the schema's "unknown key".
    findings.push(...schemaFindings(validate.errors).filter((f) => !(f.id === "schema/unknown-key" && dialect.replacesUnknownKey(f.path))));
  }
  findings.push(...dialect.findings);
  if (!isMapping(data) || !Array.isArray(data.groups)) return findings;

  const groupNames = new Map<string, number>();
  /** Duplicate detection: name + labels → where the rule first appeared. */
  const ruleKeys = new Map<string, { group: string; index: number }>();

  data.groups.forEach((group: unknown, groupIndex: number) => {
    if (!isMapping(group)) return;
    const groupPath: Path = ["groups", groupIndex];
    const name = scalarText(group.name);
    if (name === "") {
      findings.push({
        id: "rules/group-name",
        severity: "error",
        message: "group name must not be empty",
        path: "name" in group ? [...groupPath, "name"] : groupPath,
      });
    } else if (groupNames.has(name)) {
      findings.push({
        id: "rules/duplicate-group",
        severity: "error",
        message: `group name ${JSON.stringify(name)} is repeated in the same file (first at group ${groupNames.get(name)! + 1})`,
        path: [...groupPath, "name"],
      });
    } else {
      groupNames.set(name, groupIndex);
    }
    durationValue(group, "interval", groupPath, findings);
    durationValue(group, "query_offset", groupPath, findings);
    const groupLabels = isMapping(group.labels) ? group.labels : {};
    labelNames(groupLabels, [...groupPath, "labels"], findings);

    if (!Array.isArray(group.rules)) return;
    group.rules.forEach((rule: unknown, ruleIndex: number) => {
      if (!isMapping(rule)) return;
      const rulePath: Path = [...groupPath, "rules", ruleIndex];
      checkRule(rule, rulePath, findings, checkPromQL, analyses);
      const metric = scalarText(rule.alert) || scalarText(rule.record);
      if (metric === "") return;
      const key = duplicateKey(metric, groupLabels, isMapping(rule.labels) ? rule.labels : {});
      const first = ruleKeys.get(key);
      if (first) {
        const where = first.group === name ? `rule ${first.index + 1} of this group` : `group ${JSON.stringify(first.group)}, rule ${first.index + 1}`;
        findings.push({
          id: "rules/duplicate",
          severity: "warning",
          message: `duplicate rule: ${JSON.stringify(metric)} with the same labels as ${where}; might cause inconsistency while recording expressions`,
          path: rule.alert !== undefined ? [...rulePath, "alert"] : rule.record !== undefined ? [...rulePath, "record"] : rulePath,
        });
      } else {
        ruleKeys.set(key, { group: name, index: ruleIndex });
      }
    });
  });
  return findings.map(forFieldFinding);
}

const FOR_FIELDS = new Set(["for", "keep_firing_for"]);

/** A bad `for` / `keep_firing_for` (unparsable, negative, or on a recording rule) is reported as `alerts/for`. */
function forFieldFinding(finding: DocumentFinding): DocumentFinding {
  const [groups, , rules, , key] = finding.path;
  const isForField = groups === "groups" && rules === "rules" && finding.path.length === 5 && FOR_FIELDS.has(String(key));
  if (!isForField) return finding;
  if (finding.id === "rules/recording-rule-field") return { ...finding, id: "alerts/for" };
  if (finding.id === "schema/pattern" || finding.id === "schema/type") return { ...finding, id: "alerts/for", message: `${String(key)} ${finding.message}` };
  return finding;
}

function checkRule(rule: Mapping, path: Path, findings: DocumentFinding[], checkPromQL: boolean, analyses?: Map<object, ExpressionAnalysis>): void {
  const record = scalarText(rule.record);
  const alert = scalarText(rule.alert);
  if (record !== "" && alert !== "") {
    findings.push({
      id: "rules/record-and-alert",
      severity: "error",
      message: "only one of 'record' and 'alert' must be set",
      path: [...path, "alert"],
      atKey: true,
    });
  } else if (record === "" && alert === "") {
    findings.push({ id: "rules/no-record-or-alert", severity: "error", message: "one of 'record' or 'alert' must be set", path });
  }

  const expr = scalarText(rule.expr);
  if (expr === "") {
    findings.push({
      id: "rules/missing-expr",
      severity: "error",
      message: "field 'expr' must be set in rule",
      path: "expr" in rule ? [...path, "expr"] : path,
    });
  } else if (checkPromQL) {
    const exact = typeof rule.expr === "string"; // a number's text may differ from the source, so no offset then
    const analysis = analyzeExpression(expr);
    analyses?.set(rule, analysis);
    for (const problem of analysis.findings) {
      findings.push({
        id: problem.id,
        severity: "error",
        message: problem.message,
        path: [...path, "expr"],
        ...(exact ? { offsetInValue: problem.offset } : {}),
      });
    }
  }

  const forValue = durationValue(rule, "for", path, findings);
  const keepFiringFor = durationValue(rule, "keep_firing_for", path, findings);
  if (record !== "") {
    const annotations = isMapping(rule.annotations) ? rule.annotations : {};
    if (Object.keys(annotations).length > 0) {
      findings.push({
        id: "rules/recording-rule-field",
        severity: "error",
        message: "invalid field 'annotations' in recording rule",
        path: [...path, "annotations"],
        atKey: true,
      });
    }
    if (forValue)
      findings.push({
        id: "rules/recording-rule-field",
        severity: "error",
        message: "invalid field 'for' in recording rule",
        path: [...path, "for"],
        atKey: true,
      });
    if (keepFiringFor) {
      findings.push({
        id: "rules/recording-rule-field",
        severity: "error",
        message: "invalid field 'keep_firing_for' in recording rule",
        path: [...path, "keep_firing_for"],
        atKey: true,
      });
    }
    if (record.includes("{") || record.includes("}")) {
      findings.push({
        id: "rules/record-name",
        severity: "error",
        message: `braces present in the recording rule name; should it be in expr?: ${record}`,
        path: [...path, "record"],
      });
    } else if (!LEGACY_METRIC_NAME.test(record)) {
      findings.push({
        id: "rules/legacy-name",
        severity: "warning",
        message: `recording rule name ${JSON.stringify(record)} is valid only with UTF-8 name validation (Prometheus 3); Prometheus 2.x rejects it`,
        path: [...path, "record"],
      });
    }
  }

  const labels = isMapping(rule.labels) ? rule.labels : {};
  labelNames(labels, [...path, "labels"], findings);
  const annotations = isMapping(rule.annotations) ? rule.annotations : {};
  for (const name of Object.keys(annotations)) {
    if (name === "") {
      findings.push({
        id: "rules/annotation-name",
        severity: "error",
        message: "invalid annotation name: (empty)",
        path: [...path, "annotations", name],
        atKey: true,
      });
    } else if (!LEGACY_LABEL_NAME.test(name)) {
      findings.push({
        id: "rules/legacy-name",
        severity: "warning",
        message: `annotation name ${JSON.stringify(name)} is valid only with UTF-8 name validation (Prometheus 3); Prometheus 2.x rejects it`,
        path: [...path, "annotations", name],
        atKey: true,
      });
    }
  }

  // Prometheus parses the templates of alerting rules only; a recording rule's label values are plain text.
  if (alert !== "") {
    templates(labels, "label", [...path, "labels"], findings);
    templates(annotations, "annotation", [...path, "annotations"], findings);
  }
}

function templates(values: Mapping, what: string, path: Path, findings: DocumentFinding[]): void {
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== "string" || !value.includes("{{")) continue;
    for (const problem of checkGoTemplate(value)) {
      findings.push({
        id: problem.id,
        severity: "error",
        message: `${what} ${JSON.stringify(name)}: ${problem.message}`,
        path: [...path, name],
        offsetInValue: problem.offset,
      });
    }
  }
}

function labelNames(labels: Mapping, path: Path, findings: DocumentFinding[]): void {
  for (const name of Object.keys(labels)) {
    if (name === "" || name === "__name__") {
      findings.push({
        id: "rules/label-name",
        severity: "error",
        message: `invalid label name: ${name === "" ? "(empty)" : name}`,
        path: [...path, name],
        atKey: true,
      });
    } else if (!LEGACY_LABEL_NAME.test(name)) {
      findings.push({
        id: "rules/legacy-name",
        severity: "warning",
        message: `label name ${JSON.stringify(name)} is valid only with UTF-8 name validation (Prometheus 3); Prometheus 2.x rejects it`,
        path: [...path, name],
        atKey: true,
      });
    }
  }
}

/**
 * A duration field's value: true when set to a non-zero duration. The schema checks the syntax of strings; Go's
 * decoder also takes a bare 0 but rejects other numbers and the empty string.
 */
function durationValue(owner: Mapping, key: string, path: Path, findings: DocumentFinding[]): boolean {
  const value = owner[key];
  if (typeof value === "number") {
    if (value === 0) return false;
    findings.push({
      id: "schema/pattern",
      severity: "error",
      message: "must be a duration such as 30s, 5m, 1h30m (a number needs a unit)",
      path: [...path, key],
    });
    return false;
  }
  if (value === "") {
    findings.push({
      id: "schema/pattern",
      severity: "error",
      message: "must be a duration such as 30s, 5m, 1h30m (empty duration string)",
      path: [...path, key],
    });
    return false;
  }
  return typeof value === "string" && (parseDuration(value) ?? 0) > 0;
}

/** promtool's duplicate key: the rule's name and its labels merged over the group's labels. */
function duplicateKey(metric: string, groupLabels: Mapping, ruleLabels: Mapping): string {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(groupLabels)) merged[name] = scalarText(value);
  for (const [name, value] of Object.entries(ruleLabels)) merged[name] = scalarText(value);
  const names = Object.keys(merged).sort();
  let key = metric;
  for (const name of names) key += `\u0000${name}\u0000${merged[name]}`;
  return key;
}
