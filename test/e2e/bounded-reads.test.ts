/**
 * Every file a user names is read bounded (issue 9, "Hangs and memory" and "Wrong exit codes"), with what takes a
 * system tool to set up: FIFOs (mkfifo) as promplate.yaml, templates, outputs, value files, env files, files named
 * to `check` and the files they include, rule test files, the .gitignore of compose and init (in a git work tree);
 * files promplate may not read (exit 3, run as nobody through setpriv); standard input and the exit codes of issue 9
 * through the installed executable. The rest is in test/unit/bounded-reads.test.ts. Each test has a timeout, so a
 * regression fails instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { MAX_TEMPLATE_BYTES } from "../../src/template/read.js";
import { MAX_DOCUMENT_BYTES, readRegularFile, readRegularFileSync, RefusedFileError } from "../../src/value-files.js";
import { BIN, makeProject, ROOT, runBuilt, runWithTools, valueProject } from "../helpers.js";

const LIMIT = { timeout: 60_000 };

/** Runs the installed executable (through its shebang, as a user's shell does). */
const runBinary = (argv: string[], cwd: string, env: Record<string, string> = {}, stdin?: string | Buffer) =>
  runBuilt(argv, env, cwd, { stdin, executable: BIN });

describe("the bounded reader", () => {
  test("a FIFO is refused at once, never opened for reading", LIMIT, async () => {
    const dir = await makeProject({});
    execFileSync("mkfifo", [join(dir, "fifo")]);
    await assert.rejects(readRegularFile(join(dir, "fifo"), 1000), (error) => error instanceof RefusedFileError && /a FIFO/.test(error.reason));
    assert.throws(
      () => readRegularFileSync(join(dir, "fifo"), 1000),
      (error) => error instanceof RefusedFileError && /a FIFO/.test(error.reason),
    );
  });
});

