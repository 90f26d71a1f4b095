/**
 * Regression cases in test/fixtures/<case>/ (yaml-*, files-*, kind-*), one folder each: the files to check and
 * expected.json, which gives the arguments of `promplate check`, its exit code and its exact findings, and what the
 * real tool (promtool or amtool) says about the same files. The yaml-* cases are go-yaml's leniencies and
 * strictness (src/checks/go-yaml.ts), the files-* cases the files a server reads when it loads its config.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { currentTool, toolVerdict } from "../e2e/current-tools.js";
import { ROOT, runWithTools } from "../helpers.js";

interface ExpectedFinding {
  id: string;
  severity: "error" | "warning";
  file: string;
  line: number;
  column: number;
  /** A part of the message. */
  message: string;
}

interface Expected {
  about: string;
  args: string[];
  exit: number;
  findings: ExpectedFinding[];
  /** The real tool's command line, run in the case's folder. */
  tool: ["promtool" | "amtool", ...string[]];
  /** What the current tool (Prometheus 3.x, Alertmanager 0.3x) decides. */
  toolVerdict: "good" | "bad";
  /** Where the old line (promtool 2.42, amtool 0.25) decides otherwise, and why. */
  oldToolVerdict?: "good" | "bad";
  oldToolWhy?: string;
}

const FIXTURES = join(ROOT, "test/fixtures");
const cases = readdirSync(FIXTURES)
  .filter((name) => /^(yaml|files|kind)-/.test(name))
  .sort()
  .map((name) => ({ name, dir: join(FIXTURES, name), expected: JSON.parse(readFileSync(join(FIXTURES, name, "expected.json"), "utf8")) as Expected }));

test("the regression cases are there", () => {
  assert.ok(cases.filter((c) => c.name.startsWith("yaml-")).length >= 18, cases.map((c) => c.name).join(", "));
  assert.ok(cases.filter((c) => c.name.startsWith("files-")).length >= 8, cases.map((c) => c.name).join(", "));
});

describe("promplate check on each case", () => {
  for (const { name, dir, expected } of cases) {
    test(`${name}: ${expected.about}`, async () => {
      const result = await runWithTools(["check", "--no-tools", "--format", "json", ...expected.args], {}, dir);
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

describe("the real tool agrees with each case's recorded verdict", () => {
  for (const { name, dir, expected } of cases) {
    const [toolName, ...args] = expected.tool;
    test(`${name}: ${expected.tool.join(" ")}`, (context) => {
      const tool = currentTool(toolName);
      assert.ok(tool, `${toolName} is neither in the servers' cache nor on PATH (install prometheus / prometheus-alertmanager)`);
      const want = tool.oldLine ? (expected.oldToolVerdict ?? expected.toolVerdict) : expected.toolVerdict;
      const { verdict, output } = toolVerdict(tool, args, dir);
      context.diagnostic(`${toolName} ${tool.version}: ${verdict}`);
      assert.equal(verdict, want, `${toolName} ${tool.version}${tool.oldLine && expected.oldToolWhy ? ` (${expected.oldToolWhy})` : ""}:\n${output}`);
    });
  }
});

describe("templates go-yaml accepts", () => {
  test("render as written, values inserted inside a lax quoted scalar and a lax flow sequence", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "promplate-lax-"));
    const template = [
      "global:",
      "  external_labels:",
      '    note: "first ${REGION}',
      '    second"',
      "scrape_configs:",
      "  - job_name: node",
      "    static_configs:",
      "      - targets: [",
      '          "${HOST}:9100",',
      '          "b:9100"',
      "        ]# two nodes",
      "",
    ].join("\n");
    writeFileSync(join(dir, "prometheus.yml"), template);
    const result = await runWithTools(["render", "prometheus.yml", "--set", "REGION=eu", "--set", 'HOST=a"1'], {}, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, template.replace('"first ${REGION}\n    second"', "'first eu second'").replace("${HOST}", 'a\\"1'));
  });
});

describe("in a project", () => {
  test("a templates: glob that matches no output is a warning: check passes and render writes", async () => {
    const { cpSync, mkdtempSync, statSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const project = mkdtempSync(join(tmpdir(), "promplate-templates-"));
    cpSync(join(ROOT, "templates"), project, { recursive: true });
    writeFileSync(join(project, "alertmanager.yml"), `${readFileSync(join(project, "alertmanager.yml"), "utf8")}\ntemplates:\n  - /etc/alertmanager/templates/*.tmpl\n`);
    const env = { WEBHOOK: "https://hooks.example.com/x", AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const checked = await runWithTools(["-C", project, "check", "--examples", "--no-tools"], env);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /alertmanager\.yml:\d+:\d+: warning cross-file\/templates: templates entry "\/etc\/alertmanager\/templates\/\*\.tmpl" matches no file/);
    const out = mkdtempSync(join(tmpdir(), "promplate-templates-out-"));
    const rendered = await runWithTools(["-C", project, "render", "--out", out], env);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.ok(statSync(join(out, "out/alertmanager.yml")).isFile());
  });
});
