/**
 * src/redact.ts: every encoding a tool or parser prints a secret in is masked, quoted fragments are dropped, and the
 * rest of a message stays as it was. Table-driven: a message built from a secret, and what must (not) remain.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createRedactor, FRAGMENT_LENGTH, MIN_MASKED_LENGTH, PIECE_LENGTH, quotedSpans } from "../../src/redact.js";
import { createFinding } from "../../src/finding.js";
import { formatGithub, formatJson, formatText, summarize } from "../../src/report.js";
import { runPromplate } from "../helpers.js";
import { encodedForms, findLeak, goQuoteInner } from "../leaks.js";

const HOSTILE = 'ab"c\\d\te\nf}{(==';
const ALNUM = "Zq7RvX2mKp9LwT4nYb8H";
const URLISH = "https://hooks.slack.com/services/T0A1B2C3D/B4E5F6G7H/Xy9Zw8Vu7Ts6";
const UNICODE = "pässwörd\u00a0✓\u0085end";
const SECRETS = [HOSTILE, ALNUM, URLISH, UNICODE];

describe("redaction", () => {
  const redact = createRedactor(SECRETS);

  const encodings: { name: string; message: (secret: string) => string }[] = [
    { name: "raw", message: (s) => `value ${s} here` },
    { name: "Go %q", message: (s) => `parsing "${goQuoteInner(s)}": invalid URL escape` },
    { name: "Go %q, then JSON", message: (s) => JSON.stringify({ error: `bad value "${goQuoteInner(s)}"` }) },
    { name: "JSON", message: (s) => `{"password":${JSON.stringify(s)}}` },
    { name: "JSON twice", message: (s) => JSON.stringify(JSON.stringify({ p: s })) },
    { name: "JSON with escaped slashes", message: (s) => JSON.stringify(s).replace(/\//g, "\\/") },
    { name: "YAML single-quoted", message: (s) => `password: '${s.replace(/'/g, "''")}'` },
    { name: "YAML double-quoted", message: (s) => `password: ${JSON.stringify(s)}` },
    { name: "URL user-info", message: (s) => `url ftp://user:${encodeURIComponent(s)}@example.org/x` },
    { name: "URL, lower-case hex", message: (s) => `q=${encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())}&x=1` },
    { name: "form encoding", message: (s) => `body ${new URLSearchParams({ a: "1", secret: s, b: "2" })}` },
    { name: "URL-encoded inside JSON", message: (s) => JSON.stringify(`ftp://h/?t=${encodeURIComponent(s)}`).replace(/\//g, "\\/") },
    { name: "base64", message: (s) => `data ${Buffer.from(s).toString("base64")} end` },
    { name: "base64url, no padding", message: (s) => `data ${Buffer.from(s).toString("base64url")} end` },
    { name: "base64 of user:password", message: (s) => `Authorization: Basic ${Buffer.from(`admin:${s}`).toString("base64")}` },
    { name: "base64 of a longer blob", message: (s) => `blob ${Buffer.from(`xy${s}zzzz`).toString("base64")}` },
    { name: "PromQL fragment", message: (s) => `1:10: parse error: unexpected ${JSON.stringify(s.slice(3, 3 + FRAGMENT_LENGTH + 1))}` },
    { name: "Go-quoted fragment", message: (s) => `unexpected character: "${goQuoteInner(s.slice(1, 1 + FRAGMENT_LENGTH))}" in label` },
    { name: "backquoted fragment", message: (s) => `cannot unmarshal !!str \`${s.slice(0, 8)}...\` into model.Duration` },
    { name: "single-quoted fragment", message: (s) => `unexpected '${s.slice(-FRAGMENT_LENGTH)}'` },
    { name: "unclosed quote", message: (s) => `unexpected "${s.slice(3, 3 + FRAGMENT_LENGTH)} and the rest` },
  ];
  for (const encoding of encodings) {
    test(`masks a secret written as ${encoding.name}`, () => {
      for (const secret of SECRETS) {
        const message = encoding.message(secret);
        const shown = redact(message);
        assert.equal(findLeak(shown, SECRETS), undefined, `${encoding.name}: ${JSON.stringify(shown)}`);
        assert.match(shown, /\*\*\*/);
      }
    });
  }

  test("the test's own leak finder sees every form before redaction", () => {
    for (const secret of SECRETS) for (const form of encodedForms(secret)) assert.ok(findLeak(`x ${form.text} y`, [secret]), form.name);
  });

  test("leaves the rest of a message alone", () => {
    const cases: [string, string][] = [
      ["promplate's checks accept \"job\" and 'up'", "promplate's checks accept \"job\" and 'up'"],
      [`password ${ALNUM} is wrong`, "password *** is wrong"],
      [`unexpected "${ALNUM.slice(4, 12)}" at 1:3; "ok" stays`, 'unexpected "***" at 1:3; "ok" stays'],
      ['no secret here: unexpected "rate("', 'no secret here: unexpected "rate("'],
      ["", ""],
    ];
    for (const [input, output] of cases) assert.equal(redact(input), output);
  });

  test(`secrets shorter than ${MIN_MASKED_LENGTH} characters are masked only as a whole quoted part`, () => {
    const short = createRedactor(["ab", "x"]);
    assert.equal(short("a tab and a box"), "a tab and a box");
    assert.equal(short("unknown key \"ab\" and 'x'"), "unknown key \"***\" and '***'");
    const four = createRedactor(["Q7z!"]);
    assert.equal(four("pw Q7z! and Q7z%21"), "pw *** and ***");
  });

  test(`a quoted part of ${PIECE_LENGTH} or more characters that is a piece of a secret is dropped (the token a parser stopped at)`, () => {
    const secret = 'p4ss"w0rd!xY';
    const redact = createRedactor([secret]);
    assert.equal(redact('1:12: parse error: unexpected identifier "w0rd"'), '1:12: parse error: unexpected identifier "***"');
    assert.equal(redact("unexpected character: 'xY'"), "unexpected character: 'xY'", "shorter pieces stay: every message would lose its quotes");
    assert.equal(redact('unexpected "rate(" near "w0rd!x"'), 'unexpected "rate(" near "***"');
    assert.equal(redact('label "job" is fine'), 'label "job" is fine');
  });

  test("through the program: a secret breaking a PromQL expression shows none of its tokens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-redact-"));
    writeFileSync(
      join(dir, "promplate.yaml"),
      "variables:\n  S: { type: string, writeOnly: true }\noutputs:\n  - { service: p, kind: prometheus-rules, template: rules.yml, path: out/rules.yml }\n",
    );
    writeFileSync(join(dir, "rules.yml"), 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up{job="${S}"} == 0\n');
    for (const secret of ['p4ss"w0rd!xY', 'Kq"zp9 Wv']) {
      const result = await runPromplate(["-C", dir, "check", "--no-tools"], { S: secret }, dir);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /unexpected[^\n]*"\*\*\*"/);
      assert.doesNotMatch(result.stdout, /w0rd|zp9/);
    }
  });

  test("no secret, no change (and empty values are ignored)", () => {
    const none = createRedactor([]);
    const empty = createRedactor([""]);
    for (const text of ['a "b" c', "x\ny"]) {
      assert.equal(none(text), text);
      assert.equal(empty(text), text);
    }
  });

  test("quoted parts: escapes honoured, apostrophes in words skipped, an unclosed quote runs to the end", () => {
    const text = 'a "b\\"c" d\'s `e\\` f "g\nh "i"';
    assert.deepEqual(
      quotedSpans(text).map((s) => text.slice(s.start, s.end)),
      ['b\\"c', "e\\", 'g\nh "i"'],
    );
  });
});

