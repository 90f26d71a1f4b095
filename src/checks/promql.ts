/**
 * PromQL checking for rule expressions: syntax errors from lezer-promql's error nodes (the grammar Prometheus' own UI
 * uses) and type errors from codemirror-promql's `Parser` (function argument types, instant vs range vectors,
 * scalar/string operands), which the grammar alone does not catch (`rate(x)` parses).
 *
 * Both libraries are CommonJS and slow to load (about 50 ms), so they are required on the first call only: nothing
 * here runs at import time, which keeps them off promplate's `render` start path.
 */
import { createRequire } from "node:module";
import type { OffsetFinding } from "../finding.js";


interface TreeLike {
  length: number;
  topNode: { firstChild: unknown };
  cursor(): TreeCursorLike;
}
interface TreeCursorLike {
  next(): boolean;
  firstChild(): boolean;
  lastChild(): boolean;
  parent(): boolean;
  from: number;
  to: number;
  name: string;
  type: { isError: boolean };
}
interface Diagnostic {
  severity: string;
  message: string;
  from: number;
  to: number;
}
interface Engine {
  parse(expr: string): TreeLike;
  diagnose(expr: string, tree: TreeLike): Diagnostic[];
  mode: "direct" | "editor-state";
}

let engine: Engine | undefined;

function loadEngine(): Engine {
  if (engine) return engine;
  const requireCjs = createRequire(import.meta.url);
  const { parser } = requireCjs("@prometheus-io/lezer-promql") as { parser: { parse(text: string): TreeLike } };
  const { Parser } = requireCjs("@prometheus-io/codemirror-promql/dist/cjs/parser/parser.js") as {
    Parser: { new (state: unknown): { analyze(): void; getDiagnostics(): Diagnostic[] }; prototype: object };
  };

  // The public way: an EditorState holding the PromQL language, from which the Parser takes the syntax tree.
  const { EditorState } = requireCjs("@codemirror/state") as { EditorState: { create(config: object): unknown } };
  const { promQLLanguage, LanguageType } = requireCjs("@prometheus-io/codemirror-promql") as {
    promQLLanguage(top: unknown): unknown;
    LanguageType: { PromQL: unknown };
  };
  const language = promQLLanguage(LanguageType.PromQL);
  const viaState = (expr: string): Diagnostic[] => {
    const analyzer = new Parser(EditorState.create({ doc: expr, extensions: language }));
    analyzer.analyze();
    return analyzer.getDiagnostics();
  };

  // The fast way (about 20% less time): hand the Parser the tree lezer already built, so no EditorState is made.
  // It relies on the Parser's field names, so it is used only if it gives the same answer as the public way.
  // Only the type check (`checkAST`) runs: the caller has already looked for error nodes, and only calls this on a
  // tree without any, so the Parser's own error-node pass would find nothing.
  const direct = (expr: string, tree: TreeLike): Diagnostic[] => {
    const analyzer = Object.create(Parser.prototype) as {
      tree: TreeLike;
      state: unknown;
      diagnostics: Diagnostic[];
      checkAST(node: unknown): unknown;
      getDiagnostics(): Diagnostic[];
    };
    analyzer.tree = tree;
    analyzer.state = { sliceDoc: (from = 0, to = expr.length) => expr.slice(from, to) };
    analyzer.diagnostics = [];
    analyzer.checkAST(tree.topNode.firstChild);
    return analyzer.getDiagnostics();
  };
  let directWorks = false;
  try {
    const probes = ['rate(x{a="b"})', "sum by (a) (rate(x[5m])) > bool 1", 'x * on (a) group_left (b) y{c=~"d"}', '{a="b"}'];
    directWorks = probes.every((probe) => JSON.stringify(direct(probe, parser.parse(probe))) === JSON.stringify(viaState(probe)));
    directWorks &&= direct("rate(x)", parser.parse("rate(x)")).length === 1;
  } catch {
    directWorks = false;
  }
  engine = { parse: (expr) => parser.parse(expr), diagnose: directWorks ? direct : (expr) => viaState(expr), mode: directWorks ? "direct" : "editor-state" };
  return engine;
}

/**
 * Loads the PromQL libraries now (e.g. before timing a check; checkExpression does it on first use anyway) and says
 * how the type checker is driven: "direct" (fast) or "editor-state" (the public API, when a new codemirror-promql
 * version no longer fits the fast way).
 */
export function preloadPromQL(): "direct" | "editor-state" {
  return loadEngine().mode;
}

const cache = new Map<string, OffsetFinding[]>();
const CACHE_LIMIT = 50_000;

/**
 * Parses and type-checks one PromQL expression. Returns the problems found, syntax errors first; an expression with a
 * syntax error gets only that error (type errors on a recovered tree are noise). Same input, same answer: results
 * are cached, since rule files repeat expressions.
 */
export function checkExpression(expr: string): OffsetFinding[] {
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

function analyze(expr: string): OffsetFinding[] {
  if (expr.replace(/#[^\n]*/g, "").trim() === "") return [{ id: "promql/parse", message: "parse error: no expression found in input", offset: 0 }];
  const { parse, diagnose } = loadEngine();
  const tree = parse(expr);
  let errorAt = -1;
  let structural: OffsetFinding | undefined;
  for (const cursor = tree.cursor(); cursor.next(); ) {
    if (cursor.type.isError) {
      errorAt = cursor.from;
      break;
    }
    structural ??= checkNode(expr, cursor);
  }
  if (errorAt >= 0) return [{ id: "promql/parse", ...syntaxError(expr, errorAt) }];
  if (structural) return [structural];
  const problems: OffsetFinding[] = [];
  for (const diagnostic of diagnose(expr, tree)) {
    if (diagnostic.severity !== "error") continue;
    // codemirror-promql also rejects several `__name__` matchers inside the braces (`{__name__=~"a.*",
    // __name__!="ab"}`); Prometheus only rejects a name both outside and inside them (`foo{__name__="bar"}`).
    if (diagnostic.message.startsWith("metric name must not be set twice") && !/^[A-Za-z_:]/.test(expr.slice(diagnostic.from))) continue;
    const parseLike = diagnostic.message === "unexpected expression";
    problems.push({ id: parseLike ? "promql/parse" : "promql/type", message: `${parseLike ? "parse" : "type"} error: ${prometheusWords(diagnostic.message)}`, offset: diagnostic.from });
  }
  return problems;
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
function checkNode(expr: string, cursor: TreeCursorLike): OffsetFinding | undefined {
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
    if (child === "BinaryExpr") return { id: "promql/type", message: "type error: binary expression must contain only scalar and instant vector types", offset: from };
    if (child === "UnaryExpr") return { id: "promql/type", message: "type error: unary expression only allowed on expressions of type scalar or instant vector, got range vector", offset: from };
    if (name === "MatrixSelector" && child !== "VectorSelector") return { id: "promql/parse", message: "parse error: ranges only allowed for vector selectors", offset: from };
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
  return message.replace(/^expected type (\w+)(.*), got (\w+)$/, (_, want: string, middle: string, got: string) => `expected type ${TYPE_NAMES[want] ?? want}${middle}, got ${TYPE_NAMES[got] ?? got}`);
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
