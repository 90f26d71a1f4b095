/**
 * The rule checks that know the config (src/checks/rule-lint.ts) through `promplate check` on a project: each
 * instance's rendered prometheus.yml sets the intervals and external labels its rules are checked against, findings
 * name the template line and the instance in every format; the `lint:` block, the inline ignore comment, the info
 * severity, `rulesDialect` on an output; and the corpus' real rule files, which these checks must never fail.
 * Each check's bad and good case is a golden case in test/fixtures/lint-*.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CORPUS } from "../corpus-path.js";
import { makeProject, runPromplate } from "../helpers.js";

const PROJECT = `instances:
  fast: { values: { INTERVAL: 15s } }
  slow: { values: { INTERVAL: 2m, REGION: us } }
variables:
  INTERVAL: { type: string, format: prometheus-duration, default: 1m }
  REGION: { type: string, default: eu }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: "out/{instance}/prometheus.yml", runtimePath: /etc/prometheus/prometheus.yml }
  - { service: prometheus, kind: prometheus-rules, template: rules/, path: "out/{instance}/rules/", runtimePath: /etc/prometheus/rules/ }
`;
const PROMETHEUS = `global:
  scrape_interval: \${INTERVAL}
  external_labels: { region: \${REGION} }
rule_files: [rules/*.yml]
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ["node:9100"] }]
`;
const RULES = `groups:
  - name: node
    rules:
      - alert: CpuBusy
        expr: rate(node_cpu_seconds_total{job="node"}[3m]) > 0.9
      - alert: NodeDown
        expr: up{job=~"node"} == 0
`;

const project = (files: Record<string, string> = {}) =>
  makeProject({ "promplate.yaml": PROJECT, "prometheus.yml": PROMETHEUS, "rules/node.yml": RULES, ...files });

interface JsonFinding {
  id: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  instance?: string;
  message: string;
}

async function checkJson(dir: string, args: string[] = []): Promise<{ code: number; findings: JsonFinding[]; summary: Record<string, number> }> {
  const run = await runPromplate(["-C", dir, "check", "--no-tools", "--examples", "--format", "json", ...args]);
  assert.ok(run.stdout.startsWith("{"), run.stdout + run.stderr);
  const report = JSON.parse(run.stdout) as { findings: JsonFinding[]; summary: Record<string, number> };
  return { code: run.code, ...report };
}

describe("rule checks on a project with instances", () => {
  test("each instance's scrape interval judges the same template line; the finding names the instance", async () => {
    const dir = await project();
    const { code, findings } = await checkJson(dir);
    const rateRange = findings.filter((f) => f.id === "promql/rate-range");
    // 3m is fine against 15s, under twice 2m (a warning) for the slow instance only.
    assert.deepEqual(
      rateRange.map((f) => [f.file, f.line, f.column, f.severity, f.instance]),
      [["rules/node.yml", 5, 15, "warning", "slow"]],
    );
    assert.match(rateRange[0]!.message, /scrape interval of job node \(2m\)/);
    // The regex finding is the same in both renders: reported once, naming both.
    const regexp = findings.filter((f) => f.id === "promql/regexp");
    assert.deepEqual(
      regexp.map((f) => [f.line, f.instance]),
      [[7, "fast, slow"]],
    );
    assert.equal(code, 0);
  });

  test("text and github formats carry the template line, the id and the instance", async () => {
    const dir = await project();
    const text = await runPromplate(["-C", dir, "check", "--no-tools", "--examples"]);
    assert.match(text.stdout, /^rules\/node\.yml:5:15: warning promql\/rate-range: \(instance slow\) rate\(\) over \[3m\]/m);
    const github = await runPromplate(["-C", dir, "check", "--no-tools", "--examples", "--format", "github"]);
    assert.match(github.stdout, /^::warning file=rules\/node\.yml,line=5,col=15,title=promql\/rate-range::\(instance slow\) rate\(\)/m);
  });

  test("a range under the instance's scrape interval is an error (the config is known): exit 1", async () => {
    const dir = await project({ "rules/node.yml": RULES.replace("[3m]", "[1m]") });
    const { code, findings } = await checkJson(dir, ["--instance", "slow"]);
    assert.deepEqual(
      findings.filter((f) => f.id === "promql/rate-range").map((f) => [f.severity, f.line]),
      [["error", 5]],
    );
    assert.equal(code, 1);
  });

  test("a selector naming no job is an error only under the fastest job's interval: it may read that job's series", async () => {
    const dir = await project({
      "prometheus.yml": `${PROMETHEUS}  - job_name: api
    scrape_interval: 10s
    static_configs: [{ targets: ["api:8080"] }]
`,
      "rules/node.yml": RULES.replace('node_cpu_seconds_total{job="node"}[3m]', "http_requests_total[30s]"),
    });
    const slow = await checkJson(dir, ["--instance", "slow"]);
    assert.deepEqual(
      slow.findings.filter((f) => f.id === "promql/rate-range").map((f) => [f.severity, f.line]),
      [["warning", 5]],
    );
    assert.match(slow.findings.find((f) => f.id === "promql/rate-range")!.message, /twice the global scrape interval \(2m\)/);
    assert.equal(slow.code, 0);
    const tooShort = await project({
      "prometheus.yml": `${PROMETHEUS}  - job_name: api
    scrape_interval: 10s
    static_configs: [{ targets: ["api:8080"] }]
`,
      "rules/node.yml": RULES.replace('node_cpu_seconds_total{job="node"}[3m]', "http_requests_total[5s]"),
    });
    const error = await checkJson(tooShort, ["--instance", "slow"]);
    assert.match(error.findings.find((f) => f.id === "promql/rate-range" && f.severity === "error")!.message, /scrape interval of job api \(10s\)/);
    assert.equal(error.code, 1);
  });

  test("$externalLabels.x is checked against each instance's external labels", async () => {
    const rules = `${RULES}      - alert: Gone
        expr: up == 0
        annotations: { summary: "gone in {{ $externalLabels.region }} {{ $externalLabels.zone }}" }
`;
    const dir = await project({ "rules/node.yml": rules });
    const { code, findings } = await checkJson(dir);
    const external = findings.filter((f) => f.id === "alerts/external-labels");
    assert.deepEqual(
      external.map((f) => [f.severity, f.line, f.instance]),
      [["error", 10, "fast, slow"]],
    );
    assert.match(external[0]!.message, /no external label zone \(it has region\)/);
    assert.equal(code, 1);
  });
});

describe("lint settings", () => {
  test("the lint: block turns a check off and changes another's severity", async () => {
    const dir = await project({
      "promplate.yaml": `${PROJECT}lint:\n  promql/regexp: "off"\n  promql/rate-range: error\n`,
    });
    const { code, findings } = await checkJson(dir, ["--instance", "slow"]);
    assert.deepEqual(
      findings.map((f) => [f.id, f.severity]),
      [["promql/rate-range", "error"]],
    );
    assert.equal(code, 1);
  });

  test("a lint: entry that is no check id is bad input naming it", async () => {
    const dir = await project({ "promplate.yaml": `${PROJECT}lint:\n  promql/regex: "off"\n` });
    const run = await runPromplate(["-C", dir, "check", "--no-tools", "--examples"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /lint: must NOT have additional properties `promql\/regex`/);
  });

  test("# promplate: ignore ID on the rule drops that check's findings for that rule only", async () => {
    const rules = `groups:
  - name: node
    rules:
      # promplate: ignore promql/regexp
      - alert: NodeDown
        expr: up{job=~"node"} == 0
      - alert: ApiDown # promplate: ignore alerts/comparison, promql/regexp
        expr: up{job=~"api"}
      - alert: WebDown
        expr: up{job=~"web"}
`;
    const dir = await project({ "rules/node.yml": rules });
    const { findings } = await checkJson(dir, ["--instance", "fast"]);
    assert.deepEqual(findings.map((f) => [f.id, f.line]).sort(), [
      ["alerts/comparison", 10],
      ["promql/regexp", 10],
    ]);
  });

  test("a recording rule used nowhere in the project is info: reported, counted apart, never failing", async () => {
    const rules = `groups:
  - name: node
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - record: job:up:avg
        expr: avg by (job) (up)
      - alert: JobDown
        expr: job:up:sum == 0
`;
    const dir = await project({ "rules/node.yml": rules });
    const { code, findings, summary } = await checkJson(dir, ["--instance", "fast"]);
    assert.deepEqual(
      findings.map((f) => [f.id, f.severity, f.line]),
      [["rules/dependency", "info", 6]],
    );
    assert.deepEqual([summary.errors, summary.warnings, summary.infos], [0, 0, 1]);
    assert.equal(code, 0);
    const text = await runPromplate(["-C", dir, "check", "--no-tools", "--examples", "--instance", "fast"]);
    assert.match(text.stdout, /info rules\/dependency: recording rule job:up:avg is used by no expression/);
    assert.match(text.stdout, /^0 errors, 1 info/m);
    const github = await runPromplate(["-C", dir, "check", "--no-tools", "--examples", "--instance", "fast", "--format", "github"]);
    assert.match(github.stdout, /^::notice file=rules\/node\.yml,line=6,/m);
  });
});

describe("rule dialects", () => {
  const THANOS = `groups:
  - name: node
    partial_response_strategy: warn
    rules:
      - alert: NodeDown
        expr: up{job="node"} == 0
`;

  test("rulesDialect on the output accepts Thanos' field; render writes the file as it is", async () => {
    const dir = await project({
      "promplate.yaml": PROJECT.replace('path: "out/{instance}/rules/",', 'path: "out/{instance}/rules/", rulesDialect: thanos,'),
      "rules/node.yml": THANOS,
    });
    assert.deepEqual((await checkJson(dir)).findings, []);
    const render = await runPromplate(["-C", dir, "render"]);
    assert.equal(render.code, 0, render.stderr);
    assert.equal(readFileSync(join(dir, "out/fast/rules/node.yml"), "utf8"), THANOS);
  });

  test("without a dialect the field is an error naming it; --rules-dialect thanos on render accepts it", async () => {
    const dir = await project({ "rules/node.yml": THANOS });
    const { code, findings } = await checkJson(dir, ["--instance", "fast"]);
    assert.deepEqual(
      findings.map((f) => [f.id, f.severity, f.line]),
      [["rules/dialect", "error", 3]],
    );
    assert.match(findings[0]!.message, /--rules-dialect thanos/);
    assert.equal(code, 1);
    const render = await runPromplate(["-C", dir, "render", "--rules-dialect", "thanos"]);
    assert.equal(render.code, 0, render.stderr);
  });

  test("a Thanos rule file no config loads is its ruler's: the Prometheus config's external labels do not judge it", async () => {
    const dir = await project({
      "promplate.yaml": `${PROJECT}  - { service: thanos, kind: prometheus-rules, template: thanos/, path: "out/{instance}/thanos/", runtimePath: /etc/thanos/rules/, rulesDialect: thanos }\n`,
      "thanos/ruler.yml": `${THANOS}        labels: { region: x }
        annotations: { summary: "{{ $externalLabels.replica }}" }
`,
    });
    const { code, findings } = await checkJson(dir, ["--instance", "fast"]);
    assert.deepEqual(
      findings.filter((f) => f.file === "thanos/ruler.yml"),
      [],
    );
    assert.equal(code, 0);
  });
});

/** The corpus' rule files that upstream does not mark bad: these checks may warn, never fail them. */
describe("the corpus' real rule files", () => {
  const [header, ...rows] = readFileSync(join(CORPUS, "INDEX.tsv"), "utf8").trimEnd().split("\n");
  const names = (header ?? "").split("\t");
  const files = rows
    .map((line) => Object.fromEntries(line.split("\t").map((value, i) => [names[i], value])))
    .filter((row) => row.kind === "rules" && row.expected !== "bad")
    .map((row) => row.path!);
  const LINT_IDS =
    /^(promql\/(rate-range|regexp|fragile|impossible)|alerts\/(comparison|absent-for|for|external-labels)|rules\/(external-label-conflict|group-interval|dependency|dialect))$/;

  test("get no error from the rule checks that know the config; the warnings, counted by id", async (t) => {
    assert.ok(files.length > 100, `${files.length} files`);
    const counts = new Map<string, number>();
    const errors: string[] = [];
    for (const path of files) {
      const run = await runPromplate(["check", "--no-tools", "--kind", "prometheus-rules", "--format", "json", join(CORPUS, path)]);
      const { findings } = JSON.parse(run.stdout) as { findings: JsonFinding[] };
      for (const finding of findings.filter((f) => LINT_IDS.test(f.id))) {
        if (finding.severity === "error") errors.push(`${path}:${finding.line}: ${finding.id} ${finding.message}`);
        else counts.set(finding.id, (counts.get(finding.id) ?? 0) + 1);
      }
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10);
    t.diagnostic(`warnings on ${files.length} corpus rule files: ${ranked.map(([id, n]) => `${id} ${n}`).join(", ")}`);
    assert.deepEqual(errors, []);
    // The checks do find things in real rules: a checker that found nothing would pass the line above too.
    assert.ok(counts.size >= 3, JSON.stringify([...counts]));
  });
});

