/**
 * A parse-only checker for Go text/template as Prometheus uses it in alerting rule labels and annotations.
 *
 * It follows what Go's `text/template/parse` reports at parse time, which is what `promtool check rules` shows:
 * lexical errors (unclosed action, comment or string), block structure (`if`/`range`/`with`/`define`/`block` need
 * `{{end}}`, a stray `{{end}}` or `{{else}}`), `{{break}}`/`{{continue}}` outside `{{range}}`, empty pipelines
 * ("missing value for if"), undefined variables and functions not in the function map. Like Go it stops at the first
 * error. Prometheus parses each label and annotation after `{{$labels := .Labels}}{{$externalLabels := …}}
 * {{$externalURL := …}}{{$value := .Value}}`, so those variables (and `$`) are defined at the top level, but not
 * inside `{{define}}`/`{{block}}` bodies, which Go parses as separate templates.
 *
 * Offsets are positions in the given text (UTF-16 code units).
 */
import type { OffsetFinding } from "../finding.js";

export type TemplateProblemId = "template/parse" | "template/undefined-variable" | "template/unknown-function";

export interface GoTemplateOptions {
  /** Variables defined before the text (besides `$`). Default: the ones Prometheus defines for alert templates. */
  variables?: readonly string[];
  /** Functions callable in the template. Default: Go's builtins plus Prometheus' template functions. */
  functions?: ReadonlySet<string>;
}

/** Go text/template's predefined functions. */
export const GO_TEMPLATE_BUILTINS: ReadonlySet<string> = new Set([
  "and",
  "call",
  "html",
  "index",
  "slice",
  "js",
  "len",
  "not",
  "or",
  "print",
  "printf",
  "println",
  "urlquery",
  "eq",
  "ge",
  "gt",
  "le",
  "lt",
  "ne",
]);

/** Prometheus' template functions (template/template.go, NewTemplateExpander's function map). */
export const PROMETHEUS_TEMPLATE_FUNCTIONS: ReadonlySet<string> = new Set([
  "query",
  "first",
  "label",
  "value",
  "strvalue",
  "args",
  "reReplaceAll",
  "safeHtml",
  "match",
  "title",
  "toUpper",
  "toLower",
  "graphLink",
  "tableLink",
  "sortByLabel",
  "stripPort",
  "stripDomain",
  "humanize",
  "humanize1024",
  "humanizeDuration",
  "humanizePercentage",
  "humanizeTimestamp",
  "toTime",
  "toDuration",
  "now",
  "pathPrefix",
  "externalURL",
  "parseDuration",
  "urlQueryEscape",
]);

/** Variables Prometheus defines before every alerting rule label and annotation template. */
export const ALERT_TEMPLATE_VARIABLES: readonly string[] = ["$labels", "$externalLabels", "$externalURL", "$value"];

const ALERT_FUNCTIONS: ReadonlySet<string> = new Set([...GO_TEMPLATE_BUILTINS, ...PROMETHEUS_TEMPLATE_FUNCTIONS]);