describe("reporters", () => {
  const secret = 'Tk"9\\q\tLongEnoughValue';
  const redact = createRedactor([secret]);
  // Made as the checks make them: redacted when created.
  const problems = [
    createFinding(redact, {
      id: "promtool/config",
      severity: "error",
      message: `parse "${goQuoteInner(secret)}": bad`,
      file: "out/p.yml",
      line: 2,
      column: 8,
      hint: `value ${JSON.stringify(secret)}`,
    }),
  ];
  const source = `a: 1\nurl: "${goQuoteInner(secret)}"\nok: "fine"\n`;

  test("text, JSON and GitHub formats mask what they print, the source line included", () => {
    const text = formatText(problems, { sourceOf: () => source, redact });
    const json = formatJson(problems, summarize(problems));
    const github = formatGithub(problems, summarize(problems));
    for (const [name, out] of [
      ["text", text],
      ["json", json],
      ["github", github],
    ] as const)
      assert.equal(findLeak(out, [secret]), undefined, `${name}: ${out}`);
    assert.match(text, /^ {2}url: "\*\*\*"\n/m);
    assert.doesNotMatch(text, /\^/, "a masked line has no caret: its column points nowhere");
    assert.match(JSON.parse(json).findings[0].message, /^parse "\*\*\*": bad \(value "\*\*\*"\)$/);
  });

  test("without a redactor, a line with nothing to mask keeps its caret", () => {
    const text = formatText([{ ...problems[0]!, message: "m", hint: undefined, line: 3, column: 5 }], { sourceOf: () => source });
    assert.match(text, /^ {2}ok: "fine"\n {2} {4}\^$/m);
  });
});
