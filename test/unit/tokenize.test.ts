/**
 * The template rule (DESIGN.md, "The template language"): which `{{ … }}` and `$…` are promplate's, and which are
 * Prometheus/Alertmanager Go templates or literal text passing through byte-identical.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { renderTemplate, scanTemplate, type InsertionKind, type Values } from "../../src/template/index.js";

const DECLARED = new Set(["TLS", "HOST", "PORT", "AWS_REGION", "LIST", "OBJ", "EMPTY", "OFF"]);
const VALUES: Values = {
  TLS: true,
  OFF: false,
  HOST: "db.local",
  PORT: 9090,
  AWS_REGION: "eu-west-1",
  LIST: ["a", "b"],
  OBJ: { name: "n", port: 1 },
  EMPTY: undefined,
};

interface RenderCase {
  name: string;
  source: string;
  expected: string;
  values?: Values;
  /** null: no-project mode (each UPPER_SNAKE `${NAME}` is a variable). */
  declared?: Set<string> | null;
  kind?: InsertionKind;
}

async function render(c: Omit<RenderCase, "name" | "expected">): Promise<string> {
  const declared = c.declared === null ? undefined : (c.declared ?? DECLARED);
  const scanned = scanTemplate("t.yml", c.source, { declared });
  assert.deepEqual(scanned.problems, [], "scan problems");
  const result = await renderTemplate(scanned, { kind: c.kind ?? "text", values: c.values ?? VALUES });
  assert.deepEqual(result.problems, [], "render problems");
  return result.text;
}

function runCases(cases: RenderCase[]): void {
  for (const c of cases) {
    test(c.name, async () => {
      assert.equal(await render(c), c.expected);
    });
  }
}

// Go template text that must pass through byte-identical, wherever it appears.
const GO_SNIPPETS = [
  "{{ $labels.instance }}",
  "{{ $value | humanize }}",
  "{{ .CommonAnnotations.summary }}",
  "{{ . }}",
  "{{.}}",
  "{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}",
  "{{ range .Alerts }}x{{ else }}none{{ end }}",
  "{{ range $i, $a := .Alerts }}{{ $i }}={{ $a.Status }}{{ end }}",
  "{{ if .X }}a{{ else }}b{{ end }}",
  "{{ if .X }}a{{else}}b{{ end }}",
  "{{ if .X }}a{{ else if .Y }}b{{ end }}",
  "{{ with .Labels }}{{ .instance }}{{ end }}",
  "{{- if gt (len .Alerts.Firing) 0 -}}firing{{- end -}}",
  "{{- .Status -}}",
  "{{/* a comment */}}",
  "{{- /* a trimmed comment */ -}}",
  "{{/* }} inside a comment */}}",
  '{{ "}}" }}',
  '{{ "{{" }}',
  "{{ `}}` }}",
  "{{ if eq .c '}' }}x{{ end }}",
  '{{ join .Labels ", " }}',
  "{{ quote .Foo }}",
  '{{ default .Foo "x" }}',
  "{{ json .Foo }}",
  '{{ template "slack.default.title" . }}',
  '{{ define "x" }}y{{ end }}',
  '{{- template "x" . -}}',
  '{{ reReplaceAll "(.*)" "$1" .x }}',
  '{{ printf "%s" "${HOST}" }}',
  "{{ if TLS }}on{{ end }}",
  "{{ with HOST }}x{{ end }}",
  "{{ this }}",
  "{{ this.name }}",
  "{{ @index }}",
  "{{ .Labels.SortedPairs.Names }}",
  "{{ humanizeDuration $value }}",
  '{{ .X | default "y" }}',
  "{{ $x := .Foo }}{{ $x }}",
  "{{/* ${HOST} $HOST */}}",
  "{{this}}",
  "{{@index}}",
  '{{ block "x" . }}default{{ end }}',
  "{{ if and\n  .A\n  .B }}x{{ end }}",
];

describe("Go templates pass through byte-identical", () => {
  for (const snippet of GO_SNIPPETS) {
    test(`alone: ${snippet}`, async () => {
      assert.equal(await render({ source: `x: ${snippet}\n` }), `x: ${snippet}\n`);
    });
    test(`next to a substitution: ${snippet}`, async () => {
      assert.equal(await render({ source: `${snippet} \${HOST} ${snippet}` }), `${snippet} db.local ${snippet}`);
    });
    test(`inside a Handlebars block: ${snippet}`, async () => {
      assert.equal(await render({ source: `{{#if TLS}}${snippet}{{/if}}|{{HOST}}` }), `${snippet}|db.local`);
    });
    test(`no project: ${snippet}`, async () => {
      assert.equal(await render({ source: `${snippet}\n`, declared: null, values: {} }), `${snippet}\n`);
    });
  }

  test("a whole Alertmanager template with one substitution keeps every other byte", async () => {
    const go = [
      '{{ define "slack.text" }}',
      "{{- range .Alerts }}",
      "*{{ .Labels.alertname }}* on {{ $.CommonLabels.instance }}: {{ .Annotations.summary }}",
      "{{- if .Annotations.runbook }} <{{ .Annotations.runbook }}|runbook>{{ else }} (no runbook){{ end }}",
      "{{ end -}}",
      "{{ end }}",
      "",
    ].join("\n");
    const source = `# region \${AWS_REGION}\n${go}`;
    assert.equal(await render({ source }), `# region eu-west-1\n${go}`);
  });
});

