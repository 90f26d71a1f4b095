/**
 * Every PromQL expression of the corpus (rule files and rule unit tests), each also wrapped in one of a few
 * variants that make it a type or parse error, as recorded findings: test/data/promql-corpus.expected holds
 * one line per finding. Both the corpus conformance test and the clock test compare against that file.
 *
 * To record it again (after a codemirror-promql upgrade changes a message, say), with the findings reviewed:
 * node --import tsx -e 'import("./test/promql-corpus.ts").then((m) => m.writeRecordedFindings())'
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import type { OffsetFinding } from "../src/finding.js";
import { CORPUS } from "./corpus-path.js";

export const RECORDED_FINDINGS = new URL("data/promql-corpus.expected", import.meta.url).pathname;

/** Ways to turn an expression into a wrong one, taken in turn: each reaches a different rule of the type checker. */
const VARIANTS: Record<string, (expr: string) => string> = {
  "range-argument": (e) => `rate(${e})`,
  "subquery-of": (e) => `abs((${e})[5m:])`,
  "set-with-scalar": (e) => `(${e}) and 1`,
  "string-parameter": (e) => `topk("3", ${e})`,
  "scalar-parameter": (e) => `count_values(1, ${e})`,
  "on-and-group": (e) => `(${e}) + on (a) group_left (a) (${e})`,
  "unary-range": (e) => `-((${e})[1m:])`,
  "argument-count": (e) => `histogram_quantile(${e})`,
  "set-grouping": (e) => `(${e}) unless on (a) group_left vector(1)`,
  "scalar-comparison": (e) => `scalar(${e}) > 1`,
  half: (e) => e.slice(0, Math.ceil(e.length / 2)),
};

/**
 * Longer than the 3,000 characters an editor parses at first, with the type error at the end: a parse that stops
 * early misses it or reports something else.
 */
const LONG = `sum(x{${Array.from({ length: 400 }, (_, i) => `label_${i}="v"`).join(", ")}}) + rate(x)`;

/** The corpus' expressions, sorted and without repeats. */
export function corpusExpressions(): string[] {
  const rows = readFileSync(join(CORPUS, "INDEX.tsv"), "utf8").trimEnd().split("\n").slice(1);
  const found = new Set<string>();
  for (const [, kind, path] of rows.map((row) => row.split("\t"))) {
    if (kind !== "rules" && kind !== "rule-test") continue;
    let data: { groups?: { rules?: { expr?: unknown }[] }[]; tests?: { promql_expr_test?: { expr?: unknown }[] }[] } | undefined;
    try {
      data = yaml.load(readFileSync(join(CORPUS, path!), "utf8")) as typeof data;
    } catch {
      continue; // a file the corpus keeps for its YAML error
    }
    const exprs = [...(data?.groups ?? []).flatMap((group) => group?.rules ?? []), ...(data?.tests ?? []).flatMap((test) => test?.promql_expr_test ?? [])];
    for (const item of exprs) if (typeof item?.expr === "string") found.add(item.expr);
  }
  return [...found].sort();
}

/** The expressions to check, each named by how it was made and a short hash of its corpus expression. */
export function expressionsToCheck(): { name: string; expr: string }[] {
  const variants = Object.entries(VARIANTS);
  const list = [{ name: "long", expr: LONG }];
  corpusExpressions().forEach((expr, i) => {
    const hash = createHash("sha256").update(expr).digest("hex").slice(0, 12);
    const [variant, make] = variants[i % variants.length]!;
    list.push({ name: `${hash} as-is`, expr }, { name: `${hash} ${variant}`, expr: make(expr) });
  });
  return list;
}

/** One line per finding: name, id, offset, message. */
export function findingLines(check: (expr: string) => OffsetFinding[]): string[] {
  return expressionsToCheck().flatMap(({ name, expr }) => check(expr).map((p) => [name, p.id, p.offset, p.message].join("\t")));
}

export function readRecordedFindings(): string[] {
  return readFileSync(RECORDED_FINDINGS, "utf8").split("\n").filter(Boolean);
}

export async function writeRecordedFindings(): Promise<void> {
  const { checkExpression } = await import("../src/checks/promql.js");
  writeFileSync(RECORDED_FINDINGS, `${findingLines(checkExpression).join("\n")}\n`);
}
