/**
 * Every file a user names is read bounded (issue 9, "Hangs and memory" and "Wrong exit codes"): promplate.yaml,
 * templates and a template on stdin, files named to `check` and the files they include, rule test files, the
 * .gitignore of compose and init. A FIFO, device or folder is exit 2 at once, a file over its limit exit 2, a file
 * promplate may not read exit 3. Also: --set of an undeclared name in every command, big integers written in
 * promplate.yaml, vars' wording, secret-file mode on outputs only go-yaml reads, and the exit codes of issue 9
 * through the installed executable. Each test has a timeout, so a regression fails instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { moveSecretsToFiles } from "../src/secret-files.js";
import { MAX_DOCUMENT_BYTES, readRegularFile, readRegularFileSync, readStream, RefusedFileError } from "../src/value-files.js";
import { ROOT, runPromplate } from "./helpers.js";

const BIN = join(ROOT, "dist", "promplate.js");
const LIMIT = { timeout: 60_000 };

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-bounded-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** A project with a secret X and a plain Y (default "y"), rendered into a text output. */
const valueProject = () =>
  project({
    "promplate.yaml": "variables:\n  X: { type: string, writeOnly: true }\n  Y: { type: string, default: y }\noutputs:\n  - { service: prometheus, kind: text, template: t.txt, path: out/t.txt }\n",
    "t.txt": "${X} ${Y}\n",
  });

