/**
 * Joins pieces into the output text with each value inserted safely for the output kind (DESIGN.md, "Values are
 * inserted YAML-safely"), and maps every output line back to its template line.
 *
 * The method: render once with an inert placeholder per value (a plain alphanumeric word that fits anywhere), find
 * the YAML token each placeholder sits in, then decide per token: the raw value when it keeps shape and text (what
 * envsubst would write), else the whole enclosing scalar rewritten in a quoting style that holds it, else an error
 * naming the variable. A final parse compares the document's shape with the placeholder rendering.
 */
import { isDeepStrictEqual } from "node:util";
import { CST, Composer, Parser, parseAllDocuments, parse as parseYaml } from "yaml";
import type { OffsetFinding } from "../finding.js";
import { ALIAS_HINT, documentAliasingProblem, yamlSizeProblem } from "../yaml-limits.js";
import { readAsGoYaml, sourceOffset, type GoYamlReading } from "../checks/go-yaml.js";
import type { Piece, ValuePiece } from "./expand.js";

export type InsertionKind = "yaml" | "json" | "toml" | "text";

/** The declared JSON Schema type of a variable, or undefined when untyped. */
export type DeclaredType = "string" | "integer" | "number" | "boolean" | "array" | "object" | undefined;

export interface AssembleOptions {
  kind: InsertionKind;
  declaredType(name: string): DeclaredType;
  /** Whether a value is a secret, so the output lines holding it can be masked in diffs. */
  isSecret?(piece: ValuePiece): boolean;
  /** TOML insertion (toml.ts), loaded by the caller only for `toml` outputs: it brings the TOML parser. */
  toml?: typeof import("./toml.js");
}

export interface AssembleResult {
  text: string;
  /** Template offset where each output line (index 0 = line 1) comes from. */
  lineOrigins: number[];
  /** Output lines (1-based) that hold a secret value. */
  secretLines: number[];
  problems: OffsetFinding[];
}

export interface Edit {
  from: number;
  to: number;
  text: string;
  /** Placeholder-text offset whose template position the edited lines map to. */
  origin: number;
}

export interface Slot {
  piece: ValuePiece;
  placeholder: string;
  from: number;
  to: number;
}

