/**
 * The bench's synthetic rule file: COUNT recording rules whose expressions are the corpus' real ones, taken in turn,
 * with every metric and label name of rule i suffixed `_r<i>`, so that no two rules share a PromQL analysis (the
 * checker caches analyses by expression text with string literals blanked). Deterministic: same corpus, same file.
 * The expressions come from the corpus' rule files that upstream does not mark bad and that promtool accepted when
 * the corpus was indexed (INDEX.tsv); the bench has promtool check the result.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { load } from "js-yaml";

interface RuleFile {
  groups?: { rules?: { expr?: unknown }[] }[];
}

/** The distinct expressions of the corpus' accepted rule files, sorted. */
export function corpusRuleExpressions(corpus: string): string[] {
  const [header, ...rows] = readFileSync(join(corpus, "INDEX.tsv"), "utf8").trimEnd().split("\n");
  const names = (header ?? "").split("\t");
  const found = new Set<string>();
  for (const line of rows) {
    const row = Object.fromEntries(line.split("\t").map((value, i) => [names[i], value]));
    if (row.kind !== "rules" || row.expected === "bad" || row.promtool_result !== "ok") continue;
    let data: RuleFile | undefined;
    try {
      data = load(readFileSync(join(corpus, row.path!), "utf8")) as RuleFile | undefined;
    } catch {
      continue; // kept in the corpus for a YAML error
    }
    for (const group of data?.groups ?? []) for (const rule of group?.rules ?? []) if (typeof rule?.expr === "string") found.add(rule.expr);
  }
  return [...found].sort();
}

/** `expr` with each metric name (Identifier) and label name (LabelName) followed by `suffix`. */
export function renameNames(expr: string, suffix: string): string {
  const ends: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === "Identifier" || node.name === "LabelName") ends.push(node.to);
    },
  });
  const parts: string[] = [];
  let from = 0;
  for (const end of ends.sort((a, b) => a - b)) {
    parts.push(expr.slice(from, end), suffix);
    from = end;
  }
  parts.push(expr.slice(from));
  return parts.join("");
}

/** The rule file text: groups of 100 recording rules. */
export function syntheticRules(expressions: string[], count: number): string {
  const parts = ["groups:\n"];
  for (let i = 0; i < count; i++) {
    if (i % 100 === 0) parts.push(`  - name: group-${i / 100}\n    rules:\n`);
    const expr = renameNames(expressions[i % expressions.length]!, `_r${i}`);
    parts.push(`      - record: synthetic:rule_${i}\n        expr: ${JSON.stringify(expr)}\n`);
  }
  return parts.join("");
}
