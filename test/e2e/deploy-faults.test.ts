/**
 * `kubernetes` and `ecs` write through the same atomic, locked writer as `render`: two runs into one folder at once
 * both finish with complete files, and a run killed with SIGKILL at any moment leaves only complete files (each some
 * run's whole output) and no temporary after the next run. On the fleet example, through the built program.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { BIN, ensureBuilt, runPromplate } from "../helpers.js";

const COMMANDS = {
  kubernetes: ["kubernetes", "--examples", "--secret-store", "ssm=parameters-{instance}", "--secret-store", "secretsmanager=secrets-{instance}"],
  ecs: ["ecs", "--examples", "--execution-role", "arn:aws:iam::123456789012:role/ecs-execution"],
} as const;

function start(dir: string, args: readonly string[]) {
  ensureBuilt();
  const child = spawn(process.execPath, [BIN, "-C", dir, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every generated file parses whole (JSON task definitions, YAML manifests); returns how many there are. */
function assertComplete(out: string): number {
  const files = filesUnder(out).filter((file) => !file.includes("/.promplate/"));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".json")) assert.doesNotThrow(() => JSON.parse(text), file);
    else for (const document of parseAllDocuments(text)) assert.deepEqual(document.errors, [], file);
  }
  return files.length;
}

const temporaries = (out: string) => filesUnder(out).filter((file) => file.endsWith(".promplate.tmp"));

for (const [name, args] of Object.entries(COMMANDS)) {
  describe(`${name}: concurrent and killed runs`, { timeout: 180_000 }, () => {
    test("two runs into one folder at once both finish; every file is complete", async () => {
      const dir = mkdtempSync(join(tmpdir(), `promplate-${name}-faults-`));
      assert.equal((await runPromplate(["init", "--fleet", dir])).code, 0);
      const [a, b] = await Promise.all([start(dir, args).exited, start(dir, args).exited]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const out = join(dir, "deploy", name);
      assert.ok(assertComplete(out) >= 7);
      assert.deepEqual(temporaries(out), []);
    });

    test("runs killed with SIGKILL at random moments leave complete files; the next run leaves no temporary", async (t) => {
      const dir = mkdtempSync(join(tmpdir(), `promplate-${name}-kill-`));
      assert.equal((await runPromplate(["init", "--fleet", dir])).code, 0);
      const out = join(dir, "deploy", name);
      const first = await start(dir, args).exited;
      assert.equal(first.code, 0, first.stderr);
      const count = assertComplete(out);
      let killed = 0;
      for (let round = 0; round < 10; round++) {
        const { child, exited } = start(dir, args);
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 500));
        child.kill("SIGKILL");
        if ((await exited).signal === "SIGKILL") killed++;
        assert.equal(assertComplete(out), count);
      }
      t.diagnostic(`${killed} of 10 runs killed before they finished`);
      const last = await start(dir, args).exited;
      assert.equal(last.code, 0, last.stderr);
      assert.equal(assertComplete(out), count);
      assert.deepEqual(temporaries(out), []);
    });
  });
}

describe("a hostile secret value in deployment files", { timeout: 120_000 }, () => {
  // Quotes, a backslash, a tab, a line break, a YAML comment and key, a Go template and PromQL (no common word, so
  // that a 6-character run of it in a manifest is a leak, not "labels").
  const SECRET = 'Leak-Canary"q\\b\tT\nN: #x {{ $qz.jv }} sum(rqte(x[5m])) }';
  const PROJECT = `variables:
  PASSWORD: { type: string, writeOnly: true }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }
`;
  const CONFIG = "scrape_configs:\n  - job_name: app\n    basic_auth: { username: u, password: ${PASSWORD} }\n    static_configs: [{ targets: [app:80] }]\n";

  test("kubernetes --inline-secrets: the value reads back exactly from the one 0600 Secret; no other file, and no stream, holds any part of it", async () => {
    const { mkdirSync, writeFileSync, statSync } = await import("node:fs");
    const { execFileSync } = await import("node:child_process");
    const { findLeak } = await import("../leaks.js");
    const dir = mkdtempSync(join(tmpdir(), "promplate-deploy-secret-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "promplate.yaml"), PROJECT);
    writeFileSync(join(dir, "prometheus.yml"), CONFIG);
    execFileSync("git", ["init", "-q", dir]);
    const run = await runPromplate(["-C", dir, "kubernetes", "--inline-secrets"], { PASSWORD: SECRET, PATH: process.env.PATH ?? "/usr/bin:/bin" });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(findLeak(`${run.stdout}\n${run.stderr}`, [SECRET]), undefined);
    const out = join(dir, "deploy", "kubernetes");
    let holders = 0;
    for (const file of filesUnder(out)) {
      const text = readFileSync(file, "utf8");
      const leak = findLeak(text, [SECRET]);
      if (!file.endsWith("secrets.yaml")) {
        assert.equal(leak, undefined, file);
        continue;
      }
      holders++;
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
      const secret = parseAllDocuments(text)
        .map((document) => document.toJS() as { kind?: string; stringData?: Record<string, string> })
        .find((manifest) => manifest.kind === "Secret");
      assert.equal(secret?.stringData?.PASSWORD, SECRET);
    }
    assert.equal(holders, 1);
  });
});
