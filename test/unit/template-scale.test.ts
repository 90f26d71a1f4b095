/**
 * Large and hostile templates: work grows linearly with the template (counted as the characters the YAML parser
 * reads, not timed), a 4 MiB template renders exactly through the CLI, inputs that were quadratic come back with
 * the right answer, and a template over the 16 MiB limit is refused before it is read.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Parser } from "yaml";
import { renderTemplate, scanTemplate } from "../../src/template/index.js";
import { MAX_TEMPLATE_BYTES } from "../../src/template/read.js";
import { readRegularFileBytes } from "../../src/value-files.js";

const readTemplate = (path: string) => readRegularFileBytes(path, MAX_TEMPLATE_BYTES);
import { runPromplate } from "../helpers.js";

const VALUES = { SCRAPE_INTERVAL: "15s", TARGET_DOMAIN: "example.internal", TEAM: "a: b #c", PASSWORD: "p@ss #w'rd" };

/** A Prometheus config of about `bytes` with six references per scrape job, and the output it must render to. */
function denseTemplate(bytes: number): { template: string; expected: string; jobs: number } {
  const job = (i: number, v: { interval: string; password: string; domain: string; team: string; quotedTeam: string }) =>
    `  - job_name: 'job-${i}'\n    scrape_interval: ${v.interval}\n    basic_auth:\n      username: scraper\n      password: '${v.password}'\n` +
    `    static_configs:\n      - targets: ['h${i}.${v.domain}:9100', 'g${i}.${v.domain}:9100']\n        labels:\n          team: ${v.team}\n          other: "${v.quotedTeam}"\n`;
  const references = { interval: "${SCRAPE_INTERVAL}", password: "${PASSWORD}", domain: "${TARGET_DOMAIN}", team: "${TEAM}", quotedTeam: "${TEAM}" };
  // What safe insertion writes: plain where the value keeps its text, the quoting the site needs otherwise.
  const inserted = { interval: "15s", password: "p@ss #w''rd", domain: "example.internal", team: "'a: b #c'", quotedTeam: "a: b #c" };
  const parts = ["global:\n  scrape_interval: ${SCRAPE_INTERVAL}\nscrape_configs:\n"];
  const expected = ["global:\n  scrape_interval: 15s\nscrape_configs:\n"];
  let length = parts[0]!.length;
  let jobs = 0;
  while (length < bytes) {
    const text = job(jobs, references);
    parts.push(text);
    expected.push(job(jobs, inserted));
    length += text.length;
    jobs++;
  }
  return { template: parts.join(""), expected: expected.join(""), jobs };
}

/** Counts what every YAML parse reads (the yaml package's one Parser class serves all its entry points). */
function countYamlParsing() {
  const counter = { parses: 0, characters: 0 };
  const original = Parser.prototype.parse;
  Parser.prototype.parse = function* (this: Parser, source: string, incomplete?: boolean) {
    counter.parses++;
    counter.characters += source.length;
    yield* original.call(this, source, incomplete);
  };
  return { counter, restore: () => (Parser.prototype.parse = original) };
}

async function render(template: string, kind: "yaml" | "json" | "text", values: Record<string, unknown>, declared = Object.keys(values)) {
  const scanned = scanTemplate("t.yml", template, { declared: new Set(declared) });
  if (scanned.problems.length > 0) return { text: "", lineMap: [], problems: scanned.problems, secretLines: [] };
  return renderTemplate(scanned, { kind, values, declaredType: () => "string", secretNames: new Set(["PASSWORD"]) });
}

