/**
 * The local stack really runs: init → compose --examples → promplate build (buildah) → Debian's docker-compose 1.29
 * against `podman system service` brings up prometheus, alertmanager and node-exporter from the generated file, the
 * images built on the stand-ins of scripts/base-images.sh: Node 24 and the current Prometheus and Alertmanager.
 * Prometheus scrapes node-exporter on the host network through host.containers.internal, Alertmanager is ready, and
 * a password holding `$`, quotes and ` #` arrives in the container's environment intact.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { atLeast, currentServerVersions, waitFor } from "../helpers.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = join(root, "dist/promplate.js");
const password = `p$ss #w"rd`;

describe("compose stack with docker-compose and podman", { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "promplate-stack-"));
  const project = join(work, "project");
  const socket = join(work, "podman.sock");
  let service: ChildProcess;
  let env: Record<string, string>;
  const compose = (...args: string[]) =>
    execFileSync("docker-compose", ["-p", "promplatestack", ...args], { cwd: project, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

  before(async () => {
    execFileSync("bash", [join(root, "scripts/base-images.sh")], { stdio: "ignore" });
    execFileSync("git", ["init", "-q", project]);
    execFileSync(process.execPath, [cli, "init", project], { stdio: "ignore" });
    execFileSync(process.execPath, [cli, "-C", project, "compose", "--examples", "--engine", "podman", "--set", `AWS_SECRET_KEY=${password}`], {
      stdio: "ignore",
    });
    const versions = currentServerVersions();
    const standIns = [
      "--build-arg",
      `PROMETHEUS_VERSION=v${versions.prometheus}`,
      "--build-arg",
      `ALERTMANAGER_VERSION=v${versions["prometheus-alertmanager"]}`,
    ];
    execFileSync(process.execPath, [cli, "-C", project, "build", "--engine", "buildah", "--pull", "never", ...standIns], {
      stdio: "ignore",
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root" },
    });

    // This machine's runtime facts: runc (crun fails on hybrid cgroups) and ulimits within the hard limit.
    const hard = Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim()) || 1024;
    const nofile = Math.min(hard, 65536);
    writeFileSync(
      join(work, "containers.conf"),
      `[containers]\ndefault_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]\n\n[engine]\nruntime = "runc"\n`,
    );
    env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", CONTAINERS_CONF: join(work, "containers.conf"), DOCKER_HOST: `unix://${socket}` };
    service = spawn("podman", ["system", "service", "--time=0", `unix://${socket}`], { env, stdio: "ignore" });
    await waitFor(
      "the podman socket",
      async () => {
        execFileSync("podman", ["--url", `unix://${socket}`, "version"], { env, stdio: "ignore" });
        return true;
      },
      30,
    );
    compose("up", "-d", "--no-build");
  });

  after(() => {
    try {
      compose("down", "--timeout", "5");
    } catch {
      // already down, or never up
    }
    service?.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  });

  test("Prometheus sees the node-exporter target up and Alertmanager is ready", async () => {
    await waitFor("alertmanager ready", async () => ((await fetch("http://127.0.0.1:9093/-/ready")).ok ? true : undefined), 90);
    const target = await waitFor(
      "node target up",
      async () => {
        const targets = (await (await fetch("http://127.0.0.1:9090/api/v1/targets")).json()) as {
          data: { activeTargets: { labels: { job: string; instance: string }; health: string }[] };
        };
        return targets.data.activeTargets.find((t) => t.labels.job === "node" && t.health === "up");
      },
      120,
    );
    assert.equal(target.labels.instance, "host.containers.internal:9100");
  });

  test("the stack runs the current line: Prometheus 3.0 or newer, Alertmanager 0.28 or newer", async (t) => {
    const versions = currentServerVersions();
    const prometheus = ((await (await fetch("http://127.0.0.1:9090/api/v1/status/buildinfo")).json()) as { data: { version: string } }).data.version.replace(
      /\+.*/,
      "",
    );
    const alertmanager = (
      (await (await fetch("http://127.0.0.1:9093/api/v2/status")).json()) as { versionInfo: { version: string } }
    ).versionInfo.version.replace(/\+.*/, "");
    t.diagnostic(`prometheus ${prometheus}, alertmanager ${alertmanager}`);
    assert.equal(prometheus, versions.prometheus);
    assert.equal(alertmanager, versions["prometheus-alertmanager"]);
    assert.ok(atLeast(prometheus, "3.0") && atLeast(alertmanager, "0.28"), `${prometheus} / ${alertmanager}`);
  });

  test("an env-file value with $, quotes and ' #' reaches the container intact; the compose file has no secret", () => {
    const id = compose("ps", "-q", "prometheus").trim();
    const environ = execFileSync("podman", ["--url", `unix://${socket}`, "exec", id, "cat", "/proc/1/environ"], { env, encoding: "utf8" });
    const variables = Object.fromEntries(
      environ
        .split("\0")
        .filter(Boolean)
        .map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );
    assert.equal(variables.AWS_SECRET_KEY, password);
    assert.ok(!readFileSync(join(project, "docker-compose.yml"), "utf8").includes('w"rd'));
  });
});
