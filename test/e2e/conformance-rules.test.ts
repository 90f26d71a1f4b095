/**
 * The built-in rule file checker against the corpus (test/corpus, kind `rules`): its verdict must agree with
 * the upstream expectation on every good/bad file but one known and explained, and accept every real-world
 * (`unknown`) file. The current promtool's verdicts (from the servers' cache, else PATH) are listed next to it.
 * Plus table-driven tests of the PromQL and Go template checkers it is built on.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseDocumentData } from "../../src/checks/document.js";
import { checkGoTemplate } from "../../src/checks/go-template.js";
import { checkExpression } from "../../src/checks/promql.js";
import { checkRules } from "../../src/checks/rules.js";
import type { Finding } from "../../src/checks/types.js";
import { CORPUS as CORPUS_DIR } from "../corpus-path.js";
import { agreementCell, currentTool, toolReports, type ToolReport } from "./current-tools.js";
import { findingLines, readRecordedFindings } from "../promql-corpus.js";

const CORPUS = CORPUS_DIR;

function tsvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(CORPUS, file), "utf8").trimEnd().split("\n");
  const names = (header ?? "").split("\t");
  return lines.map((line) => Object.fromEntries(line.split("\t").map((value, i) => [names[i] ?? `col${i}`, value])));
}

/**
 * Files whose reference verdict is not the `expected` column, with the reason. `unknown` means upstream's tests say
 * nothing; these say something after all.
 */
const REFERENCE_OVERRIDES: Record<string, { verdict: "good" | "bad"; reason: string }> = {
  "prometheus/cmd/promtool/testdata/rules_extrafields.yml": {
    verdict: "bad",
    reason:
      'upstream test data for `promtool test rules --ignore-unknown-fields` (unittest_test.go "Test all with extra fields"); ' +
      "plain `promtool check rules` (3.x as well as 2.42) rejects its group fields `namespace` and `ownership`",
  },
};

/** Disagreements we know of and accept, each explained (at most one). */
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  "prometheus/model/rulefmt/testdata/legacy_validation_annotation.bad.yaml":
    "bad only under the legacy name validation scheme (rulefmt_test.go passes model.LegacyValidation); promtool 3.x " +
    "checks with UTF-8 validation, under which the identical file utf-8_annotation.good.yaml is good. promplate " +
    "follows 3.x and warns (rules/legacy-name) that Prometheus 2.x rejects `ins-tance`",
};

interface Outcome {
  path: string;
  /** The current promtool's verdict (`check rules`), when it is there. */
  tool?: ToolReport;
  source: string;
  expected: "good" | "bad" | "unknown";
  reference: "good" | "bad";
  verdict: "good" | "bad";
  errors: string[];
  warnings: number;
  upstreamError: string;
  agreementNote: string;
}

async function judge(row: Record<string, string>): Promise<Outcome> {
  const path = row.path ?? "";
  const expected = ((row.expected_with_syntax_only || row.expected) ?? "unknown") as Outcome["expected"];
  const override = REFERENCE_OVERRIDES[path];
  const reference = override?.verdict ?? (expected === "bad" ? "bad" : "good");
  const parsed = parseDocumentData(readFileSync(join(CORPUS, path), "utf8"));
  let findings: Finding[];
  if ("error" in parsed) {
    findings = [{ id: "yaml/syntax", severity: "error", message: `${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`, path: [] }];
  } else {
    findings = await checkRules(parsed.data, { agent: (row.check_command ?? "").includes("--agent") });
  }
  const errors = findings.filter((f) => f.severity === "error").map((f) => `${f.id} at ${f.path.join(".")}: ${f.message}`);
  return {
    path,
    source: row.source ?? "",
    expected,
    reference,
    verdict: errors.length > 0 ? "bad" : "good",
    errors,
    warnings: findings.length - errors.length,
    upstreamError: row.expected_error_from_upstream_test ?? "",
    agreementNote: row.agreement ?? "",
  };
}

