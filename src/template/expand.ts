/**
 * Turns tokens plus values into pieces: literal template text and value insertions, in output order. Literal text
 * never passes through Handlebars; Handlebars only decides control flow and which values go where.
 */
import type { Token } from "./tokenize.js";

export interface TextPiece {
  kind: "text";
  text: string;
  /** Template offset of `text[0]`. */
  start: number;
}

export interface ValuePiece {
  kind: "value";
  value: unknown;
  /** Template offset of the action that produced the value. */
  start: number;
  /** The variable the value comes from, when the action names exactly one. */
  name?: string;
  /** All declared variables the action reads (a secret among them makes the insertion secret). */
  names: string[];
  /** Already-formatted YAML/JSON text from the `yaml`, `json` or `quote` helpers, inserted as a whole node. */
  formatted?: boolean;
}

export type Piece = TextPiece | ValuePiece;

/** A value written by a formatting helper: inserted verbatim as a complete node. */
export class FormattedValue {
  constructor(readonly text: string) {}
}

/** Values of all declared variables; `undefined` for an optional variable that is not set. */
export type Values = Readonly<Record<string, unknown>>;

export async function expandTokens(tokens: Token[], values: Values, needsHandlebars: boolean): Promise<Piece[]> {
  if (!needsHandlebars) return tokens.map((token) => directPiece(token, values));
  return expandWithHandlebars(tokens, values);
}

/** A literal or a plain reference: what it stands for needs no Handlebars. */
function directPiece(token: Token, values: Values): Piece {
  if (token.type === "text") return { kind: "text", text: token.text, start: token.start };
  if (token.type === "reference") {
    return { kind: "value", value: withFallback(values[token.name], token.fallback), start: token.start, name: token.name, names: [token.name] };
  }
  throw new Error(`internal: Handlebars action in the direct path at ${token.start}`);
}

/** Rewrites each declared name in an action to `@root.NAME`, leaving strings and `this.NAME` paths alone. */
function fromRoot(content: string, names: readonly string[]): string {
  if (names.length === 0) return content;
  const declared = new Set(names);
  return content.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[@.]?[A-Za-z_][A-Za-z0-9_]*/g, (word) => (declared.has(word) ? `@root.${word}` : word));
}

function withFallback(value: unknown, fallback: string | undefined): unknown {
  return fallback !== undefined && (value === undefined || value === null || value === "") ? fallback : value;
}

const TEXT_OPEN = "\uE000";
const VALUE_OPEN = "\uE001";
const CLOSE = "\uE002";
const RUN_OPEN = "\uE003";

async function expandWithHandlebars(tokens: Token[], values: Values): Promise<Piece[]> {
  // Handlebars is CommonJS: under ESM its API is the default export.
  const module = (await import("handlebars")) as unknown as { default: typeof import("handlebars") };
  const handlebars = module.default.create();
  const inserted: { token: number; value: unknown }[] = [];

  // Every literal and every value goes out through a helper that emits a marker, so Handlebars never parses or
  // escapes template text and the values' positions are known exactly.
  // Declared variables are read from the root context: inside {{#each}} or {{#with}} a bare name would be looked
  // up on the current item and silently render empty.
  // Literals and plain references outside every block need no Handlebars: each run of them is one marker in the
  // program (a literal of ours, copied as it is), so a large template with a few blocks compiles a small program.
  let program = "";
  const runs: number[][] = [];
  let run: number[] | undefined;
  let depth = 0;
  const endRun = () => {
    if (!run) return;
    program += `${RUN_OPEN}${runs.length}${CLOSE}`;
    runs.push(run);
    run = undefined;
  };
  tokens.forEach((token, index) => {
    if (depth === 0 && (token.type === "text" || token.type === "reference")) {
      (run ??= []).push(index);
      return;
    }
    endRun();
    if (token.type === "handlebars" && token.role === "open") depth++;
    if (token.type === "handlebars" && token.role === "close") depth--;
    if (token.type === "text") program += `{{__text ${index}}}`;
    else if (token.type === "reference") program += `{{__value ${index} @root.${token.name}}}`;
    else if (token.role === "expression") {
      // A helper call becomes a subexpression; a path such as `this` or `@index` is passed as it is.
      const content = fromRoot(token.content, token.names);
      const isPath = /^[@A-Za-z_][\w.]*$/.test(content);
      program += `{{__value ${index} ${isPath ? content : `(${content})`}}}`;
    } else if (token.role !== "comment") program += `{{${fromRoot(token.content, token.names)}}}`;
  });
  endRun();

  handlebars.registerHelper("__text", (index: number) => `${TEXT_OPEN}${index}${CLOSE}`);
  handlebars.registerHelper("__value", (index: number, value: unknown) => {
    inserted.push({ token: index, value });
    return `${VALUE_OPEN}${inserted.length - 1}${CLOSE}`;
  });
  handlebars.registerHelper("default", (value: unknown, fallback: unknown) => withFallback(value, String(fallback)));
  handlebars.registerHelper("json", (value: unknown) => new FormattedValue(JSON.stringify(value ?? null)));
  handlebars.registerHelper("yaml", (value: unknown) => new FormattedValue(JSON.stringify(value ?? null)));
  handlebars.registerHelper("quote", (value: unknown) => new FormattedValue(JSON.stringify(String(value ?? ""))));

  const render = handlebars.compile(program, {
    strict: true,
    noEscape: true,
    knownHelpersOnly: true,
    knownHelpers: { __text: true, __value: true, default: true, json: true, yaml: true, quote: true },
  });
  const context = Object.assign(Object.create(null), Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v ?? null])));
  const marked = render(context);

  const pieces: Piece[] = [];
  const markerPattern = /([\uE000\uE001\uE003])(\d+)\uE002/g;
  for (const match of marked.matchAll(markerPattern)) {
    const index = Number(match[2]);
    if (match[1] === RUN_OPEN) {
      for (const token of runs[index]!) pieces.push(directPiece(tokens[token]!, values));
    } else if (match[1] === TEXT_OPEN) {
      const token = tokens[index] as Extract<Token, { type: "text" }>;
      pieces.push({ kind: "text", text: token.text, start: token.start });
    } else {
      const { token: tokenIndex, value } = inserted[index]!;
      const token = tokens[tokenIndex]!;
      const names = token.type === "reference" ? [token.name] : token.type === "handlebars" ? token.names : [];
      const fallback = token.type === "reference" ? token.fallback : undefined;
      const resolved = withFallback(value, fallback);
      pieces.push({
        kind: "value",
        value: resolved instanceof FormattedValue ? resolved.text : resolved,
        formatted: resolved instanceof FormattedValue,
        start: token.start,
        name: token.type === "reference" ? token.name : names.length === 1 ? names[0] : undefined,
        names,
      });
    }
  }
  return pieces;
}
