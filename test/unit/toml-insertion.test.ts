/**
 * Property test for TOML-safe insertion (README "Templates"): whatever a value holds, the output parses as TOML
 * 1.0 and reads back as the plain-value rendering with the value in its place — or, only where the value cannot
 * be held (a line break in a comment, a lone surrogate), a `template/value-cannot-be-held` problem names it.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { parse } from "smol-toml";
import { renderTemplate, scanTemplate, type DeclaredType } from "../../src/template/index.js";
import { runPromplate } from "../helpers.js";

const NAME = "HOSTILE";
const PLAIN = "plainvalue";

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
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\n\n",
  '"',
  '""',
  '"""',
  '""""',
  "'",
  "''",
  "'''",
  "''''",
  "\\",
  "\\\\",
  "\\n",
  "\\u0041",
  "\\\n",
  "a\\",
  "a\\\n  b",
  "\x00",
  "\x07",
  "\x1b",
  "\x7f",
  "\u0085",
  "\u2028",
  "\ufeff",
  "\ud800",
  "😀",
  "a😀b",
  "日本語",
  "é",
  "#",
  "# not a comment",
  "x = 1",
  "x = 1\ny = 2",
  "[table]",
  "[[array]]",
  "a.b",
  "a b",
  "{ a = 1 }",
  "[1, 2]",
  "true",
  "false",
  "42",
  "-0",
  "+1",
  "1_000",
  "0x1F",
  "0o17",
  "0b11",
  "1e3",
  "3.14",
  "inf",
  "-inf",
  "nan",
  "9223372036854775808",
  "1979-05-27",
  "1979-05-27T07:32:00Z",
  "07:32:00",
  "${X}",
  "{{ $labels.x }}",
  " lead",
  "trail ",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY #not-a-comment",
];

const FRAGMENTS = [
  '"',
  "'",
  "\\",
  "\n",
  "\r",
  "\t",
  " ",
  "#",
  "=",
  ".",
  ",",
  "[",
  "]",
  "{",
  "}",
  "\x00",
  "\x1f",
  "\x7f",
  "é",
  "😀",
  "abc",
  "x",
  "1",
  "u0041",
  "true",
  '"""',
  "'''",
];

function hostileValues(count: number, seed: number): string[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const values = new Set(SPECIAL);
  while (values.size < count) {
    let value = "";
    const parts = 1 + Math.floor(random() * 6);
    for (let i = 0; i < parts; i++) value += pick(FRAGMENTS);
    values.add(value);
  }
  return [...values];
}

const VALUES = hostileValues(600, 20261130);
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const show = (text: string) => JSON.stringify(text);

async function render(template: string, value: unknown, declaredType?: DeclaredType) {
  const scanned = scanTemplate("t.toml", template);
  assert.deepEqual(scanned.problems, [], `scan problems in ${show(template)}`);
  return renderTemplate(scanned, { kind: "toml", values: { [NAME]: value }, declaredType: () => declaredType });
}

/** The reference tree with `plainvalue` replaced by `value`, in keys and strings. */
function substitute(node: unknown, value: string): unknown {
  if (typeof node === "string") return node.split(PLAIN).join(value);
  if (Array.isArray(node)) return node.map((item) => substitute(item, value));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k.split(PLAIN).join(value), substitute(v, value)]));
  }
  return node;
}

/** Tables as plain objects: the parser gives nested tables a null prototype. */
const plain = (node: unknown): unknown => JSON.parse(JSON.stringify(node, (_, v) => (typeof v === "bigint" ? `${v}n` : v)));

interface Position {
  name: string;
  template: string;
  /** Where the value may be refused; lone surrogates may be refused anywhere. */
  mayRefuse?: (value: string) => boolean;
}