export function assemble(pieces: Piece[], options: AssembleOptions): AssembleResult {
  const marker = chooseMarker(pieces);
  const slots: Slot[] = [];
  const pieceStarts: number[] = [];
  let placeholderText = "";
  for (const piece of pieces) {
    pieceStarts.push(placeholderText.length);
    if (piece.kind === "text") {
      placeholderText += piece.text;
    } else {
      const placeholder = `${marker}${slots.length}z`;
      slots.push({ piece, placeholder, from: placeholderText.length, to: placeholderText.length + placeholder.length });
      placeholderText += placeholder;
    }
  }
  const templateOffsetAt = (offset: number): number => {
    let low = 0;
    let high = pieces.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (pieceStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const piece = pieces[low];
    if (!piece) return 0;
    return piece.kind === "text" ? piece.start + Math.min(offset - pieceStarts[low]!, piece.text.length) : piece.start;
  };

  const problems: OffsetFinding[] = [];
  let edits: Edit[] = [];
  let placeholderDocuments: unknown[] = [];
  let toml: import("./toml.js").TomlEditResult | undefined;
  if (options.kind === "toml") {
    // Parsed even without values: a template that is not TOML is refused at its line and column.
    if (!options.toml) throw new Error("internal: toml insertion not loaded");
    toml = options.toml.tomlEdits(placeholderText, slots, options, problems, templateOffsetAt);
    edits = toml.edits;
  } else if (slots.length === 0) edits = [];
  else if (options.kind === "yaml") {
    // One reading serves both the placeholder documents and the sites the placeholders sit in.
    const yaml = readYaml(placeholderText);
    const parsed = parseFailsafe(placeholderText, yaml);
    if (parsed.error) {
      problems.push({
        id: "template/invalid-yaml",
        message: `the template is not valid YAML even with plain values (${parsed.error.message})`,
        hint: "fix the YAML here, or declare the output with kind: text",
        offset: templateOffsetAt(parsed.error.offset),
      });
    } else {
      placeholderDocuments = parsed.documents;
      edits = yamlEdits(placeholderText, yaml as ReadYaml, slots, marker, options, problems);
    }
  } else if (options.kind === "json") edits = jsonEdits(placeholderText, slots, options, problems);
  else edits = slots.map((slot) => ({ from: slot.from, to: slot.to, text: valueText(slot.piece.value), origin: slot.from }));

  const secretOffsets = new Set(slots.filter((s) => options.isSecret?.(s.piece)).map((s) => s.from));
  const { text, lineOrigins, secretLines } = applyEdits(placeholderText, edits, templateOffsetAt, secretOffsets, slots);
  if (problems.length === 0 && options.kind === "yaml" && slots.length > 0) {
    const expected = expectedDocuments(placeholderDocuments, slots, marker);
    if (!isDeepStrictEqual(expected, parseFailsafe(text).documents)) {
      problems.push(...blameEdits(placeholderText, placeholderDocuments, edits, slots, marker));
    }
  }
  if (problems.length === 0 && toml && slots.length > 0) problems.push(...options.toml!.checkTomlReadBack(text, toml, slots));
  return { text, lineOrigins, secretLines, problems };
}

/** A word that no literal text contains, so placeholders are unambiguous. */
function chooseMarker(pieces: Piece[]): string {
  for (let n = 0; ; n++) {
    const marker = `promplateslot${n === 0 ? "" : n}q`;
    if (!pieces.some((p) => p.kind === "text" && p.text.includes(marker))) return marker;
  }
}

/** The text a value stands for: strings as they are, numbers and booleans canonical, collections as JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

const isCollection = (value: unknown) => typeof value === "object" && value !== null;

function applyEdits(source: string, edits: Edit[], templateOffsetAt: (offset: number) => number, secretOffsets: ReadonlySet<number>, slots: readonly Slot[]) {
  edits.sort((a, b) => a.from - b.from);
  let text = "";
  const lineOrigins: number[] = [templateOffsetAt(0)];
  const secretLines = new Set<number>();
  let position = 0;
  let nextSlot = 0;
  const append = (chunk: string, originOf: (index: number) => number) => {
    let newline = chunk.indexOf("\n");
    while (newline !== -1) {
      lineOrigins.push(originOf(newline + 1));
      newline = chunk.indexOf("\n", newline + 1);
    }
    text += chunk;
  };
  for (const edit of edits) {
    const unchangedStart = position;
    append(source.slice(position, edit.from), (i) => templateOffsetAt(unchangedStart + i));
    const origin = templateOffsetAt(edit.origin);
    if (edit.from === 0 && text.length === 0) lineOrigins[0] = origin;
    const firstLine = lineOrigins.length;
    append(edit.text, () => origin);
    // Slots and edits are both in text order, so one forward pass finds the slots inside each edit.
    while (nextSlot < slots.length && slots[nextSlot]!.from < edit.from) nextSlot++;
    let holdsSecret = false;
    for (let k = nextSlot; k < slots.length && slots[k]!.to <= edit.to; k++) holdsSecret ||= secretOffsets.has(slots[k]!.from);
    if (holdsSecret) for (let line = firstLine; line <= lineOrigins.length; line++) secretLines.add(line);
    position = edit.to;
  }
  const tailStart = position;
  append(source.slice(position), (i) => templateOffsetAt(tailStart + i));
  if (text.endsWith("\n")) lineOrigins.pop();
  return { text, lineOrigins, secretLines: [...secretLines].sort((a, b) => a - b) };
}

// ---------------------------------------------------------------------------------------------------------------
// YAML

const LINE_BREAKS = /[\n\r\x85\u2028\u2029]/;
/** Characters YAML cannot hold unescaped (its printable set, minus the BOM); with `u`, astral characters are fine. */
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x80-\x84\x86-\x9F\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]/u;

