/**
 * TOML-safe insertion (README "Output kinds"), loaded only for `toml` outputs since it brings the TOML parser.
 *
 * As for YAML: the template is rendered with an inert placeholder word per value; a small lexer finds the token each
 * placeholder sits in (a string of one of the four styles, a bare key, a bare value or a comment); each token is
 * then written with the values escaped for its style, or rewritten as a basic string when its style cannot hold
 * them, or refused naming the variable. The placeholder rendering must itself be TOML, and the output is parsed
 * again and compared with it, so every inserted value is known to read back as what was inserted.
 */
import { isDeepStrictEqual } from "node:util";
import { parse, TomlError } from "smol-toml";
import type { OffsetFinding } from "../finding.js";
import type { AssembleOptions, DeclaredType, Edit, Slot } from "./assemble.js";
import { valueText } from "./assemble.js";

type SiteKind = "basic" | "literal" | "multiline-basic" | "multiline-literal" | "bare-key" | "bare-value" | "comment";

/** A token holding at least one placeholder; `from`/`to` cover the whole token, quotes included. */
interface Site {
  kind: SiteKind;
  from: number;
  to: number;
  isKey: boolean;
  slots: Slot[];
}

/** What a whole bare value is written as, and what the parser must read back. */
type BareValue = { text: string; expected: unknown } | { problem: string; hint?: string };

export interface TomlEditResult {
  edits: Edit[];
  /** The placeholder rendering as parsed, each bare-value placeholder standing as a string; undefined when it failed. */
  document?: Record<string, unknown>;
  /** What each bare value must read back as, by placeholder. */
  bareValues: Map<string, unknown>;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const BARE_KEY = /^[A-Za-z0-9_-]+$/;
/** Lone surrogates: no UTF-8 file and no TOML escape can hold them. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** What a basic string must escape besides `"` and `\` (TOML 1.0: control characters other than tab). */
const BASIC_CONTROL = /[\x00-\x08\x0A-\x1F\x7F]/;
const MULTILINE_CONTROL = /[\x00-\x08\x0B-\x1F\x7F]/;
/** A bare TOML integer, float or boolean, as far as characters go (the parser decides the rest). */
const SCALAR_LITERAL = /^(true|false|[+-]?(inf|nan)|[+-]?[0-9][0-9A-Za-z_.+-]*)$/;

export function tomlEdits(
  source: string,
  slots: readonly Slot[],
  options: AssembleOptions,
  problems: OffsetFinding[],
  templateOffsetAt: (offset: number) => number,
): TomlEditResult {
  const sites = collectSites(source, slots);
  const bareValues = new Map<string, unknown>();
  const fail = (slot: Slot, message: string, hint?: string) =>
    problems.push({ id: "template/value-cannot-be-held", message: `${describe(slot)} ${message}`, hint, offset: slot.piece.start, name: slot.piece.name });

  // The placeholder rendering with each lone bare-value placeholder quoted, so that it is TOML whatever the values.
  const quoted = sites.filter((site) => site.kind === "bare-value" && site.slots.length === 1 && site.to - site.from === site.slots[0]!.placeholder.length);
  let probe = "";
  let position = 0;
  for (const site of quoted) {
    probe += `${source.slice(position, site.from)}"${source.slice(site.from, site.to)}"`;
    position = site.to;
  }
  probe += source.slice(position);
  const read = readToml(probe);
  if ("error" in read) {
    // Back from the probe to the placeholder text: each quoted placeholder before the error added two characters.
    const shift = 2 * quoted.filter((site, index) => site.from + 2 * index < read.error.offset).length;
    problems.push({
      id: "template/invalid-toml",
      message: `the template is not valid TOML even with plain values (${read.error.message})`,
      hint: "fix the TOML here, or declare the output with kind: text",
      offset: templateOffsetAt(Math.max(0, read.error.offset - shift)),
    });
    return { edits: [], bareValues };
  }

  const edits: Edit[] = [];
  const placed = new Set<Slot>();
  for (const site of sites) {
    site.slots.forEach((slot) => placed.add(slot));
    const edit = editSite(source, site, options, fail, bareValues, quoted.includes(site));
    if (edit) edits.push(...edit);
  }
  for (const slot of slots) {
    if (!placed.has(slot)) fail(slot, "is in a position TOML cannot hold a value", "put the reference inside a string, or alone after `key = `");
  }
  return { edits, document: read.document, bareValues };
}

/**
 * Parses the output and compares it with the placeholder rendering with each placeholder replaced by its value:
 * problems naming the values that do not read back as inserted (in keys: they repeat or clash with another key).
 */
export function checkTomlReadBack(text: string, result: TomlEditResult, slots: readonly Slot[]): OffsetFinding[] {
  if (!result.document) return [];
  const read = readToml(text);
  const replace = placeholderReplacer(slots);
  const expectOf = (node: unknown): unknown => {
    if (typeof node === "string") return result.bareValues.has(node) ? result.bareValues.get(node) : replace(node);
    if (Array.isArray(node)) return node.map(expectOf);
    if (node && typeof node === "object" && !(node instanceof Date)) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [replace(key), expectOf(value)]));
    }
    return node;
  };
  if (!("error" in read) && isDeepStrictEqual(plain(read.document), plain(expectOf(result.document)))) return [];
  // Strings and bare values are checked token by token, so only keys can still change the document.
  const keys = keysOf(result.document);
  const inKeys = slots.filter((slot) => keys.some((key) => key.includes(slot.placeholder)));
  const blamed = inKeys.length > 0 ? inKeys : slots;
  const named = new Map<string | undefined, Slot>();
  for (const slot of blamed) if (!named.has(slot.piece.name)) named.set(slot.piece.name, slot);
  return [...named.values()].map((slot) => ({
    id: "template/value-cannot-be-held",
    message: `${describe(slot)} would change the document's structure here (a key that repeats or clashes with another)`,
    hint: "use values that make distinct keys, or move the reference out of the key",
    offset: slot.piece.start,
    name: slot.piece.name,
  }));
}

