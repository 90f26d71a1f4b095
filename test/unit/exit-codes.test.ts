/**
 * Exit codes that must hold whatever the input: a bad `-C DIR` for every command, and one JSON document (or GitHub
 * annotations) on stdout for every failed `--format json` / `--format github` run. That Node never reads
 * promplate's flags through the installed executable is in test/e2e/exit-codes.test.ts.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../src/cli.js";
import { ROOT, runPromplate } from "../helpers.js";

const COMMANDS: string[][] = [
  ["render"],
  ["render", "-"],
  ["vars"],
  ["check"],
  ["check", "--format", "json"],
  ["exec", "--service", "prometheus", "--", "true"],
  ["build"],
  ["compose"],
  ["init"],
  ["scan"],
];

describe("-C DIR must be an existing folder", () => {
  for (const command of COMMANDS) {
    test(`-C a missing folder: ${command.join(" ")} is exit 2 naming it`, async () => {
      const missing = join(tmpdir(), "promplate-no-such-folder", "deeper");
      const result = await runPromplate(["-C", missing, ...command]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`-C ${missing}: no such folder`));
    });

    test(`-C a file: ${command.join(" ")} is exit 2, not a folder`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "promplate-c-"));
      await writeFile(join(dir, "promplate.yaml"), "variables: {}\n");
      const result = await runPromplate(["-C", join(dir, "promplate.yaml"), ...command], {}, dir);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /promplate\.yaml: not a folder/);
    });
  }

  test("-C with a relative folder is resolved against the working folder and still works", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promplate-c-"));
    await mkdir(join(dir, "project"));
    await writeFile(
      join(dir, "project", "promplate.yaml"),
      "variables:\n  A: { type: string, default: x }\noutputs:\n  - { service: web, kind: text, template: a.yml, path: out/a.yml }\n",
    );
    await writeFile(join(dir, "project", "a.yml"), "a: ${A}\n");
    const result = await runPromplate(["-C", "project", "vars"], {}, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^A\s/m);
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface JsonReport {
  findings: { id: string; severity: string; file: string | null; line: number | null; message: string }[];
  summary: { errors: number; warnings: number };
}

/** Exactly one JSON document on stdout: JSON.parse would throw on a second one or on stray text. */
function parseOne(stdout: string): JsonReport {
  assert.ok(stdout.trim().length > 0, "stdout is empty");
  return JSON.parse(stdout) as JsonReport;
}

async function brokenProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-json-"));
  await writeFile(
    join(dir, "promplate.yaml"),
    "variables:\n  INTERVAL: { type: string, format: prometheus-duration, examples: [15s] }\noutputs:\n  - { service: prometheus, kind: prometheus-config, template: p.yml, path: out/p.yml }\n",
  );
  await writeFile(join(dir, "p.yml"), "global:\n  scrape_interval: ${INTERVAL}\n");
  return dir;
}

