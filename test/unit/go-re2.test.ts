// Go's regexp as Prometheus and Alertmanager compile regexes (src/go/re2.ts), against Go's own verdicts: each row was
// checked with promtool 3.5.3 (Go 1.27) as a relabel regex (`promtool check config`), and with amtool 0.33.1 as a
// match_re. Messages are Go's; for bracket and parenthesis errors the quoted fragment is the pattern as written where
// Go quotes it anchored (`abc(def` rather than `^(?s:abc(def)$`).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { anchoredRegex, plainSearchRegex, re2Problem } from "../../src/go/re2.js";

const GO_VERDICTS: [string, string | undefined][] = [
  ["\\C", "invalid escape sequence: `\\C`"],
  ["a\\Cb", "invalid escape sequence: `\\C`"],
  ["\\z", undefined],
  ["a\\z", undefined],
  ["\\Z", "invalid escape sequence: `\\Z`"],
  ["\\A", undefined],
  ["(?P<name>x)", undefined],
  ["(?<name>x)", undefined],
  ["(?P<1a>x)", undefined],
  ["(?P<>x)", "invalid named capture: `(?P<>`"],
  ["(?P=name)", "invalid or unsupported Perl syntax: `(?P`"],
  ["(?P>name)", "invalid or unsupported Perl syntax: `(?P`"],
  ["\\pL", undefined],
  ["\\p{L}", undefined],
  ["\\PL", undefined],
  ["\\p{^L}", undefined],
  ["\\P{^L}", undefined],
  ["\\p{Greek}", undefined],
  ["\\p{Latin}", undefined],
  ["\\p{Han}", undefined],
  ["\\p{Lu}", undefined],
  ["\\p{Any}", undefined],
  ["\\pN", undefined],
  ["\\p{Nope}", "invalid character class range: `\\p{Nope}`"],
  ["\\p{IsGreek}", "invalid character class range: `\\p{IsGreek}`"],
  ["\\p{Script=Greek}", "invalid character class range: `\\p{Script=Greek}`"],
  ["\\p{sc=Greek}", "invalid character class range: `\\p{sc=Greek}`"],
  ["\\p{L&}", "invalid character class range: `\\p{L&}`"],
  ["\\p{Cs}", undefined],
  ["\\p{Braille}", undefined],
  ["\\p{Zs}", undefined],
  ["[[:alpha:]]", undefined],
  ["[[:^alpha:]]", undefined],
  ["[[:word:]]", undefined],
  ["[[:nope:]]", "invalid character class range: `[:nope:]`"],
  ["[:alpha:]", undefined],
  ["[[:alpha:]-z]", undefined],
  ["[a-[:digit:]]", "invalid character class range: `a-[`"],
  ["a*+", "invalid nested repetition operator: `*+`"],
  ["a++", "invalid nested repetition operator: `++`"],
  ["a?+", "invalid nested repetition operator: `?+`"],
  ["a{2}+", "invalid nested repetition operator: `{2}+`"],
  ["a*?", undefined],
  ["a+?", undefined],
  ["a??", undefined],
  ["a{2,3}?", undefined],
  ["a**", "invalid nested repetition operator: `**`"],
  ["a*{2}", "invalid nested repetition operator: `*{2}`"],
  ["(a*)*", undefined],
  ["a{2}{3}", "invalid nested repetition operator: `{2}{3}`"],
  ["a{1000}", undefined],
  ["a{1001}", "invalid repeat count: `{1001}`"],
  ["a{0,1000}", undefined],
  ["a{0,1001}", "invalid repeat count: `{0,1001}`"],
  ["a{1000,}", undefined],
  ["a{1001,}", "invalid repeat count: `{1001,}`"],
  ["(a{500}){3}", "invalid repeat count: `{3}`"],
  ["((a{100}){10}){2}", "invalid repeat count: `{2}`"],
  ["a{2,1}", "invalid repeat count: `{2,1}`"],
  ["a{,5}", undefined],
  ["a{", undefined],
  ["a{1", undefined],
  ["a{1,", undefined],
  ["x{1}y", undefined],
  ["{", undefined],
  ["{1}", "missing argument to repetition operator: `{1}`"],
  ["a|*", "missing argument to repetition operator: `*`"],
  ["(?i)abc", undefined],
  ["(?i:abc)", undefined],
  ["(?-i)abc", undefined],
  ["(?i-s:x)", undefined],
  ["(?ims)x", undefined],
  ["(?U)a+", undefined],
  ["(?x)a b", "invalid or unsupported Perl syntax: `(?x`"],
  ["(?m)^a$", undefined],
  ["(?s).", undefined],
  ["(?i)", undefined],
  ["(?)", undefined],
  ["(?:)", undefined],
  ["(?-)x", "invalid or unsupported Perl syntax: `(?-)`"],
  ["(?i-)x", "invalid or unsupported Perl syntax: `(?i-)`"],
  ["(?--i)x", "invalid or unsupported Perl syntax: `(?--`"],
  ["(?i)(?-i)x", undefined],
  ["a(?i)b", undefined],
  ["\\Qa.b\\E", undefined],
  ["\\Qa.b", "missing closing ): `^(?s:\\Qa.b)$`"],
  ["\\Q\\E", undefined],
  ["[\\Q]\\E]", "invalid escape sequence: `\\Q`"],
  ["\\Qab\\E+", undefined],
  ["\\E", "invalid escape sequence: `\\E`"],
  ["(?=a)", "invalid or unsupported Perl syntax: `(?=`"],
  ["(?!a)", "invalid or unsupported Perl syntax: `(?!`"],
  ["(?<=a)", "invalid named capture: `(?<=a)`"],
  ["(?<!a)", "invalid named capture: `(?<!a)`"],
  ["(?>a)", "invalid or unsupported Perl syntax: `(?>`"],
  ["(?#comment)", "invalid or unsupported Perl syntax: `(?#`"],
  ["a(?=b)", "invalid or unsupported Perl syntax: `(?=`"],
  ["(a)\\1", "invalid escape sequence: `\\1`"],
  ["\\1", "invalid escape sequence: `\\1`"],
  ["\\0", undefined],
  ["\\01", undefined],
  ["\\012", undefined],
  ["\\0123", undefined],
  ["\\8", "invalid escape sequence: `\\8`"],
  ["\\k<n>", "invalid escape sequence: `\\k`"],
  ["\\g1", "invalid escape sequence: `\\g`"],
  ["\\b", undefined],
  ["\\B", undefined],
  ["a\\bb", undefined],
  ["[\\b]", "invalid escape sequence: `\\b`"],
  ["[\\B]", "invalid escape sequence: `\\B`"],
  ["\\y", "invalid escape sequence: `\\y`"],
  ["\\d\\D\\s\\S\\w\\W", undefined],
  ["[\\d-z]", undefined],
  ["[a-\\d]", "invalid escape sequence: `\\d`"],
  ["[\\w-]", undefined],
  ["[-a]", undefined],
  ["[a-]", undefined],
  ["[]a]", undefined],
  ["[^]a]", undefined],
  ["[]", "missing closing ]: `[]`"],
  ["[^]", "missing closing ]: `[^]`"],
  ["[a", "missing closing ]: `[a`"],
  ["[z-a]", "invalid character class range: `z-a`"],
  ["[a-a]", undefined],
  ["[\\x{10FFFF}]", undefined],
  ["\\x{110000}", "invalid escape sequence: `\\x{110000`"],
  ["\\x{FFFF}", undefined],
  ["\\x41", undefined],
  ["\\x4", "invalid escape sequence: `\\x4`"],
  ["\\x{}", "invalid escape sequence: `\\x{}`"],
  ["\\x{41", "invalid escape sequence: `\\x{41`"],
  ["\\xZZ", "invalid escape sequence: `\\xZZ`"],
  ["\\a\\f\\t\\n\\r\\v", undefined],
  ["\\e", "invalid escape sequence: `\\e`"],
  ["\\cA", "invalid escape sequence: `\\c`"],
  ["\\u0041", "invalid escape sequence: `\\u`"],
  ["\\U00000041", "invalid escape sequence: `\\U`"],
  ["\\N{DIGIT ONE}", "invalid escape sequence: `\\N`"],
  ["\\h", "invalid escape sequence: `\\h`"],
  ["\\H", "invalid escape sequence: `\\H`"],
  ["\\R", "invalid escape sequence: `\\R`"],
  ["\\X", "invalid escape sequence: `\\X`"],
  ["\\G", "invalid escape sequence: `\\G`"],
  ["\\K", "invalid escape sequence: `\\K`"],
  ["\\.", undefined],
  ["\\-", undefined],
  ["\\/", undefined],
  ["\\ ", undefined],
  ["\\#", undefined],
  ["\\:", undefined],
  ["\\_", undefined],
  ["\\é", "invalid escape sequence: `\\é`"],
  ["\\~", undefined],
  ["\\@", undefined],
  ["\\%", undefined],
  ["\\<", undefined],
  ["\\>", undefined],
  ["\\'", undefined],
  ['\\"', undefined],
  ["\\`", undefined],
  ["a)(b", undefined],
  ["(a", "missing closing ): `(a`"],
  ["a)", "unexpected ): `a)`"],
  ["())", "unexpected ): `())`"],
  ["(()", "missing closing ): `(()`"],
  [")", "unexpected ): `)`"],
  ["(", "missing closing ): `(`"],
  ["", undefined],
  ["|", undefined],
  ["a||b", undefined],
  ["^$", undefined],
  ["^*", undefined],
  ["$*", undefined],
  ["^+", undefined],
  ["(?:)*", undefined],
  ["()*", undefined],
  ["(|a)+", undefined],
  ["\\b*", undefined],
  [".", undefined],
  [".*", undefined],
  ["(.*)", undefined],
  ["(?s:.*)", undefined],
  ["é", undefined],
  ["日本", undefined],
  ["🙂+", undefined],
  ["[🙂-🙃]", undefined],
  ["[^\\x00-\\x{10FFFF}]", undefined],
  ["[[:alpha:][:digit:]]", undefined],
  ["[\\p{L}\\d]", undefined],
  ["[\\P{L}]", undefined],
  ["[^\\pL]", undefined],
  ["[\\pLx-z]", undefined],
  ["[a-\\pL]", "invalid escape sequence: `\\p`"],
  ["[\\x41-\\x5a]", undefined],
  ["[\\n-\\r]", undefined],
  ["[\\0-\\x7f]", undefined],
  ["(?P<name>a)|(?P<other>b)", undefined],
  ["(?<n>x)(?P<m>y)", undefined],
  ["(?'n'x)", "invalid or unsupported Perl syntax: `(?'`"],
  ["a{2,3}{2}", "invalid nested repetition operator: `{2,3}{2}`"],
  ["(?i)Σ", undefined],
  ["(?i)ſ", undefined],
  ["x*y*z*", undefined],
  ["(a|b)*c+d?", undefined],
  ["a\\", "missing closing ): `^(?s:a\\)$`"],
  ["\\", "missing closing ): `^(?s:\\)$`"],
  ["[\\]", "missing closing ]: `[\\]`"],
  ["[\\]]", undefined],
  ["((((((((((a))))))))))", undefined],
  ["(?:(?:(?:a)))", undefined],
  ["a{0}", undefined],
  ["a{0,0}", undefined],
  ["(a{0})*", undefined],
];

