/**
 * Leak canary: secrets holding `"`, `\`, a tab, a newline, PromQL-breaking characters and long alphanumeric runs,
 * placed by the templates in a PromQL expression, a URL, a header and a quoted YAML value, then every command —
 * render (--diff, --dry-run, --tool-checks, FILE), check (text, JSON, GitHub; with and without promtool/amtool; a
 * project and a rendered FILE), vars, exec with a failing config, compose, scan — run in-process and as the built
 * program. No secret may show, as is, Go-quoted, JSON-escaped, URL-encoded, base64 or as any run of 6 of its
 * characters, in stdout, stderr or any file others can read. Needs `npm run build` (for dist/promplate.js).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, test } from "node:test";
import { findLeak } from "../leaks.js";
import { type Run, runBuilt, runWithTools } from "../helpers.js";

/** Two values per variable: the second set changes them, so `render --diff` has secret lines on both sides. */
const FIRST = {
  QUERY_SECRET: 'Kq"zpLongFragment9\\Wv\tRj\nYp}{(==Hx7',
  URL_SECRET: 'pWd"9\\u\t#@/?% &x=Q2mmUrlPart',
  HEADER_SECRET: 'Hd"r\\T0k\te\nN7LongAlnumRunZZ9y8x7w6v5u',
  QUOTED_SECRET: "Yq'uo\"te\\d\t\nVal4p3q2r1s0tAlnum",
  TOKEN_SECRET: "R8fT2mQ9vL4xN7cK1pZ6wB3hJ5dG0sYa",
};
const SECOND = {
  QUERY_SECRET: 'ab"c\\d\te\nf}{(==',
  URL_SECRET: "u2@Pw/d:%25e f?g#hIjKlMnOp",
  HEADER_SECRET: 'Bt"k\\n\tXy\nq9W3e8R7t6Y5u4I3o2P1aSdF',
  QUOTED_SECRET: "Zx'cv\"bn\\m\t\nQw9e8r7t6y5u4i3o2Mnb",
  TOKEN_SECRET: "Gh7Jk3Lm9Nb2Vc5Xz8Qw4Er6Ty1Ui0OpAs",
};
const ALL_SECRETS = [...Object.values(FIRST), ...Object.values(SECOND)];

const FILES: Record<string, string> = {
  "promplate.yaml": `variables:
  QUERY_SECRET: { type: string, writeOnly: true }
  URL_SECRET: { type: string, writeOnly: true }
  HEADER_SECRET: { type: string, writeOnly: true }
  QUOTED_SECRET: { type: string, writeOnly: true }
  TOKEN_SECRET: { type: string, writeOnly: true }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }
  - { service: prometheus, kind: prometheus-rules, template: rules/, path: out/rules/, runtimePath: /etc/prometheus/rules/ }
  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: out/alertmanager.yml, runtimePath: /etc/alertmanager/alertmanager.yml }
  - { service: broken, kind: prometheus-config, template: broken/prometheus.yml, path: out/broken/prometheus.yml, runtimePath: /etc/broken/prometheus.yml }
  - { service: broken, kind: prometheus-rules, template: broken/rules.yml, path: out/broken/rules.yml, runtimePath: /etc/broken/rules.yml }
`,
  // Valid configs: a header, a quoted YAML value, a long token in a label, a URL and a PromQL matcher.
  "prometheus.yml": `global:
  scrape_interval: 15s
  external_labels:
    token: "\${TOKEN_SECRET}"
rule_files:
  - rules/*.yml
scrape_configs:
  - job_name: header
    authorization:
      credentials: \${HEADER_SECRET}
    static_configs:
      - targets: ['localhost:9100']
  - job_name: quoted
    basic_auth:
      username: u
      password: '\${QUOTED_SECRET}'
    static_configs:
      - targets: ['localhost:9101']
`,
  "rules/token.yml": `groups:
  - name: token
    rules:
      - alert: TokenSeen
        expr: up{token="\${TOKEN_SECRET}"} == 0
`,
  "alertmanager.yml": `route:
  receiver: hook
receivers:
  - name: hook
    webhook_configs:
      - url: https://hooks.internal.corp/x?token=\${TOKEN_SECRET}
        http_config:
          basic_auth:
            username: u
            password: "\${QUOTED_SECRET}"
`,
  // Configs the secrets break: a URL's user-info and PromQL expressions, so tools and parsers quote them.
  "broken/prometheus.yml": `global:
  scrape_interval: 15s
rule_files:
  - rules.yml
remote_write:
  - url: https://user:\${URL_SECRET}@remote.internal.corp/api/v1/write
    authorization:
      credentials: \${HEADER_SECRET}
`,
  "broken/rules.yml": `groups:
  - name: broken
    rules:
      - alert: QueryBreaks
        expr: up{job="\${QUERY_SECRET}"} == 0
      - alert: QueryBreaksRaw
        expr: sum(rate(x_total{code=~"\${QUERY_SECRET}"}[5m])) by (\${QUERY_SECRET})
`,
};

