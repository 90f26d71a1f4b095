/**
 * Secret-file mode: secrets move to 0600 files referenced by `*_file` fields, the rendered configs hold none, the
 * real promtool/amtool accept the result and the real servers read the secrets from the files. The current line
 * (Prometheus 3, Alertmanager 0.3x) runs; the old line (the machine's own Prometheus 2.42 / Alertmanager 0.25) shows
 * how a `*_file` field an older server lacks is reported. Moving the secrets out of a config alone (moveSecretsToFiles)
 * is in test/unit/secret-files.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { atLeast, currentServerVersions, freePort, OLD_SERVERS, runWithTools, serverPath, serverVersion, SERVERS_PATH, waitFor } from "../helpers.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "dist/promplate.js");

describe("secret-file mode with the real tools and servers", { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "promplate-secret-files-"));
  const children: ChildProcess[] = [];
  const servers: ReturnType<typeof createServer>[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
    for (const server of servers) server.close();
    rmSync(work, { recursive: true, force: true });
  });

  test("render --write-secret-files on the example: no secret in alertmanager.yml, 0600 files, tools accept", () => {
    const out = join(work, "render");
    const secrets = join(work, "render-secrets");
    const webhook = "https://hooks.example.com/services/T0/B0/S3cr3tWebhook";
    const stderr = execFileSync(
      process.execPath,
      [
        cli,
        "-C",
        join(root, "templates"),
        "render",
        "--env-file",
        join(root, "templates/demo.env"),
        "--set",
        `WEBHOOK=${webhook}`,
        "--out",
        out,
        "--write-secret-files",
        secrets,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    void stderr;
    const alertmanager = readFileSync(join(out, "out/alertmanager.yml"), "utf8");
    assert.doesNotMatch(alertmanager, /S3cr3tWebhook/);
    assert.match(alertmanager, /slack_api_url_file: /);
    assert.equal(statSync(join(out, "out/alertmanager.yml")).mode & 0o777, 0o644, "no secret left: not 0600");
    const [file] = readdirSync(secrets);
    assert.equal(readFileSync(join(secrets, file!), "utf8"), webhook);
    assert.equal(statSync(join(secrets, file!)).mode & 0o777, 0o600);
    // ec2_sd_configs has no *_file form: the keys stay inline and the file stays 0600.
    assert.equal(statSync(join(out, "out/prometheus.yml")).mode & 0o777, 0o600);
    const amtool = execFileSync(serverPath("amtool"), ["check-config", join(out, "out/alertmanager.yml")], { encoding: "utf8" });
    assert.match(amtool, /SUCCESS/);
  });

  test("old line: a *_file field Alertmanager 0.25 lacks is reported by check with the installed amtool's version", async (t) => {
    const oldAmtool = join(OLD_SERVERS, "amtool");
    const oldVersion = serverVersion(oldAmtool);
    t.diagnostic(`old line: amtool ${oldVersion}; current: amtool ${serverVersion(serverPath("amtool"))}`);
    assert.ok(!atLeast(oldVersion, "0.26"), `${oldAmtool} is ${oldVersion}, not the old line (webhook url_file came in 0.26)`);
    const project = join(work, "webhook-project");
    mkdirSync(project);
    writeFileSync(
      join(project, "promplate.yaml"),
      [
        "variables:",
        "  HOOK: { type: string, format: uri, writeOnly: true }",
        "outputs:",
        "  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: out/alertmanager.yml, runtimePath: /etc/alertmanager/alertmanager.yml }",
        "",
      ].join("\n"),
    );
    writeFileSync(join(project, "alertmanager.yml"), "route:\n  receiver: hook\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: '${HOOK}'\n");
    const out = join(work, "webhook-out");
    const env = { HOOK: "https://hooks.example.com/S3cr3tHook" };
    const rendered = await runWithTools(["-C", project, "render", "--out", out, "--write-secret-files", join(work, "webhook-secrets")], env);
    assert.equal(rendered.code, 0, rendered.stderr);
    const config = join(out, "out/alertmanager.yml");
    assert.match(readFileSync(config, "utf8"), /url_file: /);

    const old = await runWithTools(["check", "--require-tools", config], { PATH: `${OLD_SERVERS}:/bin` });
    assert.equal(old.code, 1, old.stdout + old.stderr);
    assert.match(old.stdout, new RegExp(`alertmanager\\.yml:6(:\\d+)?: error amtool/[a-z-]+: amtool ${oldVersion.replaceAll(".", "\\.")}\\S*: .*url_file`));
    assert.doesNotMatch(old.stdout + old.stderr, /S3cr3tHook/);
    const current = await runWithTools(["check", "--require-tools", config]);
    assert.equal(current.code, 0, current.stdout + current.stderr);
    // render checks with the tools before writing: on the old line it refuses, naming the same field.
    const refused = await runWithTools(
      ["-C", project, "render", "--tool-checks", "--out", join(work, "webhook-out-old"), "--write-secret-files", join(work, "webhook-secrets-old")],
      { ...env, PATH: `${OLD_SERVERS}:/bin` },
    );
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`amtool ${oldVersion.replaceAll(".", "\\.")}\\S*: .*url_file`));
  });

  test("vars says which secrets stay inline", () => {
    const output = execFileSync(process.execPath, [cli, "-C", join(root, "templates"), "vars", "--env-file", join(root, "templates/demo.env")], {
      encoding: "utf8",
    });
    assert.match(output, /AWS_SECRET_KEY stands in out\/prometheus\.yml scrape_configs\.\d+\.ec2_sd_configs\.0\.secret_key, which has no \*_file form/);
    assert.doesNotMatch(output, /WEBHOOK stands in/);
  });

  test("prometheus reads a basic_auth password from its file; alertmanager its webhook URL", async (t) => {
    const password = "p@ss #w'rd: S3cr3t";
    const ports = { target: await freePort(), prometheus: await freePort(), alertmanager: await freePort(), webhook: await freePort() };
    // A scrape target that answers only with the right password.
    const target = createServer((request, response) => {
      const expected = `Basic ${Buffer.from(`scraper:${password}`).toString("base64")}`;
      if (request.headers.authorization !== expected) {
        response.statusCode = 401;
        response.end("unauthorized");
        return;
      }
      // Prometheus 3 refuses a scrape without a Content-Type (no fallback_scrape_protocol set).
      response.setHeader("content-type", "text/plain; version=0.0.4");
      response.end("# TYPE demo_up gauge\ndemo_up 1\n");
    });
    const deliveries: string[] = [];
    const webhook = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        deliveries.push(body);
        response.end("ok");
      });
    });
    servers.push(target, webhook);
    await new Promise<void>((resolve) => target.listen(ports.target, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => webhook.listen(ports.webhook, "127.0.0.1", resolve));

    const project = join(work, "project");
    mkdirSync(project);
    writeFileSync(
      join(project, "promplate.yaml"),
      [
        "variables:",
        "  SCRAPE_PASSWORD: { type: string, writeOnly: true }",
        "  TARGET: { type: string }",
        "  WEBHOOK: { type: string, format: uri, writeOnly: true }",
        "outputs:",
        "  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }",
        "  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: out/alertmanager.yml, runtimePath: /etc/alertmanager/alertmanager.yml }",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(project, "prometheus.yml"),
      "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: guarded\n    basic_auth:\n      username: scraper\n      password: ${SCRAPE_PASSWORD}\n    static_configs:\n      - targets: ['${TARGET}']\n",
    );
    writeFileSync(
      join(project, "alertmanager.yml"),
      "global:\n  slack_api_url: '${WEBHOOK}'\nroute:\n  receiver: slack\n  group_wait: 1s\nreceivers:\n  - name: slack\n    slack_configs:\n      - channel: '#alerts'\n        text: '{{ .CommonLabels.alertname }}'\n",
    );
    const runtime = join(work, "runtime");
    const secrets = join(work, "secrets");
    const versions = currentServerVersions();
    t.diagnostic(`prometheus ${versions.prometheus}, alertmanager ${versions["prometheus-alertmanager"]}`);
    assert.ok(atLeast(versions.prometheus, "3.0") && atLeast(versions["prometheus-alertmanager"], "0.28"), JSON.stringify(versions));
    const env = {
      PATH: SERVERS_PATH,
      SCRAPE_PASSWORD: password,
      TARGET: `127.0.0.1:${ports.target}`,
      WEBHOOK: `http://127.0.0.1:${ports.webhook}/hook/S3cr3tPath`,
    };
    const prometheus = spawn(
      process.execPath,
      [
        cli,
        "-C",
        project,
        "exec",
        "--service",
        "prometheus",
        "--out",
        runtime,
        "--write-secret-files",
        secrets,
        "--",
        "prometheus",
        `--config.file=${runtime}/etc/prometheus/prometheus.yml`,
        `--storage.tsdb.path=${work}/data`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      ],
      { env, stdio: "ignore" },
    );
    const alertmanager = spawn(
      process.execPath,
      [
        cli,
        "-C",
        project,
        "exec",
        "--service",
        "alertmanager",
        "--out",
        runtime,
        "--write-secret-files",
        secrets,
        "--",
        "prometheus-alertmanager",
        `--config.file=${runtime}/etc/alertmanager/alertmanager.yml`,
        `--storage.path=${work}/am`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        "--cluster.listen-address=",
      ],
      { env, stdio: "ignore" },
    );
    children.push(prometheus, alertmanager);

    await waitFor(
      "the guarded target up",
      async () => {
        const targets = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string }[] };
        };
        return targets.data.activeTargets[0]?.health === "up" ? true : undefined;
      },
      60,
    );
    const config = readFileSync(join(runtime, "etc/prometheus/prometheus.yml"), "utf8");
    assert.match(config, /password_file: /);
    assert.doesNotMatch(config, /S3cr3t/);

    await waitFor("alertmanager ready", async () => ((await fetch(`http://127.0.0.1:${ports.alertmanager}/-/ready`)).ok ? true : undefined), 60);
    const alert = [{ labels: { alertname: "SecretFileMode" }, startsAt: new Date().toISOString() }];
    await fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alert),
    });
    const delivery = await waitFor("a delivery to the webhook read from the file", async () => deliveries.find((d) => d.includes("SecretFileMode")), 60);
    assert.ok(delivery);
    assert.doesNotMatch(readFileSync(join(runtime, "etc/alertmanager/alertmanager.yml"), "utf8"), /S3cr3tPath/);
  });
});
