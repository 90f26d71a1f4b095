/**
 * Hostile input fails fast with the documented exit code (issue 9, "Hangs and memory" and "Wrong exit codes and
 * silent corruption", the input side): YAML alias bombs and oversized documents, variable patterns run as RE2,
 * value files that are not regular files or too large, malformed env files, undeclared --set names, and integers
 * beyond 2^53. Each test has a timeout, so a regression fails instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseDocument } from "yaml";
import { parseDocumentData } from "../src/checks/document.js";
import { dataAliasingProblem, documentAliasingProblem, MAX_YAML_BYTES } from "../src/yaml-limits.js";
import { runPromplate } from "./helpers.js";

const LIMIT = { timeout: 30_000 };

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded, from ten short lines. */
function billionLaughs(indent = ""): string {
  const lines = [`${indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (const [from, to] of [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"], ["e", "f"], ["f", "g"], ["g", "h"], ["h", "i"]]) {
    lines.push(`${indent}${to}: &${to} [${Array(9).fill(`*${from}`).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-limits-"));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

describe("YAML alias expansion and document size", () => {
  test("a billion-laughs promplate.yaml is exit 2 at promplate.yaml:line, not an internal error", LIMIT, async () => {
    const dir = await project({ "promplate.yaml": `outputs: []\nbomb:\n${billionLaughs("  ")}` });
    const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:6:\d+: error project\/yaml: the document contains excessive aliasing/);
    assert.doesNotMatch(stderr, /internal error/);
  });

  test("an alias of a node inside itself in promplate.yaml is exit 2 at its line", LIMIT, async () => {
    const dir = await project({ "promplate.yaml": "outputs:\n  - &o [1, *o]\n" });
    const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:2:\d+: error project\/yaml: an alias refers to a node that contains it/);
  });

  test("a billion-laughs rule file is a yaml/aliases finding at its line (check exits 1)", LIMIT, async () => {
    const rules = `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n${billionLaughs("          ")}`;
    const dir = await project({ "rules.yml": rules });
    const { code, stdout, stderr } = await runPromplate(["check", "--no-tools", "--kind", "prometheus-rules", "rules.yml"], {}, dir);
    assert.equal(code, 1, stderr);
    assert.match(stdout + stderr, /rules\.yml:10:\d+: error yaml\/aliases: the document contains excessive aliasing/);
  });

  test("a billion-laughs YAML template is exit 2 naming the template line; without values it is a finding", LIMIT, async () => {
    const withValue = await project({
      "promplate.yaml": "variables:\n  X: { type: string, default: x }\noutputs:\n  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }\n",
      "t.yml": `x: \${X}\n${billionLaughs()}`,
    });
    const first = await runPromplate(["-C", withValue, "render"], {}, withValue);
    assert.equal(first.code, 2, first.stderr);
    assert.match(first.stderr, /t\.yml:5:\d+: error template\/invalid-yaml: .*excessive aliasing/);

    const plain = await project({
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
    const dir = await project({ "promplate.yaml": `outputs: []\n${"#".repeat(MAX_YAML_BYTES)}\n` });
    const { code, stderr } = await runPromplate(["-C", dir, "vars"], {}, dir);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /promplate\.yaml:1:1: error project\/yaml: the document is larger than 16 MiB/);
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
  });
});

describe("variable patterns run as RE2, in linear time", () => {
  const textProject = (variable: string) =>
    project({ "promplate.yaml": `variables:\n  X:\n${variable}outputs:\n  - { service: s, kind: text, template: t.txt, path: out/t.txt }\n`, "t.txt": "${X}\n" });

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

  for (const [what, pattern] of [["a lookahead", "^(?=a)b"], ["a lookbehind", "(?<!a)b"], ["a backreference", "^(a)\\\\1$"]]) {
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
    const dir = await project({ "web.yml": `rate_limit:\n  interval: "1${"ms".repeat(40)}!"\n` });
    const { code, stdout, stderr } = await runPromplate(["check", "--no-tools", "--kind", "web-config", "web.yml"], {}, dir);
    assert.equal(code, 1, stderr);
    assert.match(stdout + stderr, /web\.yml:2:\d+: error schema\/pattern: must match/);
  });
});