describe("work grows linearly with the template", () => {
  let counting: ReturnType<typeof countYamlParsing>;
  before(() => (counting = countYamlParsing()));
  after(() => counting.restore());

  test("doubling a dense YAML template doubles what the YAML parser reads, in the same number of parses", async () => {
    const figures: { bytes: number; parses: number; characters: number }[] = [];
    for (const bytes of [128 * 1024, 256 * 1024, 512 * 1024]) {
      const { template, expected } = denseTemplate(bytes);
      counting.counter.parses = 0;
      counting.counter.characters = 0;
      const result = await render(template, "yaml", VALUES);
      assert.deepEqual(result.problems, []);
      assert.equal(result.text, expected);
      figures.push({ bytes: template.length, ...counting.counter });
    }
    for (let k = 1; k < figures.length; k++) {
      const [small, large] = [figures[k - 1]!, figures[k]!];
      assert.equal(large.parses, small.parses, JSON.stringify(figures));
      const ratio = large.characters / small.characters;
      const sizeRatio = large.bytes / small.bytes;
      assert.ok(Math.abs(ratio - sizeRatio) < 0.1, `parsed ${ratio.toFixed(2)}x for ${sizeRatio.toFixed(2)}x the template: ${JSON.stringify(figures)}`);
    }
    // A constant number of whole-document passes: the placeholder rendering and the final shape check.
    assert.ok(figures[0]!.characters < 3 * figures[0]!.bytes, JSON.stringify(figures));
  });

  test("a large template with a few Handlebars blocks renders exactly, fallbacks and blocks included", async () => {
    const { template, expected } = denseTemplate(512 * 1024);
    const blocks = "{{#if ON}}on: ${TEAM}{{else}}off: 1{{/if}}\nfallback: ${UNSET:-none}\n{{#each LIST}}\n- {{this}} ${SCRAPE_INTERVAL}\n{{/each}}\n";
    const values = { ...VALUES, ON: true, UNSET: undefined, LIST: ["a", "b"] };
    const result = await render(`${template}tail:\n${blocks}`, "text", values);
    assert.deepEqual(result.problems, []);
    const textExpected = expected.replace(/'p@ss #w''rd'/g, "'p@ss #w'rd'").replace(/team: 'a: b #c'/g, "team: a: b #c");
    assert.equal(result.text, `${textExpected}tail:\non: a: b #c\nfallback: none\n- a 15s\n- b 15s\n`);
  });

  test("a value that changes the document is found by bisection: one culprit among 2,000 edits costs a few dozen parses", async () => {
    // An anchor named like an earlier one redefines it, so `last: *foo` changes: only the final shape check sees it.
    const count = 2000;
    let template = "first: &foo 1\n";
    const values: Record<string, string> = {};
    for (let i = 0; i < count; i++) {
      template += `k${i}: &\${A${i}} v${i}\n`;
      values[`A${i}`] = i === 1993 ? "foo" : `a${i}`;
    }
    template += "last: *foo\n";
    counting.counter.parses = 0;
    const result = await render(template, "yaml", values);
    assert.deepEqual(
      result.problems.map((p) => [p.message, p.line]),
      [["the value of A1993 would change the document's structure here", 1995]],
    );
    assert.ok(counting.counter.parses < 60, `${counting.counter.parses} parses`);
  });

  test("many culprits: the first 20 are named, then one problem says there are more", async () => {
    let template = "first: &foo 1\n";
    const values: Record<string, string> = {};
    for (let i = 0; i < 300; i++) {
      template += `k${i}: &\${A${i}} v${i}\nr${i}: *foo\n`;
      values[`A${i}`] = i % 10 === 0 ? "foo" : `a${i}`;
    }
    const result = await render(template, "yaml", values);
    assert.equal(result.problems.length, 21);
    assert.deepEqual(
      result.problems.slice(0, 3).map((p) => p.line),
      [2, 22, 42],
    );
    assert.match(result.problems[20]!.message, /more values would change the document's structure \(the first 20 are named\)/);
  });
});

describe("inputs that used to be quadratic give the right answer", () => {
  test("JSON: 40,000 references inside strings", async () => {
    const count = 40_000;
    const template = `[\n${Array.from({ length: count }, (_, i) => `  "item ${i} \${A}"`).join(",\n")}\n]\n`;
    const result = await render(template, "json", { A: 'say "hi"' });
    assert.deepEqual(result.problems, []);
    const parsed = JSON.parse(result.text) as string[];
    assert.equal(parsed.length, count);
    assert.equal(parsed[count - 1], `item ${count - 1} say "hi"`);
  });

  test("40,000 undeclared references: each problem at its own line", async () => {
    const template = Array.from({ length: 40_000 }, (_, i) => `k${i}: \${NOPE}`).join("\n");
    const result = await render(template, "yaml", { A: "x" });
    assert.equal(result.problems.length, 40_000);
    assert.deepEqual(
      [result.problems[0], result.problems[39_999]].map((p) => [p!.line, p!.column]),
      [
        [1, 5],
        [40_000, 9],
      ],
    );
  });

  test("the CLI reports 20,000 problems in one template without re-reading it for each", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promplate-scale-"));
    await writeFile(
      join(dir, "promplate.yaml"),
      "variables:\n  A: { type: string, default: x }\noutputs:\n  - { service: s, kind: yaml, template: t.yml, path: out/t.yml }\n",
    );
    await writeFile(join(dir, "t.yml"), Array.from({ length: 20_000 }, (_, i) => `k${i}: \${NOPE}`).join("\n"));
    const result = await runPromplate(["-C", dir, "render"], {}, dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /t\.yml:20000:9: error template\/undeclared-variable/);
    assert.match(result.stderr, /^20000 errors$/m);
  });

  const tokenizerCases: { name: string; template: string; text: (t: string) => string }[] = [
    { name: "200,000 unclosed {{", template: `a: \${A}\n${"{{".repeat(200_000)}\n`, text: (t) => t.replace("${A}", "x") },
    { name: "100,000 unclosed {{/*", template: `a: \${A}\n${"{{/*".repeat(100_000)}\n`, text: (t) => t.replace("${A}", "x") },
    { name: "100,000 unclosed {{!--", template: `a: \${A}\n${"{{!--".repeat(100_000)}\n`, text: (t) => t.replace("${A}", "x") },
    // Every `{{` opens a Go string that the line break ends unclosed, whichever quote it starts at.
    { name: '100,000 {{ " on one line', template: `a: \${A}\n${'{{ "'.repeat(100_000)}\n"}}\n`, text: (t) => t.replace("${A}", "x") },
    { name: "{{~A}} after 200,000 spaces", template: `a: x${" ".repeat(200_000)}y{{~A}}\n`, text: (t) => t.replace("{{~A}}", "x") },
  ];
  for (const c of tokenizerCases) {
    test(`tokenizer: ${c.name}`, async () => {
      const result = await render(c.template, "text", { A: "x" });
      assert.deepEqual(result.problems, []);
      assert.equal(result.text, c.text(c.template));
    });
  }

  test("tokenizer: 100,000 ${A:- without a closing brace on one line are each reported", async () => {
    const result = await render(`a: ${"${A:-".repeat(100_000)}\n`, "text", { A: "x" });
    assert.equal(result.problems.length, 100_000);
    assert.equal(result.problems[99_999]!.column, 4 + 5 * 99_999);
  });

  test("tokenizer: 50,000 open blocks, then 50,000 actions that look through them", () => {
    // Each {{this}} asks "inside an {{#each}}?" and each Go {{ end }} looks for a Go block under the Handlebars ones.
    const depth = 50_000;
    const template = `{{ if .x }}${"{{#if LIST}}".repeat(depth)}{{#each LIST}}${"{{this}}".repeat(depth)}${"{{ end }}".repeat(depth)}{{/each}}${"{{/if}}".repeat(depth)}\n`;
    const scanned = scanTemplate("t", template, { declared: new Set(["LIST"]) });
    assert.deepEqual(scanned.problems, []);
    assert.equal(scanned.tokens.filter((t) => t.type === "handlebars" && t.content === "this").length, depth);
    assert.equal(scanned.references.get("LIST")?.required, false);
  });
});