/** Parses a TOML 1.0 document, integers beyond 2^53 as bigints; a parse error with its offset. */
export function readToml(text: string): { document: Record<string, unknown> } | { error: { offset: number; message: string; line: number; column: number } } {
  try {
    return { document: parse(text, { integersAsBigInt: "asNeeded" }) as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The message's first line only: the rest quotes the document, which may hold secrets.
    const message = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    // The parser counts lines as it splits them (\r\n, \n or \r).
    const lines = text.split(/(?<=\r\n|\n|\r(?!\n))/);
    const offset = lines.slice(0, error.line - 1).reduce((sum, line) => sum + line.length, 0) + error.column - 1;
    return { error: { offset: Math.min(offset, text.length), message, line: error.line, column: error.column } };
  }
}

function describe(slot: Slot): string {
  return slot.piece.name ? `the value of ${slot.piece.name}` : "the inserted value";
}

/** Tables as plain objects (the parser gives nested ones a null prototype), for comparison. */
function plain(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(plain);
  if (node && typeof node === "object" && !(node instanceof Date)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, plain(v)]));
  return node;
}

function keysOf(document: unknown, found: string[] = []): string[] {
  if (Array.isArray(document)) document.forEach((item) => keysOf(item, found));
  else if (document && typeof document === "object" && !(document instanceof Date)) {
    for (const [key, value] of Object.entries(document)) {
      found.push(key);
      keysOf(value, found);
    }
  }
  return found;
}

/** Each placeholder in `text` replaced by its value's text; one pattern of the placeholders' shape, not one per slot. */
function placeholderReplacer(slots: readonly Slot[]): (text: string) => string {
  const marker = slots[0]?.placeholder.replace(/\d+z$/, "");
  if (marker === undefined) return (text) => text;
  const bySlot = new Map(slots.map((slot) => [slot.placeholder, slot]));
  const pattern = new RegExp(`${marker}\\d+z`, "g");
  return (text) => (text.includes(marker) ? text.replace(pattern, (p) => (bySlot.has(p) ? valueText(bySlot.get(p)!.piece.value) : p)) : text);
}

// ---------------------------------------------------------------------------------------------------------------
// Editing one token

