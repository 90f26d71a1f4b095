/**
 * Property test for DESIGN.md "Values are inserted YAML-safely": whatever a value holds, the output has the same
 * shape as with a plain value and the scalar at the substitution point holds the intended text — or, only where a
 * value cannot be held (block scalar folding/chomping, a key), a `template/value-cannot-be-held` problem names it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { renderTemplate, scanTemplate, type DeclaredType } from "../../src/template/index.js";

const NAME = "HOSTILE";
const PLAIN = "plainvalue";

// ---------------------------------------------------------------------------------------------------------------
// Deterministic hostile values

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = [
  "",
  " ",
  "  ",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "true",
  "false",
  "null",
  "Null",
  "~",
  "0x1F",
  "1e3",
  "123",
  "-1",
  ".5",
  "yes",
  "no",
  "on",
  "off",
  "y",
  "n",
  "---",
  "...",
  "--- x",
  "- x",
  "-",
  "?",
  "? x",
  ":",
  ": x",
  "x:",
  "x: y",
  "#",
  " #",
  "x #y",
  "x#y",
  "&a",
  "*a",
  "!tag",
  "!!str x",
  "|",
  ">",
  "'",
  "''",
  '"',
  '""',
  "%YAML",
  "@x",
  "`x`",
  "{{",
  "}}",
  "{{ $labels.x }}",
  "${X}",
  "$${X}",
  "[a, b]",
  "{a: b}",
  "a,b",
  "[",
  "]",
  "{",
  "}",
  "\u2028",
  "\u2029",
  "\u0085",
  "a\u2028b",
  "a\u0085b",
  "😀",
  "a😀b",
  "𝔘𝔫𝔦",
  "日本語",
  "é",
  "\u00a0",
  "\ufeff",
  "\x00",
  "\x07",
  "\x1b",
  "\x7f",
  "\\",
  "\\n",
  " lead",
  "trail ",
  " both ",
  "a\nb",
  "a\n\nb",
  "a\n",
  "\na",
  "a\n  b",
  "a\tb",
  "a\rb",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY #not-a-comment",
  "https://hooks.example.com/services/T/B/X",
  "node:9100",
  "2001-12-14",
  "12:30",
  "0o17",
  "1_000",
  ".inf",
  ".NaN",
  "<<",
  "=",
  "a: b # c",
  "- - -",
  "'a' b",
  '"a" b',
  "a 'b'",
  "%",
  "@",
  "!",
  "&",
  "*",
  ",",
  "x,",
  ",x",
];

const FRAGMENTS = [
  "-",
  "?",
  ":",
  ",",
  "[",
  "]",
  "{",
  "}",
  "#",
  "&",
  "*",
  "!",
  "|",
  ">",
  "'",
  '"',
  "%",
  "@",
  "`",
  "\n",
  "\t",
  "\r",
  " ",
  "  ",
  "\u2028",
  "\u2029",
  "\u0085",
  "é",
  "日本",
  "😀",
  "𝔘",
  "{{",
  "}}",
  "${",
  " #",
  ": ",
  "- ",
  "? ",
  "---",
  "...",
  "true",
  "null",
  "~",
  "0x1F",
  "1e3",
  "abc",
  "x",
  "9100",
  "\\",
  "\\n",
  "=",
  "/",
  ".",
  "0",
  "yes",
  "\u00a0",
  "\x07",
  "$",
  "$labels",
];

function hostileValues(count: number, seed: number): string[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const values = new Set(SPECIAL);
  while (values.size < count) {
    let value = "";
    const parts = 1 + Math.floor(random() * 7);
    for (let i = 0; i < parts; i++) value += pick(FRAGMENTS);
    const roll = random();
    if (roll < 0.1) value = ` ${value}`;
    else if (roll < 0.2) value = `${value} `;
    else if (roll < 0.3) value = `word${value}word`;
    values.add(value);
  }
  return [...values];
}

const VALUES = hostileValues(1200, 20240611);

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** What YAML cannot hold literally, so a block scalar may refuse it (escapes exist only in double quotes). */
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/u;
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x80-\x84\x86-\x9F\uFEFF\uFFFE\uFFFF]/u;

