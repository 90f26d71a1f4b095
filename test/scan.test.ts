/**
 * promplate scan: each credential kind is caught in fixtures (built at run time, so the repository holds no
 * credential-looking text), the embedded example is clean, examples are not findings, and on the corpus the
 * findings are exactly the reviewed list in test/fixtures/corpus-scan.expected.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { CORPUS } from "./corpus-path.js";
import { runPromplate as scan } from "./helpers.js";

const root = new URL("..", import.meta.url).pathname;

const random = (alphabet: string, length: number) => Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX = "0123456789abcdef";

describe("scan", () => {
  const credentials: { kind: string; file: string; text: string; secret: string }[] = (() => {
    const accessKey = `AKIA${random(UPPER, 16)}`;
    const secretKey = random(ALNUM, 40);
    const slack = `https://hooks.slack.com/services/T${random(UPPER, 8)}/B${random(UPPER, 8)}/${random(ALNUM, 24)}`;
    const teams = `https://contoso.webhook.office.com/webhookb2/${random(HEX, 8)}-${random(HEX, 4)}@${random(HEX, 8)}/IncomingWebhook/${random(HEX, 32)}`;
    const discord = `https://discord.com/api/webhooks/${random("0123456789", 18)}/${random(ALNUM, 40)}`;
    const pagerduty = random(HEX, 32);
    const opsgenie = `${random(HEX, 8)}-${random(HEX, 4)}-${random(HEX, 4)}-${random(HEX, 4)}-${random(HEX, 12)}`;
    const keyBody = random(ALNUM, 64);
    const password = `pw-${random(ALNUM, 12)}`;
    const envToken = `tok-${random(ALNUM, 16)}`;
    return [
      { kind: "aws-access-key-id", file: "config/aws.yml", text: `ec2_sd_configs:\n  - access_key: ${accessKey}\n`, secret: accessKey },
      { kind: "aws-secret-access-key", file: "credentials.ini", text: `[default]\naws_secret_access_key = ${secretKey}\n`, secret: secretKey },
      { kind: "slack-webhook", file: "alertmanager.yml", text: `global:\n  slack_api_url: '${slack}'\n`, secret: slack },
      { kind: "teams-webhook", file: "teams.txt", text: `hook ${teams}\n`, secret: teams },
      { kind: "discord-webhook", file: "notes.md", text: `webhook: ${discord}\n`, secret: discord },
      { kind: "pagerduty-key", file: "pd.yml", text: `receivers:\n  - pagerduty_configs:\n      - routing_key: ${pagerduty}\n`, secret: pagerduty },
      { kind: "opsgenie-key", file: "og.yml", text: `opsgenie_configs:\n  - api_key: ${opsgenie}\n`, secret: opsgenie },
      { kind: "private-key", file: "tls/key.pem", text: `-----BEGIN ${"PRIVATE"} KEY-----\n${keyBody}\n-----END ${"PRIVATE"} KEY-----\n`, secret: keyBody },
      { kind: "credential-field", file: "prometheus.yml", text: `scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n      password: ${password}\n`, secret: password },
      { kind: "env-secret", file: "local.env", text: `API_TOKEN=${envToken}\n`, secret: envToken },
    ];
  })();

  test("each credential kind is caught at its line, in tracked files only, never printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-scan-"));
    execFileSync("git", ["init", "-q"], { cwd: dir });
    for (const c of credentials) {
      mkdirSync(join(dir, c.file, ".."), { recursive: true });
      writeFileSync(join(dir, c.file), c.text);
    }
    writeFileSync(join(dir, "untracked.yml"), `password: untracked-${random(ALNUM, 10)}\n`);
    execFileSync("git", ["add", ...credentials.map((c) => c.file)], { cwd: dir });
    const result = await scan(["-C", dir, "scan"]);
    assert.equal(result.code, 1);
    for (const c of credentials) {
      const line = c.text.split("\n").findIndex((l) => l.includes(c.secret.slice(0, 12))) + 1;
      assert.match(result.stdout, new RegExp(`^${c.file.replace(".", "\\.")}:${c.kind === "private-key" ? 1 : line}: ${c.kind}$`, "m"), `${c.kind} in ${c.file}\n${result.stdout}`);
      assert.ok(!(result.stdout + result.stderr).includes(c.secret), `${c.kind}'s value printed`);
    }
    assert.doesNotMatch(result.stdout, /untracked\.yml/);
  });

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
    const [aws, slack] = [credentials[0]!, credentials[2]!];
    for (const c of [aws, slack]) {
      mkdirSync(join(dir, c.file, ".."), { recursive: true });
      writeFileSync(join(dir, c.file), c.text);
    }
    const json = await scan(["-C", dir, "scan", "--format", "json", aws.file, slack.file], {}, dir);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as { findings: { id: string; severity: string; file: string; line: number }[]; summary: { errors: number } };
    assert.deepEqual(report.findings.map((f) => [f.id, f.severity, f.file, f.line]), [["slack-webhook", "error", slack.file, 2], ["aws-access-key-id", "error", aws.file, 2]], "in file order");
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
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("notes.txt:")).map((l) => l.replace(/^notes\.txt:(\d+): secret-value \(WEBHOOK\)$/, "$1"));
    assert.deepEqual(lines, copies.slice(0, -1).map((_, i) => String(i + 1)));
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
    const project = readFileSync(join(dir, "promplate.yaml"), "utf8").replace('examples: ["https://hooks.example.com/services/T000/B000/XXXX"]', `examples: ["${realistic}"]`);
    writeFileSync(join(dir, "promplate.yaml"), project);
    const result = await scan(["-C", dir, "scan", join(dir, "promplate.yaml")]);
    assert.equal(result.code, 0, result.stdout);
  });

  test("on the corpus: exactly the reviewed findings", async () => {
    const result = await scan(["scan", CORPUS]);
    const shownAs = `${relative(root, CORPUS)}/`; // paths are shown relative to the working folder
    const found = result.stdout.split("\n").filter(Boolean).map((l) => (l.startsWith(shownAs) ? l.slice(shownAs.length) : l)).sort();
    const expected = readFileSync(join(root, "test/fixtures/corpus-scan.expected"), "utf8").split("\n").filter(Boolean).sort();
    assert.deepEqual(found, expected);
    assert.equal(result.code, 1);
  });

  describe("symlinks", () => {
    /** parent/outside.yml (a credential outside the scanned folder) and parent/tree/ with links of every kind. */
    function treeWithLinks() {
      const parent = mkdtempSync(join(tmpdir(), "promplate-scan-links-"));
      const dir = join(parent, "tree");
      mkdirSync(join(dir, "sub"), { recursive: true });
      writeFileSync(join(parent, "outside.yml"), `password: outside-${random(ALNUM, 12)}\n`);
      writeFileSync(join(dir, "a.yml"), `password: inside-${random(ALNUM, 12)}\n`);
      writeFileSync(join(dir, "sub/b.yml"), `password: nested-${random(ALNUM, 12)}\n`);
      symlinkSync("/", join(dir, "to-root"));
      symlinkSync(".", join(dir, "to-self"));
      symlinkSync("..", join(dir, "to-parent"));
      symlinkSync("../outside.yml", join(dir, "outside-link.yml"));
      symlinkSync("a.yml", join(dir, "a-link.yml"));
      symlinkSync("sub", join(dir, "sub-link"));
      symlinkSync("nowhere.yml", join(dir, "dangling.yml"));
      linkSync(join(dir, "a.yml"), join(dir, "z-hardlink.yml"));
      execFileSync("mkfifo", [join(dir, "pipe.yml")]);
      symlinkSync("pipe.yml", join(dir, "pipe-link.yml"));
      return { parent, dir };
    }

    for (const how of ["named folder", "project folder without git"] as const) {
      test(`a ${how}: links out are not followed, each file is scanned once`, async () => {
        const { dir } = treeWithLinks();
        const result = how === "named folder" ? await scan(["scan", dir], {}, dir) : await scan(["-C", dir, "scan"]);
        assert.equal(result.code, 1, result.stderr);
        assert.deepEqual(result.stdout.split("\n").filter(Boolean).sort(), ["a.yml:1: credential-field", "sub/b.yml:1: credential-field"]);
        assert.match(result.stderr, /2 findings in 2 files/);
        assert.match(result.stderr, /not followed: 3 symlinks leading out of the scanned folder \(outside-link\.yml, to-parent, to-root\)/);
      });
    }

    test("tracked symlinks: those leaving the folder are not read, one inside adds nothing", async () => {
      const { dir } = treeWithLinks();
      execFileSync("git", ["init", "-q"], { cwd: dir });
      execFileSync("git", ["add", "a.yml", "a-link.yml", "outside-link.yml", "to-parent", "sub/b.yml"], { cwd: dir });
      const result = await scan(["-C", dir, "scan"]);
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(result.stdout.split("\n").filter(Boolean).sort(), ["a.yml:1: credential-field", "sub/b.yml:1: credential-field"]);
      assert.match(result.stderr, /not followed: 2 symlinks leading out of the scanned folder \(outside-link\.yml, to-parent\)/);
    });
  });
});
