/**
 * Rule unit test files of the corpus (kind `rule-test`) are judged by running the real `promtool test rules`
 * through `promplate check FILE`: promplate has no built-in checker for them, so its verdict must be the tool's.
 * The tool is the current promtool (from the servers' cache, else PATH); where it differs from upstream's
 * expectation (it is older than the corpus) the difference is listed, not failed on.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../src/cli.js";
import { CORPUS } from "../corpus-path.js";
import { agreementCell, currentTool, toolVerdict } from "./current-tools.js";

interface Row {
  path: string;
  expected: string;
  agreement: string;
}

const [header, ...lines] = readFileSync(join(CORPUS, "INDEX.details.tsv"), "utf8").trimEnd().split("\n");
const columns = header!.split("\t");
const rows: Row[] = lines
  .map((line) => Object.fromEntries(line.split("\t").map((value, i) => [columns[i], value])))
  .filter((row) => row.kind === "rule-test")
  .map((row) => ({ path: row.path!, expected: row.expected!, agreement: row.agreement! }));

test("rule unit tests: promplate check reports what the current promtool test rules decides", async () => {
  assert.ok(rows.length >= 10, `expected the corpus' rule-test files, found ${rows.length}`);
  const promtool = currentTool("promtool");
  assert.ok(promtool, "promtool is neither in the servers' cache nor on PATH");
  const toolName = `promtool ${promtool.version}`;
  const toolDisagreements: string[] = [];
  let agree = 0;
  for (const row of rows) {
    let output = "";
    const file = join(CORPUS, row.path);
    const code = await runCli(["check", "--require-tools", "--promtool", promtool.path, file], {
      stdout: { write: (t: string) => (output += t) },
      stderr: { write: (t: string) => (output += t) },
      readStdin: async () => "",
      env: { PATH: process.env.PATH },
      cwd: CORPUS,
    });
    assert.ok(code === 0 || code === 1, `${row.path}: exit ${code}\n${output}`);
    const verdict = code === 0 ? "good" : "bad";
    assert.match(output, /promtool \d+\.\d+/, `${row.path}: the tool's version is named`);
    const direct = toolVerdict(promtool, ["test", "rules", basename(file)], dirname(file));
    assert.equal(verdict, direct.verdict, `${row.path}: ${toolName} says ${direct.verdict}\n${direct.output}\npromplate:\n${output}`);
    if (verdict === row.expected) agree++;
    else toolDisagreements.push(`  ${row.path}: upstream ${row.expected}, ${toolName} ${verdict} [corpus note on promtool 2.42: ${row.agreement}]`);
  }
  console.log(
    [
      `rule-test conformance: upstream expectation, promplate's verdict (= ${toolName}'s: no built-in checker), ${toolName} run directly`,
      `  files ${rows.length}; promplate and ${toolName} agree with upstream on ${agreementCell(agree, rows.length)}`,
      `where ${toolName} disagrees with upstream (${toolDisagreements.length}; it is older than the corpus):`,
      ...toolDisagreements,
    ].join("\n"),
  );
});