describe("--format json and github print one document whatever went wrong", () => {
  const failures: {
    name: string;
    argv: (dir: string) => string[];
    env?: Record<string, string>;
    setup?: (dir: string) => Promise<void>;
    code: number;
    id: RegExp;
  }[] = [
    { name: "a bad variable", argv: (d) => ["-C", d, "check", "--no-tools"], env: { INTERVAL: "15 s" }, code: 2, id: /^variable\/invalid$/ },
    { name: "a missing variable", argv: (d) => ["-C", d, "check", "--no-tools"], code: 2, id: /^variable\/missing$/ },
    {
      name: "no project",
      argv: (d) => ["-C", join(d, "empty"), "check", "--no-tools"],
      setup: (d) => mkdir(join(d, "empty")),
      code: 2,
      id: /^input\/no-project$/,
    },
    { name: "a missing -C folder", argv: (d) => ["-C", join(d, "nope"), "check"], code: 2, id: /^input\/dir$/ },
    {
      name: "a broken promplate.yaml",
      argv: (d) => ["-C", d, "check", "--no-tools"],
      setup: (d) => writeFile(join(d, "promplate.yaml"), "variables: [\n"),
      code: 2,
      id: /^project\//,
    },
    { name: "an unknown flag", argv: (d) => ["-C", d, "check", "--nope"], code: 2, id: /^input\/flag$/ },
    { name: "a bad --kind", argv: (d) => ["-C", d, "check", "--kind", "bogus", "p.yml"], code: 2, id: /^input\/flag$/ },
    { name: "an unreadable FILE", argv: (d) => ["-C", d, "check", join(d, "missing.yml"), "--no-tools"], code: 2, id: /^input\/file$/ },
    {
      name: "a missing tool with --require-tools",
      argv: (d) => ["-C", d, "check", "--examples", "--require-tools", "--promtool", join(d, "no-promtool")],
      code: 3,
      id: /^tool\/missing$/,
    },
    { name: "a bad variable (vars)", argv: (d) => ["-C", join(d, "nope"), "vars"], code: 2, id: /^input\/dir$/ },
  ];
  for (const failure of failures) {
    test(`json: ${failure.name} is one document with the finding, exit ${failure.code}`, async () => {
      const dir = await brokenProject();
      await failure.setup?.(dir);
      const result = await runPromplate([...failure.argv(dir), "--format", "json"], failure.env, dir);
      assert.equal(result.code, failure.code, result.stderr);
      const report = parseOne(result.stdout);
      assert.ok(
        report.findings.some((f) => failure.id.test(f.id) && f.severity === "error"),
        result.stdout,
      );
      assert.ok(report.summary.errors >= 1);
    });

    test(`github: ${failure.name} is annotated, exit ${failure.code}`, async () => {
      const dir = await brokenProject();
      await failure.setup?.(dir);
      const result = await runPromplate([...failure.argv(dir), "--format=github"], failure.env, dir);
      assert.equal(result.code, failure.code, result.stderr);
      assert.match(result.stdout, /^::error .*title=[^:,]+::/m);
      assert.match(result.stdout, /\d+ errors?, \d+ warnings?\n$/);
    });
  }

  test("json: a bad variable's finding names promplate.yaml and the line of the declaration", async () => {
    const dir = await brokenProject();
    const result = await runPromplate(["-C", dir, "check", "--no-tools", "--format", "json"], { INTERVAL: "15 s" }, dir);
    const finding = parseOne(result.stdout).findings.find((f) => f.id === "variable/invalid");
    assert.equal(finding?.file, "promplate.yaml");
    assert.equal(finding?.line, 2);
  });

  test("json: a clean check is still one document with no findings, exit 0", async () => {
    const dir = await brokenProject();
    const result = await runPromplate(["-C", dir, "check", "--no-tools", "--format", "json"], { INTERVAL: "15s" }, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseOne(result.stdout).findings, []);
  });

  test("text format prints no JSON on a failure", async () => {
    const dir = await brokenProject();
    const result = await runPromplate(["-C", dir, "check", "--no-tools"], { INTERVAL: "15 s" }, dir);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
  });

  test("a --format after -- belongs to exec's server, not to promplate", async () => {
    const result = await runPromplate(["-C", "/nonexistent", "exec", "--service", "x", "--", "server", "--format", "json"]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("an unexpected exception is a bug: exit 70, one line, no stack trace", () => {
  /** The CLI with an environment that throws when read: no input can cause that, so it stands for a bug. */
  const runBroken = async (argv: string[]) => {
    let stdout = "";
    let stderr = "";
    const env = new Proxy(
      {},
      {
        get: () => {
          throw new TypeError("reading the environment broke");
        },
      },
    );
    const code = await runCli(argv, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      readStdin: async () => "",
      env,
      cwd: ROOT,
    });
    return { code, stdout, stderr };
  };

  test("text: one line on stderr asking for a bug report", async () => {
    const result = await runBroken(["-C", "templates", "vars"]);
    assert.equal(result.code, 70, result.stderr);
    assert.equal(
      result.stderr,
      "promplate: internal error: reading the environment broke (a bug in promplate: please report it with the command you ran and this message)\n",
    );
    assert.equal(result.stdout, "");
  });

  test("json: still one document, with the internal finding", async () => {
    const result = await runBroken(["-C", "templates", "check", "--format", "json"]);
    assert.equal(result.code, 70, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { id: string }[] };
    assert.deepEqual(
      report.findings.map((f) => f.id),
      ["internal"],
    );
  });
});
