/**
 * PromQL checking for rule expressions: syntax errors from lezer-promql's error nodes (the grammar Prometheus' own UI
 * uses) and type errors (function argument types, instant vs range vectors, scalar/string operands), which the
 * grammar alone does not catch (`rate(x)` parses). The type rules are codemirror-promql's `Parser.checkAST`, walked
 * here over the tree lezer builds, with that package's tables and helpers: its `Parser` itself takes the tree from a
 * codemirror editor state, whose parse works to a wall-clock budget and may stop early, so a busy machine got type
 * errors that were not there. `parser.parse` has no budget: same text, same tree.
 *
 * The libraries are CommonJS and take about 20 ms to load, so they are required on the first call only: nothing
 * here runs at import time, which keeps them off promplate's `render` start path.
 */
import { createRequire } from "node:module";
import type { SyntaxNode, Tree, TreeCursor } from "@lezer/common";
import type { OffsetFinding } from "../finding.js";
import { FactsCollector, type ExpressionFacts } from "./promql-facts.js";

/** codemirror-promql's names of value types. */
type ValueType = "none" | "vector" | "scalar" | "matrix" | "string";
interface FunctionSignature {
  name: string;
  argTypes: ValueType[];
  /** 0: exactly argTypes; otherwise the last one is optional and repeats up to n times (n > 0) or without limit (-1). */
  variadic: number;
  returnType: ValueType;
}
/** The expression text, offered the way codemirror-promql's helpers read an editor's document. */
interface Source {
  sliceDoc(from?: number, to?: number): string;
}
interface Libraries {
  parser: { parse(text: string): Tree };
  getFunction(id: number): FunctionSignature;
  getType(node: SyntaxNode | null): ValueType;
  buildVectorMatching(source: Source, node: SyntaxNode): { card: string; matchingLabels: string[]; on: boolean; include: string[] } | null;
  buildLabelMatchers(nodes: SyntaxNode[], source: Source): { name: string; value: string; matchesEmpty(): boolean }[];
}

let libraries: Libraries | undefined;

/** lezer-promql and the parts of codemirror-promql that need no editor (its parser/parser.js loads @codemirror). */
function loadLibraries(): Libraries {
  if (libraries) return libraries;
  const requireCjs = createRequire(import.meta.url);
  const { parser } = requireCjs("@prometheus-io/lezer-promql") as Pick<Libraries, "parser">;
  const { getFunction } = requireCjs("@prometheus-io/codemirror-promql/dist/cjs/types/index.js") as Pick<Libraries, "getFunction">;
  const { getType } = requireCjs("@prometheus-io/codemirror-promql/dist/cjs/parser/type.js") as Pick<Libraries, "getType">;
  const { buildVectorMatching } = requireCjs("@prometheus-io/codemirror-promql/dist/cjs/parser/vector.js") as Pick<Libraries, "buildVectorMatching">;
  const { buildLabelMatchers } = requireCjs("@prometheus-io/codemirror-promql/dist/cjs/parser/matcher.js") as Pick<Libraries, "buildLabelMatchers">;
  libraries = { parser, getFunction, getType, buildVectorMatching, buildLabelMatchers };
  return libraries;
}

/** An expression's problems and, when it has none, the facts the rule checks that know the config read (promql-facts.ts). */
export interface ExpressionAnalysis {
  findings: OffsetFinding[];
  facts?: ExpressionFacts;
}

const cache = new Map<string, ExpressionAnalysis>();
const CACHE_LIMIT = 50_000;

/**
 * Parses and type-checks one PromQL expression. Returns the problems found, syntax errors first; an expression with a
 * syntax error gets only that error (type errors on a recovered tree are noise). Same input, same answer: results
 * are cached, since rule files repeat expressions.
 */
export function checkExpression(expr: string): OffsetFinding[] {
  return analyzeExpression(expr).findings;
}

