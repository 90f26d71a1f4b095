/**
 * src/checks/positions.ts: where a path lands (table), and every finding of the corpus and the fixtures, and a
 * finding at every path of a few files, lands on the line and column recorded in test/data/positions/expected.tsv
 * (see test/unit/positions-cases.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseDocumentData } from "../../src/checks/document.js";
import { locate } from "../../src/checks/index.js";
import { createLocator } from "../../src/checks/positions.js";
import type { Finding } from "../../src/checks/types.js";
import { parseRecorded, RECORDED_POSITIONS, type RecordedPosition } from "./positions-cases.js";
import { ROOT } from "../helpers.js";

const places: { name: string; text: string; finding: Pick<Finding, "path" | "atKey" | "offsetInValue">; at: string }[] = [
  { name: "an empty value: after its colon", text: "a:\n", finding: { path: ["a"] }, at: "1:3" },
  { name: "an empty value: after the spaces that follow the colon", text: "a:   # why\n", finding: { path: ["a"] }, at: "1:6" },
  { name: "an empty item after a comment line", text: "- a\n# c\n-\n", finding: { path: [1] }, at: "3:2" },
  { name: "an offset in a quoted value: past the quote", text: 'a: "x y"\n', finding: { path: ["a"], offsetInValue: 2 }, at: "1:7" },
  { name: "a block scalar: its header", text: "a: |\n  x\n  y\n", finding: { path: ["a"] }, at: "1:4" },
  { name: "an offset in a block scalar: on its content line", text: "a: |\n  x\n  y\n", finding: { path: ["a"], offsetInValue: 2 }, at: "3:3" },
  { name: "a mapping whose first key has an anchor: that key", text: "&r x: 1\n", finding: { path: [] }, at: "1:4" },
  { name: "an explicit key without a value: the key", text: "? a\nb: 1\n", finding: { path: ["a"] }, at: "1:3" },
  { name: "a key that YAML 1.2 reads as a string is not found: the mapping", text: "yes: 1\n", finding: { path: ["true"], atKey: true }, at: "1:1" },
  { name: "a path through an alias: the alias", text: "a: *x\n", finding: { path: ["a", "b"] }, at: "1:4" },
  { name: "a flow item go-yaml reads at column 0: its source column", text: "a: [\nb]\n", finding: { path: ["a", 0] }, at: "2:1" },
];

for (const { name, text, finding, at } of places) {
  test(`place: ${name}`, () => {
    const { line, column } = createLocator(text)(finding);
    assert.equal(`${line}:${column}`, at);
  });
}

const recorded = new Map<string, RecordedPosition[]>();
for (const line of readFileSync(RECORDED_POSITIONS, "utf8").split("\n").filter(Boolean)) {
  const position = parseRecorded(line);
  recorded.set(position.file, [...(recorded.get(position.file) ?? []), position]);
}

const describe = ({ file, finding }: RecordedPosition) =>
  `${file} ${JSON.stringify(finding.path)}${finding.atKey ? " (key)" : ""}${finding.offsetInValue !== undefined ? ` +${finding.offsetInValue}` : ""}`;

test("the recorded positions cover the corpus' findings and every path of the chosen files", () => {
  const all = [...recorded.values()].flat();
  assert.ok(all.filter((p) => p.finding.id !== "synthetic").length >= 300, "checker findings");
  assert.ok(all.filter((p) => p.finding.id === "synthetic").length >= 5_000, "synthetic findings");
  assert.ok(recorded.has("test/data/positions/forms.yml"));
});

/** The recorded findings located anew, and those that land elsewhere than recorded. */
async function misplaced(withParse: boolean): Promise<string[]> {
  const wrong: string[] = [];
  for (const [file, positions] of recorded) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const findings = positions.map(({ finding }) => ({ ...finding, severity: "error" as const, message: "" }));
    const located = await locate(text, findings, withParse ? parseDocumentData(text) : undefined);
    positions.forEach((want, index) => {
      const got = located[index]!;
      if (got.line !== want.line || got.column !== want.column)
        wrong.push(`${describe(want)}: ${got.line}:${got.column}, recorded ${want.line}:${want.column}`);
    });
  }
  return wrong;
}

test("every recorded finding is located where it was recorded, from the events of the parse that read the data", async () => {
  assert.deepEqual(await misplaced(true), []);
});

test("every recorded finding is located where it was recorded, from the text alone (cross-file findings)", async () => {
  assert.deepEqual(await misplaced(false), []);
});
