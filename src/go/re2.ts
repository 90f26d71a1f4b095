/**
 * Go's `regexp` (RE2) as Prometheus and Alertmanager compile their regexes: anchored, `^(?s:re)$` for relabeling
 * (model/relabel.NewRegexp) and `^(?:re)$` for Alertmanager's match_re and matchers; the anchoring is part of the
 * syntax (`a)(b` is valid, `\Qa` is not).
 *
 * re2js (a port of RE2) decides; on the corpus' regexes and a table of tricky cases it accepts and refuses what Go
 * 1.25's regexp does, with Go's messages, except for `\p{…}` names outside Go's tables and duplicate group names
 * (test/go-re2.test.ts lists them). A compile costs re2js about 0.1 ms, and configs hold thousands of relabel regexes,
 * so the common plain ones (see `isPlain`) are compiled by JavaScript's engine instead, where they mean the same.
 * re2js is loaded on first use, not at start-up.
 */
import { createRequire } from "node:module";

type Re2Module = typeof import("re2js");
type Re2Regex = ReturnType<Re2Module["RE2JS"]["compile"]>;

let re2: Re2Module | undefined;

/** re2js, loaded on the first call (a synchronous load: ajv compiles and tests patterns synchronously). */
export function loadRe2(): Re2Module {
  // esbuild bundles `require("re2js")` as a module initialised at this call; under tsx (tests) there is no
  // `require`, so one is made.
  re2 ??= (typeof require === "function" ? require("re2js") : createRequire(import.meta.url)("re2js")) as Re2Module;
  return re2;
}

/** A successful anchored match: groups by number (0 is the whole text; undefined when a group took no part) and name. */
export interface Re2Match {
  groups: (string | undefined)[];
  named: Record<string, string | undefined>;
}

/** An anchored regex, matched with RE2 semantics. */
export interface AnchoredRegex {
  test(text: string): boolean;
  exec(text: string): Re2Match | null;
}

interface Compiled {
  /** Go's error for the pattern ("error parsing regexp: …"), when it has one. */
  problem?: string;
  regex?: AnchoredRegex;
}

const cache = new Map<string, Compiled>();

/** The error Go's regexp.Compile gives for this regex once anchored, or undefined when it compiles. */
export function re2Problem(pattern: string): string | undefined {
  // A plain pattern is valid: checking that costs less than caching it.
  return isPlain(pattern) ? undefined : compile(pattern).problem;
}

/** The regex anchored as relabeling compiles it (`^(?s:re)$`), or undefined when Go refuses it. */
export function anchoredRegex(pattern: string): AnchoredRegex | undefined {
  return compile(pattern).regex;
}

function compile(pattern: string): Compiled {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = isPlain(pattern) ? { regex: plainRegex(pattern) } : compileWithRe2(pattern);
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** A plain pattern, compiled by JavaScript (see isPlain). */
function plainRegex(pattern: string): AnchoredRegex {
  const regex = new RegExp(`^(?:${pattern})$`, "su");
  return {
    test: (text) => regex.test(text),
    exec: (text) => {
      const match = regex.exec(text);
      return match ? { groups: [...match], named: {} } : null;
    },
  };
}

function compileWithRe2(pattern: string): Compiled {
  const { RE2JS } = loadRe2();
  let regex: Re2Regex;
  try {
    regex = RE2JS.compile(`^(?s:${pattern})$`);
  } catch (error) {
    return { problem: problemText(pattern, (error as Error).message) };
  }
  const names = Object.keys(regex.namedGroups());
  return {
    regex: {
      test: (text) => regex.test(text),
      exec: (text) => {
        // Go's FindStringSubmatch: a search, anchored by the pattern's text (`^(?s:a)|(b)$` matches "ab").
        const matcher = regex.matcher(text);
        if (!matcher.find()) return null;
        const groups: (string | undefined)[] = [];
        for (let index = 0; index <= matcher.groupCount(); index++) groups.push(matcher.group(index) ?? undefined);
        const named: Record<string, string | undefined> = {};
        for (const name of names) named[name] = matcher.group(name) ?? undefined;
        return { groups, named };
      },
    },
  };
}

/**
 * Go quotes the anchored text (`^(?s:abc(def)$`); when the pattern alone has the same error, its own text reads
 * better (`abc(def`), else the anchored message is kept.
 */
function problemText(pattern: string, anchoredMessage: string): string {
  try {
    loadRe2().RE2JS.compile(pattern);
  } catch (error) {
    const message = (error as Error).message;
    if (message.split(": `")[0] === anchoredMessage.split(": `")[0]) return message;
  }
  return anchoredMessage;
}

/**
 * A search pattern without flags (JSON Schema's `pattern`) as a JavaScript regex that matches exactly where RE2 does,
 * when it is plain (see isPlain), else undefined. Unlike the relabel regexes it has no `(?s)`: RE2's `.` leaves out
 * only `\n` where JavaScript's also leaves out `\r`, U+2028 and U+2029, so `.` is written `[^\n]`.
 */
export function plainSearchRegex(pattern: string): RegExp | undefined {
  if (!isPlain(pattern)) return undefined;
  let source = "";
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    const end = c === "\\" ? i + 2 : c === "[" ? plainClassEnd(pattern, i) : i + 1;
    source += c === "." ? "[^\\n]" : pattern.slice(i, end);
    i = end;
  }
  try {
    return new RegExp(source, "u");
  } catch {
    return undefined; // `a)(b` is plain only inside the anchoring group of a relabel regex
  }
}