const never = undefined;
const POSITIONS: Position[] = [
  { name: "basic string", template: 'a = 1\nkey = "${HOSTILE}"\nz = 2\n', mayRefuse: never },
  { name: "inside a basic string", template: 'url = "http://${HOSTILE}:9100/x"\n', mayRefuse: never },
  { name: "literal string", template: "key = '${HOSTILE}'\n", mayRefuse: never },
  { name: "inside a literal string", template: "key = 'C:\\pre ${HOSTILE} post'\n", mayRefuse: never },
  { name: "multi-line basic string", template: 'key = """\n${HOSTILE}\nend"""\n', mayRefuse: never },
  { name: "multi-line basic, right after the opening quotes", template: 'key = """${HOSTILE}\nend"""\n', mayRefuse: never },
  { name: "multi-line basic, after a line-ending backslash", template: 'key = """a \\\n    ${HOSTILE} b"""\n', mayRefuse: never },
  { name: "multi-line basic, before the closing quotes", template: 'key = """x${HOSTILE}"""\n', mayRefuse: never },
  { name: "multi-line literal string", template: "key = '''\n${HOSTILE}\nend'''\n", mayRefuse: never },
  { name: "multi-line literal, right after the opening quotes", template: "key = '''${HOSTILE}'''\n", mayRefuse: never },
  { name: "bare key", template: "a = 1\n${HOSTILE} = 1\n", mayRefuse: never },
  { name: "dotted key", template: "srv.${HOSTILE}.port = 1\n", mayRefuse: never },
  { name: "basic-quoted key", template: '"${HOSTILE}" = 1\n', mayRefuse: never },
  { name: "literal-quoted key", template: "'k ${HOSTILE}' = 1\n", mayRefuse: never },
  { name: "table header", template: "[servers.${HOSTILE}]\nip = 1\n", mayRefuse: never },
  { name: "array of tables header", template: "[[servers.${HOSTILE}]]\nip = 1\n", mayRefuse: never },
  { name: "inline table: string value", template: 't = { k = "${HOSTILE}", n = 1 }\n', mayRefuse: never },
  { name: "inline table: bare value (string)", template: "t = { k = ${HOSTILE}, n = 1 }\n", mayRefuse: never },
  { name: "inline table: key", template: "t = { ${HOSTILE} = 1 }\n", mayRefuse: never },
  { name: "array items", template: "a = [\n  \"${HOSTILE}\",\n  '${HOSTILE}',\n  ${HOSTILE},\n]\n", mayRefuse: never },
  { name: "bare value (string)", template: "a = 1\nkey = ${HOSTILE}\nz = 2\n", mayRefuse: never },
  { name: "comment", template: "a = 1 # ${HOSTILE}\nz = 2\n", mayRefuse: (v) => /[\x00-\x08\x0A-\x1F\x7F]/.test(v) },
];

let casesRun = 0;

for (const position of POSITIONS) {
  test(`toml: hostile values at: ${position.name}`, async (t) => {
    // Bare values are tested as declared strings here (never bare); untyped bare values have their own test.
    const reference = await render(position.template, PLAIN, "string");
    assert.deepEqual(reference.problems, []);
    assert.ok(reference.text.includes(PLAIN), "the plain value is written as-is");
    const referenceTree = plain(parse(reference.text));
    let held = 0;
    let refused = 0;
    const failures: string[] = [];
    for (const value of VALUES) {
      casesRun++;
      const result = await render(position.template, value, "string");
      if (result.problems.length > 0) {
        refused++;
        const named = result.problems.every((p) => p.id === "template/value-cannot-be-held" && p.message.includes(NAME));
        if (!named || !(LONE_SURROGATE.test(value) || position.mayRefuse?.(value))) {
          failures.push(`${show(value)} refused: ${result.problems.map((p) => `${p.id}: ${p.message}`).join("; ")}`);
        }
        continue;
      }
      held++;
      let actual: unknown;
      try {
        actual = plain(parse(result.text));
      } catch (error) {
        failures.push(`${show(value)} -> ${show(result.text)} does not parse: ${(error as Error).message.split("\n")[0]}`);
        continue;
      }
      const expected = substitute(referenceTree, value);
      if (!isDeepStrictEqual(actual, expected)) failures.push(`${show(value)} -> ${show(result.text)} reads ${JSON.stringify(actual)}`);
    }
    t.diagnostic(`${position.name}: ${held} held, ${refused} refused of ${VALUES.length}`);
    assert.equal(failures.length, 0, `${failures.length} failures, first ones:\n${failures.slice(0, 10).join("\n")}`);
    // Only lone surrogates (and what `mayRefuse` allows) are refused.
    const refusable = VALUES.filter((v) => LONE_SURROGATE.test(v) || position.mayRefuse?.(v)).length;
    assert.ok(refused <= refusable);
  });
}

test("toml: at least 600 hostile values, deterministic; every position tried with each", () => {
  assert.ok(VALUES.length >= 600);
  assert.deepEqual(hostileValues(600, 20261130), VALUES);
});

test("toml: untyped values alone after `key =` are bare only when they are a TOML integer, float or boolean", async () => {
  const failures: string[] = [];
  for (const value of VALUES) {
    casesRun++;
    const result = await render("key = ${HOSTILE}\n", value);
    if (result.problems.length > 0) {
      if (!LONE_SURROGATE.test(value)) failures.push(`${show(value)} refused`);
      continue;
    }
    const read = parse(result.text, { integersAsBigInt: "asNeeded" }).key;
    if (read === value) continue;
    // Written bare: the text is exactly the value, and reads as a number or boolean.
    const bare = result.text === `key = ${value}\n` && ["number", "bigint", "boolean"].includes(typeof read);
    if (!bare) failures.push(`${show(value)} -> ${show(result.text)}`);
  }
  assert.equal(failures.length, 0, failures.slice(0, 10).join("\n"));
  for (const [value, read] of [
    ["42", 42],
    ["true", true],
    ["3.14", 3.14],
    ["0x1F", 31],
    ["1979-05-27", "1979-05-27"],
    ["9223372036854775808", "9223372036854775808"],
    ["1 # c", "1 # c"],
  ] as const) {
    const result = await render("key = ${HOSTILE}\n", value);
    assert.deepEqual(result.problems, []);
    assert.equal(parse(result.text).key, read, show(value));
  }
});