describe("a 4 MiB template through the CLI", () => {
  test("renders a prometheus-config of 4 MiB with dense references exactly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promplate-scale-"));
    const { template, expected, jobs } = denseTemplate(4 * 1024 * 1024);
    assert.ok(jobs > 10_000);
    await writeFile(
      join(dir, "promplate.yaml"),
      [
        "variables:",
        "  SCRAPE_INTERVAL: { type: string, format: prometheus-duration, default: 15s }",
        "  TARGET_DOMAIN: { type: string, default: example.internal }",
        "  TEAM: { type: string, default: 'a: b #c' }",
        "  PASSWORD: { type: string, writeOnly: true }",
        "outputs:",
        "  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml }",
        "",
      ].join("\n"),
    );
    await writeFile(join(dir, "prometheus.yml"), template);
    const result = await runPromplate(["-C", dir, "render", "--set", `PASSWORD=${VALUES.PASSWORD}`], {}, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(dir, "out/prometheus.yml"), "utf8"), expected);
  });
});

describe("the template size limit", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "promplate-limit-"));
    await writeFile(
      join(dir, "promplate.yaml"),
      "variables:\n  A: { type: string, default: x }\noutputs:\n  - { service: s, kind: yaml, template: big.yml, path: out/big.yml }\n",
    );
    // Sparse: the size is what stat says, and nothing past the limit is ever read.
    await writeFile(join(dir, "big.yml"), "a: ${A}\n");
    await truncate(join(dir, "big.yml"), MAX_TEMPLATE_BYTES + 1);
  });

  test("a project template over 16 MiB is exit 2 at its output line, and nothing is written", async () => {
    const result = await runPromplate(["-C", dir, "render"], {}, dir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /promplate\.yaml:4:1: error template\/unreadable: cannot read template big\.yml: it is larger than 16 MiB/);
    assert.match(result.stderr, /hint: split it into smaller files/);
    assert.ok(!existsSync(join(dir, "out")));
  });

  test("check refuses it too, in its report", async () => {
    const result = await runPromplate(["-C", dir, "check", "--no-tools", "--format", "json"], {}, dir);
    assert.equal(result.code, 2, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { id: string; message: string }[] };
    assert.ok(
      report.findings.some((f) => f.id === "template/unreadable" && /big\.yml: it is larger than 16 MiB/.test(f.message)),
      result.stdout,
    );
  });

  test("render FILE over the limit is exit 2", async () => {
    const result = await runPromplate(["render", join(dir, "big.yml")], {}, dir);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /big\.yml: it is larger than 16 MiB/);
  });

  test("a template of exactly the limit is read whole; one byte more is refused", async () => {
    const path = join(dir, "exact.yml");
    await writeFile(path, "");
    await truncate(path, MAX_TEMPLATE_BYTES);
    assert.equal((await readTemplate(path)).length, MAX_TEMPLATE_BYTES);
    await truncate(path, MAX_TEMPLATE_BYTES + 1);
    await assert.rejects(readTemplate(path), /larger than 16 MiB/);
  });

  test("a template string over the limit from any caller is a problem, not a render", () => {
    const scanned = scanTemplate("huge.yml", "a".repeat(MAX_TEMPLATE_BYTES + 1));
    assert.deepEqual(
      scanned.problems.map((p) => p.id),
      ["template/too-large"],
    );
    assert.deepEqual(scanned.tokens, []);
  });
});
