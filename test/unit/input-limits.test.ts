/**
 * Hostile input fails fast with the documented exit code (issue 9, "Hangs and memory" and "Wrong exit codes and
 * silent corruption", the input side): YAML alias bombs and oversized documents, variable patterns run as RE2,
 * value files that are not regular files or too large, malformed env files, undeclared --set names, and integers
 * beyond 2^53. Each test has a timeout, so a regression fails instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseDocument } from "yaml";
import { parseDocumentData } from "../../src/checks/document.js";
import { parseEnvFile } from "../../src/env-file.js";
import { DEFAULT_MAX_FILE_SIZE } from "../../src/value-files.js";
import { dataAliasingProblem, documentAliasingProblem, MAX_YAML_BYTES } from "../../src/yaml-limits.js";
import { makeProject, runPromplate, valueProject } from "../helpers.js";

const LIMIT = { timeout: 30_000 };

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded, from ten short lines. */
function billionLaughs(indent = ""): string {
  const lines = [`${indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (const [from, to] of [
    ["a", "b"],
    ["b", "c"],
    ["c", "d"],
    ["d", "e"],
    ["e", "f"],
    ["f", "g"],
    ["g", "h"],
    ["h", "i"],
  ]) {
    lines.push(`${indent}${to}: &${to} [${Array(9).fill(`*${from}`).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}

describe("YAML alias expansion and document size", () => {
  test("a billion-laughs promplate.yaml is exit 2 at promplate.yaml:line, not an internal error", LIMIT, async () => {
    const dir = await makeProject({ "promplate.yaml": `outputs: []\nbomb:\n${billionLaughs("  ")}` });
    const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:6:\d+: error project\/yaml: the document contains excessive aliasing/);
    assert.doesNotMatch(stderr, /internal error/);
  });

  test("an alias of a node inside itself in promplate.yaml is exit 2 at its line", LIMIT, async () => {
    const dir = await makeProject({ "promplate.yaml": "outputs:\n  - &o [1, *o]\n" });
    const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:2:\d+: error project\/yaml: an alias refers to a node that contains it/);
  });

  test("a billion-laughs rule file is a yaml/aliases finding at its line (check exits 1)", LIMIT, async () => {
    const rules = `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n${billionLaughs("          ")}`;
    const dir = await makeProject({ "rules.yml": rules });
    const { code, stdout, stderr } = await runPromplate(["check", "--no-tools", "--kind", "prometheus-rules", "rules.yml"], {}, dir);
    assert.equal(code, 1, stderr);
    assert.match(stdout + stderr, /rules\.yml:10:\d+: error yaml\/aliases: the document contains excessive aliasing/);
  });

  test("a billion-laughs YAML template is exit 2 naming the template line; without values it is a finding", LIMIT, async () => {
    const withValue = await makeProject({
      "promplate.yaml": "variables:\n  X: { type: string, default: x }\noutputs:\n  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }\n",
      "t.yml": `x: \${X}\n${billionLaughs()}`,
    });
    const first = await runPromplate(["-C", withValue, "render"], {}, withValue);
    assert.equal(first.code, 2, first.stderr);
    assert.match(first.stderr, /t\.yml:5:\d+: error template\/invalid-yaml: .*excessive aliasing/);

    const plain = await makeProject({
      "promplate.yaml": "outputs:\n  - { service: s, kind: prometheus-rules, template: t.yml, path: out/t.yml }\n",
      "t.yml": `x: 1\n${billionLaughs()}`,
    });
    const second = await runPromplate(["-C", plain, "render"], {}, plain);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /t\.yml:5:\d+: error yaml\/aliases/);
  });

  test("a document over the size limit is refused before parsing", LIMIT, async () => {
    const big = `groups: []\n${"#".repeat(80)}\n`.repeat(Math.ceil(MAX_YAML_BYTES / 90) + 1);
    const parsed = parseDocumentData(big);
    assert.ok("error" in parsed && parsed.error.id === "yaml/too-large");
    const dir = await makeProject({ "promplate.yaml": `outputs: []\n${"#".repeat(MAX_YAML_BYTES)}\n` });
    const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
    assert.equal(code, 2, stderr);
    // Refused as it is read, before a byte of it is parsed.
    assert.match(stderr, /error project\/unreadable: cannot read .*promplate\.yaml: it is larger than 16 MiB/);
  });

  test("ordinary aliasing is accepted: a merge key used 500 times, an anchor shared by 2,000 jobs", () => {
    const merged = `defaults: &d { scrape_interval: 15s, scrape_timeout: 10s }\nscrape_configs:\n${Array.from({ length: 500 }, (_, i) => `  - { <<: *d, job_name: j${i} }`).join("\n")}\n`;
    const shared = `t: &t { targets: [a, b, c], labels: { team: x } }\njobs:\n${Array.from({ length: 2000 }, () => "  - *t").join("\n")}\n`;
    for (const text of [merged, shared]) {
      const parsed = parseDocumentData(text);
      assert.ok("data" in parsed, JSON.stringify(parsed));
      assert.equal(documentAliasingProblem(parseDocument(text)), undefined);
    }
  });

  test("js-yaml data and yaml documents get the same verdict on the same bomb", () => {
    const bomb = billionLaughs();
    assert.match(dataAliasingProblem(JSON.parse(JSON.stringify({ small: [1, 2, 3] }))) ?? "none", /none/);
    const parsed = parseDocumentData(bomb);
    assert.ok("error" in parsed && parsed.error.id === "yaml/aliases");
    assert.equal(parsed.error.line, 4);
    assert.match(documentAliasingProblem(parseDocument(bomb))?.message ?? "", /excessive aliasing/);
    // js-yaml builds a cycle for a self-containing alias: the walk ends, and the problem is named and placed.
    const cycle = parseDocumentData("b: 1\na: &a { k: [*a] }\n");
    assert.ok("error" in cycle && cycle.error.id === "yaml/aliases");
    assert.match(cycle.error.message, /an alias refers to a node that contains it/);
    assert.equal(cycle.error.line, 2);
  });
});

