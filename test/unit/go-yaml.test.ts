/**
 * src/checks/go-yaml.ts: the text go-yaml's reading is rewritten to (table), the errors it adds, the offsets mapped
 * back, on every YAML file of the corpus: what js-yaml already reads is left as it is; and templates written in
 * the lax forms go-yaml accepts render as written.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { load, loadAll } from "js-yaml";
import { readAsGoYaml, sourceColumn, sourceOffset } from "../../src/checks/go-yaml.js";
import { CORPUS } from "../corpus-path.js";
import { runPromplate } from "../helpers.js";

const rewrites: { name: string; source: string; text: string }[] = [
  { name: "quoted continuation at the key's indentation", source: 'a:\n  b: "x\n  y"\n', text: 'a:\n  b: "x\n   y"\n' },
  { name: "quoted continuation at column 0, single quotes", source: "a:\n  - 'x\ny'\n", text: "a:\n  - 'x\n   y'\n" },
  { name: "flow closing bracket at the key's indentation", source: "a:\n  - b: [\n      x\n    ]\n", text: "a:\n  - b: [\n      x\n     ]\n" },
  { name: "flow entries at column 0, comment and empty lines", source: "a: {\nb: 1,\n\n# c\n}\n", text: "a: {\n b: 1,\n\n # c\n }\n" },
  { name: "comment right after a token", source: 'a: "x"# c\nb: [1]#d\n', text: 'a: "x" # c\nb: [1] #d\n' },
  { name: "second document cut", source: "a: 1\n---\nb: [\n", text: "a: 1\n" },
  {
    name: "valid YAML untouched",
    source: "a: 'it''s'\nb: it's \"x\"\nc: |\n  [\n  \"\nd: x#y\n",
    text: "a: 'it''s'\nb: it's \"x\"\nc: |\n  [\n  \"\nd: x#y\n",
  },
  { name: "CRLF line breaks", source: 'a:\r\n  b: "x\r\n  y"\r\n', text: 'a:\r\n  b: "x\r\n   y"\r\n' },
];

for (const { name, source, text } of rewrites) {
  test(`rewrite: ${name}`, () => {
    const reading = readAsGoYaml(source);
    assert.equal(reading.error, undefined);
    assert.equal(reading.text, text);
    if (name !== "second document cut") assert.equal(reading.text.split("\n").length, source.split("\n").length);
  });
}

const errors: { source: string; message: RegExp; line: number; column: number }[] = [
  { source: 'a: "\\/"\n', message: /unknown escape character/, line: 1, column: 5 },
  { source: 'a: "\\x4"\n', message: /hexdecimal/, line: 1, column: 7 },
  { source: "a:\n\t\n", message: /cannot start any token/, line: 2, column: 1 },
  { source: "- \tb\n", message: /cannot start any token/, line: 1, column: 3 },
  { source: "a: b\n\tc: d\n", message: /tab character that violates indentation/, line: 2, column: 1 },
  { source: "a: |\n\tx\n", message: /tab character where an indentation space is expected/, line: 2, column: 1 },
  { source: "%YAML 1.2\n---\na: 1\n", message: /incompatible YAML document/, line: 1, column: 1 },
  { source: "a: \u0085\u0001\n", message: /control characters/, line: 1, column: 5 },
  { source: "a: &x{}\n", message: /alphabetic or numeric/, line: 1, column: 4 },
  { source: `${"k".repeat(1025)}: v\n`, message: /could not find expected ':'|mapping values/, line: 1, column: 1026 },
  { source: '{"a\n b": c}\n', message: /expected ',' or '}'/, line: 2, column: 4 },
  { source: 'a: "x\n---\n"\n', message: /document indicator/, line: 2, column: 1 },
];

for (const { source, message, line, column } of errors) {
  test(`error: ${JSON.stringify(source).slice(0, 40)}`, () => {
    const reading = readAsGoYaml(source);
    assert.match(reading.error?.message ?? "none", message);
    assert.deepEqual([reading.error?.line, reading.error?.column], [line, column]);
  });
}

test("accepted by both: a 1024-character key, tabs after a key's colon and before comments, `...` before any document", () => {
  for (const source of [`${"k".repeat(1023)}: v\n`, "a:\tb\t# c\n", "...\na: 1\n", "a: [x,\tb]\n", "%YAML 1.1\n---\na: 1\n"]) {
    assert.equal(readAsGoYaml(source).error, undefined, JSON.stringify(source));
  }
});

test("positions map back to the source", () => {
  const source = 'a:\n  b: "x\ny"\n  c: [\nz]#e\n';
  const reading = readAsGoYaml(source);
  assert.equal(reading.text, 'a:\n  b: "x\n   y"\n  c: [\n   z] #e\n');
  const y = reading.text.indexOf("y");
  assert.equal(source[sourceOffset(reading, y)], "y");
  assert.equal(source[sourceOffset(reading, reading.text.indexOf("z"))], "z");
  assert.equal(source[sourceOffset(reading, reading.text.indexOf("#"))], "#");
  assert.equal(sourceOffset(reading, reading.text.indexOf("y") - 1), source.indexOf("y"));
  assert.equal(sourceColumn(reading, 3, 4), 1);
  assert.equal(sourceColumn(reading, 2, 6), 6);
});

test("every YAML file of the corpus: what js-yaml reads is unchanged; of a stream, the first document", () => {
  const files = (readdirSync(CORPUS, { recursive: true }) as string[]).filter((file) => /\.ya?ml$/.test(file));
  assert.ok(files.length > 400, `${files.length} files`);
  let streams = 0;
  for (const file of files) {
    const source = readFileSync(join(CORPUS, file), "utf8");
    let documents: unknown[];
    try {
      documents = loadAll(source);
    } catch {
      continue;
    }
    const reading = readAsGoYaml(source);
    assert.equal(reading.error, undefined, `${file}: ${reading.error?.message}`);
    if (documents.length > 1) {
      streams++;
      assert.ok(reading.ignoredFrom, file);
    } else assert.equal(reading.text, source, file);
    assert.deepEqual(documents.length === 0 ? [] : [load(reading.text)], documents.slice(0, 1), file);
  }
  assert.ok(streams >= 4, `${streams} multi-document files`);
});

describe("templates go-yaml accepts", () => {
  test("render as written, values inserted inside a lax quoted scalar and a lax flow sequence", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-lax-"));
    const template = [
      "global:",
      "  external_labels:",
      '    note: "first ${REGION}',
      '    second"',
      "scrape_configs:",
      "  - job_name: node",
      "    static_configs:",
      "      - targets: [",
      '          "${HOST}:9100",',
      '          "b:9100"',
      "        ]# two nodes",
      "",
    ].join("\n");
    writeFileSync(join(dir, "prometheus.yml"), template);
    const result = await runPromplate(["render", "prometheus.yml", "--set", "REGION=eu", "--set", 'HOST=a"1'], {}, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, template.replace('"first ${REGION}\n    second"', "'first eu second'").replace("${HOST}", 'a\\"1'));
  });
});
