/**
 * check and render --tool-checks with the real promtool and amtool (the current line, scripts/fetch-servers.sh), and
 * check through the built program. The built-in checks alone are in test/unit/check.test.ts.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { atLeast, ROOT, runBuilt, runWithTools as run, SERVERS_PATH } from "../helpers.js";

const example = join(ROOT, "templates");

describe("check --examples on the embedded example", () => {
  test("passes with an environment holding only PATH, promtool and amtool included, versions named", async () => {
    const result = await run(["-C", example, "check", "--examples", "--require-tools"], { PATH: SERVERS_PATH });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const promtool = /promtool (\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] ?? "";
    const amtool = /amtool (\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] ?? "";
    assert.ok(atLeast(promtool, "3.0") && atLeast(amtool, "0.28"), `the current line: ${result.stdout}`);
  });

  test("through the built binary, writing nothing in the project", async () => {
    const project = mkdtempSync(join(tmpdir(), "promplate-check-"));
    cpSync(example, project, { recursive: true });
    const before = readdirSync(project, { recursive: true }).sort();
    const result = await runBuilt(["-C", project, "check", "--examples", "--require-tools"], { PATH: SERVERS_PATH });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /0 errors/);
    assert.deepEqual(readdirSync(project, { recursive: true }).sort(), before);
  });

  test("a rule unit test that fails is a finding on the test file", async () => {
    const project = mkdtempSync(join(tmpdir(), "promplate-check-"));
    cpSync(example, project, { recursive: true });
    const testFile = join(project, "tests/rules_test.yml");
    writeFileSync(testFile, readFileSync(testFile, "utf8").replace('summary: "Monitor service non-operational"', 'summary: "something else"'));
    const result = await run(["-C", project, "check", "--examples", "--require-tools"]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /^tests\/rules_test\.yml(:\d+)?(:\d+)?: error promtool\/test-rules: promtool/m);
  });
});

describe("check FILE", () => {
  test("the real promtool runs on plain files and its version is named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-files-"));
    writeFileSync(join(dir, "r.yml"), "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: sum(up)\n");
    const result = await run(["check", "--require-tools", join(dir, "r.yml")]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /promtool \d/);
  });
});

describe("render runs the checks before writing", () => {
  test("--tool-checks adds promtool and amtool; a missing tool is exit 3", async () => {
    const out = mkdtempSync(join(tmpdir(), "promplate-render-"));
    const env = { WEBHOOK: "https://hooks.example.com/x", AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const passed = await run(["-C", example, "render", "--tool-checks", "--out", out], env);
    assert.equal(passed.code, 0, passed.stderr);
    assert.ok(statSync(join(out, "out/prometheus.yml")).isFile());
    const missing = await run(["-C", example, "render", "--tool-checks", "--out", mkdtempSync(join(tmpdir(), "promplate-render-"))], {
      ...env,
      PATH: "/nonexistent",
    });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /promtool not found/);
  });
});
