/**
 * What the rule checks that know the config (rule-lint.ts) need from an expression, read from the tree the PromQL
 * check already built (promql.ts), so no expression is parsed twice. Facts are cached with the analysis under the
 * expression's shape (string literals blanked, lengths kept), so they hold spans into the text, never values: the
 * checks read label values from the real expression at those spans.
 */
import type { SyntaxNode, Tree, TreeCursor } from "@lezer/common";

export type MatchOperator = "=" | "!=" | "=~" | "!~";

/** Spans are kept as plain numbers (from, to): a large rule file has hundreds of thousands of them. */
export interface MatcherFact {
  /** The label name: a LabelName, or a quoted name's string literal. */
  labelFrom: number;
  labelTo: number;
  labelQuoted: boolean;
  op: MatchOperator;
  /** The value's string literal, quotes included. */
  valueFrom: number;
  valueTo: number;
}

export interface SelectorFact {
  offset: number;
  /** The metric name before the braces, or a quoted name inside them (`{"a:b"}`, a string literal); -1 for none. */
  nameFrom: number;
  nameTo: number;
  nameQuoted: boolean;
  matchers: readonly MatcherFact[];
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
  rangeCalls: readonly RangeCallFact[];
  /** topk/bottomk/limitk/limit_ratio aggregations. */
  fragile: readonly { op: string; offset: number }[];
  /** Whether the expression's result is filtered by a comparison; `exempt` for absent(…) and vector(…). */
  comparison: "yes" | "no" | "exempt";
  /** The expression is an absent(…)/absent_over_time(…) call: the selector it watches. */
  absent?: { selector?: number };
  /** Vector matchings that can never match, found from the structure alone. */
  impossible: readonly { message: string; offset: number }[];
}

/** The one empty list the facts of most expressions share (never written to: lists are replaced, not pushed to). */
const NONE: readonly never[] = Object.freeze([]);

/** Functions over a range whose result needs at least two samples in it. */
const RANGE_FUNCTIONS = new Set(["rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear"]);
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

/**
 * Gathers an expression's facts during the walk the PromQL check makes over its tree anyway (promql.ts `analyze`):
 * `visit` at each node, in document order, then `finish`. Nodes come in document order, so a selector's parts follow
 * it and end where it ends; node objects are made only for ranges and the expression's top.
 */
/** What `visit` does at a node, by its type's name; the other nodes are passed over. */
const VISITED = new Set([
  "VectorSelector",
  "Identifier",
  "UnquotedLabelMatcher",
  "QuotedLabelMatcher",
  "LabelName",
  "QuotedLabelName",
  "StringLiteral",
  "EqlSingle",
  "Neq",
  "EqlRegex",
  "NeqRegex",
  "Topk",
  "Bottomk",
  "LimitK",
  "LimitRatio",
  "MatrixSelector",
  "On",
  "Eql",
  "Lte",
  "Lss",
  "Gte",
  "Gtr",
  "Unless",
  "FunctionIdentifier",
]);
/** VISITED by node type id, filled as types are met: a lookup per node instead of comparing names. */
const visitedById: boolean[] = [];

export class FactsCollector {
  // Most expressions have no range call, fragile aggregation or impossible matching: their lists are shared, empty.
  private readonly facts: ExpressionFacts = { selectors: [], rangeCalls: NONE, fragile: NONE, comparison: "no", impossible: NONE };
  private selector: SelectorFact | undefined;
  private selectorEnd = -1;
  /** The matcher being read: where it ends, its label and operator so far. */
  private matcherEnd = -1;
  private labelFrom = -1;
  private labelTo = -1;
  private labelQuoted = false;
  private op: MatchOperator | undefined;
  private quotedNameEnd = -1;
  /** The binary expressions matching `on (…)`. */
  private readonly matchingOn: SyntaxNode[] = [];
  /** A comparison, `unless`, absent(…) or vector(…) was met: only then is the comparison analysis needed. */
  private mayFilter = false;
  /** absent(…) or absent_over_time(…) was met. */
  private hasAbsent = false;

  constructor(private readonly expr: string) {}