interface Site {
  token: LeafToken;
  kind: "plain" | "single" | "double" | "block" | "comment" | "other";
  isKey: boolean;
  inFlow: boolean;
  /** Column of the token's first character (0 = line start, where `---` would start a document). */
  column: number;
}

interface LeafToken {
  type: string;
  offset: number;
  source: string;
  indent?: number;
  props?: LeafToken[];
}

function yamlEdits(source: string, yaml: ReadYaml, slots: Slot[], marker: string, options: AssembleOptions, problems: OffsetFinding[]): Edit[] {
  const sites = collectSites(source, yaml, marker);
  const slotByPlaceholder = new Map(slots.map((s) => [s.placeholder, s]));
  const placeholderPattern = new RegExp(`${marker}\\d+z`, "g");
  const placed = new Set<Slot>();
  const edits: Edit[] = [];
  // Two parses per answer, and a template inserts the same few values many times over: remember the answers.
  const nonString = new Map<string, boolean>();
  const isNonString = (text: string) => {
    let known = nonString.get(text);
    if (known === undefined) nonString.set(text, (known = resolvesToNonString(text)));
    return known;
  };
  const fail = (slot: Slot, message: string, hint?: string) =>
    problems.push({ id: "template/value-cannot-be-held", message, hint, offset: slot.piece.start, name: slot.piece.name });

  for (const site of sites) {
    const body = site.token.source;
    if (!body.includes(marker)) continue;
    const inside: Slot[] = [];
    placeholderPattern.lastIndex = 0;
    for (let match = placeholderPattern.exec(body); match; match = placeholderPattern.exec(body)) {
      const slot = slotByPlaceholder.get(match[0]);
      if (slot) inside.push(slot);
    }
    if (inside.length === 0) continue;
    inside.forEach((s) => placed.add(s));
    const edit = editSite(site, body, inside, placeholderPattern, slotByPlaceholder, options, fail, isNonString);
    if (edit) edits.push(...edit);
  }
  for (const slot of slots) {
    if (!placed.has(slot)) fail(slot, `${describe(slot)} is in a position YAML cannot hold a value`);
  }
  return edits;
}

function describe(slot: Slot): string {
  return slot.piece.name ? `the value of ${slot.piece.name}` : "the inserted value";
}

