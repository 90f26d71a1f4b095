/**
 * Finds the line and column of a path in a YAML text, for the findings that get reported. Works on the events
 * js-yaml's parser emitted when the document was loaded (document.ts), on the text as go-yaml reads it: the data is
 * parsed once, and a finding costs a walk down its path. A text given without its events is parsed for them here.
 *
 * The places are the ones `yaml`'s document API gives its nodes, so findings point where they always did: a
 * value's first character (a quoted scalar's quote, an alias' `*`, a block scalar's `|` or `>` header, a block
 * mapping's first key), and for an empty value the place right after its indicator (`:`, `-`) and the spaces that
 * follow it. Keys are matched as `yaml` reads them: YAML 1.2 core types, so `yes` is not `true` and a merged key is
 * not found.
 */
import { COLLECTION_STYLE, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, type Event, type ScalarEvent } from "js-yaml";
import { readAsGoYaml, sourceColumn, type GoYamlReading } from "./go-yaml.js";
import type { DocumentFinding } from "./types.js";

export interface Located {
  line: number;
  column: number;
}

/** A text as it was parsed: how go-yaml reads it, and the parser's events, with offsets in `reading.text`. */
export interface ParsedText {
  reading?: GoYamlReading;
  events?: readonly Event[];
}

export type Locator = (finding: Pick<DocumentFinding, "path" | "atKey" | "offsetInValue">) => Located;

export function createLocator(source: string, parsed?: ParsedText): Locator {
  const reading = parsed?.reading ?? readAsGoYaml(source);
  const tree = new EventTree(reading.text, parsed?.events ?? parseEventsOrNone(reading.text));
  const lineStarts = lineStartsOf(reading.text);
  const at = (offset: number): Located => {
    const line = lineOf(lineStarts, offset);
    return { line: line + 1, column: sourceColumn(reading, line + 1, offset - lineStarts[line]! + 1) };
  };
  return ({ path, atKey, offsetInValue }) => {
    let node = tree.root;
    let keyNode = -1;
    let deepest = node;
    for (const part of path) {
      keyNode = -1;
      if (node < 0) break;
      const type = tree.type(node);
      if (type === EVENT_ID.MAPPING) {
        const pair = tree.findKey(node, String(part));
        if (pair === undefined) break;
        const [key, value] = pair;
        keyNode = tree.type(key) === EVENT_ID.SCALAR ? key : -1;
        node = value;
        // A key without `:` (`? key`) has no value node: point at the key.
        deepest = keyNode >= 0 && tree.isMissingValue(value) ? keyNode : value;
      } else if (type === EVENT_ID.SEQUENCE && typeof part === "number") {
        const item = tree.children(node)[part];
        if (item === undefined) break;
        node = item;
        deepest = item;
      } else {
        break;
      }
    }
    if (atKey && keyNode >= 0) return at(tree.start(keyNode));
    if (deepest < 0) return { line: 1, column: 1 };
    if (offsetInValue !== undefined && tree.holdsString(deepest)) return at(tree.offsetInScalar(deepest, offsetInValue));
    return at(tree.start(deepest));
  };
}

/** A text the locator is asked about parses (its data did); if it does not, every finding points at its start. */
function parseEventsOrNone(text: string): readonly Event[] {
  try {
    return parseEvents(text, {});
  } catch {
    return [];
  }
}

/** Offsets where lines start: after each `\n`, as `yaml`'s line counter has them (a lone `\r` is no break there). */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** The 0-based line holding `offset`. */
function lineOf(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

const SPACE = /[ \t]/;
/** What may lie between a token and the indicator of the empty value after it. */
const BETWEEN = /[ \t\r\n\]}]/;

/**
 * The events as a tree, built lazily along the paths asked for: each collection's closing event is found once,
 * and a collection's children are listed when first walked into.
 */
class EventTree {
  /** The first document's content, or -1. */
  readonly root: number;
  /** For each collection event, its closing (POP) event, and for each POP its opening event. */
  private readonly partner: Int32Array;
  private readonly childLists = new Map<number, number[]>();

