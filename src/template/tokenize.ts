import type { OffsetFinding } from "../finding.js";
import { suggestName } from "../finding.js";

/**
 * The template rule (DESIGN.md): decides, before Handlebars sees anything, which `{{ … }}` and `${ … }` are
 * promplate's and which are Prometheus/Alertmanager Go templates or literal text that must pass through untouched.
 */

/** Literal output text. `start` is the template offset of `text[0]` (for the output → template line map). */
export interface TextToken {
  type: "text";
  start: number;
  text: string;
}

/** A value substitution: `${NAME}`, `${NAME:-fallback}` or `{{NAME}}`. */
export interface ReferenceToken {
  type: "reference";
  start: number;
  end: number;
  name: string;
  fallback?: string;
}

/** Any other Handlebars action: block open/close/else, comment, helper call, `this`/`@index` inside a block. */
export interface HandlebarsToken {
  type: "handlebars";
  start: number;
  end: number;
  role: "open" | "close" | "else" | "comment" | "expression";
  /** The action's content without braces and without `~` whitespace control, e.g. `#if TLS_ENABLED`. */
  content: string;
  /** Declared variables the action reads. */
  names: string[];
}

export type Token = TextToken | ReferenceToken | HandlebarsToken;

export interface TokenizeOptions {
  isDeclared(name: string): boolean;
  /** Known variable names, for "did you mean"; in a project an undeclared UPPER_SNAKE reference is an error. */
  knownNames?: readonly string[];
  project: boolean;
}

export interface TokenizeResult {
  tokens: Token[];
  problems: OffsetFinding[];
  /** True when some action needs Handlebars (blocks, helpers, `this`); else values are spliced directly. */
  needsHandlebars: boolean;
}

/** promplate's inline helpers; names chosen to avoid Go's template builtins. */
export const HELPERS = ["default", "yaml", "json", "quote"] as const;
const HANDLEBARS_BLOCKS = new Set(["if", "unless", "each", "with"]);
const GO_BLOCKS = new Set(["if", "range", "with", "define", "block"]);
const ITERATION_WORDS = /^(this|this\.[A-Za-z_][A-Za-z0-9_.]*|@index|@key|@first|@last)$/;

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
export const isUpperSnake = (name: string): boolean => /^[A-Z][A-Z0-9_]*$/.test(name);

interface OpenBlock {
  engine: "go" | "handlebars";
  name: string;
  offset: number;
}

const iterates = (block: OpenBlock | undefined) => block?.engine === "handlebars" && (block.name === "each" || block.name === "with");

/** The open blocks, innermost last, with counts kept up to date so that no check walks the whole stack. */
class OpenBlocks {
  readonly list: OpenBlock[] = [];
  private iterations = 0;
  private goBlocks = 0;

  get innermost(): OpenBlock | undefined {
    return this.list[this.list.length - 1];
  }

  push(block: OpenBlock): void {
    this.list.push(block);
    if (iterates(block)) this.iterations++;
    if (block.engine === "go") this.goBlocks++;
  }

  /** Closes the innermost block (a Handlebars close that matched it). */
  pop(): void {
    const block = this.list.pop();
    if (iterates(block)) this.iterations--;
    if (block?.engine === "go") this.goBlocks--;
  }

  /** Go's `{{ end }}` closes the innermost Go block, wherever Handlebars blocks stand. */
  closeGo(): void {
    if (this.goBlocks === 0) return;
    for (let b = this.list.length - 1; b >= 0; b--) {
      if (this.list[b]!.engine === "go") {
        this.list.splice(b, 1);
        this.goBlocks--;
        return;
      }
    }
  }

  /** Inside {{#each}} or {{#with}}; `outside` leaves out the innermost block (the one the action opens or continues). */
  inIteration(outside = false): boolean {
    return this.iterations - (outside && iterates(this.innermost) ? 1 : 0) > 0;
  }
}