  visit(cursor: TreeCursor): void {
    const type = cursor.type;
    if (!(visitedById[type.id] ??= VISITED.has(type.name))) return;
    const { name } = type;
    const { from, to } = cursor;
    if (this.selector && from >= this.selectorEnd) this.selector = undefined;
    const inMatcher = from < this.matcherEnd;
    const { facts, selector } = this;
    switch (name) {
      case "VectorSelector":
        this.selector = { offset: from, nameFrom: -1, nameTo: -1, nameQuoted: false, matchers: NONE };
        this.selectorEnd = to;
        facts.selectors.push(this.selector);
        break;
      case "Identifier":
        if (selector) {
          selector.nameFrom = from;
          selector.nameTo = to;
        }
        break;
      case "UnquotedLabelMatcher":
      case "QuotedLabelMatcher":
        this.matcherEnd = to;
        this.labelFrom = -1;
        this.labelQuoted = false;
        this.op = undefined;
        break;
      case "LabelName":
        if (inMatcher) {
          this.labelFrom = from;
          this.labelTo = to;
        }
        break;
      case "QuotedLabelName":
        this.quotedNameEnd = to;
        break;
      case "StringLiteral":
        if (!selector) break;
        if (from < this.quotedNameEnd) {
          // A quoted name: a matcher's label, or the metric name itself (`{"a:b"}`).
          if (inMatcher) {
            this.labelFrom = from;
            this.labelTo = to;
            this.labelQuoted = true;
          } else {
            selector.nameFrom = from;
            selector.nameTo = to;
            selector.nameQuoted = true;
          }
        } else if (inMatcher && this.labelFrom >= 0 && this.op) {
          const { labelFrom, labelTo, labelQuoted, op } = this;
          const matcher: MatcherFact = { labelFrom, labelTo, labelQuoted, op, valueFrom: from, valueTo: to };
          selector.matchers = selector.matchers === NONE ? [matcher] : [...selector.matchers, matcher];
        }
        break;
      case "Neq":
        // `!=` in a matcher, or a comparison.
        if (inMatcher) this.op = "!=";
        else this.mayFilter = true;
        break;
      case "EqlSingle":
      case "EqlRegex":
      case "NeqRegex":
        if (inMatcher) this.op = MATCH_OPERATORS[name];
        break;
      case "Topk":
      case "Bottomk":
      case "LimitK":
      case "LimitRatio":
        facts.fragile = [...facts.fragile, { op: this.expr.slice(from, to).toLowerCase(), offset: from }];
        break;
      case "MatrixSelector":
        rangeCall(this.expr, cursor.node, facts);
        break;
      case "On": {
        const binary = cursor.node.parent?.parent;
        if (binary?.name === "BinaryExpr") this.matchingOn.push(binary);
        break;
      }
      case "FunctionIdentifier": {
        const fn = this.expr.slice(from, to);
        if (EXEMPT.has(fn)) this.mayFilter = true;
        if (fn === "absent" || fn === "absent_over_time") this.hasAbsent = true;
        break;
      }
      default:
        // Eql, Lte, Lss, Gte, Gtr, Unless
        this.mayFilter = true;
    }
  }

  /** The facts, once every node was visited. */
  finish(tree: Tree): ExpressionFacts {
    const { expr, facts } = this;
    if (this.mayFilter) {
      const top = tree.cursor();
      facts.comparison = top.firstChild() ? comparisonAt(expr, top) : "no";
    }
    if (this.hasAbsent) {
      let call = tree.topNode.firstChild;
      while (call?.name === "ParenExpr") call = call.firstChild;
      const fn = call?.name === "FunctionCall" ? functionName(expr, call) : "";
      if (call && (fn === "absent" || fn === "absent_over_time")) {
        const { from, to } = call;
        const watched = facts.selectors.findIndex((fact) => fact.offset >= from && fact.offset < to);
        facts.absent = watched >= 0 ? { selector: watched } : {};
      }
    }
    // Only a matching `on (…)` can be found impossible from the structure: most expressions have none.
    for (const binary of this.matchingOn) impossibleMatching(expr, binary, facts);
    return facts;
  }
}

