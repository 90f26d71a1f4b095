/**
 * src/process.ts: the one module that starts children. Real children (node, sh, git) in temporary folders; the
 * server part (startServer: signals, setpriv, exit codes) is covered end to end by exec-signals.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { childExitCode, findExecutable, runProcess, streamProcess, systemGit } from "../src/process.js";

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
    const result = await runProcess(node, ["-e", "console.log(process.cwd(), JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('PROMPLATE_T'))))"], {
      cwd: dir,
      env: { ...env, PROMPLATE_T1: "x", PROMPLATE_T2: undefined },
    });
    assert.equal(result.stdout, `${dir} ["PROMPLATE_T1"]\n`);
  });

  test("a child past its time limit is killed and says so", async () => {
    const result = await runProcess(node, ["-e", "setTimeout(() => {}, 60000)"], { env, timeoutMs: 200 });
    assert.equal(result.killed, "timeout");
    assert.equal(result.signal, "SIGKILL");
    assert.equal(result.exitCode, childExitCode(null, "SIGKILL"));
  });

  // The test's own timeout is the assertion: without closing the pipes, the answer waits for the grandchild (30 s).
  test("the time limit holds when a grandchild keeps the output open", { timeout: 20_000 }, async () => {
    const result = await runProcess("/bin/sh", ["-c", "sleep 30; true"], { env, timeoutMs: 200 });
    assert.equal(result.killed, "timeout");
  });

  test("a child printing past the output limit is killed and says so", async () => {
    const result = await runProcess(node, ["-e", "const line = 'x'.repeat(1023) + '\\n'; setInterval(() => process.stdout.write(line.repeat(64)), 1)"], { env, maxOutputBytes: 256 * 1024 });
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
    const script = "process.stdout.write('par'); setTimeout(() => { process.stdout.write('tial\\r\\nnext\\n'); process.stderr.write('to stderr\\nlast without newline'); }, 50);";
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

describe("systemGit", () => {
  const git = systemGit(env);
  const repo = mkdtempSync(join(tmpdir(), "promplate-git-"));
  execFileSync("git", ["init", "-q"], { cwd: repo });
  writeFileSync(join(repo, ".gitignore"), "/.env.*\n");
  for (const file of ["tracked.txt", "staged [x].txt", ".env.prometheus", "untracked.txt"]) writeFileSync(join(repo, file), "x\n");
  mkdirSync(join(repo, "sub"));
  writeFileSync(join(repo, "sub", "inner.txt"), "x\n");
  execFileSync("git", ["add", "tracked.txt", "staged [x].txt", "sub/inner.txt"], { cwd: repo });
  const outside = mkdtempSync(join(tmpdir(), "promplate-nogit-"));

  test("isWorkTree: inside a repository, not outside one", async () => {
    assert.equal(await git.isWorkTree(repo), true);
    assert.equal(await git.isWorkTree(join(repo, "sub")), true);
    assert.equal(await git.isWorkTree(outside), false);
  });

  test("listFiles: tracked and staged files only, paths taken literally; undefined outside a repository", async () => {
    assert.deepEqual((await git.listFiles(repo, ["."]))?.sort(), ["staged [x].txt", "sub/inner.txt", "tracked.txt"]);
    assert.deepEqual(await git.listFiles(join(repo, "sub"), ["."]), ["inner.txt"]);
    assert.deepEqual(await git.listFiles(repo, ["staged [x].txt", "untracked.txt", "tracked.*"]), ["staged [x].txt"]);
    assert.equal(await git.listFiles(outside, ["."]), undefined);
  });

  test("isIgnored: what .gitignore ignores; nothing outside a repository", async () => {
    assert.equal(await git.isIgnored(repo, ".env.prometheus"), true);
    assert.equal(await git.isIgnored(repo, "untracked.txt"), false);
    assert.equal(await git.isIgnored(outside, ".env.prometheus"), false);
  });

  test("without git on PATH every answer is no", async () => {
    const none = systemGit({ PATH: "/nonexistent" });
    assert.equal(await none.isWorkTree(repo), false);
    assert.equal(await none.listFiles(repo, ["."]), undefined);
    assert.equal(await none.isIgnored(repo, ".env.prometheus"), false);
  });
});