describe("variable patterns run as RE2, in linear time", () => {
  const textProject = (variable: string) =>
    makeProject({
      "promplate.yaml": `variables:\n  X:\n${variable}outputs:\n  - { service: s, kind: text, template: t.txt, path: out/t.txt }\n`,
      "t.txt": "${X}\n",
    });

  test("^(a+)+$ against 38 a's and a ! returns: exit 2, the value does not match", LIMIT, async () => {
    const dir = await textProject('    type: string\n    pattern: "^(a+)+$"\n');
    const { code, stderr } = await runPromplate(["-C", dir, "render", "--set", `X=${"a".repeat(38)}!`], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:2:3: error variable\/invalid: X .* must match the pattern \^\(a\+\)\+\$/);
  });

  test("a pattern in a schema only ajv handles (propertyNames) also runs as RE2", LIMIT, async () => {
    const dir = await textProject('    type: object\n    propertyNames: { pattern: "^(a+)+$" }\n');
    const { code, stderr } = await runPromplate(["-C", dir, "render", "--set", `X={"${"a".repeat(38)}!": 1}`], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /error variable\/invalid: X .*schema rule: pattern/);
  });

  for (const [what, pattern] of [
    ["a lookahead", "^(?=a)b"],
    ["a lookbehind", "(?<!a)b"],
    ["a backreference", "^(a)\\\\1$"],
  ]) {
    test(`${what} is exit 2 at promplate.yaml:line naming the variable`, LIMIT, async () => {
      const dir = await textProject(`    type: string\n    pattern: "${pattern}"\n`);
      const { code, stderr } = await runPromplate(["-C", dir, "render", "--set", "X=b"], {}, dir);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /promplate\.yaml:2:3: error project\/variable-pattern: variables\.X: the pattern .* is not a valid RE2 regular expression/);
    });
  }

  test("RE2 syntax that JavaScript lacks works: (?i) and \\z", LIMIT, async () => {
    const dir = await textProject('    type: string\n    pattern: "(?i)^prod-[a-z]+\\\\z"\n');
    assert.equal((await runPromplate(["-C", dir, "render", "--set", "X=PROD-eu"], {}, dir)).code, 0);
    assert.equal((await runPromplate(["-C", dir, "render", "--set", "X=PROD-eu\n"], {}, dir)).code, 2);
  });

  test("the built-in schemas' patterns run as RE2 too: a web-config interval that backtracked for minutes", LIMIT, async () => {
    const dir = await makeProject({ "web.yml": `rate_limit:\n  interval: "1${"ms".repeat(40)}!"\n` });
    const { code, stdout, stderr } = await runPromplate(["check", "--no-tools", "--kind", "web-config", "web.yml"], {}, dir);
    assert.equal(code, 1, stderr);
    assert.match(stdout + stderr, /web\.yml:2:\d+: error schema\/pattern: must match/);
  });
});

/** A project with a secret X and a plain Y (default "y"), rendered into a text output. */

