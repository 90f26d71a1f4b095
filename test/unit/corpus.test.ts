/**
 * Real configs and rules (test/corpus): every text file without promplate syntax passes through
 * `promplate render FILE` byte-identical; the few with UPPER_SNAKE `${…}` are the listed exception (their GNU
 * envsubst parity is in test/e2e/envsubst.test.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CORPUS as CORPUS_DIR } from "../corpus-path.js";
import { runPromplate } from "../helpers.js";

const CORPUS = CORPUS_DIR;
const UPPER_SNAKE_REFERENCE = /\$\{[A-Z][A-Z0-9_]*(\}|:-)/;

const cwd = mkdtempSync(join(tmpdir(), "promplate-corpus-"));
after(() => rmSync(cwd, { recursive: true, force: true }));

const cli = (argv: string[], env: Record<string, string> = {}) => runPromplate(argv, env, cwd);

function tsvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(CORPUS, file), "utf8").trimEnd().split("\n");
  const names = (header ?? "").split("\t");
  return lines.map((line) => Object.fromEntries(line.split("\t").map((value, i) => [names[i] ?? `col${i}`, value])));
}

const binary = new Set(
  tsvRows("INDEX.details.tsv")
    .filter((r) => r.binary === "yes")
    .map((r) => r.path ?? ""),
);
const files = tsvRows("INDEX.tsv")
  .map((r) => r.path ?? "")
  .filter((path) => path !== "" && !binary.has(path));

/**
 * The exception: files using `${NAME}` with an UPPER_SNAKE NAME on purpose, for another tool's expansion.
 * - Prometheus' own external-label expansion (`--enable-feature=expand-external-labels`);
 * - the envsubst-based prom_on_ecs_example workflow promplate replaces (two templates, and a compose template
 *   whose `${AWS_*}` docker-compose interpolates).
 */
const EXCEPTIONS = [
  "prom_on_ecs_example/alert_manager/template.config.yaml",
  "prom_on_ecs_example/prom/template.prometheus.yml",
  "prom_on_ecs_example/template.docker-compose.yaml",
  "prometheus/config/testdata/external_labels.good.yml",
];

const withReferences = files.filter((path) => UPPER_SNAKE_REFERENCE.test(readFileSync(join(CORPUS, path), "utf8")));

test("the corpus index lists hundreds of text files and only images as binary", () => {
  assert.ok(files.length > 500, `${files.length} files`);
  assert.deepEqual(
    [...binary].map((p) => p.replace(/.*\./, "")),
    ["png", "png"],
  );
  for (const path of files) assert.ok(!readFileSync(join(CORPUS, path)).includes(0), `${path} looks binary`);
});

test("the files with UPPER_SNAKE ${…} are exactly the listed few", (t) => {
  t.diagnostic(`files with UPPER_SNAKE \${…}: ${withReferences.join(", ")}`);
  assert.ok(withReferences.length <= 5);
  assert.deepEqual([...withReferences].sort(), EXCEPTIONS);
});

describe("every other corpus file renders byte-identical", () => {
  for (const path of files.filter((p) => !withReferences.includes(p))) {
    test(path, async () => {
      const absolute = join(CORPUS, path);
      const { code, stdout, stderr } = await cli(["render", absolute]);
      assert.equal(stderr, "");
      assert.equal(code, 0);
      assert.ok(Buffer.from(stdout, "utf8").equals(readFileSync(absolute)), "output differs from the file");
    });
  }
});

describe("the exceptions", () => {
  for (const path of EXCEPTIONS) {
    test(`without values, ${path} is exit 2 naming the variable, nothing printed`, async () => {
      const { code, stdout, stderr } = await cli(["render", join(CORPUS, path)]);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      const first = /\$\{([A-Z][A-Z0-9_]*)/.exec(readFileSync(join(CORPUS, path), "utf8"))?.[1] ?? "?";
      assert.match(stderr, new RegExp(first));
    });
  }

  test("external_labels.good.yml: ${TEST} substituted, $${TEST} is the literal ${TEST}, $$ stays", async () => {
    const { code, stdout } = await cli(["render", join(CORPUS, "prometheus/config/testdata/external_labels.good.yml")], { TEST: "x" });
    assert.equal(code, 0);
    assert.equal(stdout, "global:\n  external_labels:\n    bar: foo\n    foo: x\n    baz: fooxbar\n    qux: foo${TEST}\n    xyz: foo$$bar\n");
  });

  // `_rendered/` is envsubst's output with these dummy values.
  const DUMMY = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY: "AKIAEXAMPLEEXAMPLE",
    AWS_SECRET_KEY: "example-secret-key",
    WEBHOOK: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
  };
  const parity = [
    { template: "prom_on_ecs_example/prom/template.prometheus.yml", rendered: "prom_on_ecs_example/_rendered/prom/prometheus.yml" },
    { template: "prom_on_ecs_example/alert_manager/template.config.yaml", rendered: "prom_on_ecs_example/_rendered/alert_manager/config.yaml" },
    { template: "prom_on_ecs_example/prom/rules.yaml", rendered: "prom_on_ecs_example/_rendered/prom/rules.yaml" },
  ];
  for (const { template, rendered } of parity) {
    test(`${template} with the dummy values equals _rendered/`, async () => {
      const { code, stdout, stderr } = await cli(["render", join(CORPUS, template)], DUMMY);
      assert.equal(stderr, "");
      assert.equal(code, 0);
      assert.equal(stdout, readFileSync(join(CORPUS, rendered), "utf8"));
    });
  }
});
