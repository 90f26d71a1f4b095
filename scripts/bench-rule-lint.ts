/**
 * What the rule checks that know the config (src/checks/rule-lint.ts) cost on a rule file, run by scripts/bench.ts
 * in a fresh process per round (so the code runs as cold as in one `promplate check`): prints the milliseconds of
 * - facts: gathering the PromQL facts during the PromQL check's walk (promql-facts.ts): in the check it is interleaved
 *   with that walk, so here it is a walk with the collector less the same walk without it, over trees parsed beforehand;
 * - checks: the checks themselves and locating their findings;
 * - report: formatting those findings as text, as `check` prints them.
 * Usage: node --import tsx scripts/bench-rule-lint.ts RULES.yml
 */
import { readFileSync } from "node:fs";
import { parser } from "@prometheus-io/lezer-promql";
import { parseDocumentData } from "../src/checks/document.js";
import { checkDocument, locate } from "../src/checks/index.js";
import { FactsCollector } from "../src/checks/promql-facts.js";
import { lintRuleFiles } from "../src/checks/rule-lint.js";
import { formatText } from "../src/report.js";

const file = process.argv[2];
if (!file) throw new Error("usage: bench-rule-lint.ts RULES.yml");
const text = readFileSync(file, "utf8");
const parsed = parseDocumentData(text);
const analyses = new Map();
const { data } = await checkDocument("prometheus-rules", text, { ruleAnalyses: analyses }, [], parsed);

let start = performance.now();
const [findings = []] = lintRuleFiles([{ data, analyses }], { project: false });
const located = await locate(text, findings, parsed);
const checks = performance.now() - start;

start = performance.now();
formatText(
  located.map((finding) => ({ ...finding, file })),
  { sourceOf: () => text },
);
const report = performance.now() - start;

const groups = (data as { groups?: { rules?: { expr?: unknown }[] }[] }).groups ?? [];
const expressions = groups.flatMap((group) => (group.rules ?? []).map((rule) => rule.expr)).filter((expr): expr is string => typeof expr === "string");
const trees = expressions.map((expr) => parser.parse(expr));
start = performance.now();
let nodes = 0;
for (const tree of trees) for (const cursor = tree.cursor(); cursor.next(); ) nodes++;
const walk = performance.now() - start;
start = performance.now();
expressions.forEach((expr, i) => {
  const collector = new FactsCollector(expr);
  const tree = trees[i]!;
  for (const cursor = tree.cursor(); cursor.next(); ) collector.visit(cursor);
  collector.finish(tree);
});
const facts = Math.max(0, performance.now() - start - walk);

console.log(JSON.stringify({ facts, checks, report, findings: located.length, nodes }));
