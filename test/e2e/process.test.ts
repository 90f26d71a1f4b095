/**
 * src/process.ts with system tools: a time limit that holds while a grandchild (sleep, under sh) keeps the output
 * open, and git as systemGit asks it (a repository made here with `git init`).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runProcess, systemGit } from "../../src/process.js";

const env = { PATH: process.env.PATH, HOME: process.env.HOME };

describe("runProcess", () => {
  // The test's own timeout is the assertion: without closing the pipes, the answer waits for the grandchild (30 s).
  test("the time limit holds when a grandchild keeps the output open", { timeout: 20_000 }, async () => {
    const result = await runProcess("/bin/sh", ["-c", "sleep 30; true"], { env, timeoutMs: 200 });
    assert.equal(result.killed, "timeout");
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