export function tokenize(source: string, options: TokenizeOptions): TokenizeResult {
  const tokens: Token[] = [];
  const problems: OffsetFinding[] = [];
  const blocks = new OpenBlocks();
  const stops = stopFinder(source);
  const closes = closeFinder(source);
  let needsHandlebars = false;
  let textStart = 0;
  let i = 0;

  const flushText = (upTo: number) => {
    if (upTo > textStart) tokens.push({ type: "text", start: textStart, text: source.slice(textStart, upTo) });
  };
  const undeclared = (name: string, offset: number) => {
    const suggestion = options.knownNames ? suggestName(name, options.knownNames) : undefined;
    problems.push({
      id: "template/undeclared-variable",
      message: `\`${name}\` is not a declared variable`,
      hint: suggestion ? `did you mean ${suggestion}?` : "declare it under `variables:` in promplate.yaml",
      offset,
      name,
    });
  };

  while (i < source.length) {
    const c = source[i];
    if (c === "$") {
      const dollar = readDollar(source, i, options, stops);
      if (dollar.kind === "escape") {
        flushText(i);
        tokens.push({ type: "text", start: i + 1, text: source.slice(i + 1, dollar.end) });
        textStart = dollar.end;
      } else if (dollar.kind === "reference") {
        flushText(i);
        tokens.push({ type: "reference", start: i, end: dollar.end, name: dollar.name, fallback: dollar.fallback });
        textStart = dollar.end;
      } else if (dollar.kind === "bare-declared") {
        problems.push({
          id: "template/bare-dollar",
          message: `\`$${dollar.name}\` is not substituted`,
          hint: `write \${${dollar.name}}`,
          offset: i,
          name: dollar.name,
        });
      } else if (dollar.kind === "undeclared") {
        undeclared(dollar.name, i);
      } else if (dollar.kind === "bad-form") {
        problems.push({
          id: "template/unsupported-expansion",
          message: `unsupported expansion of ${dollar.name}`,
          hint: `write \${${dollar.name}} or \${${dollar.name}:-default}`,
          offset: i,
          name: dollar.name,
        });
      }
      i = dollar.end;
      continue;
    }
    if (c === "{" && source[i + 1] === "{") {
      const end = findActionEnd(source, i, closes);
      if (end === -1) {
        i += 2;
        continue;
      }
      const action = classifyAction(source, i, end, blocks, options, problems, undeclared);
      if (action) {
        flushText(i);
        tokens.push(action);
        textStart = end;
        if (action.type === "handlebars") needsHandlebars = true;
      }
      i = end;
      continue;
    }
    i++;
  }
  flushText(source.length);
  for (const block of blocks.list) {
    if (block.engine === "handlebars") {
      problems.push({
        id: "template/unclosed-block",
        message: `{{#${block.name}}} is never closed`,
        hint: `add {{/${block.name}}}`,
        offset: block.offset,
      });
    }
  }
  return { tokens: applyWhitespaceControl(source, tokens), problems, needsHandlebars };
}

type DollarResult =
  | { kind: "text"; end: number }
  | { kind: "escape"; end: number }
  | { kind: "reference"; end: number; name: string; fallback?: string }
  | { kind: "bare-declared" | "undeclared" | "bad-form"; end: number; name: string };

/** Reads `$…` at `start`, left to right: `$${NAME}` is literal, `${NAME}` / `${NAME:-x}` substitute. */
function readDollar(source: string, start: number, options: TokenizeOptions, stops: StopFinder): DollarResult {
  if (source[start + 1] === "$") {
    const inner = readBraced(source, start + 1, stops);
    if (inner && inner.complete && (options.isDeclared(inner.name) || isUpperSnake(inner.name))) {
      return { kind: "escape", end: inner.end };
    }
    return { kind: "text", end: start + 2 };
  }
  if (source[start + 1] === "{") {
    const braced = readBraced(source, start, stops);
    if (!braced) return { kind: "text", end: start + 1 };
    const declared = options.isDeclared(braced.name);
    if (!braced.complete) {
      return declared ? { kind: "bad-form", end: start + 2 + braced.name.length, name: braced.name } : { kind: "text", end: start + 1 };
    }
    if (declared) return { kind: "reference", end: braced.end, name: braced.name, fallback: braced.fallback };
    if (options.project && isUpperSnake(braced.name)) return { kind: "undeclared", end: braced.end, name: braced.name };
    return { kind: "text", end: braced.end };
  }
  NAME.lastIndex = start + 1;
  const bare = NAME.exec(source);
  if (bare && options.isDeclared(bare[0])) return { kind: "bare-declared", end: start + 1 + bare[0].length, name: bare[0] };
  return { kind: "text", end: start + 1 };
}

