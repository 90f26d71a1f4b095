/**
 * Secret-file mode's core, moveSecretsToFiles: which secret fields move to 0600 files referenced by their `*_file`
 * form, which stay inline (no file form), and that the config left behind is valid YAML without the secrets. The
 * real tools and servers reading the result are in test/e2e/secret-files.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { moveSecretsToFiles } from "../../src/secret-files.js";

describe("moveSecretsToFiles", () => {
  const cases: { name: string; kind: "prometheus-config" | "alertmanager-config"; text: string; moved: Record<string, string>; inline: string[] }[] = [
    {
      name: "basic_auth password, authorization credentials, oauth2 client_secret, tls key",
      kind: "prometheus-config",
      text: "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: 'S1'}\n    authorization:\n      credentials: S2\n    oauth2:\n      client_id: c\n      client_secret: \"S3\"\n      token_url: http://t/\n    tls_config:\n      key: |\n        S4-line1\n        S4-line2\n      cert_file: /c\n    static_configs: [{targets: ['x:1']}]\n",
      moved: {
        "scrape_configs.0.basic_auth.password": "S1",
        "scrape_configs.0.authorization.credentials": "S2",
        "scrape_configs.0.oauth2.client_secret": "S3",
        "scrape_configs.0.tls_config.key": "S4-line1\nS4-line2\n",
      },
      inline: [],
    },
    {
      name: "ec2 secret_key has no file form; a secret inside a larger value moves whole",
      kind: "prometheus-config",
      text: "scrape_configs:\n  - job_name: a\n    ec2_sd_configs:\n      - region: r\n        secret_key: S1\n    bearer_token: Bearer-S2-x\n",
      moved: { "scrape_configs.0.bearer_token": "Bearer-S2-x" },
      inline: ["scrape_configs.0.ec2_sd_configs.0.secret_key"],
    },
    {
      name: "Alertmanager: global slack_api_url, webhook url, pagerduty routing_key; key outside tls_config stays",
      kind: "alertmanager-config",
      text: "global:\n  slack_api_url: 'https://hooks/S1'\nroute: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs:\n      - url: https://w/S2\n    pagerduty_configs:\n      - routing_key: S3\n    sns_configs:\n      - sigv4: {secret_key: S4}\n",
      moved: {
        "global.slack_api_url": "https://hooks/S1",
        "receivers.0.webhook_configs.0.url": "https://w/S2",
        "receivers.0.pagerduty_configs.0.routing_key": "S3",
      },
      inline: ["receivers.0.sns_configs.0.sigv4.secret_key"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = moveSecretsToFiles(c.kind, c.text, ["S1", "S2", "S3", "S4"], "/run/promplate", "cfg");
      assert.deepEqual(Object.fromEntries(result.files.map((f) => [f.path.replace("/run/promplate/cfg.", ""), f.content])), c.moved);
      assert.deepEqual(
        result.inline.map((i) => i.field),
        c.inline,
      );
      for (const secret of Object.values(c.moved)) assert.ok(!result.text.includes(secret.split("\n")[0]!), `${secret} left in the config`);
      const parsed = parse(result.text) as Record<string, unknown>;
      assert.ok(parsed, "still valid YAML");
      assert.equal(result.lineOrigin.length, result.text.split("\n").length, "one line-map entry per output line");
    });
  }
});