function editSite(
  source: string,
  site: Site,
  options: AssembleOptions,
  fail: (slot: Slot, message: string, hint?: string) => void,
  bareValues: Map<string, unknown>,
  alone: boolean,
): Edit[] | undefined {
  const origin = site.slots[0]!.from;
  const body = source.slice(site.from, site.to);
  const whole = (text: string): Edit[] => [{ from: site.from, to: site.to, text, origin }];
  const inPlace = (escape: (value: string) => string): Edit[] =>
    site.slots.map((slot) => ({ from: slot.from, to: slot.to, text: escape(valueText(slot.piece.value)), origin: slot.from }));

  if (site.kind === "bare-value") {
    const slot = site.slots[0]!;
    if (!alone) {
      fail(slot, "stands inside a bare TOML value", "write the reference alone after `key = `, or inside a string");
      return undefined;
    }
    const bare = bareValue(slot.piece.value, slot.piece.formatted ? "formatted" : options.declaredType(slot.piece.name ?? ""));
    if ("problem" in bare) {
      fail(slot, bare.problem, bare.hint);
      return undefined;
    }
    bareValues.set(slot.placeholder, bare.expected);
    return whole(bare.text);
  }

  const structured = site.slots.find((slot) => isCollection(slot.piece.value) || slot.piece.formatted);
  if (structured) {
    const what = structured.piece.formatted ? "formatted value" : "list or object";
    fail(structured, `is a ${what} and can only be a whole value`, "put the reference alone after `key = `");
    return undefined;
  }
  const unholdable = site.slots.find((slot) => LONE_SURROGATE.test(valueText(slot.piece.value)));
  if (unholdable) {
    fail(unholdable, "holds a lone UTF-16 surrogate, which no TOML file can hold");
    return undefined;
  }

  if (site.kind === "comment") {
    const bad = site.slots.find((slot) => BASIC_CONTROL.test(valueText(slot.piece.value)));
    if (bad) {
      fail(bad, "holds a line break or control character, which a TOML comment cannot hold");
      return undefined;
    }
    return inPlace((value) => value);
  }

  const replaced = (text: string) =>
    site.slots.reduceRight((out, slot) => out.slice(0, slot.from - site.from) + valueText(slot.piece.value) + out.slice(slot.to - site.from), text);

  if (site.kind === "bare-key") {
    const intended = replaced(body);
    return BARE_KEY.test(intended) ? inPlace((value) => value) : whole(`"${escapeBasic(intended)}"`);
  }

  // A string: the values escaped in its own style when that reads back as intended, else the whole string rewritten.
  const parsed = stringValue(body);
  if (parsed === undefined) return undefined;
  const intended = placeholderReplacer(site.slots)(parsed);
  const values = site.slots.map((slot) => valueText(slot.piece.value));
  let escape: ((value: string) => string) | undefined;
  if (site.kind === "basic") escape = escapeBasic;
  else if (site.kind === "multiline-basic") escape = escapeMultilineBasic;
  else if (site.kind === "literal" && values.every((v) => !v.includes("'") && !BASIC_CONTROL.test(v))) escape = (v) => v;
  else if (site.kind === "multiline-literal" && values.every((v) => !v.includes("'''") && !MULTILINE_CONTROL.test(v))) escape = (v) => v;
  if (escape) {
    const edits = inPlace(escape);
    const edited = edits.reduceRight((out, edit) => out.slice(0, edit.from - site.from) + edit.text + out.slice(edit.to - site.from), body);
    // Escaping alone cannot see a multi-line string's trimmed first newline or a line-ending backslash: read it back.
    if (stringValue(edited) === intended) return edits;
  }
  const multiline = site.kind === "multiline-basic" || site.kind === "multiline-literal";
  if (multiline) return whole(`"""${escapeMultilineBasic(intended).replace(/^\n/, "\\n")}"""`);
  return whole(`"${escapeBasic(intended)}"`);
}