function editSite(
  site: Site,
  body: string,
  inside: Slot[],
  placeholderPattern: RegExp,
  slotByPlaceholder: Map<string, Slot>,
  options: AssembleOptions,
  fail: (slot: Slot, message: string, hint?: string) => void,
  isNonString: (text: string) => boolean,
): Edit[] | undefined {
  const token = site.token;
  const origin = inside[0]!.from;
  const replaceEach = (escape: (slot: Slot) => string) => body.replace(placeholderPattern, (p) => escape(slotByPlaceholder.get(p)!));
  // In-place edits touch only the placeholders, so the line map stays exact around them.
  const inPlace = (escape: (slot: Slot) => string): Edit[] => inside.map((slot) => ({ from: slot.from, to: slot.to, text: escape(slot), origin: slot.from }));
  const whole = (text: string): Edit[] => [{ from: token.offset, to: token.offset + body.length, text, origin }];

  if (site.kind === "comment" || site.kind === "other") {
    const bad = inside.find(
      (s) =>
        isCollection(s.piece.value) ||
        s.piece.formatted ||
        (site.kind === "comment" ? LINE_BREAKS.test(valueText(s.piece.value)) : !/^[A-Za-z0-9_.\/-]+$/.test(valueText(s.piece.value))),
    );
    if (bad) {
      fail(bad, `${describe(bad)} cannot be held in a YAML ${site.kind === "comment" ? "comment" : token.type}`);
      return undefined;
    }
    return inPlace((s) => valueText(s.piece.value));
  }

  const wholeNode = inside.length === 1 && body === inside[0]!.placeholder;
  const structured = inside.find((s) => isCollection(s.piece.value) || s.piece.formatted);
  if (structured) {
    if (!wholeNode || site.kind !== "plain" || site.isKey) {
      fail(
        structured,
        `${describe(structured)} is a ${structured.piece.formatted ? "formatted node" : "list or object"} and can only be a whole value`,
        "put the reference alone after `key: ` or `- `",
      );
      return undefined;
    }
    return whole(valueText(structured.piece.value));
  }

  const intended = replacePlaceholders(resolveScalar(token) ?? "", placeholderPattern, slotByPlaceholder);

  if (site.kind === "block") return editBlockScalar(token, inside, intended, placeholderPattern, slotByPlaceholder, fail);

  const multiLine = body.includes("\n");
  if (site.kind === "double" && !multiLine) return inPlace((s) => escapeDoubleQuoted(valueText(s.piece.value)));
  if (site.kind === "single" && !multiLine && inside.every((s) => isSingleQuotable(valueText(s.piece.value)))) {
    return inPlace((s) => valueText(s.piece.value).replace(/'/g, "''"));
  }
  if (site.kind === "plain") {
    const raw = replaceEach((s) => valueText(s.piece.value));
    const typedString = wholeNode && options.declaredType(inside[0]!.piece.name ?? "") === "string" && typeof inside[0]!.piece.value === "string";
    const keepsText = multiLine
      ? inside.every((s) => /^[A-Za-z0-9_.\/+=@-]+$/.test(valueText(s.piece.value))) && resolveScalar({ ...token, source: raw }) === intended
      : raw === intended && isSafePlain(raw, site.inFlow, site.column === 0);
    if (keepsText && !(typedString && isNonString(raw))) return inPlace((s) => valueText(s.piece.value));
    if (site.isKey) {
      fail(
        inside[0]!,
        `${describe(inside[0]!)} cannot be held in a mapping key without changing the document`,
        "use a value that is a plain word, or move the reference out of the key",
      );
      return undefined;
    }
  }
  return whole(quoteScalar(intended));
}

function editBlockScalar(
  token: LeafToken,
  inside: Slot[],
  intended: string,
  placeholderPattern: RegExp,
  slotByPlaceholder: Map<string, Slot>,
  fail: (slot: Slot, message: string, hint?: string) => void,
): Edit[] | undefined {
  const unholdable = inside.find((s) => /[\r\x85\u2028\u2029]/.test(valueText(s.piece.value)) || NON_PRINTABLE.test(valueText(s.piece.value)));
  if (unholdable) {
    fail(unholdable, `${describe(unholdable)} holds characters a block scalar cannot hold`, "use a quoted scalar for this value");
    return undefined;
  }
  const body = token.source;
  const indent = contentIndent(body);
  const content = body.replace(placeholderPattern, (p) => valueText(slotByPlaceholder.get(p)!.piece.value).replace(/\n/g, `\n${" ".repeat(indent)}`));
  const header = token.props?.find((p) => p.type === "block-scalar-header");
  const origin = inside[0]!.from;
  const contentEdits: Edit[] = inside.map((slot) => ({
    from: slot.from,
    to: slot.to,
    text: valueText(slot.piece.value).replace(/\n/g, `\n${" ".repeat(indent)}`),
    origin: slot.from,
  }));
  if (resolveScalar({ ...token, source: content }) === intended) return contentEdits;
  // A value starting with spaces on the first line changes the detected indentation: state it explicitly.
  if (header && !/\d/.test(header.source)) {
    for (let n = 1; n <= 9; n++) {
      const newHeader = header.source[0] + String(n) + header.source.slice(1);
      const props = token.props!.map((p) => (p === header ? { ...p, source: newHeader } : p));
      if (resolveScalar({ ...token, props, source: content }) === intended) {
        return [{ from: header.offset, to: header.offset + header.source.length, text: newHeader, origin }, ...contentEdits];
      }
    }
  }
  fail(
    inside[0]!,
    `${describe(inside[0]!)} cannot be held in this block scalar: it would change the block's line folding, chomping or indentation`,
    "use | for multi-line values, or a quoted scalar",
  );
  return undefined;
}

function contentIndent(body: string): number {
  for (const line of body.split("\n")) {
    if (line.trim() !== "") return line.length - line.trimStart().length;
  }
  return 0;
}

function replacePlaceholders(text: string, pattern: RegExp, slots: Map<string, Slot>): string {
  return text.replace(pattern, (p) => valueText(slots.get(p)!.piece.value));
}

function resolveScalar(token: LeafToken): string | undefined {
  let failed = false;
  const resolved = CST.resolveAsScalar(token as unknown as CST.FlowScalar, true, () => {
    failed = true;
  });
  return failed ? undefined : resolved?.value;
}

/** True when `text`, written bare, is read back as exactly this string by YAML 1.1 and 1.2 parsers. */
export function isSafePlain(text: string, inFlow: boolean, atLineStart: boolean): boolean {
  if (text === "" || /^\s|\s$/.test(text)) return false;
  if (/[\t\n\r\x85\u2028\u2029]/.test(text) || NON_PRINTABLE.test(text)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text) && !/^[-?:][^\s,[\]{}]/.test(text)) return false;
  if (text.includes(": ") || text.includes(" #") || text.endsWith(":")) return false;
  if (inFlow && /[,[\]{}]/.test(text)) return false;
  if (atLineStart && /^(---|\.\.\.)(\s|$)/.test(text)) return false;
  return true;
}

/** True when a bare word would be read as a boolean, null, number or date (YAML 1.1 as Go reads it, or 1.2). */
export function resolvesToNonString(text: string): boolean {
  for (const version of ["1.1", "1.2"] as const) {
    try {
      if (typeof parseYaml(text, { version, logLevel: "silent" }) !== "string") return true;
    } catch {
      return true;
    }
  }
  return false;
}

const isSingleQuotable = (value: string) => !LINE_BREAKS.test(value) && !NON_PRINTABLE.test(value) && !value.includes("\t");

/** The whole scalar in the plainest quoting style that holds `text` exactly. */
export function quoteScalar(text: string): string {
  if (isSingleQuotable(text)) return `'${text.replace(/'/g, "''")}'`;
  return `"${escapeDoubleQuoted(text)}"`;
}

const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\0": "\\0",
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\x0B": "\\v",
  "\f": "\\f",
  "\r": "\\r",
  "\x1B": "\\e",
  "\x85": "\\N",
  "\u2028": "\\L",
  "\u2029": "\\P",
};

