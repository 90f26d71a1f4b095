/**
 * The ECS round trip: the Prometheus image built from the ECS test project (test/data/ecs, its Prometheus only) as
 * the image tests build it, a task definition from `promplate ecs`, then the container started with exactly what ECS
 * would give it: the task definition's entryPoint and command, its environment[], and each secrets[] entry as an
 * environment variable holding the secret's value (what ECS fetches through the execution role). Prometheus must
 * render its config from that and come up ready on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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
    project = join(work, "project");
    await cp(join(ROOT, "test", "data", "ecs"), project, { recursive: true });
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

  test("Prometheus renders from environment[] and the secrets[] values, and is ready", async (t) => {
    const started = Date.now();
    const build = await runPromplate(["-C", project, "build", "--engine", "buildah", "--pull", "never", "--tag", TAG, ...standInArgs()], buildEnv());
    assert.equal(build.code, 0, `${build.stdout}\n${build.stderr.slice(-1500)}`);
    assert.doesNotMatch(build.stdout + build.stderr, /promplate-test-ecs-alertmanager/, "only the Prometheus image is built");
    t.diagnostic(`image built in ${Date.now() - started} ms`);

    const generated = await runPromplate(
      ["-C", project, "ecs", "--tag", TAG, "--execution-role", "ecs-execution", "--account", ACCOUNT, "--region", "eu-west-1"],
      { CLUSTER: "prod-eu" },
    );
    assert.equal(generated.code, 0, generated.stderr);
    const text = await readFile(join(project, "deploy", "ecs", "default", "prometheus.json"), "utf8");
    const definition = JSON.parse(text) as TaskDefinition;
    const spec = definition.containerDefinitions[0]!;
    assert.equal(spec.image, IMAGE);

    // What ECS fetches through the execution role, by ARN.
    const store: Record<string, string> = {
      [`arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/monitoring/remote-write`]: `rw #${randomBytes(8).toString("hex")}: 'quoted'`,
      [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:monitoring/api:token::`]: `token-${randomBytes(12).toString("hex")}`,
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
    assert.match(config, /cluster: prod-eu/);
    assert.match(config, /region: eu-west-1/);
    const rendered = (await run("podman", ["exec", container, "cat", "/etc/prometheus/prometheus.yml"])).stdout;
    const parsed = (await import("yaml")).parse(rendered) as {
      remote_write: { basic_auth: { password: string } }[];
      scrape_configs: { authorization: { credentials: string } }[];
    };
    assert.equal(parsed.remote_write[0]!.basic_auth.password, environment.REMOTE_WRITE_PASSWORD, "the SSM value, held exactly");
    assert.equal(parsed.scrape_configs[0]!.authorization.credentials, environment.API_TOKEN, "the Secrets Manager key's value");
    const flags = (await run("podman", ["exec", container, "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"])).stdout;
    assert.match(
      flags,
      /^tini -- promplate exec --service prometheus -- \/bin\/prometheus --config\.file=\/etc\/prometheus\/prometheus\.yml --storage\.tsdb\.path=\/prometheus/,
    );
  });
});