test("RE2 syntax: accepted and refused as Go's regexp does, with Go's messages", () => {
  for (const [pattern, message] of GO_VERDICTS) {
    assert.equal(re2Problem(pattern), message === undefined ? undefined : `error parsing regexp: ${message}`, pattern);
  }
});

test("RE2 syntax: where re2js differs from Go (kept visible: a re2js upgrade that changes them fails here)", () => {
  // Go accepts duplicate group names; re2js refuses them.
  assert.match(re2Problem("(?P<n>a)(?P<n>b)") ?? "", /duplicate capture group name/);
  // Go's \p{…} takes Unicode categories and scripts (and, since Go 1.25, ASCII); re2js also takes binary properties.
  assert.equal(re2Problem("\\p{Emoji}"), undefined);
  assert.equal(re2Problem("\\p{Alphabetic}"), undefined);
  assert.match(re2Problem("\\p{ASCII}") ?? "", /invalid character class range/);
});

test("RE2 matching: plain patterns compiled by JavaScript match as re2js does, groups included", () => {
  const { RE2JS } = createRequire(import.meta.url)("re2js") as typeof import("re2js");
  const patterns = [
    "(.*):9100",
    "(.+);(.+);(.+)",
    "foo1|foo2|baz",
    "__meta_kubernetes_pod_label_(.+)",
    "(a|ab)(c|bcd)(d*)",
    "[^/]+/(.*)",
    "a.c",
    "(?:x|)(y?)",
    "\\d+\\.\\w+",
    "[\\]a-c]+",
    "^a|b$",
    "a)|(b",
    "\\d{1,3}\\.[a-z]{2,}",
    "x{0}y?",
    ".*(ingester|cortex|mimir).*",
  ];
  const inputs = [
    "",
    "y",
    "a",
    "abcd",
    "10.io",
    "1234.a",
    "my-cortex-0",
    "host-1.example:9100",
    "a;b;c;d",
    "foo2",
    "__meta_kubernetes_pod_label_app",
    "x/y/z",
    "a\nc",
    "12.ab_",
    "]ab",
    "b",
    "日本:9100",
  ];
  for (const pattern of patterns) {
    const reference = RE2JS.compile(`^(?s:${pattern})$`);
    for (const input of inputs) {
      const matcher = reference.matcher(input);
      const expected = matcher.find() ? Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i) ?? undefined) : null;
      assert.deepEqual(anchoredRegex(pattern)?.exec(input)?.groups ?? null, expected, `${pattern} on ${JSON.stringify(input)}`);
    }
  }
});