export function escapeDoubleQuoted(text: string): string {
  let out = "";
  for (const char of text) {
    const escape = DOUBLE_QUOTED_ESCAPES[char];
    if (escape) out += escape;
    else if (NON_PRINTABLE.test(char)) {
      const code = char.codePointAt(0)!;
      out += code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += char;
  }
  return out;
}

/**
 * Every token a placeholder sits in, with whether it is a mapping key and whether it is inside `[ ]` / `{ }`.
 * Tokens without a placeholder are not kept: in a large template they are most of the tokens.
 */
function collectSites(source: string, yaml: ReadYaml, marker: string): Site[] {
  const list: Site[] = [];
  const lineStart = (offset: number) => source.lastIndexOf("\n", offset - 1) + 1;
  // Tokens come from the text as go-yaml reads it (go-yaml.ts), mapped back onto the template's own text.
  const { reading } = yaml;
  const inSource = (token: LeafToken): LeafToken => {
    if (reading.insertions.length === 0) return token;
    const from = sourceOffset(reading, token.offset);
    const to = sourceOffset(reading, token.offset + token.source.length);
    return { ...token, offset: from, source: source.slice(from, to), props: token.props?.map(inSource) };
  };

  const leaf = (read: LeafToken, isKey: boolean, inFlow: boolean) => {
    const token = inSource(read);
    const kind =
      token.type === "scalar"
        ? "plain"
        : token.type === "single-quoted-scalar"
          ? "single"
          : token.type === "double-quoted-scalar"
            ? "double"
            : token.type === "block-scalar"
              ? "block"
              : token.type === "comment"
                ? "comment"
                : "other";
    if (kind === "block") read.props?.forEach((p) => leaf(p, false, inFlow));
    if (token.source.includes(marker)) list.push({ token, kind, isKey, inFlow, column: token.offset - lineStart(token.offset) });
  };
  const visit = (node: unknown, isKey: boolean, inFlow: boolean): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      node.forEach((n) => visit(n, isKey, inFlow));
      return;
    }
    const token = node as Record<string, unknown> & LeafToken;
    switch (token.type) {
      case "document":
        visit(token.start, false, false);
        visit(token.value, false, false);
        visit(token.end, false, false);
        return;
      case "block-map":
      case "block-seq":
      case "flow-collection": {
        const flow = inFlow || token.type === "flow-collection";
        visit(token.start, false, flow);
        for (const item of token.items as Record<string, unknown>[]) {
          visit(item.start, false, flow);
          visit(item.key, true, flow);
          visit(item.sep, false, flow);
          visit(item.value, false, flow);
        }
        visit(token.end, false, flow);
        return;
      }
      default:
        if (typeof token.source === "string") leaf(token, isKey, inFlow);
        if ("end" in token) visit(token.end, false, inFlow);
    }
  };
  for (const token of yaml.cst) visit(token, false, false);
  return list;
}

