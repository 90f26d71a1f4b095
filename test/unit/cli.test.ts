/**
 * The CLI end to end (DESIGN.md "Commands"): exit codes, messages, output files (modes, atomicity, manifest),
 * diffs, variable sources and their precedence, and that no secret value ever reaches stdout or stderr.
 * Runs in-process through runCli; test/e2e/cli.test.ts runs a few cases through the built binary.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { assertNoLeak, ROOT, type Run, runPromplate } from "../helpers.js";

const EXAMPLE = join(ROOT, "templates");

const SECRETS = {
  AWS_ACCESS_KEY: "S3cr3t-Leak-Canary-1",
  AWS_SECRET_KEY: "S3cr3t-Leak-Canary-2 #not-a-comment",
  WEBHOOK: "https://hooks.example.com/services/S3cr3t-Leak-Canary-3",
};

interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  stdin?: string;
}

const run = (argv: string[], { cwd, env, stdin }: RunOptions): Promise<Run> => runPromplate(argv, env, cwd, stdin);

/** A fresh copy of the example project in a temporary folder. */
async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-cli-"));
  await cp(EXAMPLE, dir, { recursive: true });
  return dir;
}

async function emptyDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "promplate-cli-empty-"));
}

async function edit(path: string, change: (text: string) => string): Promise<void> {
  await writeFile(path, change(await readFile(path, "utf8")));
}

/** Every file under `dir` with its content, mode and mtime. */
async function snapshot(dir: string): Promise<Record<string, { content: string; mode: number; mtimeMs: number }>> {
  const out: Record<string, { content: string; mode: number; mtimeMs: number }> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    out[path.slice(dir.length + 1)] = { content: await readFile(path, "utf8"), mode: info.mode & 0o777, mtimeMs: info.mtimeMs };
  }
  return out;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

// ---------------------------------------------------------------------------------------------------------------