  constructor(
    private readonly text: string,
    private readonly events: readonly Event[],
  ) {
    this.partner = new Int32Array(events.length);
    const open: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const type = events[i]!.type;
      if (type === EVENT_ID.POP) {
        const opening = open.pop() ?? 0;
        this.partner[i] = opening;
        this.partner[opening] = i;
      } else if (type === EVENT_ID.DOCUMENT || type === EVENT_ID.MAPPING || type === EVENT_ID.SEQUENCE) {
        open.push(i);
      }
    }
    this.root = events[0]?.type === EVENT_ID.DOCUMENT && events[1] && events[1].type !== EVENT_ID.POP ? 1 : -1;
  }

  type(node: number): number {
    return this.events[node]!.type;
  }

  /** The child events of a collection: items of a sequence, keys and values in turn for a mapping. */
  children(node: number): number[] {
    let list = this.childLists.get(node);
    if (list) return list;
    list = [];
    const end = this.partner[node]!;
    for (let child = node + 1; child < end; child = this.isCollection(child) ? this.partner[child]! + 1 : child + 1) list.push(child);
    this.childLists.set(node, list);
    return list;
  }

  /** The first pair whose key reads as `key`, as [key, value]. */
  findKey(mapping: number, key: string): [number, number] | undefined {
    const list = this.children(mapping);
    for (let i = 0; i + 1 < list.length; i += 2) {
      if (this.keyText(list[i]!) === key) return [list[i]!, list[i + 1]!];
    }
    return undefined;
  }

  /** Where a node starts in the text. */
  start(node: number): number {
    const event = this.events[node]!;
    switch (event.type) {
      case EVENT_ID.SCALAR:
        return this.scalarStart(node, event);
      case EVENT_ID.ALIAS:
        return event.anchorStart - 1;
      case EVENT_ID.MAPPING: {
        // `yaml` starts a block mapping at its first key, after that key's anchor or tag.
        const key = this.events[node + 1];
        const keyHasProps =
          (key?.type === EVENT_ID.SCALAR || key?.type === EVENT_ID.MAPPING || key?.type === EVENT_ID.SEQUENCE) && (key.anchorStart >= 0 || key.tagStart >= 0);
        return event.style === COLLECTION_STYLE.BLOCK && keyHasProps && this.text[event.start] !== "?" ? this.start(node + 1) : event.start;
      }
      case EVENT_ID.SEQUENCE:
        return event.start;
      default:
        return 0;
    }
  }

  /** Whether a node's value is a string as `yaml` reads it (an offset inside it can be mapped). */
  holdsString(node: number): boolean {
    const event = this.events[node]!;
    if (event.type !== EVENT_ID.SCALAR) return false;
    if (event.style !== SCALAR_STYLE.PLAIN || event.tagStart >= 0) return true;
    return typeof readCoreScalar(getScalarValue(this.text, event)) === "string";
  }

  /** Maps an offset inside a string value to the text: exact for plain and block scalars, close for quoted ones. */
  offsetInScalar(node: number, offset: number): number {
    const event = this.events[node] as ScalarEvent;
    const start = this.start(node);
    const text = this.text;
    switch (event.style) {
      case SCALAR_STYLE.PLAIN: {
        const oneLine = event.valueStart < 0 || !text.slice(event.valueStart, event.valueEnd).includes("\n");
        return oneLine ? start + offset : start;
      }
      case SCALAR_STYLE.SINGLE_QUOTED:
      case SCALAR_STYLE.DOUBLE_QUOTED: {
        const source = text.slice(start, event.valueEnd + 1);
        return source.includes("\n") || source.includes("\\") || source.includes("''") ? start : start + 1 + offset;
      }
      default:
        return this.offsetInBlockScalar(event, start, offset);
    }
  }

  /**
   * The line and column the offset has in the value (as js-yaml decoded it: the value the checker's offset is in),
   * moved to the content's lines and their indentation.
   */
  private offsetInBlockScalar(event: ScalarEvent, header: number, offset: number): number {
    const text = this.text;
    const before = getScalarValue(text, event).slice(0, offset);
    const lineBreak = before.lastIndexOf("\n");
    const columnInLine = before.length - lineBreak - 1;
    let lineIndex = 0;
    for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) lineIndex++;
    const contentStart = text.indexOf("\n", header) + 1;
    // The indentation of the first line with anything but white space.
    let indent = 0;
    for (let lineStart = contentStart; ; ) {
      const lineEnd = text.indexOf("\n", lineStart);
      const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
      if (/\S/.test(line)) {
        indent = /^ */.exec(line)![0].length;
        break;
      }
      if (lineEnd < 0) break;
      lineStart = lineEnd + 1;
    }
    let position = contentStart;
    for (let i = 0; i < lineIndex; i++) {
      const lineEnd = text.indexOf("\n", position);
      if (lineEnd < 0) {
        position = text.length + 1;
        break;
      }
      position = lineEnd + 1;
    }
    return position + indent + columnInLine;
  }

  /** A mapping value that is empty because the pair has no `:` at all. */
  isMissingValue(node: number): boolean {
    const event = this.events[node]!;
    return (
      event.type === EVENT_ID.SCALAR && event.valueStart < 0 && event.anchorStart < 0 && event.tagStart < 0 && this.indicatorBefore(node, ":") === undefined
    );
  }

  private isCollection(node: number): boolean {
    const type = this.events[node]!.type;
    return type === EVENT_ID.MAPPING || type === EVENT_ID.SEQUENCE;
  }

  /** A key as `yaml` makes it a string: a plain scalar has its YAML 1.2 core type (`1.50` is `1.5`). */
  private keyText(node: number): string | undefined {
    const event = this.events[node]!;
    if (event.type !== EVENT_ID.SCALAR) return undefined;
    const value = getScalarValue(this.text, event);
    if (event.style !== SCALAR_STYLE.PLAIN || event.tagStart >= 0) return value;
    return String(readCoreScalar(value));
  }

  private scalarStart(node: number, event: ScalarEvent): number {
    if (event.valueStart < 0) return this.emptyValueStart(node, event);
    switch (event.style) {
      case SCALAR_STYLE.SINGLE_QUOTED:
      case SCALAR_STYLE.DOUBLE_QUOTED:
        return event.valueStart - 1;
      case SCALAR_STYLE.LITERAL_BLOCK:
      case SCALAR_STYLE.FOLDED_BLOCK:
        return this.blockScalarHeader(node, event);
      default:
        return event.valueStart;
    }
  }

  /** The `|` or `>` on the line before the content (the content starts on the line after the header). */
  private blockScalarHeader(node: number, event: ScalarEvent): number {
    const text = this.text;
    const lineEnd = text[event.valueStart - 1] === "\n" ? event.valueStart - 1 : event.valueStart;
    let from = text.lastIndexOf("\n", lineEnd - 1) + 1;
    // After the key or indicator before it on the same line, and after its own anchor and tag.
    from = Math.max(from, this.endBefore(node) ?? 0, event.anchorEnd, event.tagEnd);
    for (let i = from; i < lineEnd; i++) if (text[i] === "|" || text[i] === ">") return i;
    return from;
  }

  /** An empty value is placed after its anchor or tag, or its indicator, and the spaces that follow. */
  private emptyValueStart(node: number, event: ScalarEvent): number {
    let offset = Math.max(event.anchorEnd, event.tagEnd);
    if (offset < 0) offset = this.indicatorBefore(node) ?? this.endBefore(node) ?? 0;
    while (SPACE.test(this.text[offset] ?? "")) offset++;
    return offset;
  }

  /** The offset just after the `:`, `-`, `?` (or only those in `indicators`) or `---` that introduces the node. */
  private indicatorBefore(node: number, indicators = ":-?"): number | undefined {
    const text = this.text;
    const previous = this.events[node - 1];
    if (previous?.type === EVENT_ID.DOCUMENT) {
      const marker = /^---(?=[ \t\r\n]|$)/m.exec(text);
      return marker ? marker.index + 3 : undefined;
    }
    // The first item of a block sequence: its `-` is where the sequence starts.
    if (previous?.type === EVENT_ID.SEQUENCE && previous.style === COLLECTION_STYLE.BLOCK) return previous.start + 1;
    let offset = this.endBefore(node);
    if (offset === undefined) return undefined;
    for (;;) {
      const c = text[offset];
      if (c === undefined) return undefined;
      if (c === "#") {
        const lineEnd = text.indexOf("\n", offset);
        if (lineEnd < 0) return undefined;
        offset = lineEnd;
      } else if (BETWEEN.test(c)) offset++;
      else return indicators.includes(c) ? offset + 1 : undefined;
    }
  }

  /** Where the text of the event before `node` ends: the preceding sibling, or the parent's opening. */
  private endBefore(node: number): number | undefined {
    const previous = this.events[node - 1];
    if (!previous) return undefined;
    switch (previous.type) {
      case EVENT_ID.SCALAR:
        if (previous.valueStart < 0) return this.emptyValueStart(node - 1, previous);
        return previous.style === SCALAR_STYLE.SINGLE_QUOTED || previous.style === SCALAR_STYLE.DOUBLE_QUOTED ? previous.valueEnd + 1 : previous.valueEnd;
      case EVENT_ID.ALIAS:
        return previous.anchorEnd;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        return previous.start + (previous.style === COLLECTION_STYLE.FLOW ? 1 : 0);
      case EVENT_ID.POP: {
        // A collection that just closed ends where its last child does (a flow one's bracket is skipped over).
        const opening = this.partner[node - 1]!;
        return node - 1 > opening + 1 ? this.endBefore(node - 1) : this.endBefore(opening + 1);
      }
      default:
        return undefined;
    }
  }
}

/** A plain scalar's value under the YAML 1.2 core schema, as `yaml` reads it. */
function readCoreScalar(source: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(source)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(source)) return source[0] === "t" || source[0] === "T";
  if (/^0o[0-7]+$/.test(source)) return parseInt(source.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(source)) return parseInt(source, 10);
  if (/^0x[0-9a-fA-F]+$/.test(source)) return parseInt(source.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(source)) {
    return source.slice(-3).toLowerCase() === "nan" ? Number.NaN : source[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(source) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(source)) {
    return parseFloat(source);
  }
  return source;
}