describe("project files, templates and checked files", () => {
  test("promplate.yaml as a FIFO or a folder is exit 2 naming it, at once", LIMIT, async () => {
    for (const make of ["fifo", "folder"] as const) {
      const dir = await makeProject({});
      if (make === "fifo") execFileSync("mkfifo", [join(dir, "promplate.yaml")]);
      else await mkdir(join(dir, "promplate.yaml"));
      const { code, stderr } = await runWithTools(["-C", dir, "vars"], {}, dir);
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`error project/unreadable: cannot read .*promplate\\.yaml: it is a ${make === "fifo" ? "FIFO" : "folder"}`));
    }
  });

  test("check FILE: a FIFO, a device, a folder or a file over 16 MiB is exit 2 naming it", LIMIT, async () => {
    const dir = await makeProject({ "big.yml": `groups: []\n${"#".repeat(MAX_DOCUMENT_BYTES)}\n` });
    execFileSync("mkfifo", [join(dir, "fifo.yml")]);
    await mkdir(join(dir, "folder.yml"));
    for (const [file, reason] of [
      ["fifo.yml", "it is a FIFO"],
      ["/dev/zero", "it is a device"],
      ["folder.yml", "it is a folder"],
      ["big.yml", "it is larger than 16 MiB"],
    ] as const) {
      const { code, stderr } = await runWithTools(["check", "--no-tools", file], {}, dir);
      assert.equal(code, 2, `${file}: ${stderr}`);
      assert.match(stderr, new RegExp(`error input/file: cannot read ${file}: ${reason}`));
    }
  });

  test("a FIFO among a checked config's scrape_config_files is a finding, not a hang", LIMIT, async () => {
    const dir = await makeProject({ "prometheus.yml": 'scrape_config_files: ["inc/*.yml"]\n', "inc/a.yml": "scrape_configs: []\n" });
    execFileSync("mkfifo", [join(dir, "inc", "b.yml")]);
    const { code, stdout } = await runWithTools(["check", "--no-tools", "prometheus.yml"], {}, dir);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /prometheus\.yml:1:\d+: error config\/scrape-config-files: .*inc\/b\.yml: it is a FIFO/);
  });

  test("a template over 16 MiB is exit 2 at its output; render FILE of a FIFO is exit 2", LIMIT, async () => {
    const dir = await valueProject();
    await writeFile(join(dir, "t.txt"), "a".repeat(MAX_DOCUMENT_BYTES + 1));
    const big = await runWithTools(["-C", dir, "render", "--dry-run"], { X: "x" }, dir);
    assert.equal(big.code, 2, big.stderr);
    assert.match(big.stderr, /promplate\.yaml:5:1: error template\/unreadable: cannot read template t\.txt: it is larger than 16 MiB/);
    execFileSync("mkfifo", [join(dir, "pipe.txt")]);
    const fifo = await runWithTools(["render", "pipe.txt"], {}, dir);
    assert.equal(fifo.code, 2, fifo.stderr);
    assert.match(fifo.stderr, /error input\/file: cannot read pipe\.txt: it is a FIFO/);
  });

  test("a rule test file that is a FIFO is exit 2 naming it", LIMIT, async () => {
    const dir = await makeProject({
      "promplate.yaml": "outputs:\n  - { service: prometheus, kind: prometheus-rules, template: rules.yml, path: out/rules.yml }\ntests: [rules_test.yml]\n",
      "rules.yml": "groups: []\n",
    });
    execFileSync("mkfifo", [join(dir, "rules_test.yml")]);
    const { code, stderr } = await runWithTools(["-C", dir, "check"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /error project\/test-unreadable: cannot read rule test file rules_test\.yml: it is a FIFO/);
  });

  test("init and compose refuse a .gitignore that is a FIFO; init then writes nothing", LIMIT, async () => {
    const target = await makeProject({});
    execFileSync("mkfifo", [join(target, ".gitignore")]);
    const init = await runWithTools(["init", target], {}, target);
    assert.equal(init.code, 2, init.stderr);
    assert.match(init.stderr, /error init\/gitignore: cannot read .*\.gitignore: it is a FIFO/);
    assert.deepEqual(await readdir(target), [".gitignore"]);
    const dir = await valueProject();
    execFileSync("git", ["init", "-q", dir]);
    execFileSync("mkfifo", [join(dir, ".gitignore")]);
    const compose = await runWithTools(["-C", dir, "compose", "--examples"], {}, dir);
    assert.equal(compose.code, 2, compose.stderr);
    assert.match(compose.stderr, /error compose\/gitignore: cannot read .*\.gitignore: it is a FIFO/);
  });

  test("render - reads standard input up to 16 MiB, as UTF-8 (the installed executable)", LIMIT, async () => {
    const dir = await makeProject({});
    const small = await runBinary(["render", "-", "--set", "A=1"], dir, {}, "a: ${A}\n");
    assert.equal(small.code, 0, small.stderr);
    assert.equal(small.stdout, "a: 1\n");
    const big = await runBinary(["render", "-"], dir, {}, Buffer.alloc(MAX_DOCUMENT_BYTES + 1, "a"));
    assert.equal(big.code, 2, big.stderr);
    assert.match(big.stderr, /error input\/file: cannot read the template on standard input: it is larger than 16 MiB/);
    const latin1 = await runBinary(["render", "-"], dir, {}, Buffer.from("a: caf\xe9\n", "latin1"));
    assert.equal(latin1.code, 2, latin1.stderr);
    assert.match(latin1.stderr, /cannot read the template on standard input: it is not valid UTF-8: byte 6 \(0xe9\)/);
  });

  test("promplate.yaml, a template or a check FILE promplate may not read is exit 3", LIMIT, async () => {
    // Tests run as root, who may read anything: run a copy of the built binary as nobody (uid 65534).
    const dir = await valueProject();
    await writeFile(join(dir, "locked.yml"), "groups: []\n", { mode: 0o600 });
    await chmod(dir, 0o755);
    const bin = await mkdtemp(join(tmpdir(), "promplate-bin-"));
    await cp(join(ROOT, "dist"), join(bin, "dist"), { recursive: true });
    await chmod(bin, 0o755);
    const asNobody = (argv: string[]) =>
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", join(bin, "dist", "promplate.js"), ...argv], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, X: "x" },
        encoding: "utf8",
      });
    const checked = asNobody(["check", "--no-tools", "locked.yml"]);
    assert.equal(checked.status, 3, checked.stderr);
    assert.match(checked.stderr, /cannot read locked\.yml: promplate is not allowed to read it \(EACCES\)/);
    await chmod(join(dir, "t.txt"), 0o600);
    const template = asNobody(["-C", dir, "render", "--dry-run"]);
    assert.equal(template.status, 3, template.stderr);
    assert.match(template.stderr, /cannot read template t\.txt: promplate is not allowed to read it/);
    await chmod(join(dir, "promplate.yaml"), 0o600);
    const projectFile = asNobody(["-C", dir, "vars"]);
    assert.equal(projectFile.status, 3, projectFile.stderr);
    assert.match(projectFile.stderr, /error project\/unreadable: cannot read .*promplate\.yaml: promplate is not allowed to read it/);
  });
});