/** checkExpression with the facts of a valid expression; a second call for the same shape is a cache hit, not a parse. */
export function analyzeExpression(expr: string): ExpressionAnalysis {
  const key = shapeOf(expr);
  const cached = cache.get(key);
  if (cached) return cached;
  const result = analyze(expr);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

/**
 * The expression with the text inside its string literals blanked (escapes kept, lengths kept): the parse and the
 * types do not depend on label values, and rule files repeat one expression for many jobs or services, so
 * `up{job="a"}` and `up{job="b"}` share one analysis. Offsets stay valid because lengths do.
 */
function shapeOf(expr: string): string {
  let shape = "";
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    shape += c;
    if (c !== '"' && c !== "'" && c !== "`") continue;
    let j = i + 1;
    for (; j < expr.length && expr[j] !== c; j++) {
      if (expr[j] === "\\" && c !== "`") {
        shape += expr.slice(j, j + 2);
        j++;
      } else {
        shape += expr[j] === "\n" ? "\n" : "x";
      }
    }
    if (j >= expr.length) return expr; // an unterminated string: analyse as it is
    shape += c;
    i = j;
  }
  return shape;
}

function analyze(expr: string): ExpressionAnalysis {
  if (expr.replace(/#[^\n]*/g, "").trim() === "")
    return { findings: [{ id: "promql/parse", message: "parse error: no expression found in input", offset: 0 }] };
  const tree = loadLibraries().parser.parse(expr);
  let errorAt = -1;
  let structural: OffsetFinding | undefined;
  // The same walk gathers what the rule checks that know the config read (promql-facts.ts).
  const collector = new FactsCollector(expr);
  for (const cursor = tree.cursor(); cursor.next(); ) {
    if (cursor.type.isError) {
      errorAt = cursor.from;
      break;
    }
    structural ??= checkNode(expr, cursor);
    collector.visit(cursor);
  }
  if (errorAt >= 0) return { findings: [{ id: "promql/parse", ...syntaxError(expr, errorAt) }] };
  if (structural) return { findings: [structural] };
  const findings = typeErrors(expr, tree).map(
    ({ message, offset }): OffsetFinding => ({ id: "promql/type", message: `type error: ${prometheusWords(message)}`, offset }),
  );
  return findings.length > 0 ? { findings } : { findings, facts: collector.finish(tree) };
}

const COMPARISON = new Set(["Eql", "Neq", "Lte", "Lss", "Gte", "Gtr"]);
const SET_OPERATOR = new Set(["And", "Or", "Unless"]);
/** Aggregations whose first parameter is a number, and the one whose first parameter is a label name. */
const SCALAR_PARAMETER = new Set(["Topk", "Bottomk", "LimitK", "LimitRatio", "Quantile"]);
const SMOOTHED_FUNCTIONS = ["Rate", "Increase", "Delta"];
const ANCHORED_FUNCTIONS = ["Resets", "Changes", "Rate", "Increase", "Delta"];

function hasChild(node: SyntaxNode, names: Set<string>): boolean {
  for (let child = node.firstChild; child; child = child.nextSibling) if (names.has(child.name)) return true;
  return false;
}

/**
 * The type errors of a tree without error nodes, ordered by offset: codemirror-promql's `Parser.checkAST` (0.314),
 * rule for rule and message for message, but where it differs from Prometheus: several `__name__` matchers inside the
 * braces (`{__name__=~"a.*", __name__!="ab"}`) pass, as Prometheus only rejects a name both outside and inside them
 * (`foo{__name__="bar"}`), and `info`'s second argument is worded as Prometheus does. Warnings (a `range()` subquery
 * step) are left out.
 */
function typeErrors(expr: string, tree: Tree): { message: string; offset: number }[] {
  const { getFunction, getType, buildVectorMatching, buildLabelMatchers } = loadLibraries();
  const source: Source = { sliceDoc: (from = 0, to = expr.length) => expr.slice(from, to) };
  const errors: { message: string; offset: number }[] = [];
  const report = (node: SyntaxNode, message: string): void => {
    errors.push({ message, offset: node.from });
  };
  const expectType = (node: SyntaxNode, want: ValueType, context: string) => {
    const got = check(node);
    if (got !== want) report(node, `expected type ${want} in ${context}, got ${got}`);
  };

  function check(node: SyntaxNode | null): ValueType {
    if (!node) return "none";
    switch (node.name) {
      case "AggregateExpr":
        checkAggregation(node);
        break;
      case "BinaryExpr":
        checkBinary(node);
        break;
      case "FunctionCall":
        checkCall(node);
        break;
      case "ParenExpr":
      case "MatrixSelector":
        check(node.getChild("Expr"));
        break;
      case "UnaryExpr": {
        const type = check(node.getChild("Expr"));
        if (type !== "scalar" && type !== "vector") report(node, `unary expression only allowed on expressions of type scalar or instant vector, got ${type}`);
        break;
      }
      case "SmoothedExpr":
        checkAnchoredOrSmoothed(node, SMOOTHED_FUNCTIONS);
        break;
      case "AnchoredExpr":
        checkAnchoredOrSmoothed(node, ANCHORED_FUNCTIONS);
        break;
      case "SubqueryExpr": {
        const type = check(node.getChild("Expr"));
        if (type !== "vector") report(node, `subquery is only allowed on instant vector, got ${type} in ${node.name} instead`);
        break;
      }
      case "OffsetExpr":
        check(node.getChild("Expr"));
        if (!node.getChild("OffsetDurationExpr")) report(node, "offset requires a duration expression");
        break;
      case "VectorSelector":
        checkSelector(node);
        break;
      case "StepInvariantExpr": {
        const type = check(node.getChild("Expr"));
        if (type !== "vector" && type !== "matrix")
          report(node, "@ modifier must be preceded by an instant selector vector or range vector selector or a subquery");
        break;
      }
    }
    return getType(node);
  }

  function checkAggregation(node: SyntaxNode): void {
    const operator = node.firstChild?.firstChild;
    if (!operator) {
      report(node, "aggregation operator expected in aggregation expression but got nothing");
      return;
    }
    const params = node.getChild("FunctionCallBody")?.getChildren("Expr") ?? [];
    if (params.length === 0) {
      report(node, "unable to find the parameter for the expression");
      return;
    }
    expectType(params[params.length - 1]!, "vector", "aggregation expression");
    if (SCALAR_PARAMETER.has(operator.name)) expectType(params[0]!, "scalar", "aggregation parameter");
    if (operator.name === "CountValues") expectType(params[0]!, "string", "aggregation parameter");
  }

  function checkBinary(node: SyntaxNode): void {
    const [left, right] = [node.firstChild, node.lastChild];
    if (!left || !right) {
      report(node, "left or right expression is missing in binary expression");
      return;
    }
    const [lt, rt] = [check(left), check(right)];
    const isComparison = hasChild(node, COMPARISON);
    const isSetOperator = hasChild(node, SET_OPERATOR);
    if (node.getChild("BoolModifier")) {
      if (!isComparison) report(node, "bool modifier can only be used on comparison operators");
    } else if (lt === "scalar" && rt === "scalar") {
      if (isComparison) report(node, "comparisons between scalars must use BOOL modifier");
      else if (node.getChild("TrimLower")) report(node, 'operator ">/" not allowed for Scalar operations');
      else if (node.getChild("TrimUpper")) report(node, 'operator "</" not allowed for Scalar operations');
    }
    const matching = buildVectorMatching(source, node);
    if (matching?.on) {
      for (const label of matching.matchingLabels) {
        for (const included of matching.include) if (label === included) report(node, `label "${label}" must not occur in ON and GROUP clause at once`);
      }
    }
    if (lt !== "scalar" && lt !== "vector") report(left, "binary expression must contain only scalar and instant vector types");
    if (rt !== "scalar" && rt !== "vector") report(right, "binary expression must contain only scalar and instant vector types");
    if ((lt !== "vector" || rt !== "vector") && matching) {
      if (matching.matchingLabels.length > 0) report(node, "vector matching only allowed between instant vectors");
    } else if (isSetOperator) {
      if (matching?.card === "one-to-many" || matching?.card === "many-to-one") report(node, "no grouping allowed for set operations");
      if (matching?.card !== "many-to-many") report(node, "set operations must always be many-to-many");
    }
    if ((lt === "scalar" || rt === "scalar") && isSetOperator) report(node, "set operator not allowed in binary scalar expression");
  }

  function checkCall(node: SyntaxNode): void {
    const functionNode = node.firstChild?.firstChild;
    if (!functionNode) {
      report(node, "function not defined");
      return;
    }
    const args = node.getChild("FunctionCallBody")?.getChildren("Expr") ?? [];
    const { name, argTypes, variadic } = getFunction(functionNode.type.id);
    if (variadic === 0) {
      if (args.length !== argTypes.length) report(node, `expected ${argTypes.length} argument(s) in call to "${name}", got ${args.length}`);
    } else if (argTypes.length - 1 > args.length) {
      report(node, `expected at least ${argTypes.length - 1} argument(s) in call to "${name}", got ${args.length}`);
    } else if (variadic > 0 && argTypes.length - 1 + variadic < args.length) {
      report(node, `expected at most ${argTypes.length - 1 + variadic} argument(s) in call to "${name}", got ${args.length}`);
    }
    // Prometheus' wording and place: codemirror-promql's message prints a node object ("got [object Object]").
    if (name === "info" && args.length > 1 && args[1]!.getChild("Identifier")) report(args[1]!, "expected label selectors only, got vector selector instead");
    for (let i = 0; i < args.length; i++) {
      // Extra arguments of a fixed-arity call are reported above and not type-checked; a variadic call's take the last type.
      if (i >= argTypes.length && variadic === 0) break;
      expectType(args[i]!, argTypes[Math.min(i, argTypes.length - 1)]!, `call to function "${name}"`);
    }
  }

  function checkAnchoredOrSmoothed(node: SyntaxNode, allowedFunctions: string[]): void {
    const type = getType(node);
    if (type !== "vector" && type !== "matrix") {
      report(node, `smoothed/anchored expression only allowed on instant vector or range vector selector, got ${type} instead`);
      return;
    }
    const call = node.parent?.parent;
    if (call?.name !== "FunctionCall") return; // outside a call, any vector expression may be anchored or smoothed
    const functionNode = call.firstChild?.firstChild;
    if (!functionNode) {
      report(node, "function not defined");
      return;
    }
    if (!allowedFunctions.includes(functionNode.name)) report(node, "smoothed/anchored expression can only be used in specific functions");
  }

  function checkSelector(node: SyntaxNode): void {
    const list = node.getChild("LabelMatchers");
    const matchers = ["QuotedLabelName", "QuotedLabelMatcher", "UnquotedLabelMatcher"].flatMap((kind) =>
      buildLabelMatchers(list?.getChildren(kind) ?? [], source),
    );
    const nameNode = node.getChild("Identifier");
    const name = nameNode ? expr.slice(nameNode.from, nameNode.to) : "";
    const nameInBraces = matchers.find((matcher) => matcher.name === "__name__");
    if (name && nameInBraces) report(node, `metric name must not be set twice: ${name} or ${nameInBraces.value}`);
    // At least one matcher that does not match the empty string, so a typo cannot select every series; a metric name is one.
    if (!name && matchers.every((matcher) => matcher.matchesEmpty())) report(node, "vector selector must contain at least one non-empty matcher");
  }

  check(tree.topNode.firstChild);
  return errors.sort((a, b) => a.offset - b.offset);
}

/** Where Prometheus' parser accepts an `offset` or `@` modifier, and a range `[…]`. */
const MODIFIABLE = new Set(["VectorSelector", "MatrixSelector", "SubqueryExpr", "OffsetExpr", "StepInvariantExpr", "AnchoredExpr", "SmoothedExpr"]);
const MODIFIER_MESSAGE: Record<string, string> = {
  OffsetExpr: "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
  StepInvariantExpr: "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
};
const ESCAPE = /^\\(?:[abfnrtv\\"']|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/;

/** Prometheus' lexer: a backslash in a quoted string starts one of Go's escapes; the other quote is not one. */
function escapeProblem(rest: string, quote: string): string | undefined {
  const escape = ESCAPE.exec(rest)?.[0];
  const next = rest[1];
  if (next === undefined) return "escape sequence not terminated";
  if (escape && !((next === '"' || next === "'") && next !== quote)) return undefined;
  if (/[0-7xuU]/.test(next)) return "invalid escape sequence in string";
  return `unknown escape sequence U+${next.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} '${next}'`;
}

/**
 * Rules of Prometheus' parser that codemirror-promql does not check: what `offset`, `@`, a range and a subquery may
 * follow, and the escape sequences in strings. Leaves the cursor where it was.
 */
function checkNode(expr: string, cursor: TreeCursor): OffsetFinding | undefined {
  const name = cursor.name;
  if (name === "StringLiteral") {
    const quote = expr[cursor.from];
    if (quote !== '"' && quote !== "'") return undefined; // a raw string has no escapes
    for (let at = expr.indexOf("\\", cursor.from); at >= 0 && at < cursor.to - 1; at = expr.indexOf("\\", at)) {
      const problem = escapeProblem(expr.slice(at, cursor.to - 1), quote);
      if (problem) return { id: "promql/parse", message: `parse error: ${problem}`, offset: at };
      at += ESCAPE.exec(expr.slice(at))![0].length;
    }
    return undefined;
  }
  if (name === "MatrixSelector" || name === "SubqueryExpr") {
    // lezer-promql nests `a - b[5m]` as (a - b)[5m]; Prometheus reads a - (b[5m]), a binary operation on a range.
    if (!cursor.firstChild()) return undefined;
    const [child, from] = [cursor.name, cursor.from];
    cursor.parent();
    if (child === "BinaryExpr")
      return { id: "promql/type", message: "type error: binary expression must contain only scalar and instant vector types", offset: from };
    if (child === "UnaryExpr")
      return {
        id: "promql/type",
        message: "type error: unary expression only allowed on expressions of type scalar or instant vector, got range vector",
        offset: from,
      };
    if (name === "MatrixSelector" && child !== "VectorSelector")
      return { id: "promql/parse", message: "parse error: ranges only allowed for vector selectors", offset: from };
    return undefined;
  }
  const message = MODIFIER_MESSAGE[name];
  if (!message) return undefined;
  // Likewise `a - b offset 5m` is nested as (a - b) offset 5m: the modifier belongs to the rightmost operand.
  if (!cursor.firstChild()) return undefined;
  let depth = 1;
  while ((cursor.name === "BinaryExpr" || cursor.name === "UnaryExpr") && cursor.lastChild()) depth++;
  const [child, from] = [cursor.name, cursor.from];
  while (depth-- > 0) cursor.parent();
  return MODIFIABLE.has(child) && child !== name ? undefined : { id: "promql/parse", message: `parse error: ${message}`, offset: from };
}

/** codemirror-promql names value types `matrix` and `vector`; Prometheus' messages say `range vector`, `instant vector`. */
const TYPE_NAMES: Record<string, string> = { matrix: "range vector", vector: "instant vector" };
function prometheusWords(message: string): string {
  return message.replace(
    /^expected type (\w+)(.*), got (\w+)$/,
    (_, want: string, middle: string, got: string) => `expected type ${TYPE_NAMES[want] ?? want}${middle}, got ${TYPE_NAMES[got] ?? got}`,
  );
}

/** Words the message the way Prometheus' parser would where it can: end of input, or the token found. */
function syntaxError(expr: string, offset: number): { message: string; offset: number } {
  const rest = expr.slice(offset);
  if (rest.trim() === "") return { message: "parse error: unexpected end of input", offset };
  // A call of a name that is not a PromQL function: lezer stops at the parenthesis.
  const call = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(expr.slice(0, offset));
  if (rest.startsWith("(") && call) return { message: `parse error: unknown function with name ${JSON.stringify(call[1])}`, offset: call.index };
  const token = /^\s*("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?|[A-Za-z_:][A-Za-z0-9_:]*|[0-9][0-9.a-zA-Z]*|=~|!~|!=|==|>=|<=|.)/u.exec(rest)?.[1];
  if (!token) return { message: "parse error", offset };
  return { message: `parse error: unexpected ${JSON.stringify(token.length > 30 ? `${token.slice(0, 30)}…` : token)}`, offset: offset + rest.indexOf(token) };
}