describe("exit codes and messages", () => {
  test("0: a complete render", async () => {
    const dir = await project();
    const result = await run(["-C", dir, "render"], { cwd: dir, env: SECRETS });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(dir, "out/prometheus.yml")));
  });

  const badInput: { name: string; argv: (dir: string) => string[]; env?: Record<string, string>; setup?: (dir: string) => Promise<void>; expect: RegExp[] }[] =
    [
      {
        name: "missing variable names it and says what to do",
        argv: (dir) => ["-C", dir, "render"],
        env: { AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY, AWS_SECRET_KEY: SECRETS.AWS_SECRET_KEY },
        expect: [/WEBHOOK is required but not set/, /hint: .*WEBHOOK_FILE.*--set WEBHOOK=/, /promplate\.yaml:\d+:\d+/],
      },
      {
        name: "invalid value names the schema rule",
        argv: (dir) => ["-C", dir, "render"],
        env: { ...SECRETS, SCRAPE_INTERVAL: "15 s" },
        expect: [/SCRAPE_INTERVAL/, /prometheus-duration/, /schema rule: format/],
      },
      {
        name: "invalid value: pattern",
        argv: (dir) => ["-C", dir, "render"],
        env: { ...SECRETS, AWS_REGION: "Tokyo" },
        expect: [/AWS_REGION/, /pattern/],
      },
      {
        name: "undeclared variable in a template, with did-you-mean",
        argv: (dir) => ["-C", dir, "render"],
        env: SECRETS,
        setup: (dir) => edit(join(dir, "prometheus.yml"), (t) => `${t}# region \${AWS_REGON}\n`),
        expect: [/prometheus\.yml:\d+:\d+/, /AWS_REGON/, /did you mean AWS_REGION/],
      },
      { name: "unknown flag", argv: (dir) => ["-C", dir, "render", "--nope"], env: SECRETS, expect: [/--nope/] },
      { name: "unknown command", argv: (dir) => ["-C", dir, "bogus"], expect: [/bogus/] },
      { name: "--set without =", argv: (dir) => ["-C", dir, "render", "--set", "FOO"], env: SECRETS, expect: [/--set expects NAME=VALUE/] },
      { name: "--kind outside its choices", argv: (dir) => ["-C", dir, "render", "-", "--kind", "xml"], expect: [/xml/] },
      {
        name: "malformed promplate.yaml (YAML syntax) with file:line",
        argv: (dir) => ["-C", dir, "render"],
        setup: (dir) => edit(join(dir, "promplate.yaml"), (t) => t.replace("  AWS_REGION:\n", "  AWS_REGION: {type: string\n")),
        expect: [/promplate\.yaml:\d+:\d+: error/],
      },
      {
        name: "malformed promplate.yaml (schema) with file:line",
        argv: (dir) => ["-C", dir, "render"],
        setup: (dir) => edit(join(dir, "promplate.yaml"), (t) => t.replace("kind: prometheus-config", "kind: prometheus-konfig")),
        expect: [/promplate\.yaml:5\d:\d+: error/, /kind/],
      },
      {
        name: "unknown keyword in a variable schema",
        argv: (dir) => ["-C", dir, "render"],
        env: SECRETS,
        setup: (dir) => edit(join(dir, "promplate.yaml"), (t) => t.replace("default: 15s", "default: 15s\n    x-typo: 1")),
        expect: [/promplate\.yaml:\d+:\d+/, /SCRAPE_INTERVAL/],
      },
      { name: "render FILE that does not exist", argv: (dir) => ["-C", dir, "render", join(dir, "nope.yml")], env: SECRETS, expect: [/nope\.yml/] },
    ];
  for (const c of badInput) {
    test(`2: ${c.name}`, async () => {
      const dir = await project();
      await c.setup?.(dir);
      const result = await run(c.argv(dir), { cwd: dir, env: c.env });
      assert.equal(result.code, 2, result.stderr);
      for (const pattern of c.expect) assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, "no stack trace");
      assert.ok(!existsSync(join(dir, "out")), "nothing written");
    });
  }

  test("all problems are listed at once: two missing + one invalid", async () => {
    const dir = await project();
    await edit(join(dir, "promplate.yaml"), (t) => t.replace("    x-aws: secretAccessKey\n", ""));
    const result = await run(["-C", dir, "render"], { cwd: dir, env: { AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY, SCRAPE_INTERVAL: "15 s" } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /AWS_SECRET_KEY is required but not set/);
    assert.match(result.stderr, /WEBHOOK is required but not set/);
    assert.match(result.stderr, /SCRAPE_INTERVAL .*prometheus-duration/);
    assert.match(result.stderr, /^3 errors$/m);
  });

  test("template problems and variable problems are listed together", async () => {
    const dir = await project();
    await edit(join(dir, "alertmanager.yml"), (t) => `${t}# \${WEBHOK}\n`);
    await edit(join(dir, "promplate.yaml"), (t) => t.replace(/ {4}x-aws: \w+\n/g, ""));
    const result = await run(["-C", dir, "render"], { cwd: dir, env: { SCRAPE_INTERVAL: "soon" } });
    assert.equal(result.code, 2);
    for (const pattern of [/WEBHOK/, /AWS_ACCESS_KEY is required/, /AWS_SECRET_KEY is required/, /SCRAPE_INTERVAL/]) assert.match(result.stderr, pattern);
  });

  test("no project: a missing ${NAME} names the variable and the template", async () => {
    const dir = await emptyDir();
    const result = await run(["render", "-"], { cwd: dir, stdin: "a: ${FOO}\nb: ${BAR}\n" });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /<stdin>:1:\d+: error variable\/missing: FOO is required/);
    assert.match(result.stderr, /<stdin>:2:\d+: error variable\/missing: BAR is required/);
    assert.equal(result.stdout, "");
  });

  test("--help and --version exit 0", async () => {
    const dir = await emptyDir();
    assert.equal((await run(["--help"], { cwd: dir })).code, 0);
    assert.equal((await run(["--version"], { cwd: dir })).code, 0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("outputs", () => {
  test("an output using a secret is 0600, others 0644", async () => {
    const dir = await project();
    const result = await run(["-C", dir, "render"], { cwd: dir, env: SECRETS });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await mode(join(dir, "out/prometheus.yml")), 0o600);
    assert.equal(await mode(join(dir, "out/alertmanager.yml")), 0o600);
    assert.equal(await mode(join(dir, "out/rules/node.yaml")), 0o644);
    // The output holds the secret exactly, even with ` #` in it.
    assert.match(await readFile(join(dir, "out/prometheus.yml"), "utf8"), /secret_key: 'S3cr3t-Leak-Canary-2 #not-a-comment'/);
  });

  test("--out DIR writes under DIR", async () => {
    const dir = await project();
    const out = await emptyDir();
    const result = await run(["-C", dir, "render", "--out", out], { cwd: dir, env: SECRETS });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(out, "out/prometheus.yml")));
    assert.ok(!existsSync(join(dir, "out")));
  });

  const failures: { name: string; env: Record<string, string>; setup?: (dir: string) => Promise<void> }[] = [
    { name: "an invalid variable", env: { ...SECRETS, SCRAPE_INTERVAL: "15 s" } },
    { name: "a missing variable", env: { AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY, AWS_SECRET_KEY: SECRETS.AWS_SECRET_KEY } },
    {
      name: "a value that cannot be held (a key)",
      env: { ...SECRETS, NODE_EXPORTER_TARGET: "a: b" },
      setup: async (dir) => {
        await writeFile(join(dir, "extra.yml"), "targets:\n  ${NODE_EXPORTER_TARGET}: x\n");
        await edit(join(dir, "promplate.yaml"), (t) =>
          t.replace("outputs:\n", "outputs:\n  - { service: prometheus, kind: yaml, template: extra.yml, path: out/extra.yml }\n"),
        );
      },
    },
  ];
  for (const c of failures) {
    test(`a render failing on ${c.name} writes nothing and leaves existing outputs untouched`, async () => {
      const dir = await project();
      await c.setup?.(dir);
      assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
      const before = await snapshot(dir);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const result = await run(["-C", dir, "render"], { cwd: dir, env: c.env });
      assert.equal(result.code, 2, result.stderr);
      assert.deepEqual(await snapshot(dir), before);
    });
  }

  test("a render that fails on first use creates nothing", async () => {
    const dir = await project();
    const before = await snapshot(dir);
    const result = await run(["-C", dir, "render"], { cwd: dir, env: { AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY, AWS_SECRET_KEY: SECRETS.AWS_SECRET_KEY } });
    assert.equal(result.code, 2);
    assert.deepEqual(await snapshot(dir), before);
  });

  test("removing an output from promplate.yaml deletes its stale output", async () => {
    const dir = await project();
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    assert.ok(existsSync(join(dir, "out/alertmanager.yml")));
    await edit(join(dir, "promplate.yaml"), (t) =>
      t
        .split("\n")
        .filter((line) => !line.includes("alertmanager-config"))
        .join("\n"),
    );
    const result = await run(["-C", dir, "render"], { cwd: dir, env: SECRETS });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!existsSync(join(dir, "out/alertmanager.yml")));
    assert.ok(existsSync(join(dir, "out/prometheus.yml")));
    assert.match(result.stderr, /1 stale deleted/);
  });

  test("deleting a file from a template folder deletes its stale output", async () => {
    const dir = await project();
    await cp(join(dir, "rules/node.yaml"), join(dir, "rules/extra.yaml"));
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    assert.ok(existsSync(join(dir, "out/rules/extra.yaml")));
    await rm(join(dir, "rules/extra.yaml"));
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    assert.ok(!existsSync(join(dir, "out/rules/extra.yaml")));
    assert.ok(existsSync(join(dir, "out/rules/node.yaml")));
  });

  test("a file promplate never wrote is never deleted", async () => {
    const dir = await project();
    await mkdir(join(dir, "out"), { recursive: true });
    await writeFile(join(dir, "out/README"), "mine\n");
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    assert.equal(await readFile(join(dir, "out/README"), "utf8"), "mine\n");
  });

  test("render --service S keeps the other services' outputs", async () => {
    const dir = await project();
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    const result = await run(["-C", dir, "render", "--service", "prometheus"], {
      cwd: dir,
      env: { AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY, AWS_SECRET_KEY: SECRETS.AWS_SECRET_KEY },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(dir, "out/alertmanager.yml")), "the alertmanager output was deleted by a prometheus-only render");
  });

  test("--dry-run writes nothing and shows a redacted diff", async () => {
    const dir = await project();
    const before = await snapshot(dir);
    const result = await run(["-C", dir, "render", "--dry-run"], { cwd: dir, env: SECRETS });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await snapshot(dir), before);
    assert.match(result.stdout, /^\+\+\+ b\/out\/prometheus\.yml/m);
    assert.match(result.stdout, /^\+ +access_key: \*\*\*$/m);
    assert.match(result.stderr, /would write/);
    assertNoLeak(result, "--dry-run");
  });

  test("--dry-run after a render shows only the change", async () => {
    const dir = await project();
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    const before = await snapshot(dir);
    const result = await run(["-C", dir, "render", "--dry-run"], { cwd: dir, env: { ...SECRETS, SCRAPE_INTERVAL: "30s" } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^- +scrape_interval: 15s$/m);
    assert.match(result.stdout, /^\+ +scrape_interval: 30s$/m);
    assert.doesNotMatch(result.stdout, /alertmanager\.yml/);
    assert.deepEqual(await snapshot(dir), before);
  });

  test("--diff writes and shows a redacted diff, also when a secret rotates", async () => {
    const dir = await project();
    const first = await run(["-C", dir, "render", "--diff"], { cwd: dir, env: SECRETS });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /slack_api_url: \*\*\*/);
    assert.ok(existsSync(join(dir, "out/prometheus.yml")));
    assertNoLeak(first, "--diff");
    const rotated = { AWS_ACCESS_KEY: "S3cr3t-Leak-Canary-7", AWS_SECRET_KEY: "S3cr3t-Leak-Canary-8", WEBHOOK: "https://h.example.com/S3cr3t-Leak-Canary-9" };
    const second = await run(["-C", dir, "render", "--diff"], { cwd: dir, env: rotated });
    assert.equal(second.code, 0, second.stderr);
    assertNoLeak(second, "--diff after rotation");
  });

  test("--diff never shows an old secret, even without a manifest", async () => {
    const dir = await project();
    assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
    await rm(join(dir, ".promplate"), { recursive: true, force: true });
    const rotated = { AWS_ACCESS_KEY: "rotated-1", AWS_SECRET_KEY: "rotated-2", WEBHOOK: "https://h.example.com/rotated-3" };
    const result = await run(["-C", dir, "render", "--diff"], { cwd: dir, env: rotated });
    assert.equal(result.code, 0, result.stderr);
    assertNoLeak(result, "--diff without manifest");
    assert.doesNotMatch(result.stdout, /rotated-/);
  });

  test("render FILE with a secret refuses stdout (2); --out PATH writes it 0600", async () => {
    const dir = await project();
    const refused = await run(["render", "prometheus.yml"], { cwd: dir, env: SECRETS });
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, /--out PATH/);
    const target = join(dir, "single/prometheus.yml");
    const written = await run(["render", "prometheus.yml", "--out", target], { cwd: dir, env: SECRETS });
    assert.equal(written.code, 0, written.stderr);
    assert.equal(await mode(target), 0o600);
    assert.match(await readFile(target, "utf8"), /access_key: S3cr3t-Leak-Canary-1/);
  });

  test("render FILE without a secret prints it; Go templates pass through byte-identical", async () => {
    const dir = await project();
    const result = await run(["render", "rules/node.yaml"], { cwd: dir, env: {} });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, await readFile(join(dir, "rules/node.yaml"), "utf8"));
    const out = join(dir, "single/node.yaml");
    assert.equal((await run(["render", "rules/node.yaml", "--out", out], { cwd: dir, env: {} })).code, 0);
    assert.equal(await mode(out), 0o644);
  });

  test("render - reads stdin", async () => {
    const dir = await emptyDir();
    const result = await run(["render", "-"], { cwd: dir, env: { FOO: "a: b #c" }, stdin: "key: ${FOO}\nkeep: '{{ $labels.x }} $${FOO}'\n" });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "key: 'a: b #c'\nkeep: '{{ $labels.x }} ${FOO}'\n");
  });

  // A YAML template that is not valid YAML even with plain values: the value must still not change the shape of
  // its own line (quoted), or the render is refused with exit 2 — never `key: a: b #c` with exit 0.
  const invalidTemplates = ["key: ${FOO}\nkeep: {{ $labels.x }} x\n", "key: ${FOO}\nkeep: [a\n", "key: ${FOO}\n  bad: x\n"];
  for (const stdin of invalidTemplates) {
    test(`render - never inserts an unsafe value raw into invalid YAML: ${JSON.stringify(stdin)}`, async () => {
      const dir = await emptyDir();
      const result = await run(["render", "-"], { cwd: dir, env: { FOO: "a: b #c" }, stdin });
      if (result.code === 0) assert.equal(result.stdout.split("\n")[0], "key: 'a: b #c'");
      else assert.equal(result.code, 2, result.stderr);
    });
  }

  test("render - with a project applies its declarations and refuses a secret on stdout", async () => {
    const dir = await project();
    const plain = await run(["-C", dir, "render", "-"], { cwd: dir, env: {}, stdin: "t: ${SCRAPE_INTERVAL}\n" });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, "t: 15s\n");
    const secret = await run(["-C", dir, "render", "-"], { cwd: dir, env: SECRETS, stdin: "t: ${WEBHOOK}\n" });
    assert.equal(secret.code, 2);
    assert.equal(secret.stdout, "");
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("variable sources, highest first: --set > env > NAME_FILE > secrets dir > env file > default", () => {
  const NAME = "NODE_EXPORTER_TARGET";
  const levels = ["--set", "environment", "NAME_FILE", "secrets dir", "env file", "default"] as const;
  for (const [index, level] of levels.entries()) {
    test(`${level} wins over everything below it`, async () => {
      const dir = await project();
      const files = await emptyDir();
      const argv = ["-C", dir, "render", "-"];
      const env: Record<string, string> = {};
      const enabled = levels.slice(index);
      if (enabled.includes("--set")) argv.push("--set", `${NAME}=from-set`);
      if (enabled.includes("environment")) env[NAME] = "from-env";
      if (enabled.includes("NAME_FILE")) {
        await writeFile(join(files, "value"), "from-name-file\n");
        env[`${NAME}_FILE`] = join(files, "value");
      }
      if (enabled.includes("secrets dir")) {
        await mkdir(join(files, "secrets"));
        await writeFile(join(files, "secrets", NAME), "from-secrets-dir\n");
        argv.push("--secrets-dir", join(files, "secrets"));
      }
      if (enabled.includes("env file")) {
        await writeFile(join(files, "vars.env"), `${NAME}=from-env-file\n`);
        argv.push("--env-file", join(files, "vars.env"));
      }
      const expected = {
        "--set": "from-set",
        environment: "from-env",
        NAME_FILE: "from-name-file",
        "secrets dir": "from-secrets-dir",
        "env file": "from-env-file",
        default: "node-exporter:9100",
      }[level];
      const result = await run(argv, { cwd: dir, env, stdin: `t: \${${NAME}}\n` });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `t: ${expected}\n`);
    });
  }

  test("NAME_FILE that cannot be read is exit 2 naming it", async () => {
    const dir = await project();
    const { AWS_ACCESS_KEY: _unset, ...others } = SECRETS;
    const result = await run(["-C", dir, "render"], { cwd: dir, env: { ...others, AWS_ACCESS_KEY_FILE: "/nonexistent/key" } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /AWS_ACCESS_KEY_FILE/);
  });

  test("an --env-file that cannot be read or a --secrets-dir that is not a folder is exit 2", async () => {
    const dir = await project();
    assert.equal((await run(["-C", dir, "render", "--env-file", "/nonexistent.env"], { cwd: dir, env: SECRETS })).code, 2);
    assert.equal((await run(["-C", dir, "render", "--secrets-dir", "/nonexistent"], { cwd: dir, env: SECRETS })).code, 2);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("vars", () => {
  test("prints each variable with type, service, source, *** for secrets", async () => {
    const dir = await project();
    const result = await run(["-C", dir, "vars"], { cwd: dir, env: { ...SECRETS, SCRAPE_INTERVAL: "30s" } });
    assert.equal(result.code, 0, result.stderr);
    const row = (name: string) => result.stdout.split("\n").find((line) => line.startsWith(`${name} `)) ?? "";
    assert.match(row("AWS_ACCESS_KEY"), /string \(secret\)\s+prometheus\s+environment\s+\*\*\*\s+ok/);
    assert.match(row("WEBHOOK"), /string \(secret\)\s+alertmanager\s+environment\s+\*\*\*\s+ok/);
    assert.match(row("SCRAPE_INTERVAL"), /string\s+prometheus\s+environment\s+30s\s+ok/);
    assert.match(row("AWS_REGION"), /string\s+cloudwatch-agent,prometheus\s+default\s+ap-northeast-1\s+ok/);
    assert.match(row("MACKEREL_APIKEY"), /string \(secret\)\s+mackerel-agent\s+-\s+unset/);
    assertNoLeak(result, "vars");
  });

  test("--format json", async () => {
    const dir = await project();
    const result = await run(["-C", dir, "vars", "--format", "json"], { cwd: dir, env: SECRETS });
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as { name: string; secret: boolean; services: string[]; source?: string; value: string; status: string }[];
    assert.deepEqual(rows.map((r) => r.name).sort(), [
      "ALERTMANAGER_TARGET",
      "AWS_ACCESS_KEY",
      "AWS_REGION",
      "AWS_SECRET_KEY",
      "CLOUDWATCH_INTERVAL",
      "CLOUDWATCH_NAMESPACE",
      "MACKEREL_APIKEY",
      "MACKEREL_CHECK_ATTEMPTS",
      "MACKEREL_ROLE",
      "NODE_EXPORTER_TARGET",
      "SCRAPE_INTERVAL",
      "WEBHOOK",
    ]);
    const webhook = rows.find((r) => r.name === "WEBHOOK")!;
    assert.deepEqual([webhook.secret, webhook.services, webhook.source, webhook.value, webhook.status], [true, ["alertmanager"], "environment", "***", "ok"]);
    assertNoLeak(result, "vars --format json");
  });

  test("exits 2 listing the missing ones", async () => {
    const dir = await project();
    await edit(join(dir, "promplate.yaml"), (t) => t.replace("    x-aws: secretAccessKey\n", ""));
    const result = await run(["-C", dir, "vars"], { cwd: dir, env: { AWS_ACCESS_KEY: SECRETS.AWS_ACCESS_KEY } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /AWS_SECRET_KEY: required but not set/);
    assert.match(result.stderr, /WEBHOOK: required but not set/);
    assert.doesNotMatch(result.stderr, /AWS_ACCESS_KEY/);
    assertNoLeak(result, "vars missing");
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("secret-leak guard: no command prints a secret value", () => {
  const cases: { name: string; argv: (dir: string) => string[]; env?: Record<string, string>; stdin?: string; code: number; prepare?: boolean }[] = [
    { name: "render", argv: (d) => ["-C", d, "render"], code: 0 },
    { name: "render --diff (first)", argv: (d) => ["-C", d, "render", "--diff"], code: 0 },
    { name: "render --diff (changed)", argv: (d) => ["-C", d, "render", "--diff"], env: { SCRAPE_INTERVAL: "1m" }, code: 0, prepare: true },
    { name: "render --dry-run", argv: (d) => ["-C", d, "render", "--dry-run"], code: 0 },
    { name: "render --dry-run (changed)", argv: (d) => ["-C", d, "render", "--dry-run"], env: { SCRAPE_INTERVAL: "1m" }, code: 0, prepare: true },
    { name: "render --dry-run --out DIR", argv: (d) => ["-C", d, "render", "--dry-run", "--out", join(d, "elsewhere")], code: 0 },
    { name: "render FILE (refused)", argv: () => ["render", "prometheus.yml"], code: 2 },
    { name: "render FILE --out", argv: (d) => ["render", "alertmanager.yml", "--out", join(d, "single.yml")], code: 0 },
    { name: "render - (refused)", argv: (d) => ["-C", d, "render", "-"], stdin: "t: ${WEBHOOK}\n", code: 2 },
    { name: "vars", argv: (d) => ["-C", d, "vars"], code: 0 },
    { name: "vars --format json", argv: (d) => ["-C", d, "vars", "--format", "json"], code: 0 },
    { name: "vars --service alertmanager", argv: (d) => ["-C", d, "vars", "--service", "alertmanager"], code: 0 },
    { name: "--set secret", argv: (d) => ["-C", d, "render", "--diff", "--set", "AWS_ACCESS_KEY=S3cr3t-Leak-Canary-4"], code: 0 },
    { name: "invalid secret (render)", argv: (d) => ["-C", d, "render"], env: { WEBHOOK: "S3cr3t-Leak-Canary-5 not a uri" }, code: 2 },
    { name: "invalid secret (vars)", argv: (d) => ["-C", d, "vars"], env: { WEBHOOK: "S3cr3t-Leak-Canary-5 not a uri" }, code: 2 },
    { name: "invalid secret (vars json)", argv: (d) => ["-C", d, "vars", "--format", "json"], env: { WEBHOOK: "S3cr3t-Leak-Canary-5 not a uri" }, code: 2 },
    { name: "other variable invalid", argv: (d) => ["-C", d, "render", "--diff"], env: { SCRAPE_INTERVAL: "15 s" }, code: 2 },
    { name: "secret in a key it cannot be held in", argv: (d) => ["-C", d, "render", "-"], stdin: "${AWS_SECRET_KEY}: x\n", code: 2 },
    {
      name: "secret in a comment it cannot be held in",
      argv: () => ["render", "-", "--out", "x.yml"],
      env: { AWS_SECRET_KEY: "S3cr3t-Leak-Canary-6\nline" },
      stdin: "# ${AWS_SECRET_KEY}\n",
      code: 2,
    },
    {
      name: "NAME_FILE and secrets-dir secrets (vars)",
      argv: (d) => ["-C", d, "vars", "--secrets-dir", join(d, "secrets")],
      env: { AWS_SECRET_KEY: "", WEBHOOK: "" },
      code: 0,
    },
    {
      name: "NAME_FILE and secrets-dir secrets (render --diff)",
      argv: (d) => ["-C", d, "render", "--diff", "--secrets-dir", join(d, "secrets")],
      env: { AWS_SECRET_KEY: "", WEBHOOK: "" },
      code: 0,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = await project();
      if (c.prepare) assert.equal((await run(["-C", dir, "render"], { cwd: dir, env: SECRETS })).code, 0);
      // Secret files for the NAME_FILE / --secrets-dir cases; "" removes a variable from the environment.
      await mkdir(join(dir, "secrets"));
      await writeFile(join(dir, "secrets", "WEBHOOK"), "https://hooks.example.com/S3cr3t-Leak-Canary-10\n");
      await writeFile(join(dir, "secret-key"), "S3cr3t-Leak-Canary-11\n");
      const env = Object.fromEntries(Object.entries({ ...SECRETS, AWS_SECRET_KEY_FILE: join(dir, "secret-key"), ...c.env }).filter(([, v]) => v !== ""));
      const result = await run(c.argv(dir), { cwd: dir, env, stdin: c.stdin });
      assertNoLeak(result, c.name);
      assert.equal(result.code, c.code, result.stderr);
    });
  }
});