/** The offset of the first `}` or line break at or after an offset, or -1. */
type StopFinder = (from: number) => number;

/**
 * Finds `${NAME:-…}`'s closing brace. The answer is remembered: every offset between a query and its answer has
 * the same answer, so `${A:-${A:-${A:-…` on one long line is read once, not once per `${`.
 */
function stopFinder(source: string): StopFinder {
  let queried = Infinity;
  let answer = -1;
  return (from) => {
    if (from >= queried && (answer === -1 || from <= answer)) return answer;
    queried = from;
    answer = -1;
    for (let k = from; k < source.length; k++) {
      const c = source[k];
      if (c === "}" || c === "\n") {
        answer = k;
        break;
      }
    }
    return answer;
  };
}

/** `${NAME}` or `${NAME:-fallback}` at `start` (which holds `$`); `complete` is false for other shell forms. */
function readBraced(source: string, start: number, stops: StopFinder) {
  if (source[start + 1] !== "{") return undefined;
  NAME.lastIndex = start + 2;
  const match = NAME.exec(source);
  if (!match) return undefined;
  const name = match[0];
  const after = start + 2 + name.length;
  if (source[after] === "}") return { name, end: after + 1, complete: true, fallback: undefined };
  if (source.startsWith(":-", after)) {
    const close = stops(after + 2);
    if (close !== -1 && source[close] === "}") {
      return { name, end: close + 1, complete: true, fallback: source.slice(after + 2, close) };
    }
  }
  return { name, end: after, complete: false, fallback: undefined };
}

/**
 * End offset (exclusive) of the action starting at `start`, or -1 when there is none. Skips Go strings, raw strings,
 * character literals and comments so that `{{ "}}" }}` and `{{/* }} *\/}}` are one action.
 */
function findActionEnd(source: string, start: number, closes: CloseFinder): number {
  let k = start + 2;
  if (source.startsWith("!--", k)) {
    const close = closes.indexOf("--}}", k + 3);
    return close === -1 ? -1 : close + 4;
  }
  if (source[k] === "-" && /\s/.test(source[k + 1] ?? "")) k += 2;
  while (source[k] === " " || source[k] === "\t" || source[k] === "\n" || source[k] === "\r") k++;
  if (source.startsWith("/*", k)) {
    const close = closes.indexOf("*/", k + 2);
    if (close === -1) return -1;
    const end = closes.indexOf("}}", close + 2);
    return end === -1 ? -1 : end + 2;
  }
  const lastClose = closes.last("}}");
  // The stretches scanned outside strings: if this scan finds no end, no scan reaching any of them will.
  const stretches: number[] = [];
  let stretchStart = k;
  const noEnd = (upTo: number) => {
    stretches.push(stretchStart, upTo);
    closes.markNoEnd(stretches);
    return -1;
  };
  for (; k < source.length; k++) {
    // No `}}` from here on, or a scan already failed from here: an unclosed `{{` costs nothing more, however many
    // of them follow (`{{ "{{ "{{ "…` on one long line would otherwise be rescanned to its end for each `{{`).
    if (k > lastClose || closes.hasNoEnd(k)) return noEnd(k);
    const c = source[k];
    if (c === "}" && source[k + 1] === "}") return k + 2;
    if (c === '"' || c === "'" || c === "`") {
      const close = findStringEnd(source, k, c);
      if (close === -1) return noEnd(k);
      stretches.push(stretchStart, k);
      k = close;
      stretchStart = close + 1;
    }
  }
  return noEnd(source.length - 1);
}

/**
 * What finding action ends has learnt so far: indexOf for the closing delimiters, answering at once when the
 * delimiter does not occur after `from`, and the offsets from which a scan outside strings is known to find no end.
 */
interface CloseFinder {
  indexOf(delimiter: string, from: number): number;
  last(delimiter: string): number;
  hasNoEnd(offset: number): boolean;
  /** Marks the inclusive [from, to] pairs of offsets from which a scan outside strings finds no `}}`. */
  markNoEnd(stretches: readonly number[]): void;
}