test("toml: parity with plain insertion for values that need no escaping", async () => {
  const words = ["abc-def", "node:9100", "ap-northeast-1", "wJalr/K7MDENG+x=", "日本語 with space", "https://hooks.example.com/T/B/X"];
  const templates = [
    'k = "${HOSTILE}"\n',
    "k = '${HOSTILE}'\n",
    'k = """\n${HOSTILE}\n"""\n',
    "k = '''\n${HOSTILE}'''\n",
    "# ${HOSTILE}\n",
    'url = "http://${HOSTILE}/x"\n',
  ];
  for (const value of words) {
    for (const template of templates) {
      const result = await render(template, value, "string");
      assert.deepEqual(result.problems, []);
      assert.equal(result.text, template.split("${HOSTILE}").join(value), `${value} in ${show(template)}`);
    }
  }
  for (const value of ["abc", "A_b-1", "42"]) {
    for (const template of ["${HOSTILE} = 1\n", "[t.${HOSTILE}]\n"]) {
      const result = await render(template, value);
      assert.equal(result.text, template.split("${HOSTILE}").join(value));
    }
  }
  for (const value of ["42", "-7", "1.5", "true", "false", "1e3"]) {
    const result = await render("k = ${HOSTILE}\n", value);
    assert.equal(result.text, `k = ${value}\n`);
  }
});

test("toml: typed values alone after `key =` are the TOML value of their type, and read back equal", async () => {
  const cases: [unknown, DeclaredType, string, unknown][] = [
    [42, "integer", "k = 42\n", 42],
    [-7, "integer", "k = -7\n", -7],
    [2, "number", "k = 2\n", 2],
    [1.5, "number", "k = 1.5\n", 1.5],
    [1e300, "number", "k = 1e+300\n", 1e300],
    [2 ** 63, "number", "k = 9223372036854776000.0\n", 2 ** 63],
    [true, "boolean", "k = true\n", true],
    ["9007199254740993", "integer", "k = 9007199254740993\n", 9007199254740993n],
    ["true", "string", 'k = "true"\n', "true"],
    ["42", "string", 'k = "42"\n', "42"],
    [undefined, "string", 'k = ""\n', ""],
    [["a", 'b"c', 1, true], "array", 'k = ["a", "b\\"c", 1, true]\n', ["a", 'b"c', 1, true]],
    [{ a: 1, "b c": ["x"], n: { m: "\n" } }, "object", 'k = { a = 1, "b c" = ["x"], n = { m = "\\u000A" } }\n', { a: 1, "b c": ["x"], n: { m: "\n" } }],
    [[], "array", "k = []\n", []],
  ];
  for (const [value, type, text, read] of cases) {
    const result = await render("k = ${HOSTILE}\n", value, type);
    assert.deepEqual(result.problems, [], `${JSON.stringify(value)} (${type})`);
    assert.equal(result.text, text);
    assert.deepEqual(plain(parse(result.text, { integersAsBigInt: "asNeeded" }).k), plain(read));
  }
  const refused: [unknown, DeclaredType][] = [
    ["9223372036854775808", "integer"],
    [undefined, "integer"],
    [["a", null], "array"],
    [{ a: null }, "object"],
  ];
  for (const [value, type] of refused) {
    const result = await render("k = ${HOSTILE}\n", value, type);
    assert.equal(result.problems.length, 1, `${JSON.stringify(value)} (${type})`);
    assert.equal(result.problems[0]!.id, "template/value-cannot-be-held");
    assert.match(result.problems[0]!.message, /HOSTILE/);
  }
  for (const template of ['k = "a ${HOSTILE}"\n', "k = 'a ${HOSTILE}'\n", "${HOSTILE} = 1\n", "# ${HOSTILE}\n"]) {
    const result = await render(template, ["a"], "array");
    assert.equal(result.problems[0]?.id, "template/value-cannot-be-held", template);
  }
});

test("toml: values that make keys repeat are refused naming the variable", async () => {
  const result = await render("a = 1\n${HOSTILE} = 2\n", "a");
  assert.equal(result.problems.length, 1);
  assert.equal(result.problems[0]!.id, "template/value-cannot-be-held");
  assert.match(result.problems[0]!.message, /HOSTILE/);
});

