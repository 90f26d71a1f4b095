/**
 * src/checks/positions.ts: every finding of the corpus and the fixtures, and a finding at every path of a few files,
 * lands on the line and column recorded in test/fixtures/positions/expected.tsv (see test/positions-cases.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { locate } from "../src/checks/index.js";
import { parseRecorded, RECORDED_POSITIONS, type RecordedPosition } from "./positions-cases.js";
import { ROOT } from "./helpers.js";

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
  assert.ok(recorded.has("test/fixtures/positions/forms.yml"));
});

test("every recorded finding is located where it was recorded", async () => {
  const wrong: string[] = [];
  for (const [file, positions] of recorded) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const located = await locate(text, positions.map(({ finding }) => ({ ...finding, severity: "error", message: "" })));
    positions.forEach((want, index) => {
      const got = located[index]!;
      if (got.line !== want.line || got.column !== want.column) wrong.push(`${describe(want)}: ${got.line}:${got.column}, recorded ${want.line}:${want.column}`);
    });
  }
  assert.deepEqual(wrong, []);
});
