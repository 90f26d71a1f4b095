/**
 * End to end with the current Prometheus and Alertmanager (scripts/fetch-servers.sh) on 127.0.0.1: promplate exec renders each service's configuration and runs
 * prometheus / prometheus-alertmanager as its child; node-exporter is scraped; an alert fires and Alertmanager
 * delivers it to a webhook here, with Prometheus' own template expanded — proof the Go templates passed intact.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { atLeast, currentServerVersions, freePort, SERVERS_PATH, waitFor } from "../helpers.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "dist/promplate.js");

async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  return response.json();
}

async function metric(base: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : undefined;
}

function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, "utf8");
  return Object.fromEntries(
    raw
      .split("\0")
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

/** The server process exec started (its only child; setpriv has exec'd into it). */
function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    return children[0];
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== "Z";
  } catch {
    return false;
  }
}

interface Running {
  process: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, exited, output: () => output };
}

describe("exec with the real servers", { timeout: 180_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "promplate-exec-"));
  const project = join(work, "project");
  const runtime = join(work, "root");
  const started: ChildProcess[] = [];
  const ports = { prometheus: 0, alertmanager: 0, node: 0, webhook: 0 };
  /** Slack-format notifications received: the text of each attachment. */
  const deliveries: string[] = [];
  let webhookServer: ReturnType<typeof createServer>;
  let env: Record<string, string>;
  let prometheus: Running;
  let alertmanager: Running;

  before(async () => {
    cpSync(join(root, "templates"), project, { recursive: true });
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    webhookServer = createServer((request: IncomingMessage, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        try {
          const message = JSON.parse(body) as { attachments?: { text?: string }[] };
          for (const attachment of message.attachments ?? []) deliveries.push(attachment.text ?? "");
        } catch {
          deliveries.push(body);
        }
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => webhookServer.listen(ports.webhook, "127.0.0.1", resolve));
    const node = spawn(
      "prometheus-node-exporter",
      [`--web.listen-address=127.0.0.1:${ports.node}`, "--collector.disable-defaults", "--collector.cpu", "--collector.loadavg"],
      { stdio: "ignore" },
    );
    started.push(node);
    env = {
      PATH: SERVERS_PATH,
      SCRAPE_INTERVAL: "1s",
      NODE_EXPORTER_TARGET: `127.0.0.1:${ports.node}`,
      ALERTMANAGER_TARGET: `127.0.0.1:${ports.alertmanager}`,
      AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      WEBHOOK: `http://127.0.0.1:${ports.webhook}/services/T000/B000/XXXX`,
    };
    prometheus = start(
      [
        "-C",
        project,
        "exec",
        "--service",
        "prometheus",
        "--out",
        runtime,
        "--",
        "prometheus",
        `--config.file=${runtime}/etc/prometheus/prometheus.yml`,
        `--storage.tsdb.path=${work}/data`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      ],
      env,
    );
    alertmanager = start(
      [
        "-C",
        project,
        "exec",
        "--service",
        "alertmanager",
        "--out",
        runtime,
        "--",
        "prometheus-alertmanager",
        `--config.file=${runtime}/etc/alertmanager/alertmanager.yml`,
        `--storage.path=${work}/alertmanager`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        "--cluster.listen-address=",
      ],
      env,
    );
    started.push(prometheus.process, alertmanager.process);
    await waitFor("prometheus ready", async () => (await fetch(`http://127.0.0.1:${ports.prometheus}/-/ready`)).ok || undefined, 60);
    await waitFor("alertmanager ready", async () => (await fetch(`http://127.0.0.1:${ports.alertmanager}/-/ready`)).ok || undefined, 60);
  });

  after(async () => {
    for (const child of started) child.kill("SIGKILL");
    webhookServer?.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(work, { recursive: true, force: true });
  });

  test("the servers are the current line: Prometheus 3.0 or newer, Alertmanager 0.28 or newer", async (t) => {
    const versions = currentServerVersions();
    t.diagnostic(`prometheus ${versions.prometheus}, alertmanager ${versions["prometheus-alertmanager"]}`);
    assert.ok(atLeast(versions.prometheus, "3.0"), `prometheus ${versions.prometheus}`);
    assert.ok(atLeast(versions["prometheus-alertmanager"], "0.28"), `alertmanager ${versions["prometheus-alertmanager"]}`);
    // What really runs: the servers' own build info, as they report it.
    await Promise.all([
      getJson(`http://127.0.0.1:${ports.prometheus}/api/v1/status/buildinfo`).then((info) =>
        assert.equal(info.data.version.replace(/\+.*/, ""), versions.prometheus),
      ),
      getJson(`http://127.0.0.1:${ports.alertmanager}/api/v2/status`).then((status) =>
        assert.equal(status.versionInfo.version.replace(/\+.*/, ""), versions["prometheus-alertmanager"]),
      ),
    ]);
  });

  test("the servers run as children of exec, each without the other service's secrets", () => {
    const prometheusServer = childOf(prometheus.process.pid!);
    const alertmanagerServer = childOf(alertmanager.process.pid!);
    assert.ok(prometheusServer && alertmanagerServer, "each exec has a child");
    assert.match(commandOf(prometheusServer), /prometheus$/);
    assert.match(commandOf(alertmanagerServer), /prometheus-alertmanager$/);
    const prometheusEnv = environOf(prometheusServer);
    const alertmanagerEnv = environOf(alertmanagerServer);
    for (const name of ["WEBHOOK", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SCRAPE_INTERVAL"]) {
      assert.equal(prometheusEnv[name], undefined, `prometheus' environment has ${name}`);
      assert.equal(alertmanagerEnv[name], undefined, `alertmanager's environment has ${name}`);
    }
    assert.equal(prometheusEnv.PATH, env.PATH, "the rest of the environment is passed on");
    assert.equal(environOf(prometheus.process.pid!).WEBHOOK, env.WEBHOOK, "exec itself had every variable");
  });

  test("the node-exporter target is up", async () => {
    type Target = { labels: { job: string; instance: string }; health: string };
    const target = await waitFor("node target up", async () => {
      const targets = await getJson(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`);
      return (targets.data.activeTargets as Target[]).find((t) => t.labels.job === "node" && t.health === "up");
    });
    assert.equal(target.labels.instance, `127.0.0.1:${ports.node}`, "the target rendered from NODE_EXPORTER_TARGET");
  });

  test("an alert fires and reaches the webhook with Prometheus' template expanded", async () => {
    const delivery = await waitFor("a webhook delivery", async () => deliveries.find((text) => text.includes("node-exporter")), 60);
    assert.equal(delivery, `node-exporter 127.0.0.1:${ports.node} is up`);
  });

  test("SIGTERM: each server exits cleanly and its code propagates", async () => {
    for (const running of [alertmanager, prometheus]) {
      const server = childOf(running.process.pid!);
      assert.ok(server && alive(server), "exec has a running server child");
      running.process.kill("SIGTERM");
      assert.equal(await running.exited, 0, running.output());
      await waitFor("the server gone", async () => !alive(server) || undefined, 10);
    }
  });

  test("a child's exit code, and 128 + signal for a signalled child, come back from exec", async () => {
    const run = (script: string) => start(["-C", project, "exec", "--service", "prometheus", "--out", join(work, "codes"), "--", "sh", "-c", script], env);
    assert.equal(await run("exit 7").exited, 7);
    assert.equal(await run("kill -TERM $$").exited, 128 + 15);
  });

  test("SIGKILL: the child does not outlive exec", async () => {
    const running = start(["-C", project, "exec", "--service", "prometheus", "--out", join(work, "kill"), "--", "sleep", "300"], env);
    // setpriv runs first and then becomes sleep: wait for the exec, not only for a child.
    const child = await waitFor(
      "the child",
      async () => {
        const pid = childOf(running.process.pid!);
        return pid !== undefined && /sleep$/.test(commandOf(pid)) ? pid : undefined;
      },
      20,
    );
    running.process.kill("SIGKILL");
    assert.equal(await running.exited, null, "exec was killed");
    // Without setpriv's parent-death signal the orphaned sleep would run on for 300 s.
    const gone = await waitFor("the child gone", async () => !alive(child) || undefined, 10).catch(() => false);
    assert.equal(gone, true, `sleep (pid ${child}) outlived the killed exec`);
  });
});

describe("exec --watch", { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "promplate-watch-"));
  const project = join(work, "project");
  const runtime = join(work, "root");
  const secrets = join(work, "secrets");
  let running: Running;
  let base: string;
  const config = join(runtime, "etc/prometheus/prometheus.yml");

  /** A Kubernetes-style secret volume: files are symlinks through `..data`, which is swapped atomically. */
  function writeSecretVolume(generation: number, values: Record<string, string>) {
    const data = join(secrets, `..${generation}`);
    mkdirSync(data, { recursive: true });
    for (const [name, value] of Object.entries(values)) writeFileSync(join(data, name), value);
    symlinkSync(`..${generation}`, join(secrets, "..data_tmp"));
    renameSync(join(secrets, "..data_tmp"), join(secrets, "..data"));
    for (const name of Object.keys(values)) if (!existsSync(join(secrets, name))) symlinkSync(join("..data", name), join(secrets, name));
  }

  before(async () => {
    cpSync(join(root, "templates"), project, { recursive: true });
    mkdirSync(secrets, { recursive: true });
    writeSecretVolume(1, { AWS_SECRET_KEY: "first-secret", SCRAPE_INTERVAL: "15s" });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    running = start(
      [
        "-C",
        project,
        "exec",
        "--service",
        "prometheus",
        "--out",
        runtime,
        "--watch",
        "--",
        "prometheus",
        `--config.file=${config}`,
        `--storage.tsdb.path=${work}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {
        PATH: SERVERS_PATH,
        AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_KEY_FILE: join(secrets, "AWS_SECRET_KEY"),
        SCRAPE_INTERVAL_FILE: join(secrets, "SCRAPE_INTERVAL"),
      },
    );
    await waitFor("prometheus ready", async () => (await fetch(`${base}/-/ready`)).ok || undefined, 60);
  });

  after(async () => {
    running.process.kill("SIGKILL");
    await running.exited;
    rmSync(work, { recursive: true, force: true });
  });

  test("a changed secret file re-renders and reloads; a ..data swap too; an invalid value keeps the running config", async () => {
    assert.match(readFileSync(config, "utf8"), /secret_key: first-secret/);
    const firstReload = (await metric(base, "prometheus_config_last_reload_success_timestamp_seconds"))!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the metric has one-second resolution

    // A plain write to the file the symlink points at.
    writeFileSync(join(secrets, "..1/AWS_SECRET_KEY"), "second-secret");
    await waitFor("the output to change", async () => readFileSync(config, "utf8").includes("secret_key: second-secret") || undefined, 15);
    const secondReload = await waitFor(
      "a reload",
      async () => {
        const value = await metric(base, "prometheus_config_last_reload_success_timestamp_seconds");
        return value !== undefined && value > firstReload ? value : undefined;
      },
      15,
    );
    assert.equal(await metric(base, "prometheus_config_last_reload_successful"), 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // A Kubernetes secret volume update: the ..data symlink is swapped.
    writeSecretVolume(2, { AWS_SECRET_KEY: "third-secret", SCRAPE_INTERVAL: "15s" });
    await waitFor("the output to change after the ..data swap", async () => readFileSync(config, "utf8").includes("secret_key: third-secret") || undefined, 15);
    await waitFor(
      "a second reload",
      async () => {
        const value = await metric(base, "prometheus_config_last_reload_success_timestamp_seconds");
        return value !== undefined && value > secondReload ? value : undefined;
      },
      15,
    );

    // An invalid value: the running configuration stays, one redacted line is logged.
    const before = readFileSync(config, "utf8");
    writeSecretVolume(3, { AWS_SECRET_KEY: "fourth-secret", SCRAPE_INTERVAL: "15 s" });
    await waitFor(
      "the error to be logged",
      async () => /re-render failed, keeping the running configuration: .*SCRAPE_INTERVAL/.test(running.output()) || undefined,
      15,
    );
    assert.equal(readFileSync(config, "utf8"), before);
    assert.equal(await metric(base, "prometheus_config_last_reload_successful"), 1);
    assert.doesNotMatch(running.output(), /first-secret|second-secret|third-secret|fourth-secret/);
  });
});
