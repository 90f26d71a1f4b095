/**
 * What the rule checks that know the config (rule-lint.ts) need from an expression, read from the tree the PromQL
 * check already built (promql.ts), so no expression is parsed twice. Facts are cached with the analysis under the
 * expression's shape (string literals blanked, lengths kept), so they hold spans into the text, never values: the
 * checks read label values from the real expression at those spans.
 */
import type { SyntaxNode, Tree } from "@lezer/common";

export interface Span {
  from: number;
  to: number;
}

export type MatchOperator = "=" | "!=" | "=~" | "!~";

export interface MatcherFact {
  /** The label name (a LabelName, or a quoted name's string literal). */
  label: Span;
  labelQuoted: boolean;
  op: MatchOperator;
  /** The value's string literal, quotes included. */
  value: Span;
}

export interface SelectorFact {
  offset: number;
  /** The metric name before the braces, or a quoted name inside them (`{"a:b"}`, a string literal). */
  name?: Span;
  nameQuoted: boolean;
  matchers: MatcherFact[];
}

/** A call over a range (`rate(x[5m])`): the function, its range's text and the selector it reads. */
export interface RangeCallFact {
  fn: string;
  offset: number;
  range: string;
  selector: number;
}

export interface ExpressionFacts {
  selectors: SelectorFact[];
  rangeCalls: RangeCallFact[];
  /** topk/bottomk/limitk/limit_ratio aggregations. */
  fragile: { op: string; offset: number }[];
  /** Whether the expression's result is filtered by a comparison; `exempt` for absent(…) and vector(…). */
  comparison: "yes" | "no" | "exempt";
  /** The expression is an absent(…)/absent_over_time(…) call: the selector it watches. */
  absent?: { selector?: number };
  /** Vector matchings that can never match, found from the structure alone. */
  impossible: { message: string; offset: number }[];
}

/** Functions over a range whose result needs at least two samples in it. */
const RANGE_FUNCTIONS = new Set(["rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear"]);
const FRAGILE = new Set(["topk", "bottomk", "limitk", "limit_ratio"]);
const COMPARISON = new Set(["Eql", "Neq", "Lte", "Lss", "Gte", "Gtr"]);
const MATCH_OPERATORS: Record<string, MatchOperator> = { EqlSingle: "=", Neq: "!=", EqlRegex: "=~", NeqRegex: "!~" };
/** Functions whose output series keep their input's labels (the name aside). */
const LABEL_PRESERVING = new Set([
  "abs",
  "ceil",
  "floor",
  "round",
  "exp",
  "ln",
  "log2",
  "log10",
  "sqrt",
  "sgn",
  "clamp",
  "clamp_min",
  "clamp_max",
  "rate",
  "irate",
  "increase",
  "delta",
  "idelta",
  "deriv",
  "predict_linear",
  "changes",
  "resets",
  "timestamp",
  "sort",
  "sort_desc",
  "avg_over_time",
  "min_over_time",
  "max_over_time",
  "sum_over_time",
  "count_over_time",
  "last_over_time",
  "quantile_over_time",
  "stddev_over_time",
  "stdvar_over_time",
  "present_over_time",
]);
/** Aggregations that select series rather than aggregate them: their output keeps every label. */
const SELECTING = new Set(["topk", "bottomk", "limitk", "limit_ratio"]);

/** Labels known to be absent from an expression's result: all but `only`, or those in `without`. */
type LabelKnowledge = { only: Set<string> } | { without: Set<string> } | undefined;