function failsafe(text: string): unknown[] {
  return parseAllDocuments(text, { schema: "failsafe", uniqueKeys: false, logLevel: "silent" }).map((doc) =>
    doc.errors.length > 0 ? { error: doc.errors[0]!.message } : doc.toJS({ maxAliasCount: -1 }),
  );
}

/** The reference structure with `plainvalue` replaced by `value` (split/join: no `$&` surprises). */
function substitute(node: unknown, value: string): unknown {
  if (typeof node === "string") return node.split(PLAIN).join(value);
  if (Array.isArray(node)) return node.map((item) => substitute(item, value));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [substitute(k, value) as string, substitute(v, value)]));
  }
  return node;
}

/** Without `declared`, the variables are the `${NAME}` references (no project); with it, `{{NAME}}` works too. */
async function render(template: string, value: unknown, declaredType?: DeclaredType, declared?: Set<string>) {
  const scanned = scanTemplate("t.yml", template, { declared });
  assert.deepEqual(scanned.problems, [], `scan problems in ${JSON.stringify(template)}`);
  return renderTemplate(scanned, { kind: "yaml", values: { [NAME]: value }, declaredType: () => declaredType });
}

const show = (text: string) => JSON.stringify(text);
const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;

// ---------------------------------------------------------------------------------------------------------------
// Every position

interface Position {
  name: string;
  template: string;
  /** Where DESIGN.md allows "cannot be held": undefined = never. */
  mayRefuse?: (value: string) => boolean;
  /**
   * Where it may refuse: how many of the values it holds, as recorded. The property above allows any refusal
   * `mayRefuse` covers, so this is what catches a change that refuses more (or holds more) than it used to.
   */
  holds?: number;
}

const never = undefined;
const POSITIONS: Position[] = [
  { name: "bare value", template: "a: 1\nkey: ${HOSTILE}\nz: 2\n", mayRefuse: never },
  { name: "single-quoted", template: "a: 1\nkey: '${HOSTILE}'\nz: 2\n", mayRefuse: never },
  { name: "double-quoted", template: 'a: 1\nkey: "${HOSTILE}"\nz: 2\n', mayRefuse: never },
  { name: "inside single-quoted", template: "a: 1\nkey: '${HOSTILE}:9100'\nz: 2\n", mayRefuse: never },
  { name: "inside plain scalar", template: "a: 1\nurl: http://${HOSTILE}/x\nz: 2\n", mayRefuse: never },
  { name: "flow-sequence item", template: "a: 1\nlist: [${HOSTILE}, b]\nz: 2\n", mayRefuse: never },
  { name: "sequence item", template: "- first\n- ${HOSTILE}\n- last\n", mayRefuse: never },
  { name: "nested map value", template: "outer:\n  inner:\n    key: ${HOSTILE}\n    k2: v\n  other: 1\nz: 2\n", mayRefuse: never },
  {
    name: "literal block | continuation",
    template: "a: 1\nkey: |\n  a ${HOSTILE} b\n  c\nz: 2\n",
    // `|` keeps newlines, so only characters a block scalar cannot hold literally are refusable.
    mayRefuse: (v) => /[\r\u0085\u2028\u2029]/u.test(v) || NON_PRINTABLE.test(v),
    holds: 840,
  },
  {
    name: "folded block > continuation",
    template: "a: 1\nkey: >\n  a ${HOSTILE} b\n  c\nz: 2\n",
    // A line break inside `>` would be folded (a change of folding); otherwise it must be held.
    mayRefuse: (v) => LINE_BREAK.test(v) || NON_PRINTABLE.test(v),
    holds: 775,
  },
  { name: "mapping key", template: "a: 1\n${HOSTILE}: v\nz: 2\n", mayRefuse: (v) => !/^[A-Za-z0-9_]+$/.test(v), holds: 277 },
];