interface Step {
  args: string[];
  /** The exit code the step must have, so that a step failing early for another reason cannot pass vacuously. */
  code: number;
  secrets?: Record<string, string>;
  /** Output that shows a secret-bearing message was printed, and masked. */
  masked?: RegExp;
}

const STEPS: Step[] = [
  { args: ["render", "--service", "prometheus", "--service", "alertmanager"], code: 0 },
  {
    args: ["render", "--service", "prometheus", "--service", "alertmanager", "--diff"],
    code: 0,
    secrets: SECOND,
    masked: /only secret values or the mode changed/,
  },
  { args: ["render", "--service", "prometheus", "--dry-run", "--diff"], code: 0, masked: /only secret values or the mode changed/ },
  { args: ["render"], code: 1, masked: /user:\*\*\*@/ },
  // The second URL secret still parses (as another host): the broken service renders, its diff masked.
  { args: ["render", "--dry-run", "--diff"], code: 0, secrets: SECOND, masked: /^\+ {2}- url: \*\*\*$/m },
  { args: ["render", "--service", "broken", "--tool-checks"], code: 1, masked: /unexpected identifier "\*\*\*"/ },
  { args: ["render", "broken/rules.yml"], code: 2 },
  { args: ["render", "broken/prometheus.yml", "--out", "plain/prometheus.yml"], code: 0 },
  { args: ["render", "broken/rules.yml", "--out", "plain/rules.yml"], code: 0 },
  { args: ["check"], code: 1, masked: /unexpected identifier "\*\*\*"/ },
  { args: ["check", "--format", "json"], code: 1, masked: /unexpected identifier \\"\*\*\*\\"/ },
  { args: ["check", "--format", "github"], code: 1, masked: /parse "\*\*\*"/ },
  { args: ["check", "--no-tools"], code: 1, masked: /unexpected "\*\*\*"/ },
  { args: ["check", "--no-tools", "--format", "json"], code: 1, secrets: SECOND },
  { args: ["check", "--no-tools", "--format", "github"], code: 1 },
  { args: ["check", "--service", "prometheus", "--service", "alertmanager"], code: 0 },
  { args: ["check", "plain/prometheus.yml", "plain/rules.yml"], code: 1, masked: /unexpected identifier "\*\*\*"/ },
  { args: ["check", "--format", "json", "plain/prometheus.yml", "plain/rules.yml"], code: 1 },
  { args: ["check", "--format", "github", "--no-tools", "plain/rules.yml"], code: 1 },
  { args: ["vars"], code: 0 },
  { args: ["vars", "--format", "json"], code: 0 },
  { args: ["exec", "--service", "broken", "--", "true"], code: 1, masked: /user:\*\*\*@/ },
  { args: ["exec", "--service", "broken", "--tool-checks", "--", "true"], code: 1 },
  { args: ["compose"], code: 0 },
  // out/ holds the second set (the --dry-run renders since wrote nothing); plain/ and the env files are not tracked.
  { args: ["scan"], code: 1, secrets: SECOND, masked: /^out\/prometheus\.yml:\d+: secret-value \(HEADER_SECRET\)$/m },
  { args: ["scan", "plain", ".env.prometheus"], code: 1, masked: /^plain\/rules\.yml:\d+: secret-value \(QUERY_SECRET\)$/m },
];