describe("the copy of a rule file promtool checks", () => {
  const cases: { about: string; text: string; dialect: "thanos" | "mimir"; want: string }[] = [
    {
      about: "a group field after the name",
      text: "groups:\n  - name: a\n    partial_response_strategy: warn\n    rules: []\n",
      dialect: "thanos",
      want: "groups:\n  - name: a\n    \n    rules: []\n",
    },
    {
      about: "a group's first key, on the dash's line",
      text: "groups:\n  - partial_response_strategy: abort\n    name: a\n    rules: []\n",
      dialect: "thanos",
      want: "groups:\n  - \n    name: a\n    rules: []\n",
    },
    {
      about: "a block sequence at the key's indentation, and a top-level namespace",
      text: "namespace: infra\ngroups:\n  - name: a\n    source_tenants:\n    - t1\n    - t2\n    evaluation_delay: 1m\n    rules: []\n",
      dialect: "mimir",
      want: "\ngroups:\n  - name: a\n    \n\n\n    \n    rules: []\n",
    },
    {
      about: "another dialect's field stays (it is an error there)",
      text: "groups:\n  - name: a\n    partial_response_strategy: warn\n    rules: []\n",
      dialect: "mimir",
      want: "groups:\n  - name: a\n    partial_response_strategy: warn\n    rules: []\n",
    },
  ];
  for (const { about, text, dialect, want } of cases) {
    test(`${about}: blanked line for line`, async () => {
      const { withoutDialectFields } = await import("../../src/checks/rules-dialect.js");
      const { parseDocumentData } = await import("../../src/checks/document.js");
      const { createLocator } = await import("../../src/checks/positions.js");
      const parsed = parseDocumentData(text);
      assert.ok("data" in parsed);
      const locator = createLocator(text, parsed);
      const copy = withoutDialectFields(text, parsed.data, dialect, (path) => locator({ path, atKey: true }));
      assert.equal(copy, want);
      assert.equal(copy.split("\n").length, text.split("\n").length);
      assert.ok("data" in parseDocumentData(copy), copy);
    });
  }
});
