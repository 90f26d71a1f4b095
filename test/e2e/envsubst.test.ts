/**
 * promplate against GNU envsubst: (a) byte-identical output where envsubst is right, (b) each envsubst failure from
 * DESIGN.md, tested as promplate's correct behaviour.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { CORPUS } from "../corpus-path.js";
import { ROOT, runPromplate } from "../helpers.js";

const ENVSUBST = "/usr/bin/envsubst";
const EXAMPLE = join(ROOT, "templates");
const root = mkdtempSync(join(tmpdir(), "promplate-envsubst-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = (): string => mkdtempSync(join(root, `${counter++}-`));

const cli = (argv: string[], { cwd = root, env, stdin }: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}) =>
  runPromplate(argv, env, cwd, stdin);

const envsubst = (input: string, env: Record<string, string>, names?: string[]): string =>
  execFileSync(ENVSUBST, names ? [names.map((n) => `\${${n}}`).join(" ")] : [], { input, env, encoding: "utf8" });

const setFlags = (values: Record<string, string>): string[] => Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`]);

const PLAIN = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY: "AKIAEXAMPLEEXAMPLE",
  AWS_SECRET_KEY: "example-secret-key",
  WEBHOOK: "https://hooks.example.com/services/T000/B000/XXXX",
  SCRAPE_INTERVAL: "30s",
  NODE_EXPORTER_TARGET: "node-exporter:9100",
  ALERTMANAGER_TARGET: "alertmanager:9093",
  // The agents/ outputs' variables (toml and json kinds: compared with envsubst below only through the YAML outputs).
  MACKEREL_APIKEY: "example-mackerel-key",
  MACKEREL_ROLE: "monitoring:prometheus",
  MACKEREL_CHECK_ATTEMPTS: "3",
  CLOUDWATCH_NAMESPACE: "promplate",
  CLOUDWATCH_INTERVAL: "60",
};

const declaredNames = Object.keys((parseYaml(readFileSync(join(EXAMPLE, "promplate.yaml"), "utf8")) as { variables: Record<string, unknown> }).variables);

/** A temporary project declaring SECRET (writeOnly string) with one yaml output, `app.yml`. */
function secretProject(template: string): string {
  const dir = freshDir();
  writeFileSync(
    join(dir, "promplate.yaml"),
    "variables:\n  SECRET: { type: string, writeOnly: true }\noutputs:\n  - { service: app, kind: yaml, template: app.yml, path: out/app.yml }\n",
  );
  writeFileSync(join(dir, "app.yml"), template);
  return dir;
}

describe("(a) parity with GNU envsubst for plain values", () => {
  test("every variable of the example project is in the plain values", () => {
    assert.deepEqual([...declaredNames].sort(), Object.keys(PLAIN).sort());
  });

  const outputs = [
    { template: "prometheus.yml", output: "out/prometheus.yml" },
    { template: "rules/node.yaml", output: "out/rules/node.yaml" },
    { template: "alertmanager.yml", output: "out/alertmanager.yml" },
  ];
  for (const { template, output } of outputs) {
    test(`project render: ${template} equals envsubst '\${…declared}'`, async () => {
      const out = freshDir();
      const result = await cli(["-C", EXAMPLE, "render", "--out", out, ...setFlags(PLAIN)]);
      assert.equal(result.code, 0, result.stderr);
      const expected = envsubst(readFileSync(join(EXAMPLE, template), "utf8"), PLAIN, declaredNames);
      assert.equal(readFileSync(join(out, output), "utf8"), expected);
    });
    test(`render FILE with the project: ${template} equals envsubst '\${…declared}'`, async () => {
      const out = join(freshDir(), "rendered");
      const result = await cli(["-C", EXAMPLE, "render", join(EXAMPLE, template), "--out", out, ...setFlags(PLAIN)]);
      assert.equal(result.code, 0, result.stderr);
      const expected = envsubst(readFileSync(join(EXAMPLE, template), "utf8"), PLAIN, declaredNames);
      assert.equal(readFileSync(out, "utf8"), expected);
    });
  }

  const noProject = [
    {
      file: "prometheus.yml",
      source: [
        "global:",
        "  scrape_interval: ${SCRAPE_INTERVAL}",
        "scrape_configs:",
        "  - job_name: aws",
        "    ec2_sd_configs:",
        "      - region: ${AWS_REGION}",
        '        access_key: "${AWS_ACCESS_KEY}"',
        "        secret_key: '${AWS_SECRET_KEY}'",
        "    relabel_configs:",
        "      - regex: '(.*)'",
        "        replacement: '${1}:9100'",
        "    static_configs:",
        "      - targets: [${NODE_EXPORTER_TARGET}, '${ALERTMANAGER_TARGET}']",
        "",
      ].join("\n"),
    },
    { file: "targets.json", source: '[{"targets": ["${NODE_EXPORTER_TARGET}"], "labels": {"region": "${AWS_REGION}"}}]\n' },
    { file: "slack.tmpl", source: "Region ${AWS_REGION}\nwebhook ${WEBHOOK}\n" },
    { file: "am.yaml", source: "global:\n  slack_api_url: '${WEBHOOK}'\n  # comment ${AWS_REGION}\n" },
  ];
  for (const { file, source } of noProject) {
    test(`no project: ${file} equals plain envsubst`, async () => {
      const dir = freshDir();
      writeFileSync(join(dir, file), source);
      const result = await cli(["render", file], { cwd: dir, env: PLAIN });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, envsubst(source, PLAIN));
    });
  }

  test("no project: stdin equals plain envsubst", async () => {
    const source = "url: ${WEBHOOK}\nregion: ${AWS_REGION}\n";
    const result = await cli(["render", "-"], { cwd: freshDir(), env: PLAIN, stdin: source });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, envsubst(source, PLAIN));
  });
});

