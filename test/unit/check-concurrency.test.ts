import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkFiles } from "../../src/check.js";
import type { RunOptions, RunResult } from "../../src/process.js";

const ok = (output = ""): RunResult => ({ exitCode: 0, output, stdout: output, stderr: "" });

test("check FILE runs the built-in checks while promtool runs, and reads its result after them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "promplate-overlap-"));
  // Only found on PATH: the runner below stands in for it.
  await writeFile(join(dir, "promtool"), "#!/bin/sh\nexit 0\n");
  await chmod(join(dir, "promtool"), 0o755);
  await writeFile(join(dir, "prometheus.yml"), "rule_files: [late.rules.yml]\n");
  const calls: string[] = [];
  let releaseTool!: (result: RunResult) => void;
  const toolResult = new Promise<RunResult>((resolve) => {
    releaseTool = resolve;
  });
  const run = async (_command: string, args: readonly string[], _options: RunOptions): Promise<RunResult> => {
    calls.push(args.join(" "));
    if (args[0] === "--version") return ok("promtool, version 9.9.9");
    // The rule file the config names exists only while the tool runs (from here until the latch below releases
    // it): the built-in checks find it only if they run in that window.
    await writeFile(join(dir, "late.rules.yml"), "groups: []\n");
    return toolResult;
  };
  // The checkers' modules loaded beforehand, so the built-in checks below take a few turns of the event loop only.
  await writeFile(join(dir, "late.rules.yml"), "groups: []\n");
  await checkFiles(["prometheus.yml"], { cwd: dir, tools: false, run, env: { PATH: dir } });
  await rm(join(dir, "late.rules.yml"));
  const report = checkFiles(["prometheus.yml"], { cwd: dir, tools: true, run, env: { PATH: dir } });
  let settled = false;
  report.finally(() => {
    settled = true;
  });
  // Wait (by events) until the tool has been started, then give the built-in checks every chance to run: turns of the
  // event loop and, for a module they may still load from disk on a busy machine, short pauses. Nothing here is
  // asserted about time: a slow machine only gets more of it.
  while (calls.length < 2) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(settled, false, "the report waits for the tool");
  await rm(join(dir, "late.rules.yml"));
  releaseTool(ok("SUCCESS"));
  const { findings, tools } = await report;
  assert.deepEqual(calls, ["--version", `check config ${join(dir, "prometheus.yml")}`]);
  assert.deepEqual(
    findings.map((f) => f.id),
    [],
    "the built-in checks ran while the tool ran (they saw the rule file that existed only then)",
  );
  assert.equal(tools[0]?.version, "9.9.9");
});