/** The placeholder rendering's documents with each placeholder replaced by what its value should read as. */
function expectedDocuments(documents: unknown[], slots: Slot[], marker: string): unknown[] {
  const bySlot = new Map(slots.map((s) => [s.placeholder, s]));
  // The placeholders' shape, not an alternation of every placeholder: that would cost a try per slot per match.
  const pattern = new RegExp(`${marker}\\d+z`, "g");
  const expectOf = (node: unknown): unknown => {
    if (typeof node === "string") {
      const slot = bySlot.get(node);
      if (slot && (isCollection(slot.piece.value) || slot.piece.formatted)) return parseFailsafe(valueText(slot.piece.value)).documents[0];
      if (!node.includes(marker)) return node;
      return node.replace(pattern, (p) => {
        const found = bySlot.get(p);
        return found ? valueText(found.piece.value) : p;
      });
    }
    if (Array.isArray(node)) return node.map(expectOf);
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [expectOf(k) as string, expectOf(v)]));
    }
    return node;
  };
  return documents.map(expectOf);
}

/** At most this many edits are blamed by name; past it, one more problem says there are more. */
const MAX_BLAMED = 20;

/**
 * Only after a failed shape check: finds the edits that change the document. By bisection: a group of edits that
 * keeps the document's shape when applied together is innocent as a whole, so k culprits among n edits cost about
 * k·log n parses, not one parse per edit.
 */
function blameEdits(placeholderText: string, documents: unknown[], edits: readonly Edit[], slots: readonly Slot[], marker: string): OffsetFinding[] {
  // Edits (sorted by applyEdits) and slots are both in text order: one forward pass finds a group's slots.
  const slotsOf = (group: readonly Edit[]) => {
    const found: Slot[] = [];
    let k = 0;
    for (const edit of group) {
      while (k < slots.length && slots[k]!.from < edit.from) k++;
      for (let j = k; j < slots.length && slots[j]!.to <= edit.to; j++) found.push(slots[j]!);
    }
    return found;
  };
  const keepsShape = (group: readonly Edit[]) => {
    let text = "";
    let position = 0;
    for (const edit of group) {
      text += placeholderText.slice(position, edit.from) + edit.text;
      position = edit.to;
    }
    text += placeholderText.slice(position);
    return isDeepStrictEqual(expectedDocuments(documents, slotsOf(group), marker), parseFailsafe(text).documents);
  };
  const guilty: Edit[] = [];
  let more = false;
  const search = (group: readonly Edit[]): void => {
    if (group.length === 0 || more || keepsShape(group)) return;
    if (group.length > 1) {
      const middle = group.length >> 1;
      search(group.slice(0, middle));
      search(group.slice(middle));
    } else if (guilty.length < MAX_BLAMED) guilty.push(group[0]!);
    else more = true;
  };
  search(edits);

  const problems = guilty.map((edit): OffsetFinding => {
    const slot = slotsOf([edit])[0] ?? slots[0]!;
    return {
      id: "template/value-cannot-be-held",
      message: `${describe(slot)} would change the document's structure here`,
      hint: "quote the scalar that holds it in the template",
      offset: slot.piece.start,
      name: slot.piece.name,
    };
  });
  if (more) {
    problems.push({
      id: "template/value-cannot-be-held",
      message: `more values would change the document's structure (the first ${MAX_BLAMED} are named)`,
      offset: problems.at(-1)!.offset,
    });
  }
  if (problems.length === 0) {
    problems.push({ id: "template/value-cannot-be-held", message: "the values together change the document's structure", offset: slots[0]!.piece.start });
  }
  return problems;
}