/** Checks one template; returns [] when it parses, else its first error (Go's parser stops there too). */
export function checkGoTemplate(text: string, options: GoTemplateOptions = {}): OffsetFinding[] {
  if (!text.includes("{{")) return [];
  try {
    new TemplateParser(text, lex(text), options.variables ?? ALERT_TEMPLATE_VARIABLES, options.functions ?? ALERT_FUNCTIONS).parse();
    return [];
  } catch (error) {
    if (error instanceof Stop) return [error.problem];
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer

type Kind =
  | "text"
  | "left"
  | "right"
  | "space"
  | "assign"
  | "declare"
  | "pipe"
  | "string"
  | "raw"
  | "char"
  | "number"
  | "complex"
  | "variable"
  | "field"
  | "dot"
  | "identifier"
  | "bool"
  | "nil"
  | "lparen"
  | "rparen"
  | "other"
  | "keyword"
  | "error"
  | "eof";

interface Token {
  kind: Kind;
  value: string;
  pos: number;
}

const KEYWORDS = new Set(["block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"]);

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
const ALNUM_RUN = /[\p{L}\p{Nd}_]*/uy;
const ALNUM_ONE = /^[\p{L}\p{Nd}_]/u;

function runOfAlnum(text: string, from: number): number {
  ALNUM_RUN.lastIndex = from;
  ALNUM_RUN.exec(text);
  return ALNUM_RUN.lastIndex;
}

/** Go's `%#U` formatting of a character: U+0023 '#'. */
function describeChar(text: string, at: number): string {
  const code = text.codePointAt(at);
  if (code === undefined) return "U+FFFFFFFF"; // Go's eof rune (-1) prints like this
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return `U+${hex} '${String.fromCodePoint(code)}'`;
}

/** Splits the text into tokens as Go's lexer does; a lexical error becomes an `error` token and ends the list. */
function lex(text: string): Token[] {
  const tokens: Token[] = [];
  const length = text.length;
  let pos = 0;
  const fail = (message: string, at: number): Token[] => {
    tokens.push({ kind: "error", value: message, pos: at });
    return tokens;
  };
  const atRightDelim = (at: number): number => {
    if (isSpace(text[at]) && text[at + 1] === "-" && text.startsWith("}}", at + 2)) return 4;
    if (text.startsWith("}}", at)) return 2;
    return 0;
  };
  const atTerminator = (at: number): boolean => {
    if (at >= length) return true;
    const c = text[at]!;
    return isSpace(c) || ".,|:)(".includes(c) || text.startsWith("}}", at);
  };

  for (;;) {
    const open = text.indexOf("{{", pos);
    if (open < 0) {
      if (pos < length) tokens.push({ kind: "text", value: text.slice(pos), pos });
      tokens.push({ kind: "eof", value: "", pos: length });
      return tokens;
    }
    if (open > pos) tokens.push({ kind: "text", value: text.slice(pos, open), pos });
    let at = open + 2;
    if (text[at] === "-" && isSpace(text[at + 1])) at += 2; // left trim marker
    if (text.startsWith("/*", at)) {
      const close = text.indexOf("*/", at + 2);
      if (close < 0) return fail("unclosed comment", open);
      const delim = atRightDelim(close + 2);
      if (delim === 0) return fail("comment ends before closing delimiter", open);
      pos = close + 2 + delim;
      continue;
    }
    tokens.push({ kind: "left", value: "{{", pos: open });
    pos = at;
    let parenDepth = 0;
    // Inside the action.
    for (;;) {
      const delim = atRightDelim(pos);
      if (delim > 0) {
        if (parenDepth > 0) return fail("unclosed left paren", pos);
        tokens.push({ kind: "right", value: "}}", pos });
        pos += delim;
        break;
      }
      if (pos >= length) return fail("unclosed action", open);
      const start = pos;
      const c = text[pos]!;
      if (isSpace(c)) {
        let end = pos;
        while (isSpace(text[end])) end++;
        // A trim-marked closing delimiter owns the space before its minus.
        if (text[end] === "-" && text.startsWith("}}", end + 1)) end--;
        if (end > pos) tokens.push({ kind: "space", value: text.slice(pos, end), pos });
        pos = end;
        continue;
      }
      pos++;
      switch (c) {
        case "=":
          tokens.push({ kind: "assign", value: "=", pos: start });
          continue;
        case ":":
          if (text[pos] !== "=") return fail("expected :=", start);
          pos++;
          tokens.push({ kind: "declare", value: ":=", pos: start });
          continue;
        case "|":
          tokens.push({ kind: "pipe", value: "|", pos: start });
          continue;
        case '"': {
          for (;;) {
            const d = text[pos];
            if (d === undefined || d === "\n") return fail("unterminated quoted string", start);
            pos++;
            if (d === "\\") {
              if (text[pos] === undefined || text[pos] === "\n") return fail("unterminated quoted string", start);
              pos++;
            } else if (d === '"') break;
          }
          tokens.push({ kind: "string", value: text.slice(start, pos), pos: start });
          continue;
        }
        case "`": {
          const close = text.indexOf("`", pos);
          if (close < 0) return fail("unterminated raw quoted string", start);
          pos = close + 1;
          tokens.push({ kind: "raw", value: text.slice(start, pos), pos: start });
          continue;
        }
        case "'": {
          for (;;) {
            const d = text[pos];
            if (d === undefined || d === "\n") return fail("unterminated character constant", start);
            pos++;
            if (d === "\\") {
              if (text[pos] === undefined || text[pos] === "\n") return fail("unterminated character constant", start);
              pos++;
            } else if (d === "'") break;
          }
          tokens.push({ kind: "char", value: text.slice(start, pos), pos: start });
          continue;
        }
        case "$":
        case ".": {
          if (c === "." && pos < length && text[pos]! >= "0" && text[pos]! <= "9") break; // a number such as .5
          if (atTerminator(pos)) {
            tokens.push(c === "$" ? { kind: "variable", value: "$", pos: start } : { kind: "dot", value: ".", pos: start });
            continue;
          }
          pos = runOfAlnum(text, pos);
          if (!atTerminator(pos)) return fail(`bad character ${describeChar(text, pos)}`, start);
          tokens.push({ kind: c === "$" ? "variable" : "field", value: text.slice(start, pos), pos: start });
          continue;
        }
        case "(":
          parenDepth++;
          tokens.push({ kind: "lparen", value: "(", pos: start });
          continue;
        case ")":
          // Go emits the parenthesis before the error, so the parser may report it first.
          tokens.push({ kind: "rparen", value: ")", pos: start });
          parenDepth--;
          if (parenDepth < 0) return fail(`unexpected right paren ${describeChar(text, start)}`, start);
          continue;
      }
      if (c === "+" || c === "-" || c === "." || (c >= "0" && c <= "9")) {
        pos = start;
        const number = scanNumber(text, pos);
        pos = number.end;
        if (!number.ok) return fail(`bad number syntax: ${JSON.stringify(text.slice(start, pos))}`, start);
        if (text[pos] === "+" || text[pos] === "-") {
          const imaginary = scanNumber(text, pos);
          pos = imaginary.end;
          if (!imaginary.ok || text[pos - 1] !== "i") return fail(`bad number syntax: ${JSON.stringify(text.slice(start, pos))}`, start);
          tokens.push({ kind: "complex", value: text.slice(start, pos), pos: start });
        } else {
          tokens.push({ kind: "number", value: text.slice(start, pos), pos: start });
        }
        continue;
      }
      if (ALNUM_ONE.test(text.slice(start, start + 2))) {
        pos = runOfAlnum(text, start);
        if (!atTerminator(pos)) return fail(`bad character ${describeChar(text, pos)}`, start);
        const word = text.slice(start, pos);
        const kind: Kind = KEYWORDS.has(word) ? "keyword" : word === "true" || word === "false" ? "bool" : word === "nil" ? "nil" : "identifier";
        tokens.push({ kind, value: word, pos: start });
        continue;
      }
      if (c >= " " && c <= "~") {
        tokens.push({ kind: "other", value: c, pos: start });
        continue;
      }
      return fail(`unrecognized character in action: ${describeChar(text, start)}`, start);
    }
  }
}

/** Go's scanNumber: sign, base prefix, digits, fraction, exponent, imaginary suffix; nothing alphanumeric after. */
function scanNumber(text: string, from: number): { ok: boolean; end: number } {
  let pos = from;
  const accept = (set: string): boolean => {
    if (pos < text.length && set.includes(text[pos]!)) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (set: string): void => {
    while (pos < text.length && set.includes(text[pos]!)) pos++;
  };
  accept("+-");
  let digits = "0123456789_";
  if (accept("0")) {
    if (accept("xX")) digits = "0123456789abcdefABCDEF_";
    else if (accept("oO")) digits = "01234567_";
    else if (accept("bB")) digits = "01_";
  }
  acceptRun(digits);
  if (accept(".")) acceptRun(digits);
  if (digits.length === 11 && accept("eE")) {
    accept("+-");
    acceptRun("0123456789_");
  }
  if (digits.length === 23 && accept("pP")) {
    accept("+-");
    acceptRun("0123456789_");
  }
  accept("i");
  if (pos < text.length && ALNUM_ONE.test(text.slice(pos, pos + 2))) return { ok: false, end: pos + 1 };
  return { ok: true, end: pos };
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

class Stop extends Error {
  constructor(readonly problem: OffsetFinding) {
    super(problem.message);
  }
}

/** What an operand turned out to be, for the checks Go makes on pipelines and field chains. */
type Operand = "bool" | "string" | "number" | "nil" | "dot" | "field" | "variable" | "identifier" | "pipeline" | "chain";

/** What textOrAction / itemList return: ordinary content, or the `{{end}}` / `{{else}}` that closes a list. */
type ListEnd = { kind: "end" | "else"; pos: number };

const NUMBER_SYNTAX =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?)i?$/;
const CHAR_ESCAPE = /^'\\(?:[abfnrtv\\'"]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})/;
const CHAR_SYNTAX = /^'(?:[^\\']|\\(?:[abfnrtv\\'"]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}))'$/u;
const STRING_SYNTAX = /^"(?:[^\\"\n]|\\(?:[abfnrtv\\"]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}))*"$/u;

class TemplateParser {
  private index = 0;
  private vars: string[];
  private rangeDepth = 0;
  private readonly eof: Token;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    predefined: readonly string[],
    private readonly functions: ReadonlySet<string>,
  ) {
    this.vars = ["$", ...predefined];
    this.eof = tokens[tokens.length - 1]!.kind === "eof" ? tokens[tokens.length - 1]! : { kind: "eof", value: "", pos: text.length };
  }

  parse(): void {
    while (this.peek().kind !== "eof") {
      if (this.peek().kind === "left") {
        const mark = this.index;
        const left = this.next();
        const word = this.nextNonSpace();
        if (word.kind === "keyword" && word.value === "define") {
          this.definition(left);
          continue;
        }
        this.index = mark;
      }
      const node = this.textOrAction();
      if (node) this.fail(`unexpected {{${node.kind}}}`, node.pos);
    }
  }

  // -- tokens

  private next(): Token {
    const token = this.tokens[this.index];
    if (!token) return this.eof;
    this.index++;
    return token;
  }
  private peek(): Token {
    return this.tokens[this.index] ?? this.eof;
  }
  private nextNonSpace(): Token {
    let token = this.next();
    while (token.kind === "space") token = this.next();
    return token;
  }
  private peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup(token);
    return token;
  }
  private backup(token: Token): void {
    if (token !== this.eof) this.index--;
  }

  private fail(message: string, offset: number, id: TemplateProblemId = "template/parse"): never {
    throw new Stop({ id, message, offset });
  }

  private unexpected(token: Token, context: string): never {
    if (token.kind === "error") this.fail(token.value, token.pos);
    this.fail(`unexpected ${describe(token)} in ${context}`, token.pos);
  }

  private expect(kind: Kind, context: string): Token {
    const token = this.nextNonSpace();
    if (token.kind !== kind) this.unexpected(token, context);
    return token;
  }

  // -- structure

  /** Text or one action; returns the `{{end}}`/`{{else}}` it met, if that is what it was. */
  private textOrAction(): ListEnd | undefined {
    const token = this.nextNonSpace();
    if (token.kind === "text") return undefined;
    if (token.kind === "left") return this.action(token);
    this.unexpected(token, "input");
  }

  /** Items up to the `{{end}}` or `{{else}}` that closes the block opened at `opener`. */
  private itemList(opener: { name: string; pos: number }): ListEnd {
    while (this.peekNonSpace().kind !== "eof") {
      const node = this.textOrAction();
      if (node) return node;
    }
    this.fail(`unexpected EOF: {{${opener.name}}} has no matching {{end}}`, opener.pos);
  }

  private action(left: Token): ListEnd | undefined {
    const token = this.nextNonSpace();
    if (token.kind === "keyword") {
      switch (token.value) {
        case "block":
          this.blockControl(left);
          return undefined;
        case "break":
        case "continue":
          this.expect("right", `{{${token.value}}}`);
          if (this.rangeDepth === 0) this.fail(`{{${token.value}}} outside {{range}}`, left.pos);
          return undefined;
        case "else": {
          const after = this.peekNonSpace();
          if (after.kind !== "keyword" || (after.value !== "if" && after.value !== "with")) this.expect("right", "else");
          return { kind: "else", pos: left.pos };
        }
        case "end":
          this.expect("right", "end");
          return { kind: "end", pos: left.pos };
        case "if":
        case "range":
        case "with":
          this.control(token.value, left);
          return undefined;
        case "template":
          this.templateControl();
          return undefined;
      }
    }
    this.backup(token);
    this.pipeline("command", "right");
    return undefined;
  }

  /** `if`, `range`, `with`: pipeline, body, optional else (or `else if` / `else with` chain), end. */
  private control(context: string, left: Token): void {
    const scope = this.vars.length;
    this.pipeline(context, "right");
    if (context === "range") this.rangeDepth++;
    let end = this.itemList({ name: context, pos: left.pos });
    if (context === "range") this.rangeDepth--;
    if (end.kind === "else") {
      const after = this.peek();
      if ((context === "if" || context === "with") && after.kind === "keyword" && after.value === context) {
        this.next();
        this.control(context, { kind: "left", value: "{{", pos: end.pos });
      } else {
        end = this.itemList({ name: context, pos: left.pos });
        if (end.kind !== "end") this.fail("expected end; found {{else}}", end.pos);
      }
    }
    this.vars.length = scope;
  }

  private templateName(context: string): void {
    const token = this.nextNonSpace();
    if (token.kind !== "string" && token.kind !== "raw") this.unexpected(token, context);
    this.checkString(token);
  }

  private templateControl(): void {
    this.templateName("template clause");
    const token = this.nextNonSpace();
    if (token.kind !== "right") {
      this.backup(token);
      this.pipeline("template clause", "right");
    }
  }

  /** `{{block "name" pipeline}}…{{end}}`: the body is a separate template with only `$` defined. */
  private blockControl(left: Token): void {
    this.templateName("block clause");
    this.pipeline("block clause", "right");
    this.separateTemplate("block clause", left);
  }

  /** `{{define "name"}}…{{end}}` at the top level. */
  private definition(left: Token): void {
    this.templateName("define clause");
    this.expect("right", "define clause");
    this.separateTemplate("define clause", left);
  }

  private separateTemplate(context: string, left: Token): void {
    const [vars, rangeDepth] = [this.vars, this.rangeDepth];
    this.vars = ["$"];
    this.rangeDepth = 0;
    const end = this.itemList({ name: context.split(" ")[0]!, pos: left.pos });
    if (end.kind !== "end") this.fail(`unexpected {{${end.kind}}} in ${context}`, end.pos);
    this.vars = vars;
    this.rangeDepth = rangeDepth;
  }

  // -- pipelines

  private pipeline(context: string, endKind: "right" | "rparen"): void {
    const start = this.peekNonSpace();
    let declarations = 0;
    for (;;) {
      const variable = this.peekNonSpace();
      if (variable.kind !== "variable") break;
      const mark = this.index;
      this.next();
      const following = this.peekNonSpace();
      if (following.kind === "assign" || following.kind === "declare") {
        this.nextNonSpace();
        this.vars.push(variable.value);
        declarations++;
        break;
      }
      if (following.kind === "other" && following.value === ",") {
        this.nextNonSpace();
        this.vars.push(variable.value);
        declarations++;
        if (context === "range" && declarations < 2) {
          const then = this.peekNonSpace();
          if (then.kind === "variable" || then.kind === "right" || then.kind === "rparen") continue;
          this.fail("range can only initialize variables", then.pos);
        }
        this.fail(`too many declarations in ${context}`, following.pos);
      }
      this.index = mark; // an operand, not a declaration
      break;
    }
    const commands: Operand[] = [];
    for (;;) {
      const token = this.nextNonSpace();
      if (token.kind === endKind) {
        if (commands.length === 0) this.fail(`missing value for ${context}`, start.pos);
        for (let i = 1; i < commands.length; i++) {
          const first = commands[i]!;
          if (first === "bool" || first === "dot" || first === "nil" || first === "number" || first === "string") {
            this.fail(`non executable command in pipeline stage ${i + 1}`, start.pos);
          }
        }
        return;
      }
      switch (token.kind) {
        case "bool":
        case "char":
        case "complex":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "raw":
        case "string":
        case "variable":
        case "lparen":
          this.backup(token);
          commands.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  /** One command: operands separated by spaces, up to `|`, `}}` or `)`. Returns the kind of its first operand. */
  private command(): Operand {
    const start = this.peekNonSpace();
    let first: Operand | undefined;
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand && !first) first = operand;
      const token = this.next();
      if (token.kind === "space") continue;
      if (token.kind === "right" || token.kind === "rparen") {
        this.backup(token);
        break;
      }
      if (token.kind === "pipe") break;
      this.unexpected(token, "operand");
    }
    if (!first) this.fail("empty command", start.pos);
    return first;
  }

  private operand(): Operand | undefined {
    const start = this.peek();
    const term = this.term();
    if (!term) return undefined;
    if (this.peek().kind === "field") {
      const termEnd = this.peek().pos;
      while (this.peek().kind === "field") this.next();
      if (term === "bool" || term === "string" || term === "number" || term === "nil" || term === "dot") {
        this.fail(`unexpected . after term ${JSON.stringify(this.text.slice(start.pos, termEnd))}`, start.pos);
      }
      return term === "field" || term === "variable" ? term : "chain";
    }
    return term;
  }

  private term(): Operand | undefined {
    const token = this.nextNonSpace();
    switch (token.kind) {
      case "identifier":
        if (!this.functions.has(token.value)) this.fail(`function ${JSON.stringify(token.value)} not defined`, token.pos, "template/unknown-function");
        return "identifier";
      case "dot":
        return "dot";
      case "nil":
        return "nil";
      case "variable":
        if (!this.vars.includes(token.value)) this.fail(`undefined variable ${JSON.stringify(token.value)}`, token.pos, "template/undefined-variable");
        return "variable";
      case "field":
        return "field";
      case "bool":
        return "bool";
      case "char":
        if (!CHAR_SYNTAX.test(token.value)) {
          this.fail(/^'\\/.test(token.value) && !CHAR_ESCAPE.test(token.value) ? "invalid syntax" : `malformed character constant: ${token.value}`, token.pos);
        }
        return "number";
      case "number":
      case "complex": {
        const problem = numberProblem(token.value);
        if (problem) this.fail(problem, token.pos);
        return "number";
      }
      case "lparen":
        this.pipeline("parenthesized pipeline", "rparen");
        return "pipeline";
      case "string":
      case "raw":
        this.checkString(token);
        return "string";
    }
    this.backup(token);
    return undefined;
  }

  private checkString(token: Token): void {
    if (token.kind === "string" && !STRING_SYNTAX.test(token.value)) this.fail("invalid syntax", token.pos);
  }
}

/** What Go's newNumber says about a number literal, or undefined when it is one. */
function numberProblem(value: string): string | undefined {
  const parts = /^([+-]?[^+-]+)([+-].*)?$/.exec(value);
  if (!parts || !NUMBER_SYNTAX.test(parts[1]!) || (parts[2] !== undefined && !NUMBER_SYNTAX.test(parts[2]))) {
    return `illegal number syntax: ${JSON.stringify(value)}`;
  }
  // An integer that does not fit 64 bits (or a "legacy octal" such as 08) is "integer overflow" in Go.
  const integer = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9_]+)$/.exec(value);
  if (!integer) return undefined;
  let digits = integer[2]!.replace(/_/g, "");
  if (/^0[0-9]+$/.test(digits)) {
    if (/[89]/.test(digits)) return `integer overflow: ${JSON.stringify(value)}`;
    digits = `0o${digits.slice(1)}`;
  }
  const magnitude = BigInt(digits.replace(/^0([XOB])/, (_, base: string) => `0${base.toLowerCase()}`));
  const limit = integer[1] === "-" ? 1n << 63n : (1n << 64n) - 1n;
  return magnitude > limit ? `integer overflow: ${JSON.stringify(value)}` : undefined;
}

/** Go's item.String(): EOF, <keyword>, or the quoted text (cut at 10 characters). */
function describe(token: Token): string {
  if (token.kind === "eof") return "EOF";
  if (token.kind === "keyword" || token.kind === "dot" || token.kind === "nil") return `<${token.value}>`;
  if (token.value.length > 10) return `${JSON.stringify(token.value).slice(0, 11)}"...`;
  return JSON.stringify(token.value);
}
