/**
 * The ECS round trip: the Prometheus image built from the fleet example (`init --fleet`, its Prometheus only) as the
 * image tests build it, the task definition of instance prod-us's shard 1 from `promplate ecs`, then the container
 * started with exactly what ECS would give it: the task definition's entryPoint and command, its environment[], and
 * each secrets[] entry as an environment variable holding the secret's value (what ECS fetches through the
 * execution role). Prometheus must render prod-us's shard 1 from that and come up ready on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { TaskDefinition } from "../../src/ecs.js";
import { freePort, ROOT, runPromplate } from "../helpers.js";
import { buildEnv, podmanRunArgs, standInArgs, waitReady } from "./images.js";

const run = promisify(execFile);
const TAG = "localhost/promplate-test-ecs-{service}:e2e";
const IMAGE = TAG.replace("{service}", "prometheus");
const ACCOUNT = "210987654321";

describe("ecs: the task definition's environment starts the image", { concurrency: false }, () => {
  let work: string;
  let project: string;
  const container = `promplate-test-ecs-${process.pid}`;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "promplate-ecs-e2e-"));
    project = join(work, "fleet");
    const init = await runPromplate(["init", "--fleet", project]);
    assert.equal(init.code, 0, init.stderr);
    // Only Prometheus: one image to build.
    const yaml = await readFile(join(project, "promplate.yaml"), "utf8");
    await writeFile(join(project, "promplate.yaml"), yaml.replace(/^ {2}- \{ service: alertmanager.*\n/m, ""));
    if (!existsSync(join(ROOT, "dist", "promplate.js"))) await run("npm", ["run", "build"], { cwd: ROOT });
    await run("bash", [join(ROOT, "scripts", "base-images.sh")], { cwd: ROOT, maxBuffer: 1 << 24 });
  });

  after(async () => {
    await run("podman", ["rm", "-f", container]).catch(() => undefined);
    await run("buildah", ["rmi", IMAGE]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  test("prod-us shard 1: Prometheus renders its instance and shard from environment[] and the secrets[] values, and is ready", async (t) => {
    const started = Date.now();
    const build = await runPromplate(["-C", project, "build", "--engine", "buildah", "--pull", "never", "--tag", TAG, ...standInArgs()], buildEnv());
    assert.equal(build.code, 0, `${build.stdout}\n${build.stderr.slice(-1500)}`);
    assert.doesNotMatch(build.stdout + build.stderr, /promplate-test-ecs-alertmanager/, "only the Prometheus image is built");
    t.diagnostic(`image built in ${Date.now() - started} ms`);

    const generated = await runPromplate(
      ["-C", project, "ecs", "--tag", TAG, "--execution-role", "ecs-execution", "--account", ACCOUNT, "--instance", "prod-us"],
      {},
    );
    assert.equal(generated.code, 0, generated.stderr);
    const text = await readFile(join(project, "deploy", "ecs", "prod-us", "prometheus-1.json"), "utf8");
    const definition = JSON.parse(text) as TaskDefinition;
    const spec = definition.containerDefinitions[0]!;
    assert.equal(spec.image, IMAGE);

    // What ECS fetches through the execution role, by ARN.
    const store: Record<string, string> = {
      [`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:monitoring/prod-us/remote-write:password::`]: `rw #${randomBytes(8).toString("hex")}: 'quoted'`,
    };
    const environment: Record<string, string> = Object.fromEntries(spec.environment.map((e) => [e.name, e.value]));
    for (const secret of spec.secrets) {
      const value = store[secret.valueFrom];
      assert.ok(value !== undefined, `ECS would find ${secret.valueFrom}`);
      environment[secret.name] = value;
    }
    for (const value of Object.values(store)) assert.ok(!text.includes(value), "no secret value in the task definition");

    const port = await freePort();
    const readyFrom = Date.now();
    await run("podman", [
      ...podmanRunArgs(),
      "-d",
      "--name",
      container,
      "-p",
      `127.0.0.1:${port}:9090`,
      "--entrypoint",
      JSON.stringify(spec.entryPoint),
      ...Object.entries(environment).flatMap(([name, value]) => ["-e", `${name}=${value}`]),
      spec.image,
      ...spec.command,
    ]);
    try {
      await waitReady(`http://127.0.0.1:${port}/-/ready`, 30_000);
    } catch (error) {
      const { stdout, stderr } = await run("podman", ["logs", container]).catch(() => ({ stdout: "", stderr: "" }));
      assert.fail(`${(error as Error).message}\n${stdout}${stderr}`);
    }
    t.diagnostic(`ready in ${Date.now() - readyFrom} ms`);
    const config = (JSON.parse(await waitReady(`http://127.0.0.1:${port}/api/v1/status/config`, 5000)) as { data: { yaml: string } }).data.yaml;
    // The instance's values come from the image's promplate.yaml, the shard from PROMPLATE_SHARD.
    assert.match(config, /cluster: prod-us/);
    assert.match(config, /environment: production/);
    assert.match(config, /replica: prod-us-1/);
    const rendered = (await run("podman", ["exec", container, "cat", "/etc/prometheus/prometheus.yml"])).stdout;
    const parsed = (await import("yaml")).parse(rendered) as {
      remote_write: { basic_auth: { username: string; password: string } }[];
      scrape_configs: { job_name: string; relabel_configs?: { modulus?: number; regex?: string }[] }[];
    };
    assert.equal(parsed.remote_write[0]!.basic_auth.password, environment.REMOTE_WRITE_PASSWORD, "the Secrets Manager key's value, held exactly");
    assert.equal(parsed.remote_write[0]!.basic_auth.username, "prod-us");
    const node = parsed.scrape_configs.find((job) => job.job_name === "node")!;
    assert.equal(node.relabel_configs![0]!.modulus, 2);
    assert.equal(node.relabel_configs![1]!.regex, "1");
    const flags = (await run("podman", ["exec", container, "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"])).stdout;
    assert.match(
      flags,
      /^tini -- promplate exec --service prometheus -- \/bin\/prometheus --config\.file=\/etc\/prometheus\/prometheus\.yml --storage\.tsdb\.path=\/prometheus/,
    );
  });
});