function closeFinder(source: string): CloseFinder {
  const lastOf = new Map<string, number>();
  const last = (delimiter: string) => {
    let found = lastOf.get(delimiter);
    if (found === undefined) lastOf.set(delimiter, (found = source.lastIndexOf(delimiter)));
    return found;
  };
  // One byte per offset, allocated only when some `{{` has no end.
  let noEnd: Uint8Array | undefined;
  return {
    last,
    indexOf: (delimiter, from) => (from > last(delimiter) ? -1 : source.indexOf(delimiter, from)),
    hasNoEnd: (offset) => noEnd !== undefined && noEnd[offset] === 1,
    markNoEnd: (stretches) => {
      noEnd ??= new Uint8Array(source.length + 1);
      for (let i = 0; i < stretches.length; i += 2) noEnd.fill(1, stretches[i]!, stretches[i + 1]! + 1);
    },
  };
}

function findStringEnd(source: string, start: number, quote: string): number {
  for (let k = start + 1; k < source.length; k++) {
    const c = source[k];
    if (c === "\\" && quote !== "`") k++;
    else if (c === quote) return k;
    else if (c === "\n" && quote !== "`") return -1;
  }
  return -1;
}

/** Splits an action's content into words, keeping quoted strings whole and dropping parentheses. */
function words(content: string): string[] {
  return content.match(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[^\s()]+/g) ?? [];
}

