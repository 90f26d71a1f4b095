/**
 * Rule unit test files of the corpus (kind `rule-test`) are judged by running the real `promtool test rules`
 * through `promplate check FILE`. Debian's promtool is 2.42: where the corpus index says its verdict differs from
 * upstream's (newer syntax or semantics), the tool's own verdict is what promplate must report.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../src/cli.js";
import { CORPUS } from "./corpus-path.js";

interface Row {
  path: string;
  expected: string;
  promtoolResult: string;
  agreement: string;
}

const [header, ...lines] = readFileSync(join(CORPUS, "INDEX.details.tsv"), "utf8").trimEnd().split("\n");
const columns = header!.split("\t");
const rows: Row[] = lines
  .map((line) => Object.fromEntries(line.split("\t").map((value, i) => [columns[i], value])))
  .filter((row) => row.kind === "rule-test")
  .map((row) => ({ path: row.path!, expected: row.expected!, promtoolResult: row.promtool_result!, agreement: row.agreement! }));

test("rule unit tests: promplate check reports what promtool test rules decides", async () => {
  assert.ok(rows.length >= 10, `expected the corpus' rule-test files, found ${rows.length}`);
  const table: string[] = [];
  let agree = 0;
  for (const row of rows) {
    let output = "";
    const code = await runCli(["check", "--require-tools", join(CORPUS, row.path)], {
      stdout: { write: (t: string) => (output += t) },
      stderr: { write: (t: string) => (output += t) },
      readStdin: async () => "",
      env: { PATH: process.env.PATH },
      cwd: CORPUS,
    });
    assert.ok(code === 0 || code === 1, `${row.path}: exit ${code}\n${output}`);
    const verdict = code === 0 ? "good" : "bad";
    assert.match(output, /promtool \d+\.\d+/, `${row.path}: the tool's version is named`);
    const toolVerdict = row.promtoolResult === "ok" ? "good" : "bad";
    assert.equal(verdict, toolVerdict, `${row.path}: promtool says ${toolVerdict}\n${output}`);
    if (verdict === row.expected) agree++;
    else table.push(`  ${row.path}: upstream ${row.expected}, promtool 2.42 ${verdict} (${row.agreement})`);
    if (verdict !== row.expected) assert.match(row.agreement, /^DISAGREE/, `${row.path}: an unexplained disagreement`);
  }
  console.log(`rule-test files: ${agree}/${rows.length} agree with upstream; differences are the installed promtool's:\n${table.join("\n")}`);
});