describe("conformance: prometheus rule files in the corpus", async () => {
  const rows = tsvRows("INDEX.details.tsv").filter((row) => row.kind === "rules");
  const outcomes: Outcome[] = [];
  for (const row of rows) outcomes.push(await judge(row));
  const promtool = currentTool("promtool");
  const toolName = promtool ? `promtool ${promtool.version}` : "promtool (not found)";
  if (promtool) {
    const reports = toolReports(
      promtool,
      ["check", "rules"],
      outcomes.map((o) => o.path),
      CORPUS,
    );
    for (const o of outcomes) o.tool = reports.get(o.path);
  }

  // The agreement table and the disagreements, for the log and the note.
  const table = new Map<string, { files: number; agree: number; tool: number }>();
  for (const o of outcomes) {
    const key = `${o.expected}${REFERENCE_OVERRIDES[o.path] ? ` (treated as ${o.reference})` : ""}`;
    const entry = table.get(key) ?? { files: 0, agree: 0, tool: 0 };
    entry.files++;
    if (o.verdict === o.reference) entry.agree++;
    if (o.tool?.verdict === o.reference) entry.tool++;
    table.set(key, entry);
  }
  const lines = [
    "",
    `rules conformance: upstream expectation (unknown: real-world files, taken as good), promplate's built-in verdict, ${toolName} (check rules)`,
    `expected                 files  built-in agrees   ${toolName} agrees`,
  ];
  for (const [key, { files, agree, tool }] of table) {
    lines.push(`${key.padEnd(24)} ${String(files).padStart(5)}  ${agreementCell(agree, files).padEnd(16)}  ${promtool ? agreementCell(tool, files) : "-"}`);
  }
  const decided = outcomes.filter((o) => o.expected !== "unknown");
  const decidedAgree = decided.filter((o) => o.verdict === o.reference).length;
  lines.push(
    `good/bad agreement: built-in ${agreementCell(decidedAgree, decided.length)}, ${toolName} ${promtool ? agreementCell(decided.filter((o) => o.tool?.verdict === o.reference).length, decided.length) : "-"}`,
  );
  const disagreements = outcomes.filter((o) => o.verdict !== o.reference);
  lines.push(`built-in disagreements: ${disagreements.length}`);
  for (const o of disagreements) {
    lines.push(`- ${o.path}: expected ${o.reference}, built-in says ${o.verdict}${o.errors[0] ? ` (${o.errors[0]})` : ""}`);
    lines.push(`  reason: ${KNOWN_DISAGREEMENTS[o.path] ?? "not analysed"}`);
  }
  const toolDisagreements = outcomes.filter((o) => o.tool && o.tool.verdict !== o.reference);
  lines.push(`where ${toolName} disagrees with upstream (${toolDisagreements.length}; it is older than the corpus):`);
  for (const o of toolDisagreements)
    lines.push(`- ${o.path}: expected ${o.reference}, ${toolName} says ${o.tool!.verdict}${o.tool!.detail ? ` (${o.tool!.detail})` : ""}`);
  for (const [path, { verdict, reason }] of Object.entries(REFERENCE_OVERRIDES)) lines.push(`reference override: ${path} is ${verdict}: ${reason}`);
  console.log(lines.join("\n"));

  test("the corpus has the rule files the index promises", () => {
    assert.ok(outcomes.length >= 140, `${outcomes.length} rule files`);
    assert.ok(outcomes.filter((o) => o.source === "awesome-prometheus-alerts").length >= 100);
  });

  test("every good/bad rule file agrees with upstream, but the disagreements known and explained", () => {
    const wrong = decided.filter((o) => o.verdict !== o.reference && !KNOWN_DISAGREEMENTS[o.path]);
    assert.deepEqual(
      wrong.map((o) => `${o.path}: ${o.verdict} ${o.errors.join("; ")}`),
      [],
    );
    assert.ok(Object.keys(KNOWN_DISAGREEMENTS).length <= 1);
  });

  test("every bad rule file is rejected for the reason upstream gives", () => {
    for (const o of decided.filter((o) => o.reference === "bad" && o.verdict === "bad" && o.upstreamError !== "")) {
      const want = o.upstreamError.replace(/\\"/g, '"').toLowerCase();
      const words = want.split(/[^a-z_']+/).filter((w) => w.length > 3);
      const said = o.errors.join(" ").toLowerCase();
      assert.ok(
        words.some((w) => said.includes(w)),
        `${o.path}: upstream says "${o.upstreamError}", built-in says ${o.errors.join("; ")}`,
      );
    }
  });

  test("every unknown (real-world) rule file is accepted", () => {
    const rejected = outcomes.filter((o) => o.expected === "unknown" && !REFERENCE_OVERRIDES[o.path] && o.verdict === "bad");
    assert.deepEqual(
      rejected.map((o) => `${o.path}: ${o.errors.join("; ")}`),
      [],
    );
  });

  test("files treated differently from the index get the verdict their reason gives", () => {
    for (const path of Object.keys(REFERENCE_OVERRIDES)) {
      const o = outcomes.find((outcome) => outcome.path === path);
      assert.ok(o, `${path} is in the index`);
      assert.equal(o.verdict, o.reference, `${path}: ${o.errors.join("; ")}`);
    }
  });
});

describe("checkExpression (PromQL)", () => {
  const cases: { expr: string; id?: "promql/parse" | "promql/type"; message?: RegExp; offset?: number }[] = [
    { expr: "sum(rate(x[5m])) by (a)" },
    { expr: 'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))' },
    { expr: "up == 0" },
    { expr: "requests offset -5m" },
    { expr: "requests @ 1000" },
    { expr: "count_over_time(up[5m:])" },
    { expr: "x * on (a) group_left (b) y" },
    { expr: 'label_replace(up, "a", "$1", "b", "(.*)")' },
    { expr: "rate(x)", id: "promql/type", message: /expected type range vector in call to function "rate", got instant vector/, offset: 5 },
    { expr: "abs(x[5m])", id: "promql/type", message: /expected type instant vector .* got range vector/, offset: 4 },
    { expr: "rate(x[5m], 1)", id: "promql/type", message: /expected 1 argument/ },
    { expr: '1 + "a"', id: "promql/type", message: /binary expression/ },
    { expr: 'foo{a="b"', id: "promql/parse", message: /unexpected end of input/, offset: 9 },
    { expr: "test +", id: "promql/parse", message: /unexpected end of input/, offset: 6 },
    { expr: "sum(x", id: "promql/parse", offset: 5 },
    { expr: "foo bar", id: "promql/parse", message: /unexpected "bar"/, offset: 4 },
    { expr: "nosuchfunc(x)", id: "promql/parse", message: /unknown function with name "nosuchfunc"/, offset: 0 },
    { expr: "   ", id: "promql/parse", message: /no expression/ },
    { expr: "# only a comment", id: "promql/parse", message: /no expression/ },
    { expr: '{__name__=~"pg_settings_.*", __name__!="pg_settings_transaction_read_only"}' },
    { expr: 'foo{__name__="bar"}', id: "promql/type", message: /metric name must not be set twice/ },
    // Checks of Prometheus' parser that codemirror-promql leaves out, and lezer's nesting of postfix modifiers.
    { expr: "x - x offset 5m" },
    { expr: "a > bool b @ 100" },
    { expr: "(a - b)[5m:]" },
    { expr: "sum(x) offset 5m", id: "promql/parse", message: /offset modifier must be preceded by/ },
    { expr: "a - rate(b[5m]) offset 5m", id: "promql/parse", message: /offset modifier must be preceded by/, offset: 4 },
    { expr: "sum(x) @ 100", id: "promql/parse", message: /@ modifier must be preceded by/ },
    { expr: "a - b[5m]", id: "promql/type", message: /binary expression must contain only scalar and instant vector types/ },
    { expr: "x[5m][5m]", id: "promql/parse", message: /ranges only allowed for vector selectors/ },
    { expr: 'x{a="b\\.c"}', id: "promql/parse", message: /unknown escape sequence U\+002E '\.'/, offset: 6 },
    { expr: "x{a='it\\'s', b=\"\\u00e9\\x41\\n\", c=`\\d`}" },
    { expr: 'info(up, up{a="b"})', id: "promql/type", message: /expected label selectors only, got vector selector instead/, offset: 9 },
  ];
  test("every corpus expression, and a wrong variant of each, gets the recorded findings", () => {
    assert.deepEqual(findingLines(checkExpression), readRecordedFindings());
  });
  test("known limit (README): a chain of hundreds of binary operators past about 2,500 characters is a parse error", () => {
    assert.deepEqual(checkExpression(Array.from({ length: 500 }, () => "aa").join(" + ")), []);
    assert.equal(checkExpression(Array.from({ length: 800 }, () => "aa").join(" + "))[0]?.id, "promql/parse");
  });
  test("checking loads none of codemirror's editor packages (their parse works to a wall-clock budget)", () => {
    checkExpression("rate(x[5m])");
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    assert.ok(
      loaded.some((file) => file.includes("/node_modules/@prometheus-io/lezer-promql/")),
      "the check loads lezer-promql through require",
    );
    assert.deepEqual(
      loaded.filter((file) => file.includes("/node_modules/@codemirror/")),
      [],
    );
  });
  for (const { expr, id, message, offset } of cases) {
    test(`${JSON.stringify(expr)} ${id ?? "ok"}`, () => {
      const problems = checkExpression(expr);
      if (!id) return assert.deepEqual(problems, []);
      assert.ok(problems.length > 0, "a problem is reported");
      assert.equal(problems[0]!.id, id);
      if (message) assert.match(problems[0]!.message, message);
      if (offset !== undefined) assert.equal(problems[0]!.offset, offset);
    });
  }
});

describe("checkGoTemplate (alert labels and annotations)", () => {
  type Id = "template/parse" | "template/undefined-variable" | "template/unknown-function";
  const cases: { text: string; id?: Id; message?: string | RegExp; offset?: number }[] = [
    { text: "{{ $labels.instance }}" },
    { text: "Instance {{ $labels.instance }} of job {{ $labels.job }} is down ({{ $value }})" },
    { text: "{{ $externalLabels.cluster }} {{ $externalURL }} {{ $.Labels.x }} {{ . }}" },
    { text: "{{ range $i, $v := .x }}{{ $v }}{{ end }}" },
    { text: "{{ humanize $value }}" },
    { text: '{{ $value | humanizePercentage }} {{ printf "%.2f" $value }} {{ humanizeDuration 3.5 }}' },
    { text: "{{- if gt $value 1.0 -}} high {{- else if lt $value 0.0 }} low {{ else }} ok {{ end }}" },
    { text: '{{ with query "up" }}{{ . | first | value | humanize }}{{ end }}' },
    { text: '{{/* a comment */}}{{ "}}" }}{{ `raw` }}' },
    { text: "{{ $x := 1 }}{{ if $x }}{{ $y := 2 }}{{ $y }}{{ end }}{{ $x }}" },
    { text: "{{ range .Alerts }}{{ if .Labels.x }}{{ break }}{{ end }}{{ end }}" },
    { text: "no template at all: ${HOST} $1" },
    { text: "{{ $foo }}", id: "template/undefined-variable", message: 'undefined variable "$foo"', offset: 3 },
    { text: "Instance {{ $label.foo }} down", id: "template/undefined-variable", message: 'undefined variable "$label"', offset: 12 },
    { text: "{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}", id: "template/undefined-variable", message: 'undefined variable "$y"' },
    { text: '{{ define "t" }}{{ $labels }}{{ end }}', id: "template/undefined-variable" },
    { text: "{{ if }}", id: "template/parse", message: "missing value for if" },
    { text: "{{ if $value }}firing", id: "template/parse", message: /unexpected EOF/, offset: 0 },
    { text: "a {{ end }}", id: "template/parse", message: "unexpected {{end}}", offset: 2 },
    { text: "{{ else }}", id: "template/parse", message: "unexpected {{else}}" },
    { text: "{{ range .x }}a{{ else }}b{{ else }}c{{ end }}", id: "template/parse", message: /expected end/ },
    { text: "{{ break }}", id: "template/parse", message: "{{break}} outside {{range}}" },
    { text: "{{ nosuchfunc 1 }}", id: "template/unknown-function", message: 'function "nosuchfunc" not defined', offset: 3 },
    { text: "{{ $labels.instance", id: "template/parse", message: "unclosed action", offset: 0 },
    { text: "{{ /* spaced comment */ }}", id: "template/parse" },
    { text: '{{ "open }}', id: "template/parse", message: "unterminated quoted string" },
    { text: "{{ }}", id: "template/parse", message: "missing value for command" },
    { text: "{{ 1 | 2 }}", id: "template/parse", message: /non executable command/ },
    { text: "{{ (1 }}", id: "template/parse", message: "unclosed left paren" },
  ];
  for (const { text, id, message, offset } of cases) {
    test(`${JSON.stringify(text)} ${id ?? "ok"}`, () => {
      const problems = checkGoTemplate(text);
      if (!id) return assert.deepEqual(problems, []);
      assert.equal(problems.length, 1, "the first error, as Go reports it");
      assert.equal(problems[0]!.id, id);
      if (typeof message === "string") assert.equal(problems[0]!.message, message);
      else if (message) assert.match(problems[0]!.message, message);
      if (offset !== undefined) assert.equal(problems[0]!.offset, offset);
    });
  }
});

describe("checkRules", () => {
  const check = (data: unknown) => checkRules(data, {});
  const ids = (findings: Finding[]) => findings.map((f) => `${f.severity} ${f.id} ${f.path.join(".")}`);

  test("an empty file and a file without groups are valid", async () => {
    assert.deepEqual(await check({}), []);
    assert.deepEqual(await check({ groups: [] }), []);
  });

  test("a PromQL error points into the expression", async () => {
    const findings = await check({ groups: [{ name: "g", rules: [{ alert: "A", expr: "rate(x)" }] }] });
    assert.deepEqual(ids(findings), ["error promql/type groups.0.rules.0.expr"]);
    assert.equal(findings[0]!.offsetInValue, 5);
  });

  test("recording rules: no for, keep_firing_for or annotations; no braces in the name; templates not parsed", async () => {
    const findings = await check({
      groups: [
        {
          name: "g",
          rules: [
            { record: 'x{a="b"}', expr: "1", for: "5m", keep_firing_for: "1m", annotations: { a: "b" } },
            { record: "y", expr: "1", for: "0s", labels: { note: "{{ $undefined }}" } },
          ],
        },
      ],
    });
    assert.deepEqual(ids(findings).sort(), [
      "error alerts/for groups.0.rules.0.for",
      "error alerts/for groups.0.rules.0.keep_firing_for",
      "error rules/record-name groups.0.rules.0.record",
      "error rules/recording-rule-field groups.0.rules.0.annotations",
    ]);
  });

  test("record xor alert, expr required, label names, group names", async () => {
    const findings = await check({
      groups: [
        { name: "g", labels: { __name__: "x" }, rules: [{ record: "a", alert: "b", expr: "1" }, { expr: "1" }, { alert: "c", labels: { "": "x" } }] },
        { name: "g", rules: [] },
        { rules: [] },
      ],
    });
    assert.deepEqual(ids(findings), [
      "error rules/label-name groups.0.labels.__name__",
      "error rules/record-and-alert groups.0.rules.0.alert",
      "error rules/no-record-or-alert groups.0.rules.1",
      "error rules/missing-expr groups.0.rules.2",
      "error rules/label-name groups.0.rules.2.labels.",
      "error rules/duplicate-group groups.1.name",
      "error rules/group-name groups.2",
    ]);
  });

  test("unknown keys and bad durations are schema errors", async () => {
    const findings = await check({ groups: [{ name: "g", interval: "5 minutes", rules: [{ alert: "a", expr: "1", for: 5, annotation: {} }] }] });
    assert.deepEqual(ids(findings).sort(), [
      "error alerts/for groups.0.rules.0.for",
      "error schema/pattern groups.0.interval",
      "error schema/unknown-key groups.0.rules.0.annotation",
    ]);
  });

  test("template errors point into the annotation; only alerting rules' templates are parsed", async () => {
    const findings = await check({
      groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0", annotations: { summary: "Instance {{ $label.foo }} down" } }] }],
    });
    assert.deepEqual(ids(findings), ["error template/undefined-variable groups.0.rules.0.annotations.summary"]);
    assert.equal(findings[0]!.offsetInValue, 12);
    assert.match(findings[0]!.message, /annotation "summary": undefined variable "\$label"/);
  });

  test("duplicate rules (name and labels, group labels included) are a warning, as promtool's lint", async () => {
    const findings = await check({
      groups: [
        {
          name: "a",
          rules: [
            { alert: "A", expr: "1", labels: { s: "x" } },
            { alert: "A", expr: "2", labels: { s: "x" } },
            { alert: "A", expr: "1", labels: { s: "y" } },
          ],
        },
        { name: "b", labels: { s: "x" }, rules: [{ alert: "A", expr: "1" }] },
      ],
    });
    assert.deepEqual(ids(findings), ["warning rules/duplicate groups.0.rules.1.alert", "warning rules/duplicate groups.1.rules.0.alert"]);
  });

  test("UTF-8 names are accepted with a warning that Prometheus 2.x rejects them", async () => {
    const findings = await check({
      groups: [{ name: "g", rules: [{ alert: "A", expr: "1", labels: { "ins-tance": "x" }, annotations: { "my-note": "y" } }] }],
    });
    assert.deepEqual(ids(findings), [
      "warning rules/legacy-name groups.0.rules.0.labels.ins-tance",
      "warning rules/legacy-name groups.0.rules.0.annotations.my-note",
    ]);
  });
});