/** The string a string token (quotes included) stands for, or undefined when it is not one. */
function stringValue(token: string): string | undefined {
  try {
    const value = parse(`v = ${token}`).v;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

const isCollection = (value: unknown) => typeof value === "object" && value !== null;
const hex = (char: string) => `\\u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** Text for inside `"…"`: `\"`, `\\`, and control characters (tab aside) as `\uXXXX`. */
export function escapeBasic(text: string): string {
  return text.replace(/["\\]|[\x00-\x08\x0A-\x1F\x7F]/g, (char) => (char === '"' || char === "\\" ? `\\${char}` : hex(char)));
}

/** Text for inside `"""…"""`: as escapeBasic, but line feeds stay as they are (a lone `\r` does not). */
export function escapeMultilineBasic(text: string): string {
  return text.replace(/["\\]|[\x00-\x08\x0B-\x1F\x7F]/g, (char) => (char === '"' || char === "\\" ? `\\${char}` : hex(char)));
}

// ---------------------------------------------------------------------------------------------------------------
// Bare values

/**
 * A value alone after `key = `, written as the TOML value of its declared type: integers, floats and booleans bare,
 * strings always in quotes, lists and objects as inline arrays and tables. Untyped (no project), a string that is
 * already a TOML integer, float or boolean is written bare, as envsubst would.
 */
export function bareValue(value: unknown, type: DeclaredType | "formatted"): BareValue {
  if (type === "formatted") return inlineValue(JSON.parse(String(value)) as unknown);
  if (value === undefined || value === null) {
    if (type === undefined || type === "string") return { text: '""', expected: "" };
    return { problem: "is not set, and TOML has no null", hint: "give the variable a default, or wrap the line in {{#if …}}" };
  }
  if (typeof value === "string") {
    // An integer beyond 2^53 comes as its digits, so that none is lost.
    if ((type === "integer" || type === "number") && /^-?\d+$/.test(value)) return integerValue(BigInt(value));
    if (type === undefined && SCALAR_LITERAL.test(value)) {
      const literal = scalarLiteral(value);
      if (literal !== undefined) return { text: value, expected: literal };
    }
  }
  return inlineValue(value);
}

/** What a bare TOML integer, float or boolean reads as; undefined when `text` is not one. */
function scalarLiteral(text: string): unknown {
  try {
    const value = parse(`v = ${text}`, { integersAsBigInt: "asNeeded" }).v;
    if (typeof value === "bigint" && (value < INT64_MIN || value > INT64_MAX)) return undefined;
    return typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" ? value : undefined;
  } catch {
    return undefined;
  }
}

function integerValue(value: bigint): BareValue {
  if (value < INT64_MIN || value > INT64_MAX) return { problem: "is beyond TOML's 64-bit integers", hint: "declare it as a string" };
  const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return { text: value.toString(), expected: safe ? Number(value) : value };
}

function inlineValue(value: unknown): BareValue {
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) return { problem: "holds a lone UTF-16 surrogate, which no TOML file can hold" };
    return { text: `"${escapeBasic(value)}"`, expected: value };
  }
  if (typeof value === "boolean") return { text: String(value), expected: value };
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return integerValue(BigInt(value));
    // A float: what JavaScript writes is a TOML float once it has a fraction or an exponent.
    const text = String(value);
    return { text: /[.e]/.test(text) ? text : `${text}.0`, expected: value };
  }
  if (Array.isArray(value)) {
    const items: BareValue[] = value.map((item) =>
      item === null || item === undefined ? { problem: "holds a null item, which TOML cannot hold" } : inlineValue(item),
    );
    const bad = items.find((item) => "problem" in item);
    if (bad) return bad;
    const held = items as { text: string; expected: unknown }[];
    return { text: `[${held.map((item) => item.text).join(", ")}]`, expected: held.map((item) => item.expected) };
  }
  if (value && typeof value === "object") {
    const entries: [string, BareValue][] = Object.entries(value).map(([key, item]) => [
      key,
      item === null || item === undefined ? { problem: `holds a null under "${escapeBasic(key)}", which TOML cannot hold` } : inlineValue(item),
    ]);
    const bad = entries.find(([, item]) => "problem" in item);
    if (bad) return bad[1];
    if (entries.some(([key]) => LONE_SURROGATE.test(key))) return { problem: "has a key holding a lone UTF-16 surrogate, which no TOML file can hold" };
    const held = entries as [string, { text: string; expected: unknown }][];
    const keyText = (key: string) => (BARE_KEY.test(key) ? key : `"${escapeBasic(key)}"`);
    return {
      text: held.length === 0 ? "{}" : `{ ${held.map(([key, item]) => `${keyText(key)} = ${item.text}`).join(", ")} }`,
      expected: Object.fromEntries(held.map(([key, item]) => [key, item.expected])),
    };
  }
  return { problem: "cannot be written as a TOML value" };
}

// ---------------------------------------------------------------------------------------------------------------
// Lexing

/**
 * The tokens holding placeholders, each with its slots. A tolerant lexer: whether the text is TOML is the parser's
 * to say; this only needs to know, for each placeholder, the token it is in and whether that token is a key.
 */
function collectSites(source: string, slots: readonly Slot[]): Site[] {
  const sites: Site[] = [];
  let nextSlot = 0;
  const add = (kind: SiteKind, from: number, to: number, isKey: boolean) => {
    while (nextSlot < slots.length && slots[nextSlot]!.from < from) nextSlot++;
    const inside: Slot[] = [];
    for (; nextSlot < slots.length && slots[nextSlot]!.to <= to; nextSlot++) inside.push(slots[nextSlot]!);
    if (inside.length > 0) sites.push({ kind, from, to, isKey, slots: inside });
  };
  /** Open arrays and inline tables, innermost last. */
  const stack: ("array" | "table")[] = [];
  let expectKey = true;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === " " || c === "\t") i++;
    else if (c === "\n" || c === "\r") {
      if (stack.length === 0) expectKey = true;
      i++;
    } else if (c === "#") {
      const end = lineEnd(source, i);
      add("comment", i, end, false);
      i = end;
    } else if (c === '"' || c === "'") {
      const multiline = source.startsWith(c.repeat(3), i);
      const end = multiline ? multilineEnd(source, i + 3, c) : stringEnd(source, i + 1, c);
      add(c === '"' ? (multiline ? "multiline-basic" : "basic") : multiline ? "multiline-literal" : "literal", i, end, expectKey);
      i = end;
    } else if (c === "=") {
      expectKey = false;
      i++;
    } else if (c === "[") {
      // A table header at the top level; else an array.
      if (!(expectKey && stack.length === 0)) stack.push("array");
      i++;
    } else if (c === "{") {
      stack.push("table");
      expectKey = true;
      i++;
    } else if (c === "]" || c === "}") {
      if (stack.at(-1) === (c === "]" ? "array" : "table")) stack.pop();
      i++;
    } else if (c === ",") {
      expectKey = stack.at(-1) === "table";
      i++;
    } else if (c === "." && expectKey) i++;
    else {
      const end = expectKey ? runEnd(source, i, /[A-Za-z0-9_-]/) : bareValueEnd(source, i);
      if (end === i) {
        i++;
        continue;
      }
      add(expectKey ? "bare-key" : "bare-value", i, end, expectKey);
      i = end;
    }
  }
  return sites;
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf("\n", from);
  return end === -1 ? source.length : end;
}

function runEnd(source: string, from: number, allowed: RegExp): number {
  let end = from;
  while (end < source.length && allowed.test(source[end]!)) end++;
  return end;
}

/** A bare value runs to whitespace or a delimiter; a date followed by a space and a time is one value. */
function bareValueEnd(source: string, from: number): number {
  let end = runEnd(source, from, /[^\s,\]}#"'=[{]/);
  if (/^\d{4}-\d{2}-\d{2}$/.test(source.slice(from, end)) && /^ \d{2}:/.test(source.slice(end, end + 4))) end = runEnd(source, end + 1, /[^\s,\]}#"'=[{]/);
  return end;
}

/** End (exclusive) of a one-line string whose content starts at `from`. */
function stringEnd(source: string, from: number, quote: string): number {
  for (let k = from; k < source.length; k++) {
    const c = source[k];
    if (c === "\\" && quote === '"') k++;
    else if (c === quote) return k + 1;
    else if (c === "\n") return k;
  }
  return source.length;
}

/** End (exclusive) of a multi-line string: up to two more quotes before the closing three belong to the content. */
function multilineEnd(source: string, from: number, quote: string): number {
  for (let k = from; k < source.length; k++) {
    const c = source[k];
    if (c === "\\" && quote === '"') k++;
    else if (c === quote && source.startsWith(quote.repeat(3), k)) {
      let end = k + 3;
      while (end < k + 5 && source[end] === quote) end++;
      return end;
    }
  }
  return source.length;
}