/** A call's function name: its first child, the FunctionIdentifier. */
function functionName(expr: string, call: SyntaxNode): string {
  const identifier = call.firstChild;
  return identifier?.name === "FunctionIdentifier" ? expr.slice(identifier.from, identifier.to) : "";
}

/** A call's or an aggregation's FunctionCallBody (an aggregation's `by (…)` may come after it). */
function callBody(node: SyntaxNode): SyntaxNode | null {
  let child = node.lastChild;
  while (child && child.name !== "FunctionCallBody") child = child.prevSibling;
  return child;
}

/** A call's or an aggregation's arguments: the children of its FunctionCallBody. */
function argumentsOf(node: SyntaxNode): SyntaxNode[] {
  const args: SyntaxNode[] = [];
  const body = callBody(node);
  if (!body) return args;
  for (let child = body.firstChild; child; child = child.nextSibling) if (!child.type.isError) args.push(child);
  return args;
}

/** A range read by a function over it (`rate(x[5m])`, `deriv(x[5m] offset 1h)`): the selector is the next one. */
function rangeCall(expr: string, matrix: SyntaxNode, facts: ExpressionFacts): void {
  let body = matrix.parent;
  while (body?.name === "OffsetExpr" || body?.name === "StepInvariantExpr") body = body.parent;
  const call = body?.name === "FunctionCallBody" ? body.parent : null;
  if (call?.name !== "FunctionCall") return;
  const fn = functionName(expr, call);
  const range = matrix.lastChild;
  if (!RANGE_FUNCTIONS.has(fn) || range?.name !== "DurationExpr" || matrix.firstChild?.name !== "VectorSelector") return;
  facts.rangeCalls = [...facts.rangeCalls, { fn, offset: call.from, range: expr.slice(range.from, range.to), selector: facts.selectors.length }];
}

const WRAPPERS = new Set(["ParenExpr", "SubqueryExpr", "OffsetExpr", "StepInvariantExpr"]);

type Verdict = ExpressionFacts["comparison"];
const EXEMPT = new Set(["absent", "absent_over_time", "vector"]);

/**
 * Whether the result of the node under the cursor is filtered by a comparison (a `bool` comparison filters nothing).
 * Moves the cursor only below that node and leaves it there: a cursor makes no node objects, and this runs on
 * every alert expression.
 */
function comparisonAt(expr: string, cursor: TreeCursor): Verdict {
  const name = cursor.name;
  if (name !== "BinaryExpr" && name !== "FunctionCall" && name !== "AggregateExpr" && !WRAPPERS.has(name)) return "no";
  if (!cursor.firstChild()) return "no";
  let verdict: Verdict = "no";
  if (WRAPPERS.has(name)) {
    verdict = comparisonAt(expr, cursor);
  } else if (name === "AggregateExpr") {
    // The aggregated expression is the last argument.
    while (cursor.name !== "FunctionCallBody" && cursor.nextSibling());
    if (cursor.name === "FunctionCallBody" && cursor.lastChild()) {
      verdict = comparisonAt(expr, cursor);
      cursor.parent();
    }
  } else if (name === "FunctionCall") {
    if (cursor.name === "FunctionIdentifier" && EXEMPT.has(expr.slice(cursor.from, cursor.to))) verdict = "exempt";
    else if (cursor.nextSibling() && cursor.name === "FunctionCallBody" && cursor.firstChild()) {
      do {
        const argument = cursor.type.isError ? "no" : comparisonAt(expr, cursor);
        if (argument === "exempt" || (argument === "yes" && verdict === "no")) verdict = argument;
      } while (cursor.nextSibling());
      cursor.parent();
    }
  } else {
    verdict = binaryComparison(expr, cursor);
  }
  cursor.parent();
  return verdict;
}