/** A git repository with the canary project, and a HOME and TMPDIR of its own, all under one folder. */
function sandbox(): { root: string; project: string; env: Record<string, string> } {
  const root = mkdtempSync(join(tmpdir(), "promplate-canary-"));
  const project = join(root, "project");
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  for (const folder of ["home", "tmp"]) mkdirSync(join(root, folder));
  execFileSync("git", ["init", "-q"], { cwd: project });
  execFileSync("git", ["add", "."], { cwd: project });
  return { root, project, env: { HOME: join(root, "home"), TMPDIR: join(root, "tmp"), GIT_CEILING_DIRECTORIES: root } };
}

/** Files under `root` that other users can read: the file has o+r and every folder on the way o+x. */
function worldReadableFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    if ((statSync(folder).mode & 0o001) === 0) return;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== ".git") walk(path);
      } else if (entry.isFile() && (statSync(path).mode & 0o004) !== 0) found.push(path);
    }
  };
  walk(root);
  return found;
}

type Runner = (args: string[], env: Record<string, string>, cwd: string) => Promise<Run>;

const inProcess: Runner = (args, env, cwd) => runWithTools(["-C", cwd, ...args], env, cwd);

const builtProgram: Runner = (args, env, cwd) => runBuilt(["-C", cwd, ...args], env, cwd, { timeoutMs: 120_000 });

describe("leak canary", () => {
  test("the canary's own leak finder sees what a plain envsubst-style render prints", () => {
    const leaked = `remote_write:\n  - url: https://user:${FIRST.URL_SECRET}@x\nexpr: up{job="${FIRST.QUERY_SECRET.slice(4, 15)}"}`;
    assert.ok(findLeak(leaked, ALL_SECRETS));
    assert.ok(findLeak(`parse ${JSON.stringify(FIRST.URL_SECRET)}`, ALL_SECRETS));
    assert.ok(findLeak(`Basic ${Buffer.from(`u:${FIRST.TOKEN_SECRET}`).toString("base64")}`, ALL_SECRETS));
    assert.equal(findLeak(Object.values(FILES).join("\n"), ALL_SECRETS), undefined, "the templates hold no secret");
  });

  for (const [name, run] of [
    ["in-process", inProcess],
    ["built program", builtProgram],
  ] as const) {
    test(`${name}: no command prints a secret or leaves one in a file others can read`, async () => {
      const { root, project, env } = sandbox();
      for (const step of STEPS) {
        const result = await run(step.args, { ...env, ...(step.secrets ?? FIRST) }, project);
        const what = `promplate ${step.args.join(" ")}`;
        assert.equal(result.code, step.code, `${what}: exit ${result.code}\n${result.stdout}\n${result.stderr}`);
        const leak = findLeak(result.stdout + result.stderr, ALL_SECRETS);
        assert.equal(leak, undefined, `${what} printed ${leak}`);
        if (step.masked)
          assert.match(result.stdout + result.stderr, step.masked, `${what}: the secret-bearing message, masked\n${result.stdout}\n${result.stderr}`);
        for (const file of worldReadableFiles(root)) {
          const fileLeak = findLeak(readFileSync(file, "utf8"), ALL_SECRETS);
          assert.equal(fileLeak, undefined, `after ${what}: ${relative(root, file)} (readable by others) holds ${fileLeak}`);
        }
      }
      // The commands really wrote secrets, 0600, where they belong.
      for (const file of ["out/prometheus.yml", "plain/prometheus.yml", ".env.prometheus"]) {
        assert.equal(statSync(join(project, file)).mode & 0o777, 0o600, file);
        assert.ok(findLeak(readFileSync(join(project, file), "utf8"), ALL_SECRETS), `${file} holds the secrets it should`);
      }
      assert.deepEqual(readdirSync(join(root, "tmp")), [], "check's temporary layouts are gone");
    });
  }
});