/** Escapes that mean the same in RE2 and in a JavaScript `u` regex (outside classes; inside, `-` too). */
const PLAIN_ESCAPES = "dDwW^$\\.*+?()[]{}|/";
/** Few enough choice points that backtracking stays polynomial, and small (Go refuses nesting over 1000 deep). */
const MAX_PLAIN_CHOICES = 4;
const MAX_PLAIN_LENGTH = 1000;
const MAX_PLAIN_DEPTH = 100;

/**
 * A valid pattern built only from literals, `.`, `^`, `$`, `|`, `*`, `+`, `?` (greedy or lazy), `{n,m}` (up to 1000),
 * groups (plain or `(?:`) that are not quantified, bracket classes of literals and ranges, and the escapes above. In
 * this subset RE2 and a JavaScript regex with the `su` flags agree on what is valid and on what matches, so neither
 * re2js nor a compile is needed to check one. Anything else (an error included) is left to re2js, for Go's verdict
 * and message; so are quantified groups (`(a+)+`) and more than a few quantifiers or alternating groups, since
 * re2js matches in linear time where JavaScript's backtracking may not. No surrogates: RE2 reads UTF-8.
 */
function isPlain(pattern: string): boolean {
  if (pattern.length > MAX_PLAIN_LENGTH || /[\uD800-\uDFFF]/.test(pattern)) return false;
  let choices = 0;
  let canRepeat = false; // an atom precedes
  let depth = 0; // -1 once a `)` closes the group the pattern is anchored in: `a)(b` is `^(?:a)(b)$`
  const groupAlternates: boolean[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "\\") {
      if (!PLAIN_ESCAPES.includes(pattern[i + 1] ?? "!")) return false;
      i += 2;
      canRepeat = true;
    } else if (c === "[") {
      const end = plainClassEnd(pattern, i);
      if (end < 0) return false;
      i = end;
      canRepeat = true;
    } else if (c === "(") {
      if (pattern[i + 1] === "?" && pattern[i + 2] !== ":") return false;
      if (++depth > MAX_PLAIN_DEPTH) return false;
      groupAlternates.push(false);
      i += pattern[i + 1] === "?" ? 3 : 1;
      canRepeat = false;
    } else if (c === ")") {
      if (--depth < -1 || "*+?{".includes(pattern[i + 1] ?? "!")) return false;
      if (groupAlternates.pop()) choices++;
      i++;
      canRepeat = true;
    } else if ("*+?{".includes(c)) {
      const count = c === "{" ? /^\{([0-9]+)(?:,([0-9]*))?\}/.exec(pattern.slice(i, i + 12)) : undefined;
      if (!canRepeat || count === null) return false;
      if (count && (Number(count[1]) > 1000 || Number(count[2] || count[1]) > 1000 || (count[2] && Number(count[2]) < Number(count[1])))) return false;
      i += count ? count[0].length : 1;
      if (pattern[i] === "?") i++; // lazy
      choices++;
      canRepeat = false;
    } else if (c === "}" || c === "]") {
      return false;
    } else {
      if (c === "|" && groupAlternates.length > 0) groupAlternates[groupAlternates.length - 1] = true;
      canRepeat = c !== "|" && c !== "^" && c !== "$";
      i++;
    }
  }
  return depth === 0 && choices <= MAX_PLAIN_CHOICES;
}

/** The index after a bracket class of literals and ranges in order (`[^a-z_\]]`), or -1. */
function plainClassEnd(pattern: string, start: number): number {
  let i = pattern[start + 1] === "^" ? start + 2 : start + 1;
  const first = i;
  const item = (): number | undefined => {
    // One literal's code point; undefined for \d, \w and the like, or where the class ends.
    const c = pattern[i];
    if (c === undefined || c === "[" || c === "]") return undefined; // `[]a]`: JavaScript reads `[]` as empty
    if (c !== "\\") return pattern.codePointAt(i++);
    const escaped = pattern[i + 1] ?? "!";
    if (!`${PLAIN_ESCAPES}-`.includes(escaped) || "dDwW".includes(escaped)) return undefined;
    i += 2;
    return escaped.codePointAt(0);
  };
  while (i < pattern.length && !(pattern[i] === "]" && i > first)) {
    if (pattern[i] === "\\" && "dDwW".includes(pattern[i + 1] ?? "!")) {
      i += 2;
      if (pattern[i] === "-" && pattern[i + 1] !== "]") return -1; // a range from \d: Go refuses some, JavaScript all
      continue;
    }
    const low = item();
    if (low === undefined) return -1;
    if (pattern[i] === "-" && pattern[i + 1] !== undefined && pattern[i + 1] !== "]") {
      i++;
      const high = item();
      if (high === undefined || high < low) return -1;
    }
  }
  return i < pattern.length && i > first ? i + 1 : -1;
}
