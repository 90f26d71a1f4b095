/**
 * YAML as Prometheus and Alertmanager read it. Both use go-yaml (gopkg.in/yaml.v2 for configs, yaml.v3 for rule
 * files; the two share one scanner), a port of libyaml that differs from the YAML 1.2 spec js-yaml and `yaml` follow:
 *
 * - laxer: it does not check the indentation of a quoted scalar's continuation lines, nor of any line inside a flow
 *   collection (`[` … `]`, `{` … `}`); a `#` right after a quoted scalar or a flow indicator starts a comment; only
 *   the first document of a file is read, and the rest is never parsed;
 * - stricter: control characters anywhere, `%YAML` other than 1.1, escapes outside its list (`\/`), a tab where a
 *   token would start (tab indentation, even on an empty line), an implicit key whose `:` comes more than 1024
 *   characters after its start, an anchor name followed by a character it does not allow.
 *
 * `readAsGoYaml` follows go-yaml's token rules (flow level, block indentation, simple keys, scalar extents) to
 * rewrite the laxer forms into spec YAML with the same lines — spaces added at the start of continuation lines, one
 * space before such a comment, the text cut before the second document — and returns the first error go-yaml
 * raises that the JS parsers would not. Structural errors both raise are left to the parser.
 * NEL, LS and PS are line breaks for go-yaml and content here: they only change a scalar's value, never a verdict.
 */

export interface GoYamlError {
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** 0-based offset in the source. */
  offset: number;
}

export interface GoYamlReading {
  /** The source rewritten where go-yaml is laxer than YAML 1.2; every line keeps its number. */
  text: string;
  /** The spaces added, in order: where in the source, how many, and where they start in `text`. */
  insertions: readonly { offset: number; length: number; at: number }[];
  /** Spaces added at the start of a line (0-based line index → count), to map columns back. */
  padding: ReadonlyMap<number, number>;
  /** The first thing go-yaml rejects that the JS parsers accept. */
  error?: GoYamlError;
  /** 1-based line where the documents go-yaml never reads begin, when they hold anything but comments. */
  ignoredFrom?: number;
}

export interface GoYamlOptions {
  /**
   * Read every document, as a YAML stream (templates of any YAML output). By default only the first document is
   * read, as Prometheus and Alertmanager do, and `text` ends where the second begins.
   * @default false
   */
  allDocuments?: boolean;
}

/** The 1-based column in the source of `column` (1-based) on 1-based `line` of the rewritten text. */
export function sourceColumn(reading: GoYamlReading, line: number, column: number): number {
  const added = reading.padding.get(line - 1) ?? 0;
  return Math.max(1, column - added);
}

