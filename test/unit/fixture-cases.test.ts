/**
 * The golden cases, test/fixtures/<case>/, run by this one loop: each folder holds the files to check and
 * expected.json, which gives the arguments of `promplate check`, its exit code and its exact findings (and what the
 * real promtool or amtool decides, which test/e2e/fixture-cases.test.ts confirms). The yaml-* cases are go-yaml's
 * leniencies and strictness (src/checks/go-yaml.ts), the files-* cases the files a server reads when it loads its
 * config, the kind-* cases a file whose kind cannot be told, the lint-* cases the rule checks that know the config
 * (src/checks/rule-lint.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ExpectedFinding, fixtureCases, runPromplate } from "../helpers.js";

const cases = fixtureCases();

test("the regression cases are there", () => {
  assert.ok(cases.filter((c) => c.name.startsWith("yaml-")).length >= 18, cases.map((c) => c.name).join(", "));
  assert.ok(cases.filter((c) => c.name.startsWith("files-")).length >= 8, cases.map((c) => c.name).join(", "));
  // One case per rule check that knows the config, named after its id.
  const lintIds = ["promql/rate-range", "promql/regexp", "promql/fragile", "promql/impossible", "alerts/comparison", "alerts/absent-for", "alerts/for"];
  lintIds.push("alerts/external-labels", "rules/external-label-conflict", "rules/group-interval", "rules/dependency", "rules/dialect");
  for (const id of lintIds)
    assert.ok(
      cases.some((c) => c.name === `lint-${id.replace("/", "-")}`),
      `no case lint-${id.replace("/", "-")}`,
    );
});

describe("promplate check on each case", () => {
  for (const { name, dir, expected } of cases) {
    test(`${name}: ${expected.about}`, async () => {
      const result = await runPromplate(["check", "--no-tools", "--format", "json", ...expected.args], {}, dir);
      assert.equal(result.code, expected.exit, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout) as { findings: (ExpectedFinding & { message: string })[] };
      const place = (f: Omit<ExpectedFinding, "message">) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.id}`;
      assert.deepEqual(report.findings.map(place).sort(), expected.findings.map(place).sort(), JSON.stringify(report.findings, null, 1));
      for (const want of expected.findings) {
        const found = report.findings.find((f) => place(f) === place(want))!;
        assert.ok(found.message.includes(want.message), `${place(want)}: "${found.message}" does not say "${want.message}"`);
      }
    });
  }
});