for (const position of POSITIONS) {
  test(`hostile values at: ${position.name}`, async (t) => {
    const reference = await render(position.template, PLAIN);
    assert.deepEqual(reference.problems, []);
    const referenceTree = failsafe(reference.text);
    assert.ok(reference.text.includes(PLAIN), "the plain value is written as-is");
    assert.ok(!JSON.stringify(referenceTree).includes('"error"'), `reference parses: ${show(reference.text)}`);

    let held = 0;
    let refused = 0;
    const failures: { value: string; text: string }[] = [];
    for (const value of VALUES) {
      const result = await render(position.template, value);
      const problems = result.problems;
      if (problems.length > 0) {
        refused++;
        const named = problems.every((p) => p.id === "template/value-cannot-be-held" && p.message.includes(NAME));
        if (!position.mayRefuse?.(value) || !named) {
          failures.push({ value, text: `${show(value)} refused: ${problems.map((p) => `${p.id}: ${p.message}`).join("; ")}` });
        }
        continue;
      }
      held++;
      const expected = substitute(referenceTree, value);
      const actual = failsafe(result.text);
      if (!isDeepStrictEqual(actual, expected)) {
        failures.push({ value, text: `${show(value)} -> ${show(result.text)} parses as ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}` });
      }
    }
    t.diagnostic(`${position.name}: ${held} held, ${refused} refused of ${VALUES.length}`);
    // Group by whether the value holds an astral character, so one bug does not hide another in the report.
    const astral = failures.filter((f) => ASTRAL.test(f.value));
    const other = failures.filter((f) => !ASTRAL.test(f.value));
    assert.equal(
      failures.length,
      0,
      `${failures.length} failures (${astral.length} with astral characters), first ones:\n${[...other.slice(0, 10), ...astral.slice(0, 3)].map((f) => f.text).join("\n")}`,
    );
    if (!position.mayRefuse) assert.equal(refused, 0, "a value can always be quoted here");
    else assert.equal(held, position.holds, `${position.name} holds ${held} of ${VALUES.length} values, not the ${position.holds} recorded`);
  });
}

test("at least 1,000 hostile values, deterministic", () => {
  assert.ok(VALUES.length >= 1000);
  assert.deepEqual(hostileValues(1200, 20240611), VALUES);
});

