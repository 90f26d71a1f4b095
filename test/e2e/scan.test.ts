/**
 * promplate scan in git work trees (made here with `git init`): each credential kind is caught in fixtures (built at
 * run time, so the repository holds no credential-looking text) in tracked files only, and symlinks (tracked, and
 * around a FIFO) are never followed out of the scanned folder. Secret values, the example and the corpus are in
 * test/unit/scan.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runWithTools as scan } from "../helpers.js";

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
      {
        kind: "credential-field",
        file: "prometheus.yml",
        text: `scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n      password: ${password}\n`,
        secret: password,
      },
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
      assert.match(
        result.stdout,
        new RegExp(`^${c.file.replace(".", "\\.")}:${c.kind === "private-key" ? 1 : line}: ${c.kind}$`, "m"),
        `${c.kind} in ${c.file}\n${result.stdout}`,
      );
      assert.ok(!(result.stdout + result.stderr).includes(c.secret), `${c.kind}'s value printed`);
    }
    assert.doesNotMatch(result.stdout, /untracked\.yml/);
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