describe("value files: regular files only, up to a size limit", () => {
  test("a file over the limit is exit 2; PROMPLATE_MAX_FILE_SIZE raises the limit; a bad setting is exit 2", LIMIT, async () => {
    const dir = await valueProject();
    await writeFile(join(dir, "exact"), "a".repeat(DEFAULT_MAX_FILE_SIZE));
    await writeFile(join(dir, "over"), "a".repeat(DEFAULT_MAX_FILE_SIZE + 1));
    assert.equal((await runPromplate(["-C", dir, "render", "--dry-run"], { X_FILE: "exact" }, dir)).code, 0);
    const over = await runPromplate(["-C", dir, "render", "--dry-run"], { X_FILE: "over" }, dir);
    assert.equal(over.code, 2, over.stderr);
    assert.match(over.stderr, /X cannot be read from X_FILE=over: it is larger than 1 MiB/);
    assert.match(over.stderr, /hint: .*PROMPLATE_MAX_FILE_SIZE/);
    assert.equal((await runPromplate(["-C", dir, "render", "--dry-run"], { X_FILE: "over", PROMPLATE_MAX_FILE_SIZE: "2MiB" }, dir)).code, 0);
    const small = await runPromplate(["-C", dir, "render", "--dry-run"], { X: "x", Y_FILE: "exact", PROMPLATE_MAX_FILE_SIZE: "1000" }, dir);
    assert.equal(small.code, 2, small.stderr);
    assert.match(small.stderr, /Y cannot be read from Y_FILE=exact: it is larger than 1000 bytes/);
    const bad = await runPromplate(["-C", dir, "render", "--dry-run"], { X: "x", PROMPLATE_MAX_FILE_SIZE: "lots" }, dir);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /PROMPLATE_MAX_FILE_SIZE must be a size/);
  });

  test("Kubernetes secret mounts (symlinks into ..data) are read, and a swapped ..data is read anew", LIMIT, async () => {
    const dir = await valueProject();
    const mount = join(dir, "mount");
    await mkdir(join(mount, "..2026_11_29_10_00_00.1"), { recursive: true });
    await writeFile(join(mount, "..2026_11_29_10_00_00.1", "X"), "first\n");
    await symlink("..2026_11_29_10_00_00.1", join(mount, "..data"));
    await symlink("..data/X", join(mount, "X"));
    const first = await runPromplate(["-C", dir, "render", "--secrets-dir", mount], {}, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await readFile(join(dir, "out/t.txt"), "utf8"), "first y\n");
    // The kubelet's update: a new timestamped folder, then ..data re-pointed by an atomic rename.
    await mkdir(join(mount, "..2026_11_29_11_00_00.2"));
    await writeFile(join(mount, "..2026_11_29_11_00_00.2", "X"), "second\n");
    await symlink("..2026_11_29_11_00_00.2", join(mount, "..data_tmp"));
    await rename(join(mount, "..data_tmp"), join(mount, "..data"));
    const second = await runPromplate(["-C", dir, "render"], { X_FILE: join(mount, "X") }, dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await readFile(join(dir, "out/t.txt"), "utf8"), "second y\n");
  });
});