test("plain words are written bare, exactly as envsubst would (untyped)", async () => {
  for (const value of ["true", "null", "123", "abc-def", "node:9100", "wJalr/K7MDENG+x=", "ap-northeast-1", "---x"]) {
    for (const template of ["key: ${HOSTILE}\n", "- ${HOSTILE}\n", "url: http://${HOSTILE}/x\n"]) {
      const result = await render(template, value);
      assert.deepEqual(result.problems, []);
      assert.equal(result.text, template.split("${HOSTILE}").join(value), `${value} in ${show(template)}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Declared types

test("a declared string that looks like another type stays a string (YAML 1.2 core and 1.1)", async () => {
  const values = [
    "true",
    "null",
    "~",
    "0x1F",
    "123",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "Y",
    "1e3",
    "0o17",
    "1_000",
    "12:30",
    "2001-12-14",
    ".inf",
    "-.Inf",
    ".nan",
    "False",
    "NULL",
    "",
  ];
  for (const value of values) {
    for (const template of ["key: ${HOSTILE}\n", "- ${HOSTILE}\n", "list: [${HOSTILE}]\n"]) {
      const result = await render(template, value, "string");
      assert.deepEqual(result.problems, [], `${value} in ${show(template)}`);
      for (const options of [{}, { version: "1.1" as const }]) {
        const parsed = parse(result.text, options) as Record<string, unknown> | unknown[];
        const scalar = Array.isArray(parsed) ? parsed[0] : (parsed.key ?? (parsed.list as unknown[])[0]);
        assert.equal(scalar, value, `${show(value)} -> ${show(result.text)} with ${JSON.stringify(options)}`);
      }
    }
  }
});

test("integer, number and boolean values are written bare", async () => {
  const cases: [unknown, DeclaredType, string][] = [
    [42, "integer", "key: 42\n"],
    [-7, "integer", "key: -7\n"],
    [1.5, "number", "key: 1.5\n"],
    [true, "boolean", "key: true\n"],
    [false, "boolean", "key: false\n"],
  ];
  for (const [value, type, expected] of cases) {
    const result = await render("key: ${HOSTILE}\n", value, type);
    assert.deepEqual(result.problems, []);
    assert.equal(result.text, expected);
    assert.deepEqual(parse(result.text), { key: value });
  }
});

test("an array or object is a flow collection as a whole node, refused inside a larger scalar", async () => {
  const whole: [unknown, DeclaredType, RegExp][] = [
    [["a", "b c", "x: y", "#z", "true"], "array", /^key: \[.*\]\n$/],
    [[], "array", /^key: \[\]\n$/],
    [{ a: 1, "b: c": "d #e" }, "object", /^key: \{.*\}\n$/],
  ];
  for (const [value, type, shape] of whole) {
    for (const template of ["key: ${HOSTILE}\n", "key: {{HOSTILE}}\n"]) {
      const result = await render(template, value, type, new Set([NAME]));
      assert.deepEqual(result.problems, []);
      assert.match(result.text, shape);
      assert.deepEqual(parse(result.text), { key: value });
    }
    const seq = await render("- ${HOSTILE}\n", value, type);
    assert.deepEqual(seq.problems, []);
    assert.deepEqual(parse(seq.text), [value]);
  }
  for (const template of [
    "key: x-${HOSTILE}\n",
    "url: http://${HOSTILE}/x\n",
    "key: '${HOSTILE}:9100'\n",
    'key: "a ${HOSTILE}"\n',
    "key: |\n  a ${HOSTILE}\n",
  ]) {
    const result = await render(template, ["a", "b"], "array");
    assert.equal(result.problems.length, 1, show(template));
    assert.equal(result.problems[0]!.id, "template/value-cannot-be-held");
    assert.match(result.problems[0]!.message, /HOSTILE/);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// JSON and text outputs

test("json: values inside a JSON string and as a whole value round-trip through JSON.parse", async () => {
  const template = '{"a": "${HOSTILE}", "b": "pre-${HOSTILE}-post", "c": ${HOSTILE}, "d": [${HOSTILE}]}\n';
  const scanned = scanTemplate("t.json", template);
  const failures: string[] = [];
  for (const value of VALUES) {
    for (const declaredType of ["string", undefined] as const) {
      const result = await renderTemplate(scanned, { kind: "json", values: { [NAME]: value }, declaredType: () => declaredType });
      let parsed: { a: unknown; b: unknown; c: unknown; d: unknown[] };
      try {
        parsed = JSON.parse(result.text) as typeof parsed;
      } catch (error) {
        failures.push(`${show(value)} (${declaredType}) -> ${show(result.text)}: ${(error as Error).message}`);
        continue;
      }
      // Untyped, a whole value that is already a JSON literal (number, true, null) is written as that literal.
      const literal = declaredType === undefined && /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(value);
      const whole = literal ? JSON.parse(value) : value;
      const expected = { a: value, b: `pre-${value}-post`, c: whole, d: [whole] };
      if (result.problems.length > 0 || !isDeepStrictEqual(parsed, expected)) failures.push(`${show(value)} (${declaredType}) -> ${show(result.text)}`);
    }
  }
  assert.equal(failures.length, 0, failures.slice(0, 12).join("\n"));
});

test("json: typed values", async () => {
  const scanned = scanTemplate("t.json", '{"v": ${HOSTILE}}');
  const cases: [unknown, DeclaredType][] = [
    [42, "integer"],
    [true, "boolean"],
    [["a", 'b"c'], "array"],
    [{ k: "v\n" }, "object"],
    ["123", "string"],
  ];
  for (const [value, type] of cases) {
    const result = await renderTemplate(scanned, { kind: "json", values: { [NAME]: value }, declaredType: () => type });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(JSON.parse(result.text), { v: value });
  }
});

test("text: raw insertion", async () => {
  const scanned = scanTemplate("t.tmpl", "x ${HOSTILE} y\n");
  for (const value of VALUES.slice(0, 200)) {
    const result = await renderTemplate(scanned, { kind: "text", values: { [NAME]: value } });
    assert.deepEqual(result.problems, []);
    assert.equal(result.text, `x ${value} y\n`);
  }
});