describe("Handlebars actions", () => {
  runCases([
    { name: "{{#if X}} block, true", source: "{{#if TLS}}tls: on{{/if}}", expected: "tls: on" },
    { name: "{{#if X}} block, false", source: "{{#if OFF}}tls: on{{/if}}", expected: "" },
    { name: "{{#unless X}} block", source: "{{#unless OFF}}plain{{/unless}}", expected: "plain" },
    { name: "{{#if}} on its own lines removes those lines", source: "a\n{{#if TLS}}\nb\n{{/if}}\nc\n", expected: "a\nb\nc\n" },
    { name: "{{#if}} false on its own lines", source: "a\n{{#if OFF}}\nb\n{{/if}}\nc\n", expected: "a\nc\n" },
    { name: "{{else}} inside a Handlebars block", source: "{{#if OFF}}a{{else}}b{{/if}}", expected: "b" },
    { name: "{{ else }} with spaces inside a Handlebars block", source: "{{#if OFF}}a{{ else }}b{{/if}}", expected: "b" },
    {
      name: "Go {{ else }} inside a Go if inside a Handlebars {{#if}} stays Go",
      source: "{{#if TLS}}{{ if .Alerts }}a{{ else }}b{{ end }}{{/if}}",
      expected: "{{ if .Alerts }}a{{ else }}b{{ end }}",
    },
    {
      name: "Go {{else}} (no spaces) inside a Go range inside {{#if}} stays Go",
      source: "{{#if TLS}}{{ range .A }}x{{else}}none{{ end }}{{/if}}",
      expected: "{{ range .A }}x{{else}}none{{ end }}",
    },
    {
      name: "Handlebars {{else}} after a closed Go range",
      source: "{{#if OFF}}{{ range .A }}x{{ end }}{{else}}none{{/if}}",
      expected: "none",
    },
    {
      name: "Handlebars {{#if}}/{{else}} inside a Go range",
      source: "{{ range .Alerts }}{{#if OFF}}x{{else}}y{{/if}}{{ end }}",
      expected: "{{ range .Alerts }}y{{ end }}",
    },
    { name: "{{else if X}} inside a Handlebars block", source: "{{#if OFF}}a{{else if TLS}}b{{/if}}", expected: "b" },
    { name: "~ whitespace control around a declared variable", source: "a  {{~HOST~}}  b", expected: "adb.localb" },
    { name: "{{!-- --}} removes a ${NAME} inside it", source: "a{{!-- ${HOST} $HOST --}}b", expected: "ab" },
    { name: "{{!comment}} is removed", source: "a{{! a note }}b", expected: "ab" },
    { name: "{{!-- comment --}} is removed", source: "a{{!-- a }} note --}}b", expected: "ab" },
    { name: "{{!comment}} alone on a line removes the line", source: "a\n{{! a note }}\nb\n", expected: "a\nb\n" },
    { name: "{{X}} for a declared X", source: "host: {{HOST}}", expected: "host: db.local" },
    { name: "{{ X }} for a declared X", source: "host: {{ HOST }}", expected: "host: db.local" },
    { name: "{{ x }} for an undeclared lower-case x stays Go", source: "{{ host }}", expected: "{{ host }}" },
    { name: "helper default with an unset declared variable", source: '{{default EMPTY "9090"}}', expected: "9090" },
    { name: "helper default with a set declared variable", source: '{{default HOST "x"}}', expected: "db.local" },
    { name: "helper quote with a declared variable", source: "{{quote HOST}}", expected: '"db.local"' },
    { name: "helper call with spaces and a declared variable", source: '{{ default PORT "1" }}', expected: "9090" },
    { name: "helper json with a declared variable", source: "{{json LIST}}", expected: '["a","b"]' },
    { name: "{{#each}} with this and @index", source: "{{#each LIST}}{{@index}}={{this}} {{/each}}", expected: "0=a 1=b " },
    { name: "{{#each}} over an object with @key", source: "{{#each OBJ}}{{@key}}={{this}};{{/each}}", expected: "name=n;port=1;" },
    {
      name: "{{#each}} with @first and @last",
      source: "{{#each LIST}}{{#if @first}}[{{/if}}{{this}}{{#if @last}}]{{/if}}{{/each}}",
      expected: "[ab]",
    },
    { name: "{{ @index }} and {{ this }} with spaces in {{#each}}", source: "{{#each LIST}}{{ @index }}:{{ this }} {{/each}}", expected: "0:a 1:b " },
    { name: "this inside {{#if}} inside {{#each}}", source: "{{#each LIST}}{{#if TLS}}{{this}}{{/if}}{{/each}}", expected: "ab" },
    // A declared variable means the variable's value everywhere, also inside an iteration block.
    { name: "${NAME} inside {{#each}}", source: "{{#each LIST}}${HOST}/{{this}} {{/each}}", expected: "db.local/a db.local/b " },
    { name: "{{NAME}} inside {{#each}}", source: "{{#each LIST}}{{HOST}} {{/each}}", expected: "db.local db.local " },
    { name: "${NAME} inside {{#with}}", source: "{{#with OBJ}}${HOST}:{{this.port}}{{/with}}", expected: "db.local:1" },
    { name: "a helper on a declared variable inside {{#each}}", source: "{{#each LIST}}{{quote HOST}}{{/each}}", expected: '"db.local""db.local"' },
    { name: "{{#with}} and this.x", source: "{{#with OBJ}}{{this.name}}:{{this.port}}{{/with}}", expected: "n:1" },
    { name: "a Go {{ . }} inside {{#each}} stays Go", source: "{{#each LIST}}{{this}} {{ . }};{{/each}}", expected: "a {{ . }};b {{ . }};" },
    { name: "{{#each}} lines in YAML", source: "targets:\n{{#each LIST}}\n  - {{this}}\n{{/each}}\n", expected: "targets:\n  - a\n  - b\n", kind: "yaml" },
  ]);

  test("the yaml helper writes a whole node", async () => {
    const text = await render({ source: "list: {{yaml LIST}}\nobj: {{yaml OBJ}}\n", kind: "yaml" });
    assert.deepEqual(parseYaml(text), { list: ["a", "b"], obj: { name: "n", port: 1 } });
  });

  test("lineMap points each output line at its template line", async () => {
    const scanned = scanTemplate("t", "a: 1\n{{#if TLS}}\nb: ${HOST}\n{{/if}}\nc: 3\n", { declared: DECLARED });
    const result = await renderTemplate(scanned, { kind: "yaml", values: VALUES });
    assert.deepEqual(result.problems, []);
    assert.equal(result.text, "a: 1\nb: db.local\nc: 3\n");
    assert.deepEqual(result.lineMap, [1, 3, 5]);
  });

  test("needsHandlebars only for blocks, helpers and iteration words", () => {
    const cases: [string, boolean][] = [
      ["${HOST} {{HOST}} {{ $labels.x }} {{ if .A }}{{ end }} {{/* c */}}", false],
      ["{{#if TLS}}x{{/if}}", true],
      ["{{quote HOST}}", true],
      ["{{! comment }}", true],
    ];
    for (const [source, expected] of cases) {
      assert.equal(scanTemplate("t", source, { declared: DECLARED }).needsHandlebars, expected, source);
    }
  });
});

