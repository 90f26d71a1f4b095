import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ROOT, runPromplate as run } from "../helpers.js";

const root = new URL("../..", import.meta.url).pathname;
const broken = join(root, "test/data/broken");
const example = join(root, "templates");

/** Each broken line of the fixture, at its template line (the Handlebars block shifts the output lines). */
const expected = [
  { file: "prometheus.yml", line: 12, message: /scrape_intervall/ },
  { file: "prometheus.yml", line: 16, message: /bool/i },
  { file: "rules/broken.yaml", line: 5, message: /./ },
  { file: "rules/broken.yaml", line: 7, message: /expected type matrix|range vector/ },
  { file: "rules/broken.yaml", line: 12, message: /nosuch/ },
  { file: "alertmanager.yml", line: 6, message: /pager/ },
];

describe("check on a project with broken templates", () => {
  test("json: every finding at its template file and line, exit 1", async () => {
    const result = await run(["-C", broken, "check", "--examples", "--no-tools", "--format", "json"]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      findings: { id: string; severity: string; file: string; line: number; column: number; message: string }[];
      summary: { errors: number };
    };
    for (const want of expected) {
      const found = report.findings.find((f) => f.file === want.file && f.line === want.line && want.message.test(f.message));
      assert.ok(found, `no finding at ${want.file}:${want.line} matching ${want.message}; got ${JSON.stringify(report.findings, null, 1)}`);
      assert.equal(found.severity, "error");
      assert.ok(found.column >= 1);
    }
    assert.equal(report.summary.errors, report.findings.filter((f) => f.severity === "error").length);
  });

  test("text: path:line:col, the source line with a caret, a summary last", async () => {
    const result = await run(["-C", broken, "check", "--examples", "--no-tools"]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^prometheus\.yml:12:\d+: error [a-z/-]+: .*scrape_intervall/m);
    assert.match(result.stdout, /^ {2}\s*scrape_intervall: 30s\n {2}\s*\^/m);
    assert.match(result.stdout, /^rules\/broken\.yaml:7:\d+: error /m);
    assert.match(result.stdout, /\n\d+ errors? \(built-in checks only\)\n$/);
  });

  test("github: workflow annotations with file, line and column", async () => {
    const result = await run(["-C", broken, "check", "--examples", "--no-tools", "--format", "github"]);
    assert.equal(result.code, 1);
    for (const want of expected) {
      assert.match(result.stdout, new RegExp(`^::error file=${want.file.replace("/", "\\/")},line=${want.line},col=\\d+,title=[^:]+::`, "m"));
    }
  });

  test("the secret's example value never appears in findings", async () => {
    const result = await run(["-C", broken, "check", "--examples", "--no-tools", "--set", "WEBHOOK=https://hooks.example.com/S3cr3t-Canary"]);
    assert.doesNotMatch(result.stdout + result.stderr, /S3cr3t-Canary/);
  });
});

describe("check --examples on the embedded example", () => {
  test("--require-tools with no tools on PATH is exit 3 with an install hint", async () => {
    const result = await run(["-C", example, "check", "--examples", "--require-tools"], { PATH: "/nonexistent" });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /promtool not found/);
    assert.match(result.stderr, /apt-get install prometheus/);
  });

  test("without --require-tools a missing tool is one warning line and the built-in checks still run", async () => {
    const result = await run(["-C", broken, "check", "--examples"], { PATH: "/nonexistent" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /promtool not found on PATH/);
    assert.match(result.stdout, /scrape_intervall/);
  });

  test("a rule_files glob matching no rendered rule file is an error", async () => {
    const project = mkdtempSync(join(tmpdir(), "promplate-check-"));
    cpSync(example, project, { recursive: true });
    const config = join(project, "prometheus.yml");
    writeFileSync(config, readFileSync(config, "utf8").replace("- rules/*.yaml", "- alerts/*.yaml"));
    const result = await run(["-C", project, "check", "--examples", "--no-tools"]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /prometheus\.yml:\d+:\d+: error cross-file\/rule-files: .*alerts\/\*\.yaml/);
  });
});

describe("check FILE", () => {
  test("plain files are checked without a project, kind inferred from content", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-files-"));
    writeFileSync(join(dir, "p.yml"), "global:\n  scrape_interval: 1x\n");
    writeFileSync(join(dir, "r.yml"), "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: sum(up)\n");
    const result = await run(["check", "--no-tools", join(dir, "p.yml"), join(dir, "r.yml")]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /p\.yml:2:\d+: error .*duration/);
    assert.doesNotMatch(result.stdout, /r\.yml/);
  });

  test("--syntax-only skips the existence of referenced files, as promtool", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-files-"));
    writeFileSync(
      join(dir, "p.yml"),
      "scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n      password_file: /no/such/file\n    static_configs:\n      - targets: ['x:1']\n",
    );
    assert.equal((await run(["check", "--no-tools", join(dir, "p.yml")])).code, 1);
    assert.equal((await run(["check", "--no-tools", "--syntax-only", join(dir, "p.yml")])).code, 0);
  });
});

test("check writes nothing in the project (no out/, no manifest)", async () => {
  const project = mkdtempSync(join(tmpdir(), "promplate-check-"));
  cpSync(example, project, { recursive: true });
  await run(["-C", project, "check", "--examples", "--no-tools"]);
  assert.throws(() => statSync(join(project, "out")));
  assert.throws(() => statSync(join(project, ".promplate")));
});

describe("render runs the checks before writing", () => {
  test("a config the checks reject is exit 1 and nothing is written", async () => {
    const out = mkdtempSync(join(tmpdir(), "promplate-render-"));
    const result = await run(["-C", broken, "render", "--set", "WEBHOOK=https://hooks.example.com/x", "--out", out]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /scrape_intervall/);
    assert.match(result.stderr, /nothing was written/);
    assert.deepEqual(readdirSync(out), []);
  });
});

describe("in a project", () => {
  test("a templates: glob that matches no output is a warning: check passes and render writes", async () => {
    const project = mkdtempSync(join(tmpdir(), "promplate-templates-"));
    cpSync(join(ROOT, "templates"), project, { recursive: true });
    writeFileSync(
      join(project, "alertmanager.yml"),
      `${readFileSync(join(project, "alertmanager.yml"), "utf8")}\ntemplates:\n  - /etc/alertmanager/templates/*.tmpl\n`,
    );
    const env = { WEBHOOK: "https://hooks.example.com/x", AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const checked = await run(["-C", project, "check", "--examples", "--no-tools"], env);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.match(
      checked.stdout,
      /alertmanager\.yml:\d+:\d+: warning cross-file\/templates: templates entry "\/etc\/alertmanager\/templates\/\*\.tmpl" matches no file/,
    );
    const out = mkdtempSync(join(tmpdir(), "promplate-templates-out-"));
    const rendered = await run(["-C", project, "render", "--out", out], env);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.ok(statSync(join(out, "out/alertmanager.yml")).isFile());
  });
});
