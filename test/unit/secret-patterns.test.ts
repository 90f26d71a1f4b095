/**
 * The credential patterns scan and the image scan share (src/secrets.ts), on the spellings that used to slip
 * through: JSON-escaped slashes, upper-case hosts and ports in webhook URLs, YAML block scalars, a lone JSON
 * `SecretAccessKey`, Alertmanager's other secret fields (Telegram's `bot_token`, `smtp_auth_password`, …), the
 * `credentials` of an `authorization:` block, and a password in a URL's user-info, next to the placeholders that
 * must stay quiet. Credential-shaped strings are assembled at run time.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { findSecretsInText } from "../../src/secrets.js";

const random = (alphabet: string, length: number) => Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const escapeSlashes = (text: string) => text.replace(/\//g, "\\/");

const slackPath = `/services/T${random(UPPER, 8)}/B${random(UPPER, 8)}/${random(ALNUM, 24)}`;
const slack = `https://hooks.slack.com${slackPath}`;
const teams = `https://contoso.webhook.office.com/webhookb2/${random("0123456789abcdef", 8)}-1111@2222/IncomingWebhook/${random(ALNUM, 32)}`;
const discord = `https://discord.com/api/webhooks/${random("0123456789", 18)}/${random(ALNUM, 40)}`;
const awsSecret = `${random(ALNUM, 20)}/${random(ALNUM, 19)}`;
const password = `pw-${random(ALNUM, 14)}`;

/** [name, file, text, expected `kind:line` findings] */
const cases: [string, string, string, string[]][] = [
  ["Slack webhook, JSON-escaped slashes", "alerts.json", `{\n  "slack_api_url": ${escapeSlashes(JSON.stringify(slack))}\n}\n`, ["slack-webhook:2"]],
  ["Slack webhook, upper-case host", "notes.md", `see ${slack.replace("hooks.slack.com", "HOOKS.SLACK.COM").replace("https", "HTTPS")}\n`, ["slack-webhook:1"]],
  ["Slack webhook with :443", "a.txt", `hook=${slack.replace("hooks.slack.com", "hooks.slack.com:443")}\n`, ["slack-webhook:1"]],
  ["Slack example stays quiet", "a.txt", `https://hooks.slack.com/services/T000/B000/EXAMPLEEXAMPLEEXAMPLE\n`, []],
  ["Teams webhook, JSON-escaped", "a.json", `{"url": ${escapeSlashes(JSON.stringify(teams))}}\n`, ["teams-webhook:1"]],
  ["Discord webhook, upper-case host and port", "a.txt", `${discord.replace("discord.com", "Discord.COM:443")}\n`, ["discord-webhook:1"]],
  ["password: >- block scalar", "prometheus.yml", `basic_auth:\n  username: u\n  password: >-\n    ${password}\n`, ["credential-field:3"]],
  [
    "password: | block scalar in a list item, blank line first",
    "alertmanager.yml",
    `receivers:\n  - password: |+\n\n      ${password}\n`,
    ["credential-field:2"],
  ],
  ["block scalar holding a reference", "prometheus.yml", `basic_auth:\n  password: >-\n    \${REMOTE_WRITE_PASSWORD}\n`, []],
  ["empty block scalar followed by a sibling", "prometheus.yml", `basic_auth:\n  password: |\n  username: u\n`, []],
  ["lone JSON SecretAccessKey", "creds.json", `{\n  "AccessKeyId": "x",\n  "SecretAccessKey": "${awsSecret}"\n}\n`, ["aws-secret-access-key:3"]],
  ["lone JSON SecretAccessKey, escaped slashes", "creds.json", `{"SecretAccessKey":"${escapeSlashes(awsSecret)}"}\n`, ["aws-secret-access-key:1"]],
  ["secret_access_key without aws", "config.ini", `secret_access_key = ${awsSecret}\n`, ["aws-secret-access-key:1", "credential-field:1"]],
  [
    "Telegram bot_token",
    "alertmanager.yml",
    `telegram_configs:\n  - chat_id: 1\n    bot_token: ${random("0123456789", 9)}:${random(ALNUM, 35)}\n`,
    ["credential-field:3"],
  ],
  ["bot_token_file is a path", "alertmanager.yml", `telegram_configs:\n  - bot_token_file: /run/secrets/telegram\n`, []],
  [
    "SMTP auth_password and Pushover user_key",
    "alertmanager.yml",
    `global:\n  smtp_auth_password: x\nreceivers:\n  - email_configs:\n      - auth_password: ${password}\n    pushover_configs:\n      - user_key: ${random(ALNUM, 30)}\n`,
    ["credential-field:5", "credential-field:7"],
  ],
  [
    "Prometheus/Alertmanager authorization credentials",
    "prometheus.yml",
    `scrape_configs:\n  - job_name: a\n    authorization:\n      type: Bearer\n      credentials: ${password}\n`,
    ["credential-field:5"],
  ],
  [
    "Alertmanager global SMTP and WeChat secrets",
    "alertmanager.yml",
    `global:\n  smtp_auth_password: ${password}\n  smtp_auth_secret: ${password}\n  wechat_api_secret: ${password}\n  smtp_auth_password_file: /run/secrets/smtp\n`,
    ["credential-field:2", "credential-field:3", "credential-field:4"],
  ],
  [
    "credentials: a placeholder with commas, a reference or a nested block stays quiet",
    "prometheus.yml",
    `a:\n  credentials: "<replace with a token with linodes:read_only, ips:read_only>"\nb:\n  credentials: \${TOKEN}\nc:\n  credentials:\n    key: value\n`,
    [],
  ],
  ["password in a URL's user-info", "README.md", `psql https://admin:${password}@db.internal.corp:5432/app\n`, ["url-password:1"]],
  ["password in a JSON-escaped URL", "a.json", `{"dsn": "${escapeSlashes(`postgres://app:${password}@db/x`)}"}\n`, ["url-password:1"]],
  [
    "user-info placeholders stay quiet",
    "README.md",
    [
      "https://admin:${DB_PASSWORD}@db/x",
      "https://admin:$DB_PASSWORD@db/x",
      "https://user:<secret>@db/x",
      "https://user:***@db/x",
      "https://user:password@db/x",
      "https://user:{{ .Password }}@db/x",
      "https://user:xxxx@db/x",
      "http://localhost:9090/path@x",
      "mailto:user@example.org",
      "new URL('https://abc:xyz@nodejs.org')",
      `https://admin:${password}@db.example.com/x`,
      `https://admin:${password}@ci.test/x`,
      "cvs://:pserver:anoncvs@sources.redhat.com:/cvs/src",
      "",
    ].join("\n"),
    [],
  ],
];

describe("credential patterns", () => {
  for (const [name, file, text, expected] of cases) {
    test(name, () => {
      const findings = findSecretsInText(text, { file, where: "test" });
      assert.deepEqual(findings.map((f) => `${f.kind}:${f.line}`).sort(), [...expected].sort());
      assert.ok(!JSON.stringify(findings).includes(password), "a finding never holds the value");
    });
  }
});
