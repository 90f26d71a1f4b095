/**
 * Faults against the built CLI (`npm run build` first): `kill -9` in the middle of renders, a full disk (a small
 * tmpfs; CI runs as root), and two renders into one folder at once. After each, no output is partial, no temporary
 * file is left, no output set is a mix of two renders, and no render loses another's manifest entries.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ROOT } from "../helpers.js";

const BIN = join(ROOT, "dist", "promplate.js");

/** A project with one template folder of `count` text templates, each `fN: ${V}` (`prefix` instead of f). */
async function manyOutputs(count: number, prefix = "f"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-faults-"));
  await mkdir(join(dir, "tpl"));
  for (let i = 0; i < count; i++) await writeFile(join(dir, "tpl", `${prefix}${String(i).padStart(3, "0")}.txt`), `${prefix}${i}: \${V}\n`);
  await writeFile(join(dir, "promplate.yaml"), "variables:\n  V: { type: string }\noutputs:\n  - { service: s, kind: text, template: tpl/, path: out/ }\n");
  return dir;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function startRender(dir: string, value: string, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, "-C", dir, "render", "--set", `V=${value}`, ...extra], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

/** Every file under `dir` (hidden ones included), relative. */
async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const temporaries = (files: string[]) => files.filter((f) => f.endsWith(".promplate.tmp"));

/** The value each output holds; throws on a file that is not one render's complete output. */
async function valuesOf(out: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const name of (await readdir(out)).filter((n) => n.endsWith(".txt"))) {
    const content = await readFile(join(out, name), "utf8");
    const match = /^([a-z])(\d+): (.*)\n$/.exec(content);
    assert.ok(match && name === `${match[1]}${match[2]!.padStart(3, "0")}.txt`, `${name} is not complete: ${JSON.stringify(content.slice(0, 80))}`);
    values.set(name, match[3]!);
  }
  return values;
}

describe("kill -9 during renders", { timeout: 180_000 }, () => {
  test("30 renders killed at random moments leave complete outputs; the next render leaves no temporary", async (t) => {
    const count = 200;
    const dir = await manyOutputs(count);
    const first = await startRender(dir, "initial").exited;
    assert.equal(first.code, 0, first.stderr);
    let killedMidway = 0;
    for (let round = 0; round < 30; round++) {
      const { child, exited } = startRender(dir, `round-${round}`);
      await new Promise((resolve) => setTimeout(resolve, 60 + Math.random() * 400));
      child.kill("SIGKILL");
      if ((await exited).signal === "SIGKILL") killedMidway++;
      // Whatever the moment, every output is some render's complete file.
      assert.equal((await valuesOf(join(dir, "out"))).size, count);
    }
    const left = temporaries(await allFiles(dir)).length;
    t.diagnostic(`${killedMidway} of 30 renders killed before they finished; ${left} temporary files left behind`);
    const clean = await startRender(dir, "final").exited;
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(temporaries(await allFiles(dir)), []);
    const values = await valuesOf(join(dir, "out"));
    assert.equal(values.size, count);
    assert.deepEqual(new Set(values.values()), new Set(["final"]));
    assert.ok(!existsSync(join(dir, ".promplate/lock")), "the lock is released");
  });
});

describe("a full disk", { timeout: 60_000 }, () => {
  const mounts: string[] = [];
  after(() => {
    for (const mount of mounts) execFileSync("umount", [mount]);
  });

  test("a render that does not fit is exit 3; the old outputs stay whole and no temporary is left", async () => {
    const dir = await manyOutputs(10);
    const disk = join(dir, "disk");
    await mkdir(disk);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", disk], { stdio: "pipe" });
    } catch (error) {
      assert.fail(`this test mounts a 200 KiB tmpfs and needs root (CI runs as root): ${(error as Error).message}`);
    }
    mounts.push(disk);
    const fits = await startRender(dir, "small", ["--out", disk]).exited;
    assert.equal(fits.code, 0, fits.stderr);
    const before = new Map(await Promise.all((await allFiles(disk)).map(async (f) => [f, await readFile(join(disk, f), "utf8")] as const)));

    // Ten outputs of 30 KiB each cannot fit in 200 KiB beside the old ones.
    const full = await startRender(dir, "x".repeat(30_000), ["--out", disk]).exited;
    assert.equal(full.code, 3, full.stderr);
    assert.match(full.stderr, /cannot write .*: no space left on the device \(ENOSPC\); the previous files are left as they were/);
    const afterFiles = await allFiles(disk);
    assert.deepEqual(temporaries(afterFiles), []);
    assert.deepEqual(afterFiles.sort(), [...before.keys()].filter((f) => f !== ".promplate/lock").sort());
    for (const [file, content] of before) assert.equal(await readFile(join(disk, file), "utf8"), content, file);
    assert.deepEqual(new Set((await valuesOf(join(disk, "out"))).values()), new Set(["small"]));
  });
});

describe("two renders into one folder at once", { timeout: 120_000 }, () => {
  test("each output set is wholly one render's, and no render loses another's manifest entries", async () => {
    // One project rendered twice at once with other values, and a second project into the same folder: a render that
    // planned before another applied would leave a mix of values, or write a manifest without the other's entries.
    const projects = [await manyOutputs(100, "a"), await manyOutputs(100, "b")];
    const shared = await mkdtemp(join(tmpdir(), "promplate-shared-"));
    for (let round = 0; round < 10; round++) {
      const started = [
        startRender(projects[0]!, `a1-${round}`, ["--out", shared]),
        startRender(projects[0]!, `a2-${round}`, ["--out", shared]),
        startRender(projects[1]!, `b-${round}`, ["--out", shared]),
      ];
      for (const run of await Promise.all(started.map((s) => s.exited))) assert.equal(run.code, 0, run.stderr);
      const values = await valuesOf(join(shared, "out"));
      assert.equal(values.size, 200, `round ${round}: both projects' outputs`);
      const of = (prefix: string) => new Set([...values].filter(([name]) => name.startsWith(prefix)).map(([, value]) => value));
      assert.equal(of("a").size, 1, `round ${round}: a mix of values: ${[...of("a")].join(", ")}`);
      assert.deepEqual([...of("b")], [`b-${round}`]);
      const manifest = JSON.parse(await readFile(join(shared, ".promplate/manifest.json"), "utf8")) as { files: Record<string, unknown> };
      assert.equal(Object.keys(manifest.files).length, 200, `round ${round}: a render lost the other's manifest entries`);
    }
    assert.deepEqual(temporaries(await allFiles(shared)), []);
    await rm(shared, { recursive: true, force: true });
  });
});