function classifyAction(
  source: string,
  start: number,
  end: number,
  blocks: OpenBlocks,
  options: TokenizeOptions,
  problems: OffsetFinding[],
  undeclared: (name: string, offset: number) => void,
): Token | undefined {
  const inner = source.slice(start + 2, end - 2);
  const handlebars = (role: HandlebarsToken["role"], content: string, names: string[] = []): HandlebarsToken => ({
    type: "handlebars",
    start,
    end,
    role,
    content,
    names,
  });
  const withoutTilde = inner.replace(/^~/, "").replace(/~$/, "").trim();

  if (withoutTilde.startsWith("!")) return handlebars("comment", withoutTilde);

  if (withoutTilde.startsWith("#")) {
    const name = /^#\s*([A-Za-z]*)/.exec(withoutTilde)![1]!;
    if (!HANDLEBARS_BLOCKS.has(name)) {
      problems.push({
        id: "template/unknown-block",
        message: `unknown block {{#${name}}}`,
        hint: "promplate's blocks are {{#if}}, {{#unless}}, {{#each}} and {{#with}}",
        offset: start,
      });
    }
    blocks.push({ engine: "handlebars", name, offset: start });
    const names = blockParameterNames(withoutTilde.slice(1 + name.length).trim(), start, blocks, options, problems, undeclared);
    return handlebars("open", withoutTilde, names);
  }

  if (withoutTilde.startsWith("/") && !withoutTilde.startsWith("/*")) {
    const name = withoutTilde.slice(1).trim();
    const top = blocks.innermost;
    if (top?.engine === "handlebars" && top.name === name) {
      blocks.pop();
    } else {
      problems.push({
        id: "template/unmatched-close",
        message: `{{/${name}}} does not close an open {{#${name}}}`,
        hint: top?.engine === "go" ? `a Go {{ ${top.name} }} block is still open: close it with {{ end }} first` : undefined,
        offset: start,
      });
    }
    return handlebars("close", withoutTilde);
  }

  // Go trim markers (`{{- `, ` -}}`) are Go syntax: such an action is never Handlebars.
  const goTrimmed = /^-\s/.test(inner) || /\s-$/.test(inner);
  const content = withoutTilde;
  const parts = words(content);
  const first = parts[0] ?? "";
  const innermost = blocks.innermost;

  if (first === "else") {
    if (innermost?.engine === "handlebars" && !goTrimmed) {
      const names = blockParameterNames(parts.slice(2).join(" "), start, blocks, options, problems, undeclared);
      return handlebars("else", withoutTilde, names);
    }
    return undefined;
  }
  if (GO_BLOCKS.has(first)) {
    blocks.push({ engine: "go", name: first, offset: start });
    return undefined;
  }
  if (first === "end") {
    blocks.closeGo();
    return undefined;
  }
  if (goTrimmed) return undefined;

  if (options.isDeclared(first)) {
    if (parts.length === 1 && !/^~?\s*\(/.test(inner)) {
      return { type: "reference", start, end, name: first };
    }
    problems.push({
      id: "template/variable-arguments",
      message: `{{${content}}}: a variable takes no arguments`,
      hint: `write {{${first}}}, or use a helper: ${HELPERS.join(", ")}`,
      offset: start,
      name: first,
    });
    return undefined;
  }
  if ((HELPERS as readonly string[]).includes(first)) {
    const inIteration = blocks.inIteration();
    const names = parts.slice(1).filter((w) => options.isDeclared(w));
    const iterationArgs = inIteration && parts.slice(1).some((w) => ITERATION_WORDS.test(w));
    if (names.length > 0 || iterationArgs) return handlebars("expression", withoutTilde, names);
    return undefined;
  }
  if (ITERATION_WORDS.test(withoutTilde)) {
    const inIteration = blocks.inIteration();
    if (inIteration) return handlebars("expression", withoutTilde);
    return undefined;
  }
  if (options.project && parts.length === 1 && isUpperSnake(first)) {
    undeclared(first, start);
  }
  return undefined;
}

/** Checks the parameters of `{{#if X}}` / `{{else if X}}` and returns the declared variables they read. */
function blockParameterNames(
  parameters: string,
  offset: number,
  blocks: OpenBlocks,
  options: TokenizeOptions,
  problems: OffsetFinding[],
  undeclared: (name: string, offset: number) => void,
): string[] {
  const names: string[] = [];
  const inIteration = blocks.inIteration(true);
  for (const word of words(parameters)) {
    if (options.isDeclared(word)) names.push(word);
    else if (/^["']|^-?\d/.test(word) || ["true", "false", "null", "undefined"].includes(word)) continue;
    else if ((HELPERS as readonly string[]).includes(word)) continue;
    else if (inIteration && ITERATION_WORDS.test(word)) continue;
    else if (isUpperSnake(word) && options.project) undeclared(word, offset);
    else {
      problems.push({
        id: "template/unknown-name",
        message: `\`${word}\` in a Handlebars block is not a declared variable`,
        hint: "blocks may test declared variables, literals, and this/@index inside {{#each}}",
        offset,
      });
    }
  }
  return names;
}

/**
 * Handlebars' whitespace rules, applied here because literal text never reaches Handlebars: `~` trims the
 * neighbouring whitespace, and a block/else/close/comment action alone on its line removes that line.
 */
function applyWhitespaceControl(source: string, tokens: Token[]): Token[] {
  const isStandaloneCandidate = (t: Token | undefined): t is HandlebarsToken => t?.type === "handlebars" && t.role !== "expression";
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.type === "text" || !source.startsWith("{{", token.start)) continue;
    const inner = source.slice(token.start + 2, token.end - 2);
    const previous = tokens[k - 1];
    const next = tokens[k + 1];
    if (inner.startsWith("~") && previous?.type === "text") {
      previous.text = previous.text.trimEnd();
    }
    if (inner.endsWith("~") && next?.type === "text") {
      const trimmed = next.text.trimStart();
      next.start += next.text.length - trimmed.length;
      next.text = trimmed;
    }
    if (!isStandaloneCandidate(token)) continue;
    const before = previous === undefined ? "" : previous.type === "text" ? previous.text : undefined;
    const after = next === undefined ? "" : next.type === "text" ? next.text : undefined;
    if (before === undefined || after === undefined) continue;
    const lineStartsAt = before.lastIndexOf("\n") + 1;
    const atLineStart = /^[ \t]*$/.test(before.slice(lineStartsAt)) && (lineStartsAt > 0 || k === 0 || isLineStart(source, token.start));
    const restOfLine = /^[ \t]*(\r?\n|$)/.exec(after);
    if (!atLineStart || !restOfLine) continue;
    if (previous?.type === "text") previous.text = previous.text.slice(0, lineStartsAt);
    if (next?.type === "text") {
      next.start += restOfLine[0].length;
      next.text = next.text.slice(restOfLine[0].length);
    }
  }
  return tokens.filter((t) => t.type !== "text" || t.text.length > 0);
}

function isLineStart(source: string, offset: number): boolean {
  for (let k = offset - 1; k >= 0; k--) {
    if (source[k] === "\n") return true;
    if (source[k] !== " " && source[k] !== "\t") return false;
  }
  return true;
}