describe("--env-file lines and --set names", () => {
  test("the env-file syntax, table-driven", () => {
    const cases: [string, Record<string, string>][] = [
      ["A=1\n\n# comment\n  # indented comment\nB = two words  \n", { A: "1", B: "two words" }],
      ["export C=3\n", { C: "3" }],
      ["D=a#b\nE=a #comment\nF=#all comment\n", { D: "a#b", E: "a", F: "" }],
      ["G='single $HOME #kept'\nH=`back tick`\n", { G: "single $HOME #kept", H: "back tick" }],
      ['I="line\\nnext \\"quoted\\" back\\\\slash \\d"\n', { I: 'line\nnext "quoted" back\\slash \\d' }],
      ["J='multi\nline'\nK=after\n", { J: "multi\nline", K: "after" }],
      ["L='x' # comment\nM=\nN=  \n", { L: "x", M: "", N: "" }],
      ["\uFEFFO=bom\r\nP=crlf\r\n", { O: "bom", P: "crlf" }],
    ];
    for (const [text, values] of cases) assert.deepEqual(parseEnvFile(text), { values }, JSON.stringify(text));
  });

  test("each malformed env-file line is exit 2 at file:line, without showing the line", LIMIT, async () => {
    const dir = await valueProject();
    const lines = ["X=ok", "PASSWORD hunter2-secret", "1BAD=hunter2-secret", "Q='hunter2-secret' trailing", "Y=fine", 'Z="hunter2-secret'];
    await writeFile(join(dir, "bad.env"), `${lines.join("\n")}\n`);
    const { code, stderr } = await runPromplate(["-C", dir, "render", "--dry-run", "--env-file", join(dir, "bad.env")], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /bad\.env:2: the line has no `=`/);
    assert.match(stderr, /bad\.env:3: the name before `=` is not a variable name/);
    assert.match(stderr, /bad\.env:4: text follows the value's closing '/);
    assert.match(stderr, /bad\.env:6: the value's opening " is never closed/);
    assert.match(stderr, /4 errors/);
    assert.doesNotMatch(stderr, /hunter2/);
  });

  test("--set of an undeclared name is exit 2 with a suggestion; without a project any name is fine", LIMIT, async () => {
    const dir = await valueProject();
    for (const command of [["render", "--dry-run"], ["vars"], ["check", "--no-tools"], ["render", "t.txt"]]) {
      const { code, stderr } = await runPromplate(["-C", dir, ...command, "--set", "X=x", "--set", "YY=1"], {}, dir);
      assert.equal(code, 2, `${command.join(" ")}: ${stderr}`);
      assert.match(stderr, /error input\/undeclared-set: --set YY: promplate\.yaml declares no variable YY; did you mean Y\?/);
    }
    const far = await runPromplate(["-C", dir, "render", "--dry-run", "--set", "X=x", "--set", "SOMETHING_ELSE=1"], {}, dir);
    assert.match(far.stderr, /declares no variable SOMETHING_ELSE\n/);
    const plain = await makeProject({ "t.txt": "${A}\n" });
    const { code, stdout } = await runPromplate(["render", "t.txt", "--set", "A=1", "--set", "UNUSED=2"], {}, plain);
    assert.equal(code, 0);
    assert.equal(stdout, "1\n");
  });
});

describe("integers beyond 2^53 keep their digits", () => {
  test("…993 and 10^20 reach YAML, JSON and text outputs digit for digit", LIMIT, async () => {
    const dir = await makeProject({
      "promplate.yaml": [
        "variables:",
        "  N: { type: integer, minimum: 0 }",
        "  F: { type: number }",
        "outputs:",
        "  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }",
        "  - { service: s, kind: json, template: t.json, path: out/t.json }",
        "  - { service: s, kind: text, template: t.txt, path: out/t.txt }",
        "",
      ].join("\n"),
      "t.yml": 'n: ${N}\nq: "${N}"\nf: ${F}\n',
      "t.json": '{"n": ${N}, "f": ${F}}\n',
      "t.txt": "${N} ${F}\n",
    });
    const { code, stderr } = await runPromplate(["-C", dir, "render", "--set", "N=9007199254740993", "--set", "F=+00100000000000000000000"], {}, dir);
    assert.equal(code, 0, stderr);
    assert.equal(await readFile(join(dir, "out/t.yml"), "utf8"), 'n: 9007199254740993\nq: "9007199254740993"\nf: 100000000000000000000\n');
    assert.equal(await readFile(join(dir, "out/t.json"), "utf8"), '{"n": 9007199254740993, "f": 100000000000000000000}\n');
    assert.equal(await readFile(join(dir, "out/t.txt"), "utf8"), "9007199254740993 100000000000000000000\n");
    // Still validated: minimum 0.
    const negative = await runPromplate(["-C", dir, "render", "--set", "N=-9007199254740993", "--set", "F=1"], {}, dir);
    assert.equal(negative.code, 2, negative.stderr);
    assert.match(negative.stderr, /N \(from --set\) = "-9007199254740993" must be >= 0/);
  });

  test("where the digits cannot be kept (inside a list or JSON), it is exit 2, not a rounded value", LIMIT, async () => {
    const dir = await makeProject({
      "promplate.yaml":
        "variables:\n  L: { type: array, items: { type: integer } }\n  O: { type: object }\noutputs:\n  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }\n",
      "t.yml": "l: ${L}\no: ${O}\n",
    });
    for (const [list, object] of [
      ["1,9007199254740993", "{}"],
      ["[9007199254740993]", "{}"],
      ["1", '{"a": 100000000000000000000}'],
    ]) {
      const { code, stderr } = await runPromplate(["-C", dir, "render", "--set", `L=${list}`, "--set", `O=${object}`], {}, dir);
      assert.equal(code, 2, stderr);
      assert.match(stderr, /beyond 2\^53/);
    }
  });
});