describe("(b) what envsubst gets wrong, promplate gets right", () => {
  test("envsubst renders a missing variable as empty (the failure reproduced)", () => {
    assert.equal(envsubst("region: ${AWS_REGION}\n", {}), "region: \n");
  });

  test("no project: a missing variable is exit 2 naming it, no output file written", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, "p.yml"), "ec2_sd_configs:\n  - region: ${AWS_REGION}\n");
    const result = await cli(["render", "p.yml", "--out", "out.yml"], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /AWS_REGION/);
    assert.equal(result.stdout, "");
    assert.equal(existsSync(join(dir, "out.yml")), false);
  });

  test("no project: a missing variable on stdout prints nothing", async () => {
    const result = await cli(["render", "-"], { cwd: freshDir(), stdin: "region: ${AWS_REGION}\n" });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
  });

  test("project: a missing variable is exit 2 naming it, no output written", async () => {
    const out = freshDir();
    const result = await cli(["-C", EXAMPLE, "render", "--service", "alertmanager", "--out", out]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /WEBHOOK/);
    assert.equal(existsSync(join(out, "out")), false);
  });

  const SECRETS = [
    "abc #def",
    "it's",
    'say "hi"',
    "key: value",
    "line1\nline2",
    "{{ $labels.instance }}",
    "x {{ y }} z",
    "a #b 'c' \"d\": e\n{{f}}",
    // DESIGN.md: a declared `string` such as true, null, ~, 0x1F stays a string; `${`, indicators, unicode, spaces
    "null",
    "true",
    "~",
    "0x1F",
    "${HOME}",
    "- dash",
    " padded ",
    "[a, b]",
    "a\tb",
    "ünïcødé ✓",
  ];
  for (const secret of SECRETS) {
    test(`a secret ${JSON.stringify(secret)} round-trips in every position`, async () => {
      const dir = secretProject(
        "plain: ${SECRET}\nsingle: '${SECRET}'\ndouble: \"${SECRET}\"\nlist:\n  - ${SECRET}\nflow: [${SECRET}, x]\nblock: |\n  ${SECRET}\nafter: end\n",
      );
      const result = await cli(["-C", dir, "render", "--set", `SECRET=${secret}`]);
      assert.equal(result.code, 0, result.stderr);
      const file = join(dir, "out/app.yml");
      assert.deepEqual(parseYaml(readFileSync(file, "utf8")), {
        plain: secret,
        single: secret,
        double: secret,
        list: [secret],
        flow: [secret, "x"],
        block: `${secret}\n`,
        after: "end",
      });
      assert.equal(statSync(file).mode & 0o777, 0o600);
    });
  }

  test("a secret with ' #' in the example project's secret_key round-trips", async () => {
    const out = freshDir();
    const secret = "wJalrXUtnFEMI/K7MDENG #not-a-comment";
    const result = await cli(["-C", EXAMPLE, "render", "--out", out, ...setFlags({ ...PLAIN, AWS_SECRET_KEY: secret })]);
    assert.equal(result.code, 0, result.stderr);
    const config = parseYaml(readFileSync(join(out, "out/prometheus.yml"), "utf8")) as {
      scrape_configs: { ec2_sd_configs?: { secret_key: string; port: number }[] }[];
    };
    const ec2 = config.scrape_configs.find((s) => s.ec2_sd_configs)?.ec2_sd_configs?.[0];
    assert.deepEqual(ec2 && { secret_key: ec2.secret_key, port: ec2.port }, { secret_key: secret, port: 9100 });
  });

  test("envsubst turns {{ $labels.instance }} into {{ .instance }} (the failure reproduced)", () => {
    assert.equal(envsubst("d: '{{ $labels.instance }}'\n", { labels: "" }), "d: '{{ .instance }}'\n");
  });

  test("project: rule files keep {{ $labels.instance }} byte-identical", async () => {
    const out = freshDir();
    const result = await cli(["-C", EXAMPLE, "render", "--out", out, ...setFlags(PLAIN)]);
    assert.equal(result.code, 0, result.stderr);
    const rendered = readFileSync(join(out, "out/rules/node.yaml"), "utf8");
    assert.equal(rendered, readFileSync(join(EXAMPLE, "rules/node.yaml"), "utf8"));
    assert.match(rendered, /\{\{ \$labels\.instance \}\}/);
  });

  test('no project: {{ $labels.instance }} and replacement: "$1:9100" stay next to a substitution', async () => {
    const source = [
      "relabel_configs:",
      "  - source_labels: [__address__]",
      "    regex: '(.*):\\d+'",
      '    replacement: "$1:9100"',
      "    target_label: __address__",
      "annotations:",
      '  summary: "{{ $labels.instance }} in ${AWS_REGION}"',
      "",
    ].join("\n");
    const result = await cli(["render", "-"], { cwd: freshDir(), env: PLAIN, stdin: source });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, source.replace("${AWS_REGION}", "us-east-1"));
  });

  const INDICATORS = [">", "&", "*", "!", "%", "@", "`"];
  for (const indicator of INDICATORS) {
    const password = `${indicator}pass word`;
    test(`project: a password starting with ${indicator} keeps the YAML intact`, async () => {
      const dir = secretProject("basic_auth:\n  username: u\n  password: ${SECRET}\nlist:\n  - ${SECRET}\n  - next\n");
      const result = await cli(["-C", dir, "render", "--set", `SECRET=${password}`]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseYaml(readFileSync(join(dir, "out/app.yml"), "utf8")), {
        basic_auth: { username: "u", password },
        list: [password, "next"],
      });
    });
    test(`no project: a password starting with ${indicator} keeps the YAML intact`, async () => {
      const source = "basic_auth:\n  username: u\n  password: ${PASSWORD}\n";
      const result = await cli(["render", "-"], { cwd: freshDir(), env: { PASSWORD: password }, stdin: source });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseYaml(result.stdout), { basic_auth: { username: "u", password } });
    });
  }

  test("no project: a failed render leaves the previous output untouched", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, "p.yml"), "region: ${AWS_REGION}\n");
    const first = await cli(["render", "p.yml", "--out", "out.yml"], { cwd: dir, env: PLAIN });
    assert.equal(first.code, 0, first.stderr);
    const before = { content: readFileSync(join(dir, "out.yml"), "utf8"), mtime: statSync(join(dir, "out.yml")).mtimeMs };
    assert.equal(before.content, "region: us-east-1\n");
    await sleep(20);
    const second = await cli(["render", "p.yml", "--out", "out.yml"], { cwd: dir });
    assert.equal(second.code, 2);
    assert.deepEqual({ content: readFileSync(join(dir, "out.yml"), "utf8"), mtime: statSync(join(dir, "out.yml")).mtimeMs }, before);
  });

  const BAD_RERENDERS: { name: string; values: Record<string, string>; code: number }[] = [
    { name: "a missing WEBHOOK", values: Object.fromEntries(Object.entries(PLAIN).filter(([k]) => k !== "WEBHOOK")), code: 2 },
    // AWS_SECRET_KEY is x-aws: unset, it is asked of the AWS credential chain, which has nothing here (exit 3).
    { name: "a missing AWS_SECRET_KEY", values: Object.fromEntries(Object.entries(PLAIN).filter(([k]) => k !== "AWS_SECRET_KEY")), code: 3 },
    { name: "an invalid AWS_REGION", values: { ...PLAIN, AWS_REGION: "Tokyo" }, code: 2 },
  ];
  for (const { name, values, code } of BAD_RERENDERS) {
    test(`project: a render with ${name} is exit ${code} and leaves every previous output untouched`, async () => {
      const dir = join(freshDir(), "project");
      cpSync(EXAMPLE, dir, { recursive: true });
      const first = await cli(["-C", dir, "render", ...setFlags(PLAIN)]);
      assert.equal(first.code, 0, first.stderr);
      const files = ["out/prometheus.yml", "out/rules/node.yaml", "out/alertmanager.yml"];
      const snapshot = () => files.map((f) => ({ f, content: readFileSync(join(dir, f), "utf8"), mtime: statSync(join(dir, f)).mtimeMs }));
      const before = snapshot();
      await sleep(20);
      const second = await cli(["-C", dir, "render", ...setFlags(values)]);
      assert.equal(second.code, code, second.stderr);
      assert.deepEqual(snapshot(), before);
    });
  }
});

describe("the corpus' envsubst workflow (test/corpus/prom_on_ecs_example)", () => {
  test("template.docker-compose.yaml with the dummy values equals GNU envsubst '${AWS_…}'", async () => {
    const absolute = join(CORPUS, "prom_on_ecs_example/template.docker-compose.yaml");
    const source = readFileSync(absolute, "utf8");
    const names = [...new Set([...source.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]!))];
    const { code, stdout } = await cli(["render", absolute], { env: PLAIN });
    assert.equal(code, 0);
    assert.equal(stdout, envsubst(source, PLAIN, names));
  });
});
