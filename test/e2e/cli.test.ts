/**
 * The built program (dist/promplate.js, as the package installs it) for the commands test/unit/cli.test.ts runs
 * in-process: a render with its modes, a missing variable, standard input, a bad flag, vars with an env file.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { assertNoLeak, ROOT, runBuilt } from "../helpers.js";

const SECRETS = {
  AWS_ACCESS_KEY: "S3cr3t-Leak-Canary-1",
  AWS_SECRET_KEY: "S3cr3t-Leak-Canary-2 #not-a-comment",
  WEBHOOK: "https://hooks.example.com/services/S3cr3t-Leak-Canary-3",
};

/** A fresh copy of the example project in a temporary folder. */
async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-cli-"));
  await cp(join(ROOT, "templates"), dir, { recursive: true });
  return dir;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("the built binary", () => {
  test("render: exit 0, modes, no secret printed", async () => {
    const dir = await project();
    const result = await runBuilt(["render", "--diff"], { HOME: dir, ...SECRETS }, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await mode(join(dir, "out/prometheus.yml")), 0o600);
    assert.equal(await mode(join(dir, "out/rules/node.yaml")), 0o644);
    assertNoLeak(result, "binary render --diff");
  });

  test("missing variable: exit 2, names it", async () => {
    const dir = await project();
    const result = await runBuilt(["-C", dir, "render"], { HOME: dir, AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY, AWS_SECRET_KEY: SECRETS.AWS_SECRET_KEY }, dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /WEBHOOK is required but not set/);
    assertNoLeak(result, "binary missing");
  });

  test("render - reads stdin", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promplate-cli-empty-"));
    const result = await runBuilt(["render", "-"], { HOME: dir, FOO: "x #y" }, dir, { stdin: "a: ${FOO}\n" });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "a: 'x #y'\n");
  });

  test("kubernetes: the manifest validators load without a deprecation warning on stderr", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promplate-cli-kubernetes-"));
    await writeFile(
      join(dir, "promplate.yaml"),
      "variables: {}\noutputs:\n  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml }\n",
    );
    await writeFile(join(dir, "prometheus.yml"), "scrape_configs: []\n");
    const result = await runBuilt(["kubernetes", "--examples"], { HOME: dir }, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /Warning|DEP0/, "the bundle requires Node's deprecated punycode module");
  });

  test("bad flag: exit 2", async () => {
    const result = await runBuilt(["render", "--nope"], { HOME: ROOT }, ROOT);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--nope/);
  });

  test("vars with the demo env file", async () => {
    const result = await runBuilt(["-C", "templates", "vars", "--env-file", "templates/demo.env"], { HOME: ROOT }, ROOT);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /AWS_SECRET_KEY\s+string \(secret\)\s+prometheus\s+env file\s+\*\*\*/);
    assert.doesNotMatch(result.stdout, /wJalr|not-a-comment/);
  });
});
