/**
 * The installed executable (npm pack, then npm install --global from it) keeps Node from reading promplate's flags:
 * its shebang ends Node's options, so --env-file, --require, --inspect, -e after the command are promplate's.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { ensureBuilt, ROOT, runBuilt } from "../helpers.js";

/**
 * Installs the packed package the way `npm install --global` does (a bin link in PREFIX/bin) and returns the path
 * of the installed `promplate`. The dependencies come from this checkout's node_modules, so nothing is downloaded.
 */
async function installPackage(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "promplate-install-"));
  const output = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" });
  const [{ filename }] = JSON.parse(output) as [{ filename: string }];
  await mkdir(join(work, "unpacked"));
  execFileSync("tar", ["-xzf", join(work, filename), "-C", join(work, "unpacked")]);
  const unpacked = join(work, "unpacked", "package");
  await symlink(join(ROOT, "node_modules"), join(unpacked, "node_modules"));
  const prefix = join(work, "prefix");
  execFileSync("npm", ["install", "--global", "--prefix", prefix, "--offline", "--ignore-scripts", "--no-audit", "--no-fund", unpacked], {
    cwd: work,
    stdio: "ignore",
  });
  return join(prefix, "bin", "promplate");
}

describe("the installed executable keeps Node from reading promplate's flags", () => {
  let bin = "";
  let cwd = "";
  before(async () => {
    ensureBuilt();
    bin = await installPackage();
    cwd = await mkdtemp(join(tmpdir(), "promplate-bin-"));
  });

  /** Runs the installed file itself, so its shebang decides how Node starts. */
  const runInstalled = (argv: string[]) => runBuilt(argv, { HOME: cwd }, cwd, { executable: bin, timeoutMs: 30_000 });

  test("the bin is the bundle, starts Node through env -S and ends Node's options with --", async () => {
    const text = await readFile(bin, "utf8");
    assert.equal(text.split("\n")[0], "#!/usr/bin/env -S node --");
    const result = await runInstalled(["--version"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), "0.1.0");
  });

  for (const flag of ["--env-file", "--env-file="]) {
    test(`${flag.endsWith("=") ? flag : `${flag} `}nope.env is promplate's exit 2 with its own message, not Node's exit 9`, async () => {
      const argv = flag.endsWith("=") ? ["render", `${flag}nope.env`] : ["render", flag, "nope.env"];
      const result = await runInstalled(argv);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /cannot read --env-file .*nope\.env: there is no such file/);
      assert.doesNotMatch(result.stderr, /^node:/m);
    });
  }

  test("--env-file naming a folder is promplate's exit 2", async () => {
    const result = await runInstalled(["render", "--env-file", "."]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--env-file/);
  });

  const nodeOptions: { argv: string[]; unknown: string }[] = [
    { argv: ["--require", "/nonexistent/hijack.cjs"], unknown: "--require" },
    { argv: ["--import", "/nonexistent/hijack.mjs"], unknown: "--import" },
    { argv: ["--inspect"], unknown: "--inspect" },
    { argv: ["--inspect-brk=127.0.0.1:0"], unknown: "--inspect-brk=127.0.0.1:0" },
    { argv: ["-e", "process.exit(42)"], unknown: "-e" },
    { argv: ["--eval=process.exit(42)"], unknown: "--eval=process.exit(42)" },
    { argv: ["-p", "process.exit(42)"], unknown: "-p" },
  ];
  for (const { argv, unknown } of nodeOptions) {
    test(`${argv.join(" ")} after the command is promplate's unknown option, never Node's`, async () => {
      const result = await runInstalled(["render", ...argv]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`unknown option '${unknown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}'`));
      assert.doesNotMatch(result.stderr, /Debugger listening|Cannot find module/);
    });
  }

  test("-C a missing folder through the installed bin is exit 2", async () => {
    const result = await runInstalled(["-C", "/nonexistent", "render"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /-C \/nonexistent: no such folder/);
    assert.equal(result.stdout, "");
  });
});