describe("value files: FIFOs, and files promplate may not read", () => {
  test("NAME_FILE at a FIFO, /dev/urandom, /dev/null or a folder is exit 2 naming the variable and the reason", LIMIT, async () => {
    const dir = await valueProject();
    execFileSync("mkfifo", [join(dir, "fifo")]);
    await mkdir(join(dir, "folder"));
    for (const [path, reason] of [
      ["fifo", "a FIFO"],
      ["/dev/urandom", "a device"],
      ["/dev/null", "a device"],
      ["folder", "a folder"],
    ]) {
      const { code, stderr } = await runWithTools(["-C", dir, "render", "--dry-run"], { X_FILE: path }, dir);
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`error variable/file-refused: X cannot be read from X_FILE=${path}: it is ${reason}`));
      assert.doesNotMatch(stderr, /required but not set/);
    }
  });

  test("the secrets folder and --env-file are held to the same rules", LIMIT, async () => {
    const dir = await valueProject();
    await mkdir(join(dir, "secrets"));
    execFileSync("mkfifo", [join(dir, "secrets", "Y"), join(dir, "fifo.env")]);
    const fromFolder = await runWithTools(["-C", dir, "render", "--dry-run", "--secrets-dir", join(dir, "secrets")], { X: "x" }, dir);
    assert.equal(fromFolder.code, 2, fromFolder.stderr);
    assert.match(fromFolder.stderr, /Y cannot be read from the secrets folder's file .*secrets\/Y: it is a FIFO/);
    for (const [file, reason] of [
      ["fifo.env", "it is a FIFO"],
      ["secrets", "it is a folder"],
      ["nope.env", "there is no such file"],
    ] as const) {
      const { code, stderr } = await runWithTools(["-C", dir, "render", "--dry-run", "--env-file", join(dir, file)], { X: "x" }, dir);
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`error input/env-file: cannot read --env-file .*${file}: ${reason}`));
    }
  });

  test("a secret file promplate may not read is exit 3 (the environment), not 2", LIMIT, async () => {
    // Tests run as root, who may read anything: run the built binary as nobody (uid 65534) instead, from a copy
    // nobody can read wherever the checkout is (a text output needs nothing from node_modules).
    const dir = await valueProject();
    await writeFile(join(dir, "secret"), "s3cr3t-value\n", { mode: 0o600 });
    await writeFile(join(dir, "vars.env"), "X=s3cr3t-value\n", { mode: 0o600 });
    await chmod(dir, 0o755);
    const bin = await mkdtemp(join(tmpdir(), "promplate-bin-"));
    await cp(join(ROOT, "dist"), join(bin, "dist"), { recursive: true });
    await chmod(bin, 0o755);
    await chmod(join(bin, "dist", "promplate.js"), 0o755);
    const asNobody = (argv: string[], env: Record<string, string>) =>
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", join(bin, "dist", "promplate.js"), "-C", dir, ...argv], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...env },
        encoding: "utf8",
      });
    const fromFile = asNobody(["render", "--dry-run"], { X_FILE: join(dir, "secret") });
    assert.equal(fromFile.status, 3, fromFile.stderr);
    assert.match(fromFile.stderr, /error variable\/file-permission: X cannot be read from X_FILE=.*secret: promplate is not allowed to read it \(EACCES\)/);
    const fromEnvFile = asNobody(["render", "--dry-run", "--env-file", join(dir, "vars.env")], {});
    assert.equal(fromEnvFile.status, 3, fromEnvFile.stderr);
    assert.match(fromEnvFile.stderr, /cannot read --env-file .*vars\.env: promplate is not allowed to read it \(EACCES\)/);
    // With another problem too, bad input (2) is what the user must fix first.
    const both = asNobody(["render", "--dry-run"], { X_FILE: join(dir, "secret"), Y_FILE: join(dir, "nope") });
    assert.equal(both.status, 2, both.stderr);
  });
  test("the installed executable leaves --env-file to promplate: a missing file is exit 2, not Node's exit 9", LIMIT, async () => {
    // Run as the installed `promplate` is (its shebang), not as `node dist/promplate.js`.
    const dir = await valueProject();
    const result = await runBuilt(["-C", dir, "render", "--dry-run", "--env-file", "nope.env"], { X: "x" }, dir, { executable: BIN });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /cannot read --env-file \/.*\/nope\.env: there is no such file/);
  });
});