export function expressionFacts(expr: string, tree: Tree): ExpressionFacts {
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const facts: ExpressionFacts = { selectors: [], rangeCalls: [], fragile: [], comparison: "no", impossible: [] };
  const selectorAt = new Map<number, number>();

  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    if (node.name === "VectorSelector") {
      selectorAt.set(node.from, facts.selectors.length);
      facts.selectors.push(selectorFact(node));
    } else if (node.name === "AggregateExpr") {
      const op = node.firstChild?.firstChild;
      const name = op ? text(op).toLowerCase() : "";
      if (FRAGILE.has(name)) facts.fragile.push({ op: name, offset: node.from });
    }
  } while (cursor.next());

  // Range calls: after the selectors are numbered.
  const walk = tree.cursor();
  do {
    const node = walk.node;
    if (node.name !== "FunctionCall") continue;
    const fn = functionName(node);
    if (!RANGE_FUNCTIONS.has(fn)) continue;
    const matrix = node.getChild("FunctionCallBody")?.getChild("MatrixSelector");
    const selector = matrix?.getChild("VectorSelector");
    const range = matrix?.getChild("DurationExpr");
    if (!selector || !range) continue;
    facts.rangeCalls.push({ fn, offset: node.from, range: text(range), selector: selectorAt.get(selector.from) ?? -1 });
  } while (walk.next());

  const root = tree.topNode.firstChild;
  facts.comparison = comparisonOf(root);
  const call = unwrap(root);
  if (call?.name === "FunctionCall" && (functionName(call) === "absent" || functionName(call) === "absent_over_time")) {
    const selector = firstDescendant(call, "VectorSelector");
    facts.absent = selector ? { selector: selectorAt.get(selector.from) } : {};
  }
  labelsOf(root);
  return facts;

  function functionName(call: SyntaxNode): string {
    const identifier = call.getChild("FunctionIdentifier");
    return identifier ? text(identifier) : "";
  }

  function selectorFact(node: SyntaxNode): SelectorFact {
    const identifier = node.getChild("Identifier");
    const fact: SelectorFact = { offset: node.from, nameQuoted: false, matchers: [] };
    if (identifier) fact.name = { from: identifier.from, to: identifier.to };
    const list = node.getChild("LabelMatchers");
    for (let child = list?.firstChild; child; child = child.nextSibling) {
      if (child.name === "QuotedLabelName") {
        const literal = child.getChild("StringLiteral");
        if (literal) {
          fact.name = { from: literal.from, to: literal.to };
          fact.nameQuoted = true;
        }
        continue;
      }
      if (child.name !== "UnquotedLabelMatcher" && child.name !== "QuotedLabelMatcher") continue;
      const label = child.getChild("LabelName") ?? child.getChild("QuotedLabelName")?.getChild("StringLiteral");
      const op = child.getChild("MatchOp")?.firstChild;
      const value = child.getChild("StringLiteral");
      const operator = op ? MATCH_OPERATORS[op.name] : undefined;
      if (!label || !operator || !value) continue;
      fact.matchers.push({
        label: { from: label.from, to: label.to },
        labelQuoted: label.name === "StringLiteral",
        op: operator,
        value: { from: value.from, to: value.to },
      });
    }
    return fact;
  }

  /** Whether the result is filtered by a comparison (a `bool` comparison filters nothing). */
  function comparisonOf(node: SyntaxNode | null): ExpressionFacts["comparison"] {
    if (!node) return "no";
    switch (node.name) {
      case "ParenExpr":
      case "SubqueryExpr":
      case "OffsetExpr":
      case "StepInvariantExpr":
        return comparisonOf(node.getChild("Expr"));
      case "AggregateExpr": {
        const params = node.getChild("FunctionCallBody")?.getChildren("Expr") ?? [];
        return comparisonOf(params[params.length - 1] ?? null);
      }
      case "FunctionCall": {
        const fn = functionName(node);
        if (fn === "absent" || fn === "absent_over_time" || fn === "vector") return "exempt";
        const results = (node.getChild("FunctionCallBody")?.getChildren("Expr") ?? []).map(comparisonOf);
        return results.includes("exempt") ? "exempt" : results.includes("yes") ? "yes" : "no";
      }
      case "BinaryExpr": {
        let isComparison = false;
        let operator = "";
        for (let child = node.firstChild; child; child = child.nextSibling) {
          if (COMPARISON.has(child.name)) isComparison = true;
          if (child.name === "Or" || child.name === "And" || child.name === "Unless") operator = child.name;
        }
        if (isComparison) return node.getChild("BoolModifier") ? "no" : "yes";
        const [left, right] = [comparisonOf(node.firstChild), comparisonOf(node.lastChild)];
        // `a or b` fires when either side has series: both must be filtered.
        if (operator === "Or") return left === "no" || right === "no" ? "no" : left === "exempt" || right === "exempt" ? "exempt" : "yes";
        return left === "exempt" || right === "exempt" ? "exempt" : left === "yes" || right === "yes" ? "yes" : "no";
      }
      default:
        return "no";
    }
  }

  /** The labels an expression's result is known to lack; records a matching `on (…)` that can never match. */
  function labelsOf(node: SyntaxNode | null): LabelKnowledge {
    if (!node) return undefined;
    switch (node.name) {
      case "ParenExpr":
      case "OffsetExpr":
      case "StepInvariantExpr":
        return labelsOf(node.getChild("Expr"));
      case "AggregateExpr": {
        const op = node.firstChild?.firstChild;
        const params = node.getChild("FunctionCallBody")?.getChildren("Expr") ?? [];
        for (const param of params.slice(0, -1)) labelsOf(param);
        const input = labelsOf(params[params.length - 1] ?? null);
        const name = op ? text(op).toLowerCase() : "";
        if (SELECTING.has(name)) return input;
        if (name === "count_values") return undefined;
        const modifier = node.getChild("AggregateModifier");
        const labels = new Set((modifier?.getChild("GroupingLabels")?.getChildren("LabelName") ?? []).map(text));
        if (modifier?.getChild("Without")) {
          if (input && "without" in input) for (const label of input.without) labels.add(label);
          if (input && "only" in input) return { only: new Set([...input.only].filter((label) => !labels.has(label))) };
          return { without: labels };
        }
        return { only: labels };
      }
      case "FunctionCall": {
        const args = node.getChild("FunctionCallBody")?.getChildren("Expr") ?? [];
        const known = args.map(labelsOf);
        const fn = functionName(node);
        if (!LABEL_PRESERVING.has(fn)) return undefined;
        const index = args.findIndex((arg) => arg.name !== "NumberDurationLiteral" && arg.name !== "StringLiteral");
        return index >= 0 ? known[index] : undefined;
      }
      case "MatrixSelector":
        return labelsOf(node.getChild("Expr"));
      case "BinaryExpr": {
        const [leftNode, rightNode] = [node.firstChild, node.lastChild];
        const [left, right] = [labelsOf(leftNode), labelsOf(rightNode)];
        const matching = node.getChild("MatchingModifierClause");
        if (matching?.getChild("On")) {
          for (const label of (matching.getChild("GroupingLabels")?.getChildren("LabelName") ?? []).map(text)) {
            const [leftLacks, rightLacks] = [lacks(left, label), lacks(right, label)];
            if (leftLacks !== rightLacks) {
              facts.impossible.push({
                message: `on (${label}) can never match: the ${leftLacks ? "left" : "right"}-hand side has no ${label} label (it was aggregated away), the other side does`,
                offset: matching.from,
              });
            }
          }
        }
        const scalar = (side: SyntaxNode | null) => side?.name === "NumberDurationLiteral";
        if (scalar(rightNode)) return left;
        if (scalar(leftNode)) return right;
        let set = "";
        for (let child = node.firstChild; child; child = child.nextSibling) if (child.name === "And" || child.name === "Unless") set = child.name;
        return set ? left : undefined;
      }
      default:
        for (let child = node.firstChild; child; child = child.nextSibling) labelsOf(child);
        return undefined;
    }
  }
}

/** Whether a result known as `knowledge` certainly lacks `label`. */
function lacks(knowledge: LabelKnowledge, label: string): boolean {
  if (!knowledge) return false;
  return "only" in knowledge ? !knowledge.only.has(label) : knowledge.without.has(label);
}

function unwrap(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current?.name === "ParenExpr") current = current.getChild("Expr");
  return current;
}

function firstDescendant(node: SyntaxNode, name: string): SyntaxNode | undefined {
  const cursor = node.cursor();
  const end = node.to;
  while (cursor.next() && cursor.from < end) if (cursor.name === name) return cursor.node;
  return undefined;
}
