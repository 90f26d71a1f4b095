/**
 * Redaction of secret values in text promplate prints: tool output (promtool, amtool), parser messages, notes.
 * A tool does not print a value as it is: Go's %q escapes it (`S3cr3t\"q`), JSON escapes it again, a URL
 * percent-encodes it, basic auth base64-encodes it, and a parser quotes a fragment where the value breaks a query
 * (`unexpected "FRAGMENT"`). So the text is decoded in several ways (backslash escapes up to three levels deep,
 * percent and form encoding, YAML single-quote doubling), each secret is searched for in every decoded view, and the
 * original characters a match came from are replaced by `***`. Base64 is searched as encoded needles (whole value,
 * and the value at each of the three byte alignments inside a longer blob, e.g. `user:password`).
 * Then any quoted part of the text (`"…"`, `'…'`, `` `…` ``) that shares a run of 6 or more characters with a secret,
 * is a piece of one (3 characters or more), or equals one, is dropped: `unexpected "***"`. When a quote is not
 * closed on its line, the rest counts as quoted.
 */

/** Secrets shorter than this are masked only where a whole quoted part equals them: masking every `ab` would
 * make messages unreadable, and a value that short is no secret worth the name. */
export const MIN_MASKED_LENGTH = 4;
/** A quoted part sharing this many consecutive characters with a secret is dropped. */
export const FRAGMENT_LENGTH = 6;
/** A quoted part this long that is a piece of a secret is dropped too: where a secret breaks a query, the parser
 * quotes the token it stopped at (`p4ss"w0rd` gives `unexpected identifier "w0rd"`). */
export const PIECE_LENGTH = 3;
/** Base64 needles shorter than this are skipped (they would match ordinary words). */
const MIN_BASE64_NEEDLE = 8;

const MASK = "***";

export type Redactor = (text: string) => string;

/** A redactor for these secret values; the identity when there is none. */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const values = [...new Set(secrets)].filter((s) => s.length > 0);
  if (values.length === 0) return (text) => text;
  const needles = [...new Set(values.filter((s) => s.length >= MIN_MASKED_LENGTH).flatMap((s) => [s, ...base64Needles(s)]))].sort(
    (a, b) => b.length - a.length,
  );
  const whole = new Set(values);
  const grams = new Set<string>();
  for (const value of values) for (let i = 0; i + FRAGMENT_LENGTH <= value.length; i++) grams.add(value.slice(i, i + FRAGMENT_LENGTH));
  return (text) => {
    if (text === "") return text;
    return dropQuotedFragments(maskNeedles(text, needles), values, whole, grams);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Decoded views: a decoded text and, for each of its UTF-16 units, the range of the original text it came from.

interface View {
  text: string;
  from: number[];
  to: number[];
}

type Emit = (decoded: string, start: number, end: number) => void;
type Decoder = (text: string, emit: Emit) => void;

function identityView(text: string): View {
  const from = Array.from({ length: text.length }, (_, i) => i);
  return { text, from, to: from.map((i) => i + 1) };
}

function decodeView(view: View, decoder: Decoder): View {
  let text = "";
  const from: number[] = [];
  const to: number[] = [];
  decoder(view.text, (decoded, start, end) => {
    text += decoded;
    for (let i = 0; i < decoded.length; i++) {
      from.push(view.from[start]!);
      to.push(view.to[end - 1]!);
    }
  });
  return { text, from, to };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  "/": "/",
  "`": "`",
  " ": " ",
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
  e: "\x1b",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Backslash escapes as Go (%q, strconv.Quote), JSON and YAML double-quoted strings write them. */
const unescapeBackslashes: Decoder = (text, emit) => {
  for (let i = 0; i < text.length; ) {
    if (text[i] === "\\" && i + 1 < text.length) {
      const c = text[i + 1]!;
      const simple = SIMPLE_ESCAPES[c];
      if (simple !== undefined) {
        emit(simple, i, i + 2);
        i += 2;
        continue;
      }
      const digits = HEX_ESCAPES[c];
      const hex = digits ? text.slice(i + 2, i + 2 + digits) : "";
      if (digits && hex.length === digits && /^[0-9a-fA-F]+$/.test(hex)) {
        const code = Number.parseInt(hex, 16);
        if (code <= 0x10ffff) {
          emit(String.fromCodePoint(code), i, i + 2 + digits);
          i += 2 + digits;
          continue;
        }
      }
    }
    emit(text[i]!, i, i + 1);
    i++;
  }
};

/** `%HH` sequences (UTF-8), as encodeURIComponent, Go's url escaping and form encoding write them; `+` is a space
 * in form encoding only. */
function percentDecoder(plusIsSpace: boolean): Decoder {
  return (text, emit) => {
    const byteAt = (i: number) =>
      text[i] === "%" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3)) ? Number.parseInt(text.slice(i + 1, i + 3), 16) : undefined;
    for (let i = 0; i < text.length; ) {
      const lead = byteAt(i);
      if (lead !== undefined) {
        const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
        const bytes: number[] = [];
        for (let k = 0; k < length; k++) {
          const next = byteAt(i + 3 * k);
          if (next === undefined || (k > 0 && (next & 0xc0) !== 0x80)) break;
          bytes.push(next);
        }
        if (length > 0 && bytes.length === length) {
          emit(Buffer.from(bytes).toString("utf8"), i, i + 3 * length);
          i += 3 * length;
          continue;
        }
      }
      emit(plusIsSpace && text[i] === "+" ? " " : text[i]!, i, i + 1);
      i++;
    }
  };
}