describe("$ is read left to right", () => {
  runCases([
    { name: "${NAME}", source: "host: ${HOST}", expected: "host: db.local" },
    { name: "${NAME:-default} when set", source: "host: ${HOST:-fallback}", expected: "host: db.local" },
    { name: "${NAME:-default} when unset", source: "host: ${EMPTY:-fallback}", expected: "host: fallback" },
    { name: "$${NAME} is the literal ${NAME}", source: "x: $${HOST}", expected: "x: ${HOST}" },
    { name: "$${NAME} for an undeclared UPPER_SNAKE NAME in a project", source: "x: $${UNKNOWN_THING}", expected: "x: ${UNKNOWN_THING}" },
    { name: "$$ passes through", source: "a$$b", expected: "a$$b" },
    { name: "$$ then ${NAME}", source: "$$${HOST}", expected: "$$db.local" },
    { name: "$1 passes through", source: "replacement: $1:9100", expected: "replacement: $1:9100" },
    { name: "${1} passes through", source: "replacement: '${1}:9100'", expected: "replacement: '${1}:9100'" },
    { name: "${host} (undeclared) passes through", source: "x: ${host}", expected: "x: ${host}" },
    { name: "$labels passes through", source: "x: $labels.instance", expected: "x: $labels.instance" },
    { name: "a lone $ passes through", source: "cost: 5$ and $ x and $", expected: "cost: 5$ and $ x and $" },
    { name: "an unterminated {{ passes through", source: "x: {{ unterminated ${HOST}", expected: "x: {{ unterminated db.local" },
    { name: "$ inside a Go action passes through", source: '{{ printf "${HOST} $HOST $1" }}', expected: '{{ printf "${HOST} $HOST $1" }}' },
    { name: "no project: ${NAME} is a variable", source: "r: ${REGION}", expected: "r: x", declared: null, values: { REGION: "x" } },
    { name: "no project: ${name} passes through", source: "r: ${region}", expected: "r: ${region}", declared: null, values: {} },
    { name: "no project: bare $NAME is never substituted", source: "r: $REGION", expected: "r: $REGION", declared: null, values: {} },
    { name: "no project: $${NAME} is the literal ${NAME}", source: "q: foo$${TEST}", expected: "q: foo${TEST}", declared: null, values: {} },
  ]);

  test("references: ${NAME:-x} is optional, ${NAME} required, {{#if X}} only tested", () => {
    const scanned = scanTemplate("t", "${HOST:-x} ${PORT} {{#if TLS}}{{/if}}", { declared: DECLARED });
    assert.deepEqual(Object.fromEntries(scanned.references), {
      HOST: { required: false },
      PORT: { required: true },
      TLS: { required: false },
    });
  });

  test("no project: the variables are exactly the UPPER_SNAKE ${NAME}s", () => {
    const scanned = scanTemplate("t", "${A_B} ${c} $${ESC} $D ${E:-1} {{ F }} $1 ${2}", {});
    assert.deepEqual([...scanned.references.keys()].sort(), ["A_B", "E"]);
  });
});