/** Runs the installed executable (through its shebang, as a user's shell does). */
function runBinary(argv: string[], cwd: string, env: Record<string, string> = {}, input?: string | Buffer) {
  return spawnSync(BIN, argv, { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AWS_EC2_METADATA_DISABLED: "true", ...env }, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

describe("the bounded reader", () => {
  test("regular files up to the limit are read; one byte more, a FIFO, a device or a folder is refused", LIMIT, async () => {
    const dir = await project({ exact: "a".repeat(1000), over: "a".repeat(1001) });
    execFileSync("mkfifo", [join(dir, "fifo")]);
    assert.equal((await readRegularFile(join(dir, "exact"), 1000)).length, 1000);
    assert.equal(readRegularFileSync(join(dir, "exact"), 1000).length, 1000);
    for (const [path, reason] of [["over", /larger than 1000 bytes/], ["fifo", /a FIFO/], ["/dev/zero", /a device/], [".", /a folder/]] as const) {
      const full = path.startsWith("/") ? path : join(dir, path);
      await assert.rejects(readRegularFile(full, 1000), (error) => error instanceof RefusedFileError && reason.test(error.reason), path);
      assert.throws(() => readRegularFileSync(full, 1000), (error) => error instanceof RefusedFileError && reason.test(error.reason), path);
    }
    await assert.rejects(readRegularFile(join(dir, "nope"), 1000), { code: "ENOENT" });
  });

  test("a stream is read up to the limit and refused past it, or when it is not UTF-8", LIMIT, async () => {
    const cases: [(string | number[])[], number, string | RegExp][] = [
      [["ab", "cd"], 4, "abcd"],
      [[], 4, ""],
      [["ab", "cde"], 4, /larger than 4 bytes/],
      [["é"], 1, /larger than 1 bytes/],
      [["a\n", [0xc3], [0xa9]], 10, "a\né"],
      [["a\n", [0x62, 0xff]], 10, /not valid UTF-8: byte 3 \(0xff\)/],
    ];
    for (const [chunks, limit, expected] of cases) {
      const read = readStream(Readable.from(chunks.map((c) => Buffer.from(c as string))), limit);
      if (typeof expected === "string") assert.equal(await read, expected);
      else await assert.rejects(read, (error) => error instanceof RefusedFileError && expected.test(error.reason));
    }
  });
});

describe("project files, templates and checked files", () => {
  test("promplate.yaml as a FIFO or a folder is exit 2 naming it, at once", LIMIT, async () => {
    for (const make of ["fifo", "folder"] as const) {
      const dir = await project({});
      if (make === "fifo") execFileSync("mkfifo", [join(dir, "promplate.yaml")]);
      else await mkdir(join(dir, "promplate.yaml"));
      const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`error project/unreadable: cannot read .*promplate\\.yaml: it is a ${make === "fifo" ? "FIFO" : "folder"}`));
    }
  });

  test("check FILE: a FIFO, a device, a folder or a file over 16 MiB is exit 2 naming it", LIMIT, async () => {
    const dir = await project({ "big.yml": `groups: []\n${"#".repeat(MAX_DOCUMENT_BYTES)}\n` });
    execFileSync("mkfifo", [join(dir, "fifo.yml")]);
    await mkdir(join(dir, "folder.yml"));
    for (const [file, reason] of [["fifo.yml", "it is a FIFO"], ["/dev/zero", "it is a device"], ["folder.yml", "it is a folder"], ["big.yml", "it is larger than 16 MiB"]] as const) {
      const { code, stderr } = await runPromplate(["check", "--no-tools", file], {}, dir);
      assert.equal(code, 2, `${file}: ${stderr}`);
      assert.match(stderr, new RegExp(`error input/file: cannot read ${file}: ${reason}`));
    }
  });

  test("a FIFO among a checked config's scrape_config_files is a finding, not a hang", LIMIT, async () => {
    const dir = await project({ "prometheus.yml": 'scrape_config_files: ["inc/*.yml"]\n', "inc/a.yml": "scrape_configs: []\n" });
    execFileSync("mkfifo", [join(dir, "inc", "b.yml")]);
    const { code, stdout } = await runPromplate(["check", "--no-tools", "prometheus.yml"], {}, dir);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /prometheus\.yml:1:\d+: error config\/scrape-config-files: .*inc\/b\.yml: it is a FIFO/);
  });

  test("a template over 16 MiB is exit 2 at its output; render FILE of a FIFO is exit 2", LIMIT, async () => {
    const dir = await valueProject();
    await writeFile(join(dir, "t.txt"), "a".repeat(MAX_DOCUMENT_BYTES + 1));
    const big = await runPromplate(["-C", dir, "render", "--dry-run"], { X: "x" }, dir);
    assert.equal(big.code, 2, big.stderr);
    assert.match(big.stderr, /promplate\.yaml:5:1: error template\/unreadable: cannot read template t\.txt: it is larger than 16 MiB/);
    execFileSync("mkfifo", [join(dir, "pipe.txt")]);
    const fifo = await runPromplate(["render", "pipe.txt"], {}, dir);
    assert.equal(fifo.code, 2, fifo.stderr);
    assert.match(fifo.stderr, /error input\/file: cannot read pipe\.txt: it is a FIFO/);
  });

  test("a rule test file that is a FIFO is exit 2 naming it", LIMIT, async () => {
    const dir = await project({
      "promplate.yaml": "outputs:\n  - { service: prometheus, kind: prometheus-rules, template: rules.yml, path: out/rules.yml }\ntests: [rules_test.yml]\n",
      "rules.yml": "groups: []\n",
    });
    execFileSync("mkfifo", [join(dir, "rules_test.yml")]);
    const { code, stderr } = await runPromplate(["-C", dir, "check"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /error project\/test-unreadable: cannot read rule test file rules_test\.yml: it is a FIFO/);
  });

  test("init and compose refuse a .gitignore that is a FIFO; init then writes nothing", LIMIT, async () => {
    const target = await project({});
    execFileSync("mkfifo", [join(target, ".gitignore")]);
    const init = await runPromplate(["init", target], {}, target);
    assert.equal(init.code, 2, init.stderr);
    assert.match(init.stderr, /error init\/gitignore: cannot read .*\.gitignore: it is a FIFO/);
    assert.deepEqual(await readdir(target), [".gitignore"]);
    const dir = await valueProject();
    execFileSync("git", ["init", "-q", dir]);
    execFileSync("mkfifo", [join(dir, ".gitignore")]);
    const compose = await runPromplate(["-C", dir, "compose", "--examples"], {}, dir);
    assert.equal(compose.code, 2, compose.stderr);
    assert.match(compose.stderr, /error compose\/gitignore: cannot read .*\.gitignore: it is a FIFO/);
  });

  test("render - reads standard input up to 16 MiB, as UTF-8 (the installed executable)", LIMIT, async () => {
    const dir = await project({});
    const small = runBinary(["render", "-", "--set", "A=1"], dir, {}, "a: ${A}\n");
    assert.equal(small.status, 0, small.stderr);
    assert.equal(small.stdout, "a: 1\n");
    const big = runBinary(["render", "-"], dir, {}, Buffer.alloc(MAX_DOCUMENT_BYTES + 1, "a"));
    assert.equal(big.status, 2, big.stderr);
    assert.match(big.stderr, /error input\/file: cannot read the template on standard input: it is larger than 16 MiB/);
    const latin1 = runBinary(["render", "-"], dir, {}, Buffer.from("a: caf\xe9\n", "latin1"));
    assert.equal(latin1.status, 2, latin1.stderr);
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
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", join(bin, "dist", "promplate.js"), ...argv], { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, X: "x" }, encoding: "utf8" });
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

describe("--set of an undeclared name", () => {
  test("compose, build (--dry-run too) and scan refuse it with a suggestion", LIMIT, async () => {
    const dir = await valueProject();
    for (const command of [["compose", "--examples"], ["build", "--dry-run"], ["scan"]]) {
      const { code, stderr } = await runPromplate(["-C", dir, ...command, "--set", "X=x", "--set", "YY=1"], {}, dir);
      assert.equal(code, 2, `${command.join(" ")}: ${stderr}`);
      assert.match(stderr, /error input\/undeclared-set: --set YY: promplate\.yaml declares no variable YY; did you mean Y\?/);
    }
    assert.ok(!(await readdir(dir)).includes("docker-compose.yml"), "compose wrote nothing");
  });
});

describe("integers beyond 2^53 written in promplate.yaml", () => {
  const declarations = [
    "variables:",
    "  N: { type: integer, default: 9007199254740993 }",
    "  H: { type: integer, default: 0x20000000000001 }",
    "  E: { type: integer, examples: [100000000000000000000, 1] }",
    "outputs:",
    "  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }",
    "",
  ].join("\n");

  test("a default or an example keeps its digits in the output", LIMIT, async () => {
    const dir = await project({ "promplate.yaml": declarations, "t.yml": "n: ${N}\nh: ${H}\ne: ${E}\n" });
    const rendered = await runPromplate(["-C", dir, "render", "--set", "E=5"], {}, dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.equal(await readFile(join(dir, "out/t.yml"), "utf8"), "n: 9007199254740993\nh: 9007199254740993\ne: 5\n");
    const examples = await runPromplate(["-C", dir, "vars", "--examples", "--format", "json"], {}, dir);
    assert.equal(examples.code, 0, examples.stderr);
    const values = Object.fromEntries((JSON.parse(examples.stdout) as { name: string; value: string }[]).map((row) => [row.name, row.value]));
    assert.deepEqual(values, { N: "9007199254740993", H: "9007199254740993", E: "100000000000000000000" });
  });

  test("anywhere else in variables (a bound, an enum, inside a list default) it is exit 2 at its line", LIMIT, async () => {
    const dir = await project({
      "promplate.yaml": "variables:\n  M: { type: integer, maximum: 9007199254740993 }\n  L: { type: array, default: [1, 9007199254740993] }\noutputs:\n  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }\n",
      "t.yml": "m: ${M}\nl: ${L}\n",
    });
    const { code, stderr } = await runPromplate(["-C", dir, "render", "--set", "M=1"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:2:32: error project\/big-integer: 9007199254740993 is an integer beyond 2\^53/);
    assert.match(stderr, /promplate\.yaml:3:34: error project\/big-integer/);
  });
});

describe("vars names a variable once", () => {
  test("an unreadable value file and an invalid value are shown as `NAME: what is wrong`", LIMIT, async () => {
    const dir = await valueProject();
    const { code, stderr } = await runPromplate(["-C", dir, "vars", "--set", "X=x"], { Y_FILE: join(dir, "nope") }, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^error variable\/invalid: Y: cannot be read from Y_FILE=.*nope: there is no such file$/m);
    assert.doesNotMatch(stderr, /Y: Y /);
  });
});

describe("secret-file mode reads outputs as the servers do", () => {
  const lax = [
    "scrape_configs:",
    "  - job_name: node",
    "    basic_auth: {username: u, password: 'S1'}",
    "    static_configs:",
    "      - targets: [",
    '          "b:9100"',
    "        ]# go-yaml reads this comment; YAML 1.2 parsers refuse it",
    "---",
    "other:",
    "  password: S2",
    "",
  ].join("\n");

  test("a lax form and a second document: every secret moves", () => {
    const result = moveSecretsToFiles("prometheus-config", lax, ["S1", "S2"], "/run/p", "cfg");
    assert.deepEqual(result.files, [
      { path: "/run/p/cfg.scrape_configs.0.basic_auth.password", content: "S1" },
      { path: "/run/p/cfg.document-2.other.password", content: "S2" },
    ]);
    assert.deepEqual(result.unmovable, []);
    assert.ok(!/S1|S2/.test(result.text), result.text);
    assert.match(result.text, /\]# go-yaml reads this comment/);
  });

  test("a secret in a comment or a key, or an output that does not parse, is unmovable", () => {
    const cases: [string, number][] = [
      ["a: 1\n# the password is S1\n", 2],
      ["S1: x\n", 1],
      ["a: x\nb: c: d\n", 2],
    ];
    for (const [text, line] of cases) {
      const result = moveSecretsToFiles("yaml", text, ["S1"], "/run/p", "cfg");
      assert.equal(result.unmovable[0]?.line, line, text);
    }
  });

  test("render --write-secret-files: the lax output holds no secret; a secret in a comment is exit 2, nothing written", LIMIT, async () => {
    const dir = await project({
      "promplate.yaml": "variables:\n  P: { type: string, writeOnly: true }\noutputs:\n  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml }\n",
      "prometheus.yml": lax.replace("'S1'", "${P}").replace(/---[\s\S]*/, ""),
    });
    const secrets = join(dir, "secrets");
    const moved = await runPromplate(["-C", dir, "render", "--write-secret-files", secrets], { P: "hunter2-secret" }, dir);
    assert.equal(moved.code, 0, moved.stderr);
    const output = await readFile(join(dir, "out/prometheus.yml"), "utf8");
    assert.doesNotMatch(output, /hunter2/);
    assert.match(output, /password_file:/);
    assert.equal((await stat(join(dir, "out/prometheus.yml"))).mode & 0o777, 0o644);
    assert.equal(await readFile(join(secrets, "prometheus.scrape_configs.0.basic_auth.password"), "utf8"), "hunter2-secret");
    await writeFile(join(dir, "prometheus.yml"), "# ${P}\nscrape_configs: []\n");
    const other = join(dir, "other-out");
    const refused = await runPromplate(["-C", dir, "render", "--out", other, "--write-secret-files", secrets], { P: "hunter2-secret" }, dir);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /prometheus\.yml:1:\d+: error output\/secret-unmovable: out\/prometheus\.yml line 1: a secret stands outside any value/);
    assert.doesNotMatch(refused.stderr, /hunter2/);
    await assert.rejects(stat(other), { code: "ENOENT" });
  });
});

describe("issue 9's exit codes, through the installed executable", () => {
  test("bad input is 2 with file, line or offset; none is an internal error", LIMIT, async () => {
    const dir = await valueProject();
    await mkdir(join(dir, "folder.env"));
    await writeFile(join(dir, "bad.env"), "X=1\nNOT A LINE\n");
    await writeFile(join(dir, "bad.txt"), Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a]));
    const bomb = await project({ "promplate.yaml": `outputs: []\nbomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${["b", "c", "d", "e", "f", "g", "h", "i"].map((name, i) => `  ${name}: &${name} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`).join("\n")}\n` });
    const numbers = await project({ "promplate.yaml": "variables:\n  N: { type: integer, default: 9007199254740993 }\n  M: { type: integer }\noutputs:\n  - { service: s, kind: yaml, template: n.yml, path: out/n.yml }\n", "n.yml": "n: ${N}\nm: ${M}\n" });
    const cases: { argv: string[]; cwd?: string; env?: Record<string, string>; code: number; says: RegExp; prints?: string }[] = [
      { argv: ["render", "--dry-run", "--env-file", "nope.env"], env: { X: "x" }, code: 2, says: /cannot read --env-file .*nope\.env: there is no such file/ },
      { argv: ["render", "--dry-run", "--env-file", "folder.env"], env: { X: "x" }, code: 2, says: /cannot read --env-file .*folder\.env: it is a folder/ },
      { argv: ["render", "--dry-run", "--env-file", "bad.env"], code: 2, says: /bad\.env:2: the line has no `=`/ },
      { argv: ["render", "--dry-run", "--set", "X=x", "--set", "YY=1"], code: 2, says: /declares no variable YY; did you mean Y\?/ },
      { argv: ["render", "bad.txt"], code: 2, says: /bad\.txt:2:2: error template\/encoding: bad\.txt is not valid UTF-8: byte 3 \(0xff\)/ },
      { argv: ["render", "--dry-run", "--set", "X=x", "--set", "Y=1"], code: 0, says: /would write 1 of 1 files/ },
      { argv: ["vars"], cwd: bomb, code: 2, says: /promplate\.yaml:\d+:\d+: error project\/yaml: the document contains excessive aliasing/ },
      { argv: ["render", "n.yml", "--set", "M=100000000000000000000"], cwd: numbers, code: 0, says: /^$/, prints: "n: 9007199254740993\nm: 100000000000000000000\n" },
    ];
    for (const c of cases) {
      const result = runBinary(["-C", c.cwd ?? dir, ...c.argv], c.cwd ?? dir, c.env);
      assert.equal(result.status, c.code, `${c.argv.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, c.says, c.argv.join(" "));
      assert.doesNotMatch(result.stderr, /internal error/);
      if (c.prints !== undefined) assert.equal(result.stdout, c.prints);
    }
  });
});