/** YAML single-quoted scalars write `'` as `''`. */
const undoubleQuotes: Decoder = (text, emit) => {
  for (let i = 0; i < text.length; ) {
    if (text[i] === "'" && text[i + 1] === "'") {
      emit("'", i, i + 2);
      i += 2;
    } else {
      emit(text[i]!, i, i + 1);
      i++;
    }
  }
};

const percent = percentDecoder(false);
const form = percentDecoder(true);

/** The decodings tried, alone and in the combinations tools produce (JSON of Go-quoted text, an escaped URL). */
const CHAINS: readonly Decoder[][] = [
  [],
  [unescapeBackslashes],
  [unescapeBackslashes, unescapeBackslashes],
  [unescapeBackslashes, unescapeBackslashes, unescapeBackslashes],
  [percent],
  [form],
  [undoubleQuotes],
  [unescapeBackslashes, percent],
  [unescapeBackslashes, form],
  [percent, unescapeBackslashes],
];

function viewsOf(text: string): View[] {
  const identity = identityView(text);
  if (!/[\\%+']/.test(text)) return [identity]; // nothing any decoder would change
  const views: View[] = [];
  const seen = new Set<string>();
  for (const chain of CHAINS) {
    const view = chain.reduce(decodeView, identity);
    if (chain.length > 0 && seen.has(view.text)) continue;
    seen.add(view.text);
    views.push(view);
  }
  return views;
}

// ---------------------------------------------------------------------------------------------------------------
// Whole values

/** Where a secret (by its index in the list) was found: the offset of the match, or of the line holding it. */
export interface SecretOccurrence {
  index: number;
  offset: number;
}

/**
 * Finds `secrets` in `text` in any encoding the redactor masks — whole values only, no fragments: as they are and
 * in base64 anywhere, and escaped or URL-encoded within a line. `scan` uses it to find a secret value copied in an
 * escaped or encoded form.
 */
export function createSecretFinder(secrets: readonly string[]): (text: string) => SecretOccurrence[] {
  const searched = secrets.flatMap((secret, index) => {
    if (secret.length < MIN_MASKED_LENGTH) return [];
    // Encoders leave letters and digits alone: a line without the value's longest such run cannot hold it escaped
    // or URL-encoded, which spares decoding almost every line.
    const anchor = (secret.match(/[A-Za-z0-9]{3,}/g) ?? []).sort((a, b) => b.length - a.length)[0];
    return [{ index, secret, anchor, plain: [secret, ...base64Needles(secret)] }];
  });
  return (text) => {
    const found: SecretOccurrence[] = [];
    for (const { index, plain } of searched) {
      for (const needle of plain)
        for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) found.push({ index, offset: at });
    }
    let offset = 0;
    for (const line of text.split("\n")) {
      const candidates = /[\\%+']/.test(line) ? searched.filter(({ anchor }) => anchor === undefined || line.includes(anchor)) : [];
      if (candidates.length > 0) {
        for (const view of viewsOf(line).slice(1)) for (const { index, secret } of candidates) if (view.text.includes(secret)) found.push({ index, offset });
      }
      offset += line.length + 1;
    }
    return found;
  };
}

function maskNeedles(text: string, needles: readonly string[]): string {
  if (needles.length === 0) return text;
  const ranges: [number, number][] = [];
  for (const view of viewsOf(text)) {
    for (const needle of needles) {
      for (let at = view.text.indexOf(needle); at !== -1; at = view.text.indexOf(needle, at + 1)) {
        ranges.push([view.from[at]!, view.to[at + needle.length - 1]!]);
      }
    }
  }
  return replaceRanges(text, ranges);
}

/** Replaces the union of the ranges by `***` each. */
function replaceRanges(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = "";
  let copied = 0;
  let current: [number, number] | undefined;
  for (const range of ranges) {
    if (current && range[0] <= current[1]) {
      current[1] = Math.max(current[1], range[1]);
      continue;
    }
    if (current) {
      out += text.slice(copied, current[0]) + MASK;
      copied = current[1];
    }
    current = [range[0], range[1]];
  }
  out += text.slice(copied, current![0]) + MASK + text.slice(current![1]);
  return out;
}

/**
 * How a value looks in base64 (standard and URL-safe, padded or not): whole, and the characters that depend only on
 * the value when it starts at each byte alignment inside a longer encoded blob (`user:password` in basic auth).
 */
function base64Needles(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const needles: string[] = [];
  const whole = bytes.toString("base64");
  needles.push(whole, whole.replace(/=+$/, ""));
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const core = encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    needles.push(core);
  }
  const usable = needles.filter((n) => n.length >= MIN_BASE64_NEEDLE);
  return [...new Set([...usable, ...usable.map((n) => n.replace(/\+/g, "-").replace(/\//g, "_"))])];
}

// ---------------------------------------------------------------------------------------------------------------
// Quoted fragments

interface Span {
  /** The content's range (without the quotes). */
  start: number;
  end: number;
}

/** Quoted parts of each line: `"…"` and `'…'` honour backslash escapes, `` `…` `` does not; an apostrophe inside a
 * word (`promplate's`) opens nothing; a quote not closed on its line runs to the end of the text. */
export function quotedSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < text.length; i++) {
    const quote = text[i]!;
    if (quote !== '"' && quote !== "'" && quote !== "`") continue;
    if (quote === "'" && /[\p{L}\p{N}]/u.test(text[i - 1] ?? "") && /[\p{L}]/u.test(text[i + 1] ?? "")) continue;
    let j = i + 1;
    for (; j < text.length && text[j] !== quote && text[j] !== "\n"; j++) if (quote !== "`" && text[j] === "\\") j++;
    // Not closed on its line: when in doubt, everything after the quote counts as quoted.
    const end = text[j] === quote ? j : text.length;
    spans.push({ start: i + 1, end });
    i = end;
  }
  return spans;
}

function dropQuotedFragments(text: string, values: readonly string[], whole: ReadonlySet<string>, grams: ReadonlySet<string>): string {
  const isPiece = (part: string) => part.length >= PIECE_LENGTH && values.some((value) => value.includes(part));
  const drop: [number, number][] = [];
  for (const span of quotedSpans(text)) {
    if (span.end <= span.start) continue;
    const content = text.slice(span.start, span.end);
    if (content === MASK) continue;
    if (viewsOf(content).some((view) => whole.has(view.text) || isPiece(view.text) || sharesGram(view.text, grams))) drop.push([span.start, span.end]);
  }
  return replaceRanges(text, drop);
}

function sharesGram(text: string, grams: ReadonlySet<string>): boolean {
  if (grams.size === 0) return false;
  for (let i = 0; i + FRAGMENT_LENGTH <= text.length; i++) if (grams.has(text.slice(i, i + FRAGMENT_LENGTH))) return true;
  return false;
}