interface ProblemCase {
  name: string;
  source: string;
  expected: { id: string; line: number; column: number; hint?: RegExp }[];
}

describe("problems name the line and column", () => {
  const cases: ProblemCase[] = [
    {
      name: "bare $NAME for a declared NAME",
      source: "a: 1\nb: $HOST\n",
      expected: [{ id: "template/bare-dollar", line: 2, column: 4, hint: /write \$\{HOST\}/ }],
    },
    {
      name: "undeclared UPPER_SNAKE ${NAME} suggests the near name",
      source: "global:\n  region: ${AWS_REGON}\n",
      expected: [{ id: "template/undeclared-variable", line: 2, column: 11, hint: /AWS_REGION/ }],
    },
    {
      name: "undeclared UPPER_SNAKE {{ NAME }} suggests the near name",
      source: "region: {{ AWS_REGON }}\n",
      expected: [{ id: "template/undeclared-variable", line: 1, column: 9, hint: /AWS_REGION/ }],
    },
    {
      name: "undeclared UPPER_SNAKE in {{#if}} suggests the near name",
      source: "x\n{{#if AWS_REGON}}y{{/if}}\n",
      expected: [{ id: "template/undeclared-variable", line: 2, column: 1, hint: /AWS_REGION/ }],
    },
    { name: "an unclosed {{#if}}", source: "a\n  {{#if TLS}}x\n", expected: [{ id: "template/unclosed-block", line: 2, column: 3 }] },
    { name: "{{/if}} without {{#if}}", source: "a\n{{/if}}\n", expected: [{ id: "template/unmatched-close", line: 2, column: 1 }] },
    {
      name: "{{/if}} while a Go {{ if }} inside it is open",
      source: "{{#if TLS}}{{ if .A }}x{{/if}}{{ end }}",
      expected: [
        { id: "template/unmatched-close", line: 1, column: 24, hint: /\{\{ end \}\}/ },
        { id: "template/unclosed-block", line: 1, column: 1 },
      ],
    },
    { name: "an unknown {{#block}}", source: "{{#range LIST}}x{{/range}}", expected: [{ id: "template/unknown-block", line: 1, column: 1 }] },
    {
      name: "${NAME:-x} with an undeclared UPPER_SNAKE NAME",
      source: "r: ${AWS_REGON:-eu}",
      expected: [{ id: "template/undeclared-variable", line: 1, column: 4, hint: /AWS_REGION/ }],
    },
    { name: "undeclared lower-case ${host} is not a problem", source: "x: ${host} $host $labels", expected: [] },
    { name: "escaped $${AWS_REGON} is not a problem", source: "x: $${AWS_REGON}", expected: [] },
    { name: "Go actions are not checked", source: "{{ $labels.x }} {{ .AWS_REGON }} {{ range .Alerts }}{{ end }}", expected: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { problems } = scanTemplate("t.yml", c.source, { declared: DECLARED });
      assert.deepEqual(
        problems.map((p) => ({ id: p.id, line: p.line, column: p.column })),
        c.expected.map(({ id, line, column }) => ({ id, line, column })),
      );
      c.expected.forEach((e, i) => {
        if (e.hint) assert.match(problems[i]?.hint ?? "", e.hint);
        assert.equal(problems[i]?.file, "t.yml");
      });
    });
  }
});
