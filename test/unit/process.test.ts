/**
 * src/process.ts: the one module that starts children. Real children (node, /bin/sh) in temporary folders; a
 * grandchild holding the output open and git are in test/e2e/process.test.ts, the server part (startServer:
 * signals, setpriv, exit codes) end to end in test/e2e/exec-signals.test.ts.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { childExitCode, findExecutable, runProcess, streamProcess } from "../../src/process.js";

const node = process.execPath;
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

describe("runProcess", () => {
  test("collects stdout and stderr apart and together (without the final newline), and the exit code", async () => {
    const script = "process.stdout.write('out 1\\n'); process.stderr.write('err 2\\n'); process.stdout.write('out 3\\n'); process.exitCode = 7;";
    const result = await runProcess(node, ["-e", script], { env });
    assert.equal(result.exitCode, 7);
    assert.equal(result.stdout, "out 1\nout 3\n");
    assert.equal(result.stderr, "err 2\n");
    // Two pipes: which one is read first is up to the scheduler, each keeps its own order.
    const lines = result.output.split("\n");
    assert.deepEqual([...lines].sort(), ["err 2", "out 1", "out 3"]);
    assert.ok(lines.indexOf("out 1") < lines.indexOf("out 3"), result.output);
    assert.equal(result.killed, undefined);
  });

  test("runs in cwd with exactly the environment given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-process-"));
    const result = await runProcess(
      node,
      ["-e", "console.log(process.cwd(), JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('PROMPLATE_T'))))"],
      {
        cwd: dir,
        env: { ...env, PROMPLATE_T1: "x", PROMPLATE_T2: undefined },
      },
    );
    assert.equal(result.stdout, `${dir} ["PROMPLATE_T1"]\n`);
  });

  test("a child past its time limit is killed and says so", async () => {
    const result = await runProcess(node, ["-e", "setTimeout(() => {}, 60000)"], { env, timeoutMs: 200 });
    assert.equal(result.killed, "timeout");
    assert.equal(result.signal, "SIGKILL");
    assert.equal(result.exitCode, childExitCode(null, "SIGKILL"));
  });

  test("a child printing past the output limit is killed and says so", async () => {
    const result = await runProcess(node, ["-e", "const line = 'x'.repeat(1023) + '\\n'; setInterval(() => process.stdout.write(line.repeat(64)), 1)"], {
      env,
      maxOutputBytes: 256 * 1024,
    });
    assert.equal(result.killed, "output-limit");
    assert.notEqual(result.exitCode, 0);
  });

  test("a command that cannot start rejects with its error code; one that exits is a result", async () => {
    await assert.rejects(runProcess("/nonexistent/promplate-tool", [], { env }), { code: "ENOENT" });
    const result = await runProcess("/bin/sh", ["-c", "exit 3"], { env });
    assert.equal(result.exitCode, 3);
  });
});

describe("streamProcess", () => {
  test("passes each line on, whole across chunks, from stdout and stderr", async () => {
    const script =
      "process.stdout.write('par'); setTimeout(() => { process.stdout.write('tial\\r\\nnext\\n'); process.stderr.write('to stderr\\nlast without newline'); }, 50);";
    const lines: string[] = [];
    const result = await streamProcess(node, ["-e", script], { env, onLine: (line) => lines.push(line) });
    assert.equal(result.exitCode, 0);
    assert.deepEqual(lines.sort(), ["last without newline", "next", "partial", "to stderr"]);
    assert.ok(result.output.endsWith("last without newline") || result.output.endsWith("next"), result.output);
  });
});

describe("findExecutable", () => {
  const dir = mkdtempSync(join(tmpdir(), "promplate-path-"));
  for (const folder of ["a", "b"]) mkdirSync(join(dir, folder));
  writeFileSync(join(dir, "a", "tool"), "#!/bin/sh\n", { mode: 0o644 }); // not executable: skipped
  writeFileSync(join(dir, "b", "tool"), "#!/bin/sh\n");
  chmodSync(join(dir, "b", "tool"), 0o755);

  test("the first executable of that name on PATH, absolute", async () => {
    assert.equal(await findExecutable("tool", `${join(dir, "a")}:${join(dir, "b")}`), join(dir, "b", "tool"));
    assert.equal(await findExecutable("tool", join(dir, "a")), undefined);
    assert.equal(await findExecutable("tool", undefined), undefined);
  });

  test("a name with a slash is that file, never looked up on PATH", async () => {
    assert.equal(await findExecutable(join(dir, "b", "tool"), undefined), join(dir, "b", "tool"));
    assert.equal(await findExecutable(join(dir, "a", "tool"), join(dir, "b")), undefined);
  });
});

describe("childExitCode", () => {
  test("every signal Node knows maps to 128 + its number", () => {
    const names = Object.keys(constants.signals) as NodeJS.Signals[];
    assert.ok(names.length > 20);
    for (const name of names) assert.equal(childExitCode(null, name), 128 + constants.signals[name], name);
  });

  test("an exit code passes through, including 0 and codes above 128", () => {
    for (const code of [0, 1, 2, 7, 128, 139, 255]) assert.equal(childExitCode(code, null), code);
  });
});