/** A YAML text as go-yaml reads it (go-yaml.ts) and its CST, or why it cannot be read. */
interface ReadYaml {
  reading: GoYamlReading;
  cst: CST.Token[];
}

function readYaml(text: string): ReadYaml | { error: { offset: number; message: string } } {
  const sizeProblem = yamlSizeProblem(text);
  if (sizeProblem) return { error: { offset: 0, message: sizeProblem } };
  const reading = readAsGoYaml(text, { allDocuments: true });
  if (reading.error) return { error: { offset: reading.error.offset, message: reading.error.message } };
  return { reading, cst: [...new Parser().parse(reading.text)] };
}

/**
 * All documents parsed with every scalar as a string, as go-yaml reads them (go-yaml.ts); the first error's offset
 * (in `text`) when the text is not YAML. `read` is readYaml(text) when the caller has it already.
 */
function parseFailsafe(
  text: string,
  read: ReturnType<typeof readYaml> = readYaml(text),
): { documents: unknown[]; error?: { offset: number; message: string } } {
  if ("error" in read) return { documents: [], error: read.error };
  const { reading, cst } = read;
  const documents = [...new Composer({ schema: "failsafe", uniqueKeys: false, logLevel: "silent" }).compose(cst)];
  for (const document of documents) {
    const error = document.errors[0];
    if (error) return { documents: [], error: { offset: sourceOffset(reading, error.pos[0]), message: error.message.split("\n")[0]! } };
    // Comparing the documents walks every alias expanded: a "billion laughs" must stop here.
    const aliasing = documentAliasingProblem(document);
    if (aliasing) return { documents: [], error: { offset: sourceOffset(reading, aliasing.offset), message: `${aliasing.message}; ${ALIAS_HINT}` } };
  }
  return { documents: documents.map((d) => d.toJS({ maxAliasCount: -1 })) };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

function jsonEdits(source: string, slots: Slot[], options: AssembleOptions, problems: OffsetFinding[]): Edit[] {
  void problems;
  const inString = stringRanges(source);
  return slots.map((slot) => {
    const value = slot.piece.value;
    let text: string;
    if (inString(slot.from)) {
      text = JSON.stringify(valueText(value)).slice(1, -1);
    } else if (slot.piece.formatted) {
      text = valueText(value);
    } else if (typeof value !== "string" || options.declaredType(slot.piece.name ?? "") === "string") {
      text = JSON.stringify(value ?? null);
    } else {
      text = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(value) ? value : JSON.stringify(value);
    }
    return { from: slot.from, to: slot.to, text, origin: slot.from };
  });
}

/** A predicate telling whether an offset lies inside a JSON string literal (a binary search over the literals). */
function stringRanges(source: string): (offset: number) => boolean {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '"') continue;
    starts.push(i);
    for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === "\\") i++;
    ends.push(i);
  }
  return (offset) => {
    // The last literal starting before `offset`: the literals do not overlap, so only it can hold `offset`.
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (starts[mid]! < offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found !== -1 && offset < ends[found]!;
  };
}
