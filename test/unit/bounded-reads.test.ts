/**
 * Every file a user names is read bounded (issue 9, "Hangs and memory" and "Wrong exit codes"): the bounded reader
 * on files, devices, folders and streams. Also: --set of an undeclared name in every command, big integers written
 * in promplate.yaml, vars' wording, and secret-file mode on outputs only go-yaml reads. FIFOs, files promplate may
 * not read and the installed executable are in test/e2e/bounded-reads.test.ts. Each test has a timeout, so a
 * regression fails instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { moveSecretsToFiles } from "../../src/secret-files.js";
import { readRegularFile, readRegularFileSync, readStream, RefusedFileError } from "../../src/value-files.js";
import { makeProject, runPromplate, valueProject } from "../helpers.js";

const LIMIT = { timeout: 60_000 };

describe("the bounded reader", () => {
  test("regular files up to the limit are read; one byte more, a device or a folder is refused", LIMIT, async () => {
    const dir = await makeProject({ exact: "a".repeat(1000), over: "a".repeat(1001) });
    assert.equal((await readRegularFile(join(dir, "exact"), 1000)).length, 1000);
    assert.equal(readRegularFileSync(join(dir, "exact"), 1000).length, 1000);
    for (const [path, reason] of [
      ["over", /larger than 1000 bytes/],
      ["/dev/zero", /a device/],
      [".", /a folder/],
    ] as const) {
      const full = path.startsWith("/") ? path : join(dir, path);
      await assert.rejects(readRegularFile(full, 1000), (error) => error instanceof RefusedFileError && reason.test(error.reason), path);
      assert.throws(
        () => readRegularFileSync(full, 1000),
        (error) => error instanceof RefusedFileError && reason.test(error.reason),
        path,
      );
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
    const dir = await makeProject({ "promplate.yaml": declarations, "t.yml": "n: ${N}\nh: ${H}\ne: ${E}\n" });
    const rendered = await runPromplate(["-C", dir, "render", "--set", "E=5"], {}, dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.equal(await readFile(join(dir, "out/t.yml"), "utf8"), "n: 9007199254740993\nh: 9007199254740993\ne: 5\n");
    const examples = await runPromplate(["-C", dir, "vars", "--examples", "--format", "json"], {}, dir);
    assert.equal(examples.code, 0, examples.stderr);
    const values = Object.fromEntries((JSON.parse(examples.stdout) as { name: string; value: string }[]).map((row) => [row.name, row.value]));
    assert.deepEqual(values, { N: "9007199254740993", H: "9007199254740993", E: "100000000000000000000" });
  });

  test("anywhere else in variables (a bound, an enum, inside a list default) it is exit 2 at its line", LIMIT, async () => {
    const dir = await makeProject({
      "promplate.yaml":
        "variables:\n  M: { type: integer, maximum: 9007199254740993 }\n  L: { type: array, default: [1, 9007199254740993] }\noutputs:\n  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }\n",
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
    const dir = await makeProject({
      "promplate.yaml":
        "variables:\n  P: { type: string, writeOnly: true }\noutputs:\n  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml }\n",
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