test("toml: a round trip through the parser of a mackerel-agent config", async () => {
  const template = [
    'apikey = "${APIKEY}"',
    'roles = ["${ROLE}"]',
    "display_name = '${NAME}'",
    'memo = """',
    '${MEMO}"""',
    "[plugin.checks.http]",
    'command = ["check-http", "-u", "http://${TARGET}/metrics"]',
    "max_check_attempts = ${ATTEMPTS}",
    "",
  ].join("\n");
  const values = { APIKEY: 'k"ey\\with\ttab\nand-newline', ROLE: "svc:role", NAME: "it's mine", TARGET: "node:9100", ATTEMPTS: 3, MEMO: 'line 1\nline "2"\n' };
  const types: Record<string, DeclaredType> = { ATTEMPTS: "integer" };
  const scanned = scanTemplate("t.toml", template, { declared: new Set(Object.keys(values)) });
  const result = await renderTemplate(scanned, { kind: "toml", values, declaredType: (name) => types[name] ?? "string" });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(plain(parse(result.text)), {
    apikey: values.APIKEY,
    roles: ["svc:role"],
    display_name: "it's mine",
    plugin: { checks: { http: { command: ["check-http", "-u", "http://node:9100/metrics"], max_check_attempts: 3 } } },
    memo: values.MEMO,
  });
});

test("toml: a template that is not TOML is exit 2 at its line and column; a secret-bearing output is 0600", async () => {
  const dir = await mkdtemp(join(tmpdir(), "promplate-toml-"));
  await writeFile(
    join(dir, "promplate.yaml"),
    [
      "variables:",
      "  KEY: { type: string, writeOnly: true }",
      "  PORT: { type: integer, default: 9100 }",
      "outputs:",
      "  - { service: agent, kind: toml, template: agent.conf, path: out/agent.conf }",
      "  - { service: agent, kind: toml, template: plain.toml, path: out/plain.toml }",
      "",
    ].join("\n"),
  );
  await writeFile(join(dir, "agent.conf"), 'apikey = "${KEY}"\nport = ${PORT}\n');
  await writeFile(join(dir, "plain.toml"), "[a]\nport = ${PORT}\n");
  const ok = await runPromplate(["-C", dir, "render"], { KEY: 'S3cr3t"\\Leak-Canary' }, dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await readFile(join(dir, "out/agent.conf"), "utf8"), 'apikey = "S3cr3t\\"\\\\Leak-Canary"\nport = 9100\n');
  assert.equal((await stat(join(dir, "out/agent.conf"))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, "out/plain.toml"))).mode & 0o777, 0o644);
  assert.doesNotMatch(ok.stdout + ok.stderr, /Leak-Canary/);

  await writeFile(join(dir, "agent.conf"), 'apikey = "${KEY}"\nport = ${PORT}\nbroken = [1,\n');
  const bad = await runPromplate(["-C", dir, "render"], { KEY: "S3cr3t-Leak-Canary" }, dir);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /agent\.conf:4:1: error template\/invalid-toml/);
  assert.doesNotMatch(bad.stdout + bad.stderr, /Leak-Canary/);
});

test("toml: property-test counts", () => {
  // Printed for the record: how many renders the property tests above checked.
  console.log(`toml insertion property cases run: ${casesRun} (${POSITIONS.length} positions x ${VALUES.length} values + untyped bare values)`);
  assert.ok(casesRun >= POSITIONS.length * VALUES.length);
});

test("init: the example has agents/, and its mackerel-agent apikey is a TOML-escaped secret in a 0600 output", async () => {
  const dir = await mkdtemp(join(tmpdir(), "promplate-init-"));
  const init = await runPromplate(["init", dir], {}, dir);
  assert.equal(init.code, 0, init.stderr);
  const env = { AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", WEBHOOK: "https://hooks.example.com/x" };
  const result = await runPromplate(["-C", dir, "render"], { ...env, MACKEREL_APIKEY: 'Leak-Canary"\\key' }, dir);
  assert.equal(result.code, 0, result.stderr);
  const mackerel = join(dir, "out/agents/mackerel-agent.conf");
  assert.equal((parse(await readFile(mackerel, "utf8")) as { apikey: string }).apikey, 'Leak-Canary"\\key');
  assert.equal((await stat(mackerel)).mode & 0o777, 0o600);
  const cloudwatch = JSON.parse(await readFile(join(dir, "out/agents/amazon-cloudwatch-agent.json"), "utf8")) as {
    agent: unknown;
    metrics: { append_dimensions: unknown };
  };
  assert.deepEqual(cloudwatch.agent, { region: "ap-northeast-1", metrics_collection_interval: 60 });
  assert.deepEqual(cloudwatch.metrics.append_dimensions, { InstanceId: "${aws:InstanceId}" });
  assert.doesNotMatch(result.stdout + result.stderr, /Leak-Canary/);
});