test("RE2 matching: patterns beyond the plain subset are matched by re2js, in linear time", () => {
  const nested = anchoredRegex("(a+)+b");
  assert.equal(nested?.test(`${"a".repeat(5000)}!`), false);
  assert.deepEqual(anchoredRegex("(?P<host>[^:]+):(\\d+)")?.exec("db:5432"), { groups: ["db:5432", "db", "5432"], named: { host: "db" } });
  assert.equal(anchoredRegex("(?i)critical")?.test("CRITICAL"), true);
  assert.equal(anchoredRegex("\\s")?.test("\v"), false, "RE2's \\s is [\\t\\n\\f\\r ], without \\v");
  assert.equal(anchoredRegex("a(?=b)"), undefined);
});

test("RE2 search: plain patterns of promplate's schemas run as JavaScript regexes that match where re2js does", () => {
  const { RE2JS } = createRequire(import.meta.url)("re2js") as typeof import("re2js");
  const patterns = ["^[A-Za-z_][A-Za-z0-9_]*$", "^[a-z0-9][a-z0-9_.-]*$", "^/", "a.c", "^.+$", "x|^y", "[.]", "\\.", "[^#]+$", "\\d{2,}"];
  const inputs = ["", "abc", "a\nc", "a\rc", "a\u2028c", "a\u2029c", "/etc", "x/", "_a1", "1a", "my-svc.v2", "y", "a.c", "#", "12", "日本"];
  for (const pattern of patterns) {
    const regex = plainSearchRegex(pattern);
    assert.ok(regex, pattern);
    const reference = RE2JS.compile(pattern);
    for (const input of inputs) assert.equal(regex.test(input), reference.matcher(input).find(), `${pattern} on ${JSON.stringify(input)}`);
  }
  // Quantified groups (the web-config interval pattern backtracked for minutes in JavaScript) stay with re2js.
  assert.equal(plainSearchRegex("^[-+]?(0|([0-9]*(\\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+)$"), undefined);
  assert.equal(plainSearchRegex("^(ssm:/.+|secretsmanager:[^#]+(#.+)?)$"), undefined);
  assert.equal(plainSearchRegex("a)(b"), undefined, "plain only inside an anchoring group");
});