/** comparisonAt for a BinaryExpr, the cursor on its first child (the left operand). */
function binaryComparison(expr: string, cursor: TreeCursor): Verdict {
  let isComparison = false;
  let isBool = false;
  let operator = "";
  const left = cursor.node;
  while (cursor.nextSibling()) {
    if (COMPARISON.has(cursor.name)) isComparison = true;
    else if (cursor.name === "BoolModifier") isBool = true;
    else if (cursor.name === "Or" || cursor.name === "And" || cursor.name === "Unless") operator = cursor.name;
  }
  const right = cursor.node;
  if (isComparison) return isBool ? "no" : "yes";
  // `a unless b` keeps only what b lacks: a filter, as in the classic "series disappeared" alert.
  if (operator === "Unless") return "yes";
  const [l, r] = [comparisonAt(expr, left.cursor()), comparisonAt(expr, right.cursor())];
  // `a or b` fires when either side has series: both must be filtered.
  if (operator === "Or") return l === "no" || r === "no" ? "no" : l === "exempt" || r === "exempt" ? "exempt" : "yes";
  return l === "exempt" || r === "exempt" ? "exempt" : l === "yes" || r === "yes" ? "yes" : "no";
}

/** Records an `on (…)` label that one side of the binary expression certainly lacks and the other may have. */
function impossibleMatching(expr: string, binary: SyntaxNode, facts: ExpressionFacts): void {
  const matching = binary.getChild("MatchingModifierClause");
  const labels = matching?.getChild("GroupingLabels")?.getChildren("LabelName") ?? [];
  if (!matching || labels.length === 0) return;
  const [left, right] = [labelsOf(expr, binary.firstChild), labelsOf(expr, binary.lastChild)];
  if (!left && !right) return;
  for (const label of labels.map((node) => expr.slice(node.from, node.to))) {
    const [leftLacks, rightLacks] = [lacks(left, label), lacks(right, label)];
    if (leftLacks === rightLacks) continue;
    facts.impossible = [
      ...facts.impossible,
      {
        message: `on (${label}) can never match: the ${leftLacks ? "left" : "right"}-hand side has no ${label} label (it was aggregated away), the other side does`,
        offset: matching.from,
      },
    ];
  }
}

/** The labels an expression's result is known to lack, followed down through what keeps labels. */
function labelsOf(expr: string, node: SyntaxNode | null): LabelKnowledge {
  if (!node) return undefined;
  const text = (of: SyntaxNode) => expr.slice(of.from, of.to);
  switch (node.name) {
    case "ParenExpr":
    case "OffsetExpr":
    case "StepInvariantExpr":
    case "MatrixSelector":
      return labelsOf(expr, node.firstChild);
    case "AggregateExpr": {
      const op = node.firstChild?.firstChild;
      const name = op ? text(op).toLowerCase() : "";
      const input = () => labelsOf(expr, callBody(node)?.lastChild ?? null);
      if (SELECTING.has(name)) return input();
      if (name === "count_values") return undefined;
      const modifier = node.getChild("AggregateModifier");
      const labels = new Set((modifier?.getChild("GroupingLabels")?.getChildren("LabelName") ?? []).map(text));
      if (!modifier?.getChild("Without")) return { only: labels };
      const known = input();
      if (known && "without" in known) for (const label of known.without) labels.add(label);
      if (known && "only" in known) return { only: new Set([...known.only].filter((label) => !labels.has(label))) };
      return { without: labels };
    }
    case "FunctionCall": {
      if (!LABEL_PRESERVING.has(functionName(expr, node))) return undefined;
      const vector = argumentsOf(node).find((arg) => arg.name !== "NumberDurationLiteral" && arg.name !== "StringLiteral");
      return vector ? labelsOf(expr, vector) : undefined;
    }
    case "BinaryExpr": {
      const [left, right] = [node.firstChild, node.lastChild];
      if (right?.name === "NumberDurationLiteral") return labelsOf(expr, left);
      if (left?.name === "NumberDurationLiteral") return labelsOf(expr, right);
      // `a and b`, `a unless b`: a's series, filtered.
      for (let child = left?.nextSibling; child; child = child.nextSibling) {
        if (child.name === "And" || child.name === "Unless") return labelsOf(expr, left);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Whether a result known as `knowledge` certainly lacks `label`. */
function lacks(knowledge: LabelKnowledge, label: string): boolean {
  if (!knowledge) return false;
  return "only" in knowledge ? !knowledge.only.has(label) : knowledge.without.has(label);
}