describe("templates and outputs that are FIFOs, and standard input", () => {
  test("a template that is a FIFO is exit 2, not a hang", LIMIT, async () => {
    const dir = await makeProject({});
    const fifo = join(dir, "fifo.yml");
    execFileSync("mkfifo", [fifo]);
    const result = await runWithTools(["render", fifo], {}, dir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /fifo\.yml: it is a FIFO/);
  });

  test("standard input over the template limit is exit 2 (the built binary reads at most the limit)", LIMIT, async () => {
    const dir = await makeProject({});
    const stdin = Buffer.alloc(MAX_TEMPLATE_BYTES + 4096, "a");
    const result = await runBuilt(["render", "-"], {}, dir, { stdin, executable: BIN });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /the template on standard input: it is larger than 16 MiB/);
  });

  test("a FIFO at an output path is replaced without being read: the render does not block", LIMIT, async () => {
    const dir = await makeProject({ "a.txt": "a\n", "promplate.yaml": "outputs:\n  - { service: s, kind: text, template: a.txt, path: out/a.txt }\n" });
    assert.equal((await runWithTools(["-C", dir, "render"], {}, dir)).code, 0);
    await rename(join(dir, "out/a.txt"), join(dir, "out/b.txt"));
    execFileSync("mkfifo", [join(dir, "out/a.txt")]);
    assert.equal((await runWithTools(["-C", dir, "render"], {}, dir)).code, 0, "a FIFO at the output path does not block the render");
    assert.equal(await readFile(join(dir, "out/a.txt"), "utf8"), "a\n");
  });
});

describe("issue 9's exit codes, through the installed executable", () => {
  test("bad input is 2 with file, line or offset; none is an internal error", LIMIT, async () => {
    const dir = await valueProject();
    await mkdir(join(dir, "folder.env"));
    await writeFile(join(dir, "bad.env"), "X=1\nNOT A LINE\n");
    await writeFile(join(dir, "bad.txt"), Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a]));
    const bomb = await makeProject({
      "promplate.yaml": `outputs: []\nbomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${["b", "c", "d", "e", "f", "g", "h", "i"].map((name, i) => `  ${name}: &${name} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`).join("\n")}\n`,
    });
    const numbers = await makeProject({
      "promplate.yaml":
        "variables:\n  N: { type: integer, default: 9007199254740993 }\n  M: { type: integer }\noutputs:\n  - { service: s, kind: yaml, template: n.yml, path: out/n.yml }\n",
      "n.yml": "n: ${N}\nm: ${M}\n",
    });
    const cases: { argv: string[]; cwd?: string; env?: Record<string, string>; code: number; says: RegExp; prints?: string }[] = [
      { argv: ["render", "--dry-run", "--env-file", "nope.env"], env: { X: "x" }, code: 2, says: /cannot read --env-file .*nope\.env: there is no such file/ },
      { argv: ["render", "--dry-run", "--env-file", "folder.env"], env: { X: "x" }, code: 2, says: /cannot read --env-file .*folder\.env: it is a folder/ },
      { argv: ["render", "--dry-run", "--env-file", "bad.env"], code: 2, says: /bad\.env:2: the line has no `=`/ },
      { argv: ["render", "--dry-run", "--set", "X=x", "--set", "YY=1"], code: 2, says: /declares no variable YY; did you mean Y\?/ },
      { argv: ["render", "bad.txt"], code: 2, says: /bad\.txt:2:2: error template\/encoding: bad\.txt is not valid UTF-8: byte 3 \(0xff\)/ },
      { argv: ["render", "--dry-run", "--set", "X=x", "--set", "Y=1"], code: 0, says: /would write 1 of 1 files/ },
      { argv: ["vars"], cwd: bomb, code: 2, says: /promplate\.yaml:\d+:\d+: error project\/yaml: the document contains excessive aliasing/ },
      {
        argv: ["render", "n.yml", "--set", "M=100000000000000000000"],
        cwd: numbers,
        code: 0,
        says: /^$/,
        prints: "n: 9007199254740993\nm: 100000000000000000000\n",
      },
    ];
    for (const c of cases) {
      const result = await runBinary(["-C", c.cwd ?? dir, ...c.argv], c.cwd ?? dir, c.env);
      assert.equal(result.code, c.code, `${c.argv.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, c.says, c.argv.join(" "));
      assert.doesNotMatch(result.stderr, /internal error/);
      if (c.prints !== undefined) assert.equal(result.stdout, c.prints);
    }
  });
});
