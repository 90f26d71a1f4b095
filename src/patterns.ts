/**
 * JSON Schema `pattern`s (a variable's, and the built-in schemas') run with RE2 semantics, as Go's regexp and so
 * Prometheus run regular expressions: in time linear in the text. JavaScript's backtracking engine can take
 * exponential time (`^(a+)+$` against 38 `a`s and a `!` never returns), and a pattern is matched against values
 * from the environment and files. RE2 has no lookaround and no backreferences: such a pattern is refused.
 *
 * re2js (a pure JavaScript port of RE2) is loaded on the first pattern compiled, not at start-up.
 */
import { loadRe2, plainSearchRegex } from "./go/re2.js";

type Re2Module = typeof import("re2js");

export interface Pattern {
  /** True when the pattern matches somewhere in `text` (JSON Schema patterns are not anchored). */
  test(text: string): boolean;
  /** The pattern's source: ajv tells patterns apart by it. */
  toString(): string;
}

/** Why RE2 cannot compile a pattern, in RE2's words (e.g. "invalid or unsupported Perl syntax: `(?=`"). */
export class PatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(
      `the pattern ${JSON.stringify(pattern)} is not a valid RE2 regular expression (${reason}); patterns use RE2 syntax, as in Prometheus: no lookaround, no backreferences`,
    );
    this.name = "PatternError";
  }
}

/** Compiles a pattern now; throws PatternError when RE2 cannot compile it. */
export function compilePattern(source: string): Pattern {
  const { RE2JS } = loadRe2();
  let compiled: InstanceType<Re2Module["RE2JS"]>;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    throw new PatternError(source, (error as Error).message.replace(/^error parsing regexp: /, ""));
  }
  return { test: (text) => compiled.test(text), toString: () => source };
}

/**
 * For the generated validators: their patterns come from promplate's own schemas and are compiled with RE2 when the
 * validators are generated. A plain one (src/go/re2.ts) runs as the JavaScript regex that means the same, where
 * backtracking stays polynomial; any other compiles with RE2 on the first test, so re2js stays off the start-up path
 * unless such a pattern is tested. Users' patterns always go through compilePattern.
 */
export function lazyPattern(source: string): Pattern {
  const plain = plainSearchRegex(source);
  if (plain) return { test: (text) => plain.test(text), toString: () => source };
  let compiled: Pattern | undefined;
  return { test: (text) => (compiled ??= compilePattern(source)).test(text), toString: () => source };
}

/** ajv's `code.regExp` option: patterns compiled (and checked) with RE2 when a schema is compiled. */
export const re2Engine = Object.assign((source: string) => compilePattern(source), { code: 'require("../patterns.js").lazyPattern' });
