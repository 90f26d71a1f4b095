/**
 * Node's on-disk compile cache: used where the running Node has it (22.1+), in $XDG_CACHE_HOME/promplate or
 * ~/.cache/promplate, or where NODE_COMPILE_CACHE says; and nothing breaks where it cannot be written. Runs the
 * built binary on this process' own Node, so on Node 20 it checks that no cache is attempted.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, ensureBuilt } from "../helpers.js";

const hasCompileCache = typeof (module as unknown as { enableCompileCache?: unknown }).enableCompileCache === "function";

/** Runs `promplate --help` with exactly this environment; a hang fails through the time limit. */
function help(env: Record<string, string>, user?: number) {
  const command =
    user === undefined
      ? [process.execPath, BIN, "--help"]
      : ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", process.execPath, BIN, "--help"];
  const result = spawnSync(command[0]!, command.slice(1), { env: { PATH: process.env.PATH!, ...env }, encoding: "utf8", timeout: 30_000 });
  assert.equal(result.status, 0, `exit ${result.status} ${result.signal ?? ""}: ${result.stderr}`);
  assert.match(result.stdout, /^Usage: promplate/m);
  assert.equal(result.stderr, "");
}

/** The files Node wrote in a cache folder (it keeps one subfolder per Node version). */
function cached(directory: string): string[] {
  return existsSync(directory) ? readdirSync(directory, { recursive: true }).map(String) : [];
}

describe(`compile cache on Node ${process.versions.node} (${hasCompileCache ? "has" : "lacks"} module.enableCompileCache)`, () => {
  const work = mkdtempSync(join(tmpdir(), "promplate-compile-cache-"));
  before(() => {
    ensureBuilt();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test("~/.cache/promplate by default, $XDG_CACHE_HOME/promplate when set", () => {
    const home = join(work, "home");
    mkdirSync(home);
    help({ HOME: home });
    assert.equal(cached(join(home, ".cache/promplate")).length > 0, hasCompileCache);
    const xdg = join(work, "xdg");
    help({ HOME: home, XDG_CACHE_HOME: xdg });
    assert.equal(cached(join(xdg, "promplate")).length > 0, hasCompileCache);
    assert.ok(!existsSync(join(xdg, ".cache")));
  });

  test("NODE_COMPILE_CACHE is honoured: the cache goes there, not to HOME", () => {
    const home = join(work, "home-env");
    mkdirSync(home);
    const directory = join(work, "node-compile-cache");
    help({ HOME: home, NODE_COMPILE_CACHE: directory });
    assert.equal(cached(directory).length > 0, hasCompileCache);
    assert.deepEqual(cached(join(home, ".cache")), []);
  });

  test("a second start reads the cache it wrote and still works", () => {
    const xdg = join(work, "xdg-twice");
    help({ XDG_CACHE_HOME: xdg });
    const first = cached(xdg);
    help({ XDG_CACHE_HOME: xdg });
    assert.deepEqual(cached(xdg), first);
  });

  test("no HOME, a read-only HOME, a HOME on a file system that refuses folders: it runs, silently, without a cache", () => {
    help({});
    const readOnly = join(work, "read-only");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    chmodSync(work, 0o755);
    help({ HOME: readOnly }, 65534);
    assert.deepEqual(cached(readOnly), []);
    // mkdir under /proc answers ENOENT although the parent exists: Node's own recursive mkdir would loop forever.
    help({ HOME: "/proc" });
    help({ HOME: "/proc/self/fdinfo", XDG_CACHE_HOME: "relative/is/ignored" });
  });
});
