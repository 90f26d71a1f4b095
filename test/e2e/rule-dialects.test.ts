/**
 * Rule dialects with the real promtool: the copy of a Thanos or Mimir rule file promtool checks has the dialect's
 * fields blanked out line for line, so promtool accepts it and its findings keep their lines; without the dialect
 * promtool and promplate reject the field. Plain files (`check FILE`) and a rendered project alike.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { makeProject, ROOT, runWithTools } from "../helpers.js";

const fixture = (name: string) => join(ROOT, "test/fixtures", name);

const THANOS = `groups:
  - partial_response_strategy: warn
    name: first
    rules:
      - alert: Down
        expr: up == 0
  - name: second
    partial_response_strategy: ABORT
    rules:
      - alert: Gone
        expr: up == 0
        annotation: { summary: gone }
`;

describe("rule dialects against promtool", () => {
  test("check FILE --rules-dialect thanos: promtool accepts the copy; its finding keeps the line", async () => {
    const dir = await makeProject({ "rules.yml": THANOS });
    const run = await runWithTools(["check", "--require-tools", "--rules-dialect", "thanos", "--format", "json", "rules.yml"], {}, dir);
    const { findings } = JSON.parse(run.stdout) as { findings: { id: string; line: number | null }[] };
    // Only the unknown key on line 12, from promplate and from promtool (which heads its errors with a line-less
    // one): the dialect's fields are no finding.
    assert.doesNotMatch(run.stdout, /partial_response_strategy/);
    assert.deepEqual(
      findings
        .filter((f) => f.line !== null)
        .map((f) => [f.id, f.line])
        .sort(),
      [
        ["promtool/rules", 12],
        ["schema/unknown-key", 12],
      ],
      run.stdout + run.stderr,
    );
    // The temporary copy's path is not shown.
    assert.doesNotMatch(run.stdout, /promplate-check-/);
  });

  test("the good Thanos case passes promtool; without the dialect both reject the field", async () => {
    const dir = await makeProject({ "rules.yml": THANOS.replace("annotation:", "annotations:") });
    const thanos = await runWithTools(["check", "--require-tools", "--rules-dialect", "thanos", "rules.yml"], {}, dir);
    assert.equal(thanos.code, 0, thanos.stdout + thanos.stderr);
    const plain = await runWithTools(["check", "--require-tools", "--format", "json", "rules.yml"], {}, dir);
    const ids = (JSON.parse(plain.stdout) as { findings: { id: string }[] }).findings.map((f) => f.id);
    assert.ok(ids.includes("rules/dialect") && ids.includes("promtool/rules"), plain.stdout);
    assert.equal(plain.code, 1);
  });

  test("a project output with rulesDialect: mimir passes promtool", async () => {
    const dir = await makeProject({
      "promplate.yaml": `outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }
  - { service: prometheus, kind: prometheus-rules, template: rules.yml, path: out/rules.yml, runtimePath: /etc/prometheus/rules.yml, rulesDialect: mimir }
`,
      "prometheus.yml": "rule_files: [rules.yml]\n",
      "rules.yml": `namespace: infra
groups:
  - name: federated
    source_tenants:
    - team-a
    - team-b
    evaluation_delay: 1m
    rules:
      - alert: Down
        expr: up == 0
`,
    });
    const run = await runWithTools(["-C", dir, "check", "--require-tools"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /promtool/);
  });

  test("the Thanos fixture's bad value: promplate's error, and promtool accepts the blanked copy", async () => {
    const run = await runWithTools(
      ["check", "--require-tools", "--rules-dialect", "thanos", "--format", "json", "rules.yml"],
      {},
      fixture("lint-rules-dialect-thanos"),
    );
    const { findings } = JSON.parse(run.stdout) as { findings: { id: string }[] };
    assert.deepEqual(
      findings.map((f) => f.id),
      ["rules/dialect"],
    );
  });
});