/** The source offset of an offset in the rewritten text (an offset inside added spaces maps to where they were added). */
export function sourceOffset(reading: GoYamlReading, offset: number): number {
  const { insertions } = reading;
  // The last insertion that starts at or before `offset`.
  let low = 0;
  let high = insertions.length - 1;
  let last = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (insertions[mid]!.at <= offset) {
      last = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  if (last < 0) return offset;
  const insertion = insertions[last]!;
  if (offset < insertion.at + insertion.length) return insertion.offset;
  return offset - (insertion.at - insertion.offset) - insertion.length;
}

/** Characters go-yaml's reader refuses: it allows tab, line breaks, printable ASCII, NEL and everything from U+00A0 but surrogates, U+FFFE and U+FFFF. */
const CONTROL = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const LINE_BREAK = /[\r\n]/g;

/** go-yaml's double-quoted escapes: `\/` (YAML 1.2) is not among them. */
const ESCAPES = new Set(["0", "a", "b", "t", "\t", "n", "v", "f", "r", "e", " ", '"', "'", "\\", "N", "_", "L", "P"]);
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

const TAB = 9,
  LF = 10,
  CR = 13,
  SPACE = 32,
  QUOTE = 34,
  HASH = 35,
  PERCENT = 37,
  APOSTROPHE = 39,
  COMMA = 44,
  DASH = 45,
  DOT = 46,
  COLON = 58,
  QUESTION = 63,
  BRACKET = 91,
  BACKSLASH = 92,
  CLOSE_BRACKET = 93,
  BRACE = 123,
  CLOSE_BRACE = 125;
/** Characters that cannot start a plain scalar (some can when a non-blank follows: `-`, `?`, `:`). */
const INDICATORS = new Set([..."-?:,[]{}#&*!|>'\"%@`"].map((c) => c.charCodeAt(0)));
/** What may follow an anchor or alias name. */
const AFTER_ANCHOR = new Set([..."?:,]}%@`"].map((c) => c.charCodeAt(0)));
const isNameCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === DASH;
const isFlowIndicator = (c: number) => c === COMMA || c === QUESTION || c === BRACKET || c === CLOSE_BRACKET || c === BRACE || c === CLOSE_BRACE;
const isBlankCode = (c: number) => c === SPACE || c === TAB;
const isBreakCode = (c: number) => c === LF || c === CR;
/** Blank, line break or end of input (NaN). */
const isBlankzCode = (c: number) => c === SPACE || c === TAB || c === LF || c === CR || Number.isNaN(c);

class ScanError extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown to stop at a character no parser accepts; the rewrite so far stands and the parser reports the error. */
class StopScan extends Error {}

interface SimpleKey {
  possible: boolean;
  required: boolean;
  offset: number;
  line: number;
}

export function readAsGoYaml(source: string, options: GoYamlOptions = {}): GoYamlReading {
  const scanner = new Scanner(source, options.allDocuments ?? false);
  let failure: ScanError | undefined;
  try {
    scanner.scan();
  } catch (caught) {
    if (caught instanceof ScanError) failure = caught;
    else if (!(caught instanceof StopScan)) throw caught;
  }
  const reading = scanner.rewrite();
  // go-yaml's reader decodes ahead of its scanner: a control character in the text it reads comes first.
  const control = CONTROL.exec(source.slice(0, scanner.readEnd));
  if (control) failure = new ScanError(control.index, "control characters are not allowed");
  const error = failure && { message: failure.message, ...scanner.position(failure.at), offset: failure.at };
  return { ...reading, error, ignoredFrom: scanner.ignoredFrom };
}

/** go-yaml's scanner state, kept to tell tokens apart the way it does; no tokens are built. */
class Scanner {
  private pos = 0;
  private line = 0;
  private lineStart = 0;
  private flowLevel = 0;
  /** The closing bracket of each open flow collection. */
  private readonly closers: string[] = [];
  /** Column of the innermost block collection; -1 outside any. */
  private indent = -1;
  private readonly indents: number[] = [];
  private simpleKeyAllowed = true;
  /** One possible simple key per flow level, the block level first. */
  private readonly simpleKeys: SimpleKey[] = [{ possible: false, required: false, offset: 0, line: 0 }];
  /** Inside a multi-line quoted scalar. */
  private inQuoted = false;
  private documentStarted = false;
  /** Where the first document ends (the source is cut there). */
  private end: number;
  get readEnd(): number {
    return this.end;
  }
  ignoredFrom?: number;
  /** Line index → the indentation that line must have at least (inside flow collections and quoted scalars). */
  private readonly minimumIndent = new Map<number, number>();
  /** Offsets where a comment follows a token without white space. */
  private readonly commentGaps: number[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly allDocuments: boolean,
  ) {
    this.end = text.length;
  }

  position(offset: number): { line: number; column: number } {
    let line = this.lineStarts.length - 1;
    while (line > 0 && this.lineStarts[line]! > offset) line--;
    let start = this.lineStarts[line]!;
    for (let i = start; i < offset; i++) {
      if (isBreakCode(this.code(i))) {
        line++;
        if (this.code(i) === CR && this.code(i + 1) === LF) i++;
        start = i + 1;
      }
    }
    return { line: line + 1, column: offset - start + 1 };
  }

  rewrite(): Pick<GoYamlReading, "text" | "insertions" | "padding"> {
    const padding = new Map<number, number>();
    const edits: { offset: number; length: number; at: number }[] = this.commentGaps.map((offset) => ({ offset, length: 1, at: 0 }));
    for (const [line, minimum] of this.minimumIndent) {
      const start = this.lineStarts[line];
      if (start === undefined || start >= this.end) continue;
      let spaces = 0;
      while (this.code(start + spaces) === SPACE) spaces++;
      // Lines holding only spaces are empty lines: any indentation will do.
      if (spaces >= minimum || start + spaces >= this.end || isBreakCode(this.code(start + spaces))) continue;
      padding.set(line, minimum - spaces);
      edits.push({ offset: start, length: minimum - spaces, at: 0 });
    }
    if (edits.length === 0) return { text: this.text.slice(0, this.end), insertions: edits, padding };
    edits.sort((a, b) => a.offset - b.offset);
    let text = "";
    let from = 0;
    for (const edit of edits) {
      text += this.text.slice(from, edit.offset);
      edit.at = text.length;
      text += " ".repeat(edit.length);
      from = edit.offset;
    }
    return { text: text + this.text.slice(from, this.end), insertions: edits, padding };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Characters

  /** The character code at `offset`; NaN past the end. */
  private code(offset = this.pos): number {
    return this.text.charCodeAt(offset);
  }

  private get column(): number {
    return this.pos - this.lineStart;
  }

  private atBreak(): boolean {
    return isBreakCode(this.code());
  }

  private isDocumentIndicator(): boolean {
    if (this.pos !== this.lineStart) return false;
    const c = this.code();
    return (c === DASH || c === DOT) && this.code(this.pos + 1) === c && this.code(this.pos + 2) === c && isBlankzCode(this.code(this.pos + 3));
  }

  /** Moves to the next line break (or the end). */
  private skipToLineEnd(): void {
    LINE_BREAK.lastIndex = this.pos;
    this.pos = LINE_BREAK.exec(this.text)?.index ?? this.text.length;
  }

  /** Consumes a line break; the new line inherits the indentation a flow collection or quoted scalar needs. */
  private consumeBreak(): void {
    this.pos += this.code() === CR && this.code(this.pos + 1) === LF ? 2 : 1;
    this.line++;
    this.lineStart = this.pos;
    this.lineStarts.push(this.pos);
    if (this.flowLevel > 0 || this.inQuoted) this.minimumIndent.set(this.line, this.indent + 1);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Tokens, told apart as go-yaml's fetch_next_token does

  scan(): void {
    if (this.code() === 0xfeff) this.lineStart = ++this.pos;
    for (;;) {
      this.scanToNextToken();
      this.unrollIndent(this.column);
      if (this.pos >= this.end) return;
      if (this.pos === this.lineStart && this.code() === PERCENT) {
        this.scanDirective();
        continue;
      }
      if (this.isDocumentIndicator()) {
        if (this.documentStarted && !this.allDocuments) {
          this.endFirstDocument();
          return;
        }
        // `---` opens a document; a `...` before any document is skipped, or ends one.
        this.documentStarted = this.code() === DASH;
        this.unrollIndent(-1);
        this.removeSimpleKey();
        this.simpleKeyAllowed = false;
        this.pos += 3;
        continue;
      }
      this.documentStarted = true;
      this.fetchToken(this.code());
    }
  }

  /** go-yaml decodes the first document only; what follows is never parsed. */
  private endFirstDocument(): void {
    this.end = this.pos;
    if (/^[ \t]*[^\s#]/m.test(this.text.slice(this.pos + 3))) this.ignoredFrom = this.line + 1;
  }

  private fetchToken(c: number): void {
    const flow = this.flowLevel > 0;
    if (c === BRACKET || c === BRACE) {
      this.saveSimpleKey();
      this.flowLevel++;
      this.closers.push(c === BRACKET ? "]" : "}");
      this.simpleKeys.push({ possible: false, required: false, offset: 0, line: 0 });
      this.simpleKeyAllowed = true;
      this.pos++;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      this.removeSimpleKey();
      if (flow) {
        this.flowLevel--;
        this.closers.pop();
        this.simpleKeys.pop();
      }
      this.simpleKeyAllowed = false;
      this.pos++;
    } else if (c === COMMA) {
      this.removeSimpleKey();
      this.simpleKeyAllowed = true;
      this.pos++;
    } else if (c === DASH && isBlankzCode(this.code(this.pos + 1))) {
      this.rollIndent(this.column);
      this.removeSimpleKey();
      this.simpleKeyAllowed = true;
      this.pos++;
    } else if (c === QUESTION && (flow || isBlankzCode(this.code(this.pos + 1)))) {
      this.rollIndent(this.column);
      this.removeSimpleKey();
      this.simpleKeyAllowed = !flow;
      this.pos++;
    } else if (c === COLON && (flow || isBlankzCode(this.code(this.pos + 1)))) {
      this.fetchValue();
    } else if (c === 42 /* * */ || c === 38 /* & */) {
      this.saveSimpleKey();
      this.simpleKeyAllowed = false;
      this.scanAnchor();
    } else if (c === 33 /* ! */) {
      this.saveSimpleKey();
      this.simpleKeyAllowed = false;
      while (!isBlankzCode(this.code()) && !(flow && this.code() === COMMA)) this.pos++;
    } else if ((c === 124 /* | */ || c === 62) /* > */ && !flow) {
      this.removeSimpleKey();
      this.simpleKeyAllowed = true;
      this.scanBlockScalar();
    } else if (c === APOSTROPHE || c === QUOTE) {
      this.saveSimpleKey();
      this.simpleKeyAllowed = false;
      this.scanQuotedScalar(c === APOSTROPHE);
    } else if (
      !(isBlankzCode(c) || INDICATORS.has(c)) ||
      (c === DASH && !isBlankCode(this.code(this.pos + 1))) ||
      (!flow && (c === QUESTION || c === COLON) && !isBlankzCode(this.code(this.pos + 1)))
    ) {
      this.saveSimpleKey();
      this.simpleKeyAllowed = false;
      this.scanPlainScalar();
    } else if (c === TAB) {
      throw new ScanError(this.pos, "found character that cannot start any token (a tab: Go's YAML reader does not allow tabs in indentation)");
    } else {
      // Anything else (`@`, a backquote) is an error for every parser: let the parser say so.
      throw new StopScan();
    }
  }

  private scanToNextToken(): void {
    for (;;) {
      const eatTabs = this.flowLevel > 0 || !this.simpleKeyAllowed;
      let c = this.code();
      while (c === SPACE || (eatTabs && c === TAB)) c = this.code(++this.pos);
      if (c === HASH) {
        if (this.pos > this.lineStart && !isBlankCode(this.code(this.pos - 1))) this.commentGaps.push(this.pos);
        this.skipToLineEnd();
      }
      if (!this.atBreak()) return;
      this.consumeBreak();
      if (this.flowLevel === 0) this.simpleKeyAllowed = true;
    }
  }

  private scanDirective(): void {
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.pos;
    this.skipToLineEnd();
    const words = this.text
      .slice(start + 1, this.pos)
      .replace(/#.*$/, "")
      .trim()
      .split(/[ \t]+/);
    if (words[0] === "YAML" && words[1] !== "1.1") {
      throw new ScanError(start, `found incompatible YAML document (%YAML ${words[1] ?? ""}: Go's YAML reader accepts YAML 1.1 documents only)`);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Block indentation and simple keys

  private rollIndent(column: number): void {
    if (this.flowLevel > 0 || this.indent >= column) return;
    this.indents.push(this.indent);
    this.indent = column;
  }

  private unrollIndent(column: number): void {
    if (this.flowLevel > 0) return;
    while (this.indent > column) this.indent = this.indents.pop() ?? -1;
  }

  private get simpleKey(): SimpleKey {
    return this.simpleKeys[this.simpleKeys.length - 1]!;
  }

  private saveSimpleKey(): void {
    if (!this.simpleKeyAllowed) return;
    const required = this.flowLevel === 0 && this.indent === this.column;
    this.simpleKeys[this.simpleKeys.length - 1] = { possible: true, required, offset: this.pos, line: this.line };
  }

  /** A required key that never got its `:` is a structural error the parser reports too: only forget it here. */
  private removeSimpleKey(): void {
    this.simpleKey.possible = false;
  }

  private fetchValue(): void {
    const key = this.simpleKey;
    const flow = this.flowLevel > 0;
    if (key.possible && key.line === this.line && key.offset + 1024 < this.pos && !flow) {
      const reason = "(go-yaml allows at most 1024 characters between the start of an implicit key and its ':')";
      throw new ScanError(this.pos, key.required ? `could not find expected ':' ${reason}` : `mapping values are not allowed in this context ${reason}`);
    }
    if (key.possible && key.line < this.line && flow) {
      // An implicit key spans one line; in a flow collection go-yaml then finds a `:` where an entry should end.
      throw new ScanError(this.pos, `did not find expected ',' or '${this.closers[this.closers.length - 1]}' (an implicit key must be on one line)`);
    }
    if (key.possible && key.line === this.line) {
      this.rollIndent(key.offset - this.lineStart);
      this.simpleKeyAllowed = false;
    } else {
      this.rollIndent(this.column);
      this.simpleKeyAllowed = !flow;
    }
    key.possible = false;
    this.pos++;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Scalars, anchors

  private scanAnchor(): void {
    const start = this.pos++;
    while (isNameCode(this.code())) this.pos++;
    if (this.pos === start + 1 || !(isBlankzCode(this.code()) || AFTER_ANCHOR.has(this.code()))) {
      throw new ScanError(
        start,
        "did not find expected alphabetic or numeric character (an anchor or alias name is letters, digits, _ and -, followed by a space)",
      );
    }
  }

  private scanQuotedScalar(single: boolean): void {
    const quote = single ? APOSTROPHE : QUOTE;
    const start = this.pos++;
    this.inQuoted = true;
    for (;;) {
      if (this.isDocumentIndicator()) throw new ScanError(this.pos, "found unexpected document indicator");
      if (this.pos >= this.end) throw new ScanError(start, "found unexpected end of stream");
      let escapedBreak = false;
      for (let c = this.code(); !isBlankzCode(c); c = this.code()) {
        if (single && c === APOSTROPHE && this.code(this.pos + 1) === APOSTROPHE) this.pos += 2;
        else if (c === quote) break;
        else if (!single && c === BACKSLASH && isBreakCode(this.code(this.pos + 1))) {
          this.pos++;
          this.consumeBreak();
          escapedBreak = true;
          break;
        } else if (!single && c === BACKSLASH) this.scanEscape(start);
        else this.pos++;
      }
      if (!escapedBreak && this.code() === quote) break;
      for (let c = this.code(); isBlankCode(c) || isBreakCode(c); c = this.code()) {
        if (isBlankCode(c)) this.pos++;
        else this.consumeBreak();
      }
    }
    this.inQuoted = false;
    this.pos++;
  }

  private scanEscape(start: number): void {
    const code = this.text[this.pos + 1] ?? "";
    if (!ESCAPES.has(code) && !(code in HEX_LENGTH)) {
      throw new ScanError(this.pos, `found unknown escape character (\\${code} in a double-quoted string: Go's YAML reader does not accept it)`);
    }
    this.pos += 2;
    const length = HEX_LENGTH[code] ?? 0;
    if (length === 0) return;
    const digits = this.text.slice(this.pos, this.pos + length);
    if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length !== length) throw new ScanError(this.pos, "did not find expected hexdecimal number");
    const value = parseInt(digits, 16);
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) throw new ScanError(start, "found invalid Unicode character escape code");
    this.pos += length;
  }

  private scanPlainScalar(): void {
    const limit = this.indent + 1;
    const flow = this.flowLevel > 0;
    let leadingBlanks = false;
    for (;;) {
      if (this.isDocumentIndicator() || this.code() === HASH) break;
      // The hot loop of the scan: plain scalars are most of a config's text.
      const text = this.text;
      let pos = this.pos;
      let stopped = false;
      for (let c = text.charCodeAt(pos); !isBlankzCode(c); c = text.charCodeAt(++pos)) {
        if ((c === COLON && isBlankzCode(text.charCodeAt(pos + 1))) || (flow && isFlowIndicator(c))) {
          stopped = true;
          break;
        }
        leadingBlanks = false;
      }
      this.pos = pos;
      if (stopped || pos >= this.end) break;
      for (let c = this.code(); isBlankCode(c) || isBreakCode(c); c = this.code()) {
        if (isBreakCode(c)) {
          this.consumeBreak();
          leadingBlanks = true;
        } else if (leadingBlanks && c === TAB && this.column < limit) {
          throw new ScanError(this.pos, "found a tab character that violates indentation");
        } else this.pos++;
      }
      if (!flow && this.column < limit) break;
    }
    if (leadingBlanks) this.simpleKeyAllowed = true;
  }

  private scanBlockScalar(): void {
    this.pos++;
    let increment = 0;
    for (let i = 0; i < 2; i++) {
      const c = this.code();
      if (c === 43 /* + */ || c === DASH) this.pos++;
      else if (c >= 48 && c <= 57) {
        increment = c - 48;
        this.pos++;
      }
    }
    while (isBlankCode(this.code())) this.pos++;
    if (this.code() === HASH) {
      if (!isBlankCode(this.code(this.pos - 1))) this.commentGaps.push(this.pos);
      this.skipToLineEnd();
    }
    if (this.pos >= this.end) return;
    if (!this.atBreak()) return; // a header error: the parser reports it
    this.consumeBreak();
    let indent = increment > 0 ? (this.indent >= 0 ? this.indent + increment : increment) : 0;
    indent = this.scanBlockBreaks(indent);
    while (this.column === indent && this.pos < this.end) {
      this.skipToLineEnd();
      if (this.pos >= this.end) return;
      this.consumeBreak();
      indent = this.scanBlockBreaks(indent);
    }
  }

  /** Empty lines and indentation of a block scalar; works out the indentation when the header leaves it open. */
  private scanBlockBreaks(indent: number): number {
    let maxIndent = 0;
    for (;;) {
      while ((indent === 0 || this.column < indent) && this.code() === SPACE) this.pos++;
      maxIndent = Math.max(maxIndent, this.column);
      if ((indent === 0 || this.column < indent) && this.code() === TAB) {
        throw new ScanError(this.pos, "found a tab character where an indentation space is expected");
      }
      if (!this.atBreak()) break;
      this.consumeBreak();
    }
    return indent === 0 ? Math.max(maxIndent, this.indent + 1, 1) : indent;
  }
}
