/**
 * promplate scan without git: a secret variable's current value found wherever it was copied (escaped, quoted,
 * encoded; in files over 8 MiB a chunk at a time), the embedded example clean, examples not findings, and on the
 * corpus exactly the reviewed findings of test/data/corpus-scan.expected. Tracked files and symlinks are in
 * test/e2e/scan.test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { CORPUS } from "../corpus-path.js";
import { ROOT as root, runPromplate as scan } from "../helpers.js";

const random = (alphabet: string, length: number) => Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

describe("scan", () => {
  test("the current value of a secret variable is found wherever it was copied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    cpSync(join(root, "templates"), dir, { recursive: true });
    const webhook = `https://alerts.internal.example.org/hook/${random(ALNUM, 20)}`;
    writeFileSync(join(dir, "notes.txt"), `remember: ${webhook}\n`);
    const result = await scan(["-C", dir, "scan", join(dir, "notes.txt"), join(dir, "prometheus.yml")], { WEBHOOK: webhook });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^notes\.txt:1: secret-value \(WEBHOOK\)$/m);
    assert.ok(!(result.stdout + result.stderr).includes(webhook));
  });

  test("--format json and github report the same findings through the shared reporters", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    const accessKey = `AKIA${random(UPPER, 16)}`;
    const slackUrl = `https://hooks.slack.com/services/T${random(UPPER, 8)}/B${random(UPPER, 8)}/${random(ALNUM, 24)}`;
    const aws = { file: "config/aws.yml", text: `ec2_sd_configs:\n  - access_key: ${accessKey}\n`, secret: accessKey };
    const slack = { file: "alertmanager.yml", text: `global:\n  slack_api_url: '${slackUrl}'\n`, secret: slackUrl };
    for (const c of [aws, slack]) {
      mkdirSync(join(dir, c.file, ".."), { recursive: true });
      writeFileSync(join(dir, c.file), c.text);
    }
    const json = await scan(["-C", dir, "scan", "--format", "json", aws.file, slack.file], {}, dir);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as { findings: { id: string; severity: string; file: string; line: number }[]; summary: { errors: number } };
    assert.deepEqual(
      report.findings.map((f) => [f.id, f.severity, f.file, f.line]),
      [
        ["slack-webhook", "error", slack.file, 2],
        ["aws-access-key-id", "error", aws.file, 2],
      ],
      "in file order",
    );
    assert.equal(report.summary.errors, 2);
    const github = await scan(["-C", dir, "scan", "--format", "github", aws.file], {}, dir);
    assert.match(github.stdout, /^::error file=config\/aws\.yml,line=2,title=aws-access-key-id::aws-access-key-id$/m);
    for (const out of [json.stdout, github.stdout]) assert.ok(!out.includes(aws.secret) && !out.includes(slack.secret));
  });

  test("a secret value copied escaped, quoted or encoded is found too, never printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    cpSync(join(root, "templates"), dir, { recursive: true });
    const webhook = `https://alerts.internal.corp/hook/${random(ALNUM, 12)}?a="b"&c=\\d e`;
    const copies = [
      `env-file: WEBHOOK="${webhook.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
      `go-quoted: parse ${JSON.stringify(webhook)}: bad`,
      `json-twice: ${JSON.stringify(JSON.stringify({ url: webhook }))}`,
      `yaml-single: '${webhook.replace(/'/g, "''")}'`,
      `url-encoded: https://proxy/?u=${encodeURIComponent(webhook)}`,
      `form-encoded: ${new URLSearchParams({ u: webhook })}`,
      `base64: ${Buffer.from(webhook).toString("base64")}`,
      `basic-auth: ${Buffer.from(`user:${webhook}`).toString("base64")}`,
      "clean line",
    ];
    writeFileSync(join(dir, "notes.txt"), `${copies.join("\n")}\n`);
    const result = await scan(["-C", dir, "scan", join(dir, "notes.txt")], { WEBHOOK: webhook });
    assert.equal(result.code, 1);
    const lines = result.stdout
      .split("\n")
      .filter((l) => l.startsWith("notes.txt:"))
      .map((l) => l.replace(/^notes\.txt:(\d+): secret-value \(WEBHOOK\)$/, "$1"));
    assert.deepEqual(
      lines,
      copies.slice(0, -1).map((_, i) => String(i + 1)),
    );
    assert.ok(!(result.stdout + result.stderr).includes(webhook.slice(0, 30)));
  });

  test("a file over 8 MiB is searched a chunk at a time: a value across a chunk's end is found, at its line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    cpSync(join(root, "templates"), dir, { recursive: true });
    const webhook = `https://alerts.internal.corp/hook/${random(ALNUM, 24)}`;
    const line = "x".repeat(1023);
    const chunk = 8 * 1024 * 1024;
    // 8192 lines of 1 KiB fill the first chunk exactly; the value starts 10 bytes before its end, on line 8192.
    const text = `${`${line}\n`.repeat(8191)}${line.slice(0, 1013)}${webhook}\n${`${line}\n`.repeat(1024)}`;
    assert.ok(text.indexOf(webhook) < chunk && text.indexOf(webhook) + webhook.length > chunk);
    writeFileSync(join(dir, "big.log"), text);
    const result = await scan(["-C", dir, "scan", join(dir, "big.log")], { WEBHOOK: webhook });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "big.log:8192: secret-value (WEBHOOK)\n");
    assert.match(result.stderr, /big\.log: larger than 8 MiB, searched for secret values only/);
  });

  test("the embedded example reports nothing; documented examples are not findings", async () => {
    const clean = await scan(["-C", join(root, "templates"), "scan"]);
    assert.equal(clean.code, 0, clean.stdout);
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    cpSync(join(root, "templates"), dir, { recursive: true });
    const realistic = `https://hooks.slack.com/services/T${random(UPPER, 8)}/B${random(UPPER, 8)}/${random(ALNUM, 24)}`;
    const project = readFileSync(join(dir, "promplate.yaml"), "utf8").replace(
      'examples: ["https://hooks.example.com/services/T000/B000/XXXX"]',
      `examples: ["${realistic}"]`,
    );
    writeFileSync(join(dir, "promplate.yaml"), project);
    const result = await scan(["-C", dir, "scan", join(dir, "promplate.yaml")]);
    assert.equal(result.code, 0, result.stdout);
  });

  test("a variable declared with a credential-like name is a declaration, not a credential; its value still is", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    const token = random(ALNUM, 32);
    writeFileSync(
      join(dir, "promplate.yaml"),
      `variables:\n  API_TOKEN: { type: string, writeOnly: true }\n  api_token: { type: array, default: [a, b] }\noutputs:\n  - { service: p, kind: text, template: t, path: o }\n`,
    );
    writeFileSync(join(dir, "config.yml"), `api_token: ${token}\n`);
    const result = await scan(["-C", dir, "scan", join(dir, "promplate.yaml"), join(dir, "config.yml")]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout.trim(), "config.yml:1: credential-field");
  });

  test("on the corpus: exactly the reviewed findings", async () => {
    const result = await scan(["scan", CORPUS]);
    const shownAs = `${relative(root, CORPUS)}/`; // paths are shown relative to the working folder
    const found = result.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => (l.startsWith(shownAs) ? l.slice(shownAs.length) : l))
      .sort();
    const expected = readFileSync(join(root, "test/data/corpus-scan.expected"), "utf8").split("\n").filter(Boolean).sort();
    assert.deepEqual(found, expected);
    assert.equal(result.code, 1);
  });
});
