/**
 * `exec` returns its child's exit code, or 128 + the signal number when a signal ended the child, for every signal
 * (not only the forwarded ones): real children (sh) killed by their own signal, through the CLI. The mapping itself,
 * childExitCode, is in test/unit/process.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { runWithTools } from "../helpers.js";

describe("exec with a child killed by a signal", () => {
  let project = "";
  before(async () => {
    project = await mkdtemp(join(tmpdir(), "promplate-signals-"));
    await writeFile(
      join(project, "promplate.yaml"),
      "variables:\n  GREETING: { type: string, default: hello }\noutputs:\n  - { service: app, kind: text, template: app.txt, path: out/app.txt }\n",
    );
    await writeFile(join(project, "app.txt"), "${GREETING}\n");
  });

  const run = (script: string) => runWithTools(["-C", project, "exec", "--service", "app", "--out", join(project, "runtime"), "--", "sh", "-c", script]);

  // Linux numbers, which the shell's 128 + n convention (and Docker's exit status) uses.
  const cases: [NodeJS.Signals, number][] = [
    ["SIGSEGV", 139],
    ["SIGABRT", 134],
    ["SIGBUS", 135],
    ["SIGFPE", 136],
    ["SIGILL", 132],
    ["SIGPIPE", 141],
    ["SIGALRM", 142],
    ["SIGTERM", 143],
    ["SIGKILL", 137],
    ["SIGUSR1", 138],
  ];
  for (const [signal, expected] of cases) {
    test(`a child killed by ${signal} is exit ${expected}`, async () => {
      // No core file: the test must not leave one behind or wait for a crash handler.
      const result = await run(`ulimit -c 0; kill -${signal.slice(3)} $$`);
      assert.equal(result.code, expected, result.stderr);
    });
  }

  test("a child's own exit code comes back unchanged", async () => {
    assert.equal((await run("exit 7")).code, 7);
    assert.equal((await run("exit 0")).code, 0);
  });
});
