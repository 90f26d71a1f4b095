/**
 * `promplate ecs`: task definitions in RegisterTaskDefinition's shape, registered with the real @aws-sdk/client-ecs
 * against a stand-in ECS on 127.0.0.1 that rejects what ECS rejects; secrets as ARNs, never values; region and
 * account from the flags, else the credential chain and STS (served on 127.0.0.1); bad input is exit 2.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import { EXAMPLE_ACCOUNT, IMAGE_COMMANDS, IMAGE_ENTRYPOINTS, secretProblems, secretValueFrom, type TaskDefinition } from "../../src/ecs.js";
import type { VariableDeclaration } from "../../src/project.js";
import { blackhole, json, serve } from "../aws-endpoints.js";
import { serveEcs } from "../ecs-endpoint.js";
import { ROOT, runPromplate, type Env } from "../helpers.js";

const DATA = join(ROOT, "test", "data", "ecs");
const EXEC_ROLE = "arn:aws:iam::123456789012:role/ecs-execution";
const TASK_ROLE = "arn:aws:iam::123456789012:role/prometheus";

/** A copy of the test project, so each test writes its own deploy/ecs. */
async function project(edit?: (yaml: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-ecs-"));
  await cp(DATA, dir, { recursive: true });
  if (edit) await writeFile(join(dir, "promplate.yaml"), edit(await readFile(join(dir, "promplate.yaml"), "utf8")));
  return dir;
}

const read = (dir: string, path: string): TaskDefinition => JSON.parse(readFileSync(join(dir, "deploy", "ecs", path), "utf8")) as TaskDefinition;
const env = (definition: TaskDefinition) => Object.fromEntries(definition.containerDefinitions[0]!.environment.map((e) => [e.name, e.value]));
const secrets = (definition: TaskDefinition) => Object.fromEntries(definition.containerDefinitions[0]!.secrets.map((s) => [s.name, s.valueFrom]));

describe("secretValueFrom", () => {
  const cases: [string, string, string][] = [
    ["ssm:/monitoring/remote-write", "eu-west-1", "arn:aws:ssm:eu-west-1:111122223333:parameter/monitoring/remote-write"],
    ["ssm:plain-name", "eu-west-1", "arn:aws:ssm:eu-west-1:111122223333:parameter/plain-name"],
    ["ssm://doubled", "eu-west-1", "arn:aws:ssm:eu-west-1:111122223333:parameter/doubled"],
    ["secretsmanager:monitoring/api#token", "us-east-2", "arn:aws:secretsmanager:us-east-2:111122223333:secret:monitoring/api:token::"],
    ["secretsmanager:monitoring/webhook", "us-east-2", "arn:aws:secretsmanager:us-east-2:111122223333:secret:monitoring/webhook"],
    ["secretsmanager:web#url", "cn-north-1", "arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:web:url::"],
    ["ssm:/p", "us-gov-west-1", "arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/p"],
    ["ssm:arn:aws:ssm:eu-west-1:444455556666:parameter/shared", "us-east-1", "arn:aws:ssm:eu-west-1:444455556666:parameter/shared"],
    [
      "secretsmanager:arn:aws:secretsmanager:eu-west-1:444455556666:secret:shared-AbCdEf#k",
      "us-east-1",
      "arn:aws:secretsmanager:eu-west-1:444455556666:secret:shared-AbCdEf:k::",
    ],
  ];
  for (const [source, region, expected] of cases) {
    test(`${source} in ${region}`, () => assert.equal(secretValueFrom(source, region, "111122223333"), expected));
  }
});

describe("secretProblems", () => {
  const declaration = (name: string, source?: string): VariableDeclaration => ({
    name,
    schema: {},
    type: "string",
    secret: true,
    required: true,
    examples: [],
    source,
    line: 3,
    column: 3,
  });
  const cases: { name: string; stored: VariableDeclaration[]; role?: string; ids: string[] }[] = [
    { name: "SSM and Secrets Manager with a role", stored: [declaration("A", "ssm:/a"), declaration("B", "secretsmanager:b#k")], role: EXEC_ROLE, ids: [] },
    { name: "no secrets, no role needed", stored: [], ids: [] },
    { name: "secrets without a role", stored: [declaration("A", "ssm:/a")], ids: ["ecs/execution-role"] },
    { name: "a secret without x-source", stored: [declaration("A")], role: EXEC_ROLE, ids: ["ecs/no-source"] },
    {
      name: "stores ECS cannot read",
      stored: [declaration("V", "vault:secret/monitoring#grafana"), declaration("G", "gcp:projects/p/secrets/s"), declaration("K", "k8s:ns/name#key")],
      role: EXEC_ROLE,
      ids: ["ecs/source-store", "ecs/source-store", "ecs/source-store"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const found = secretProblems("prometheus", c.stored, c.role);
      assert.deepEqual(
        found.map((f) => f.id),
        c.ids,
      );
      for (const finding of found.filter((f) => f.id === "ecs/source-store"))
        assert.match(finding.message, /ECS takes secrets only from SSM Parameter Store \(ssm:\) and Secrets Manager/);
    });
  }
});

describe("ecs --examples", () => {
  test("one task definition per server, in RegisterTaskDefinition's shape, secrets as ARNs in account 123456789012", async () => {
    const dir = await project();
    const sts = await serve((_req, _body, res) => json(res, 500, "never called"));
    const result = await runPromplate(
      ["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE, "--tag", "registry.example.com/mon/{service}:1.2", "--set", "SCRAPE_INTERVAL=30s"],
      { AWS_ENDPOINT_URL_STS: sts.url, AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXAMPLE12", AWS_SECRET_ACCESS_KEY: "never-used-secret-key" },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sts.requests.length, 0, "--examples calls nothing");
    assert.match(result.stdout, /^wrote .*deploy\/ecs\/default\/prometheus\.json \(family default-prometheus, 4 environment, 2 secrets\)$/m);
    const prometheus = read(dir, "default/prometheus.json");
    const alertmanager = read(dir, "default/alertmanager.json");
    assert.deepEqual(Object.keys(prometheus), ["family", "executionRoleArn", "containerDefinitions"]);
    assert.equal(prometheus.executionRoleArn, EXEC_ROLE);
    const container = prometheus.containerDefinitions[0]!;
    assert.equal(container.name, "prometheus");
    assert.equal(container.image, "registry.example.com/mon/prometheus:1.2");
    assert.deepEqual(container.entryPoint, IMAGE_ENTRYPOINTS.prometheus);
    assert.deepEqual(container.command, IMAGE_COMMANDS.prometheus);
    assert.deepEqual(container.portMappings, [{ containerPort: 9090, protocol: "tcp" }]);
    // The default (15s) is the image's business; --set and examples are not; x-aws: region is the task's region.
    assert.deepEqual(env(prometheus), { AWS_REGION: "us-east-1", CLUSTER: "prod-eu", PROMPLATE_INSTANCE: "default", SCRAPE_INTERVAL: "30s" });
    assert.deepEqual(secrets(prometheus), {
      API_TOKEN: `arn:aws:secretsmanager:us-east-1:${EXAMPLE_ACCOUNT}:secret:monitoring/api:token::`,
      REMOTE_WRITE_PASSWORD: `arn:aws:ssm:us-east-1:${EXAMPLE_ACCOUNT}:parameter/monitoring/remote-write`,
    });
    // Each server gets only the variables its own templates use.
    assert.deepEqual(env(alertmanager), { PROMPLATE_INSTANCE: "default" });
    assert.deepEqual(secrets(alertmanager), { WEBHOOK: `arn:aws:secretsmanager:us-east-1:${EXAMPLE_ACCOUNT}:secret:monitoring/webhook` });
    assert.equal(statSync(join(dir, "deploy/ecs/default/prometheus.json")).mode & 0o777, 0o644);
    // The type the SDK takes: a task definition is its input as it is.
    const input: RegisterTaskDefinitionCommandInput = prometheus;
    assert.ok(input.family);
  });

  test("--region, --account, --out, --task-role; a role name becomes an ARN in the account", async () => {
    const dir = await project();
    const out = join(dir, "elsewhere");
    const result = await runPromplate(
      [
        "-C",
        dir,
        "ecs",
        "--examples",
        "--execution-role",
        "ecs-execution",
        "--task-role",
        TASK_ROLE,
        "--region",
        "cn-north-1",
        "--account",
        "210987654321",
        "--out",
        out,
      ],
      {},
    );
    assert.equal(result.code, 0, result.stderr);
    const definition = JSON.parse(readFileSync(join(out, "default/prometheus.json"), "utf8")) as TaskDefinition;
    assert.equal(definition.executionRoleArn, "arn:aws-cn:iam::210987654321:role/ecs-execution");
    assert.equal(definition.taskRoleArn, TASK_ROLE);
    assert.equal(secrets(definition).REMOTE_WRITE_PASSWORD, "arn:aws-cn:ssm:cn-north-1:210987654321:parameter/monitoring/remote-write");
    assert.ok(!existsSync(join(dir, "deploy")), "nothing in the default folder");
  });

  test("x-aws keys are neither environment nor secrets: the task role supplies them, and a note asks for it", async () => {
    const dir = await project((yaml) =>
      yaml.replace(
        "variables:\n",
        "variables:\n  SD_KEY: { type: string, writeOnly: true, x-aws: accessKeyId }\n  SD_SECRET: { type: string, writeOnly: true, x-aws: secretAccessKey }\n",
      ),
    );
    await writeFile(
      join(dir, "prometheus.yml"),
      `${await readFile(join(dir, "prometheus.yml"), "utf8")}  - job_name: ec2\n    ec2_sd_configs:\n      - region: \${AWS_REGION}\n        access_key: \${SD_KEY}\n        secret_key: \${SD_SECRET}\n`,
    );
    const without = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE], {});
    assert.equal(without.code, 0, without.stderr);
    assert.match(
      without.stderr,
      /prometheus: SD_KEY, SD_SECRET \(x-aws\) come from the task role at start \(pass --task-role ARN\); its keys are temporary, so ec2_sd_configs must leave access_key\/secret_key out/,
    );
    const definition = read(dir, "default/prometheus.json");
    assert.equal(definition.taskRoleArn, undefined);
    for (const name of ["SD_KEY", "SD_SECRET"]) {
      assert.ok(!(name in env(definition)) && !(name in secrets(definition)), name);
    }
    const withRole = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE, "--task-role", TASK_ROLE], {});
    assert.equal(withRole.code, 0, withRole.stderr);
    assert.doesNotMatch(withRole.stderr, /pass --task-role/);
    assert.equal(read(dir, "default/prometheus.json").taskRoleArn, TASK_ROLE);
  });

  test("the images' entrypoints and commands are the Dockerfiles' ENTRYPOINT and CMD", async () => {
    for (const service of ["prometheus", "alertmanager"] as const) {
      const dockerfile = await readFile(join(ROOT, `Dockerfile.${service}`), "utf8");
      const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
      assert.deepEqual(JSON.parse(entrypoint ?? "null"), IMAGE_ENTRYPOINTS[service]);
      const command = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
      assert.deepEqual(JSON.parse(command ?? "null"), IMAGE_COMMANDS[service]);
    }
  });
});

/** A task definition with any part removable, to break it. */
interface Breakable {
  family?: string;
  executionRoleArn?: string;
  containerDefinitions: { name?: string; image?: string; secrets: { name: string; valueFrom: string }[] }[];
}

describe("registered with @aws-sdk/client-ecs against a stand-in ECS", () => {
  const client = (url: string) =>
    new ECSClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE12", secretAccessKey: "example-secret" },
      maxAttempts: 1,
    });

  test("the generated task definitions register; each thing ECS rejects is rejected", async () => {
    const dir = await project();
    const result = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE, "--task-role", TASK_ROLE], {});
    assert.equal(result.code, 0, result.stderr);
    const ecs = await serveEcs();
    const sdk = client(ecs.url);
    for (const service of ["prometheus", "alertmanager"]) {
      const input = read(dir, `default/${service}.json`);
      const { taskDefinition } = await sdk.send(new RegisterTaskDefinitionCommand(input));
      assert.equal(taskDefinition?.taskDefinitionArn, `arn:aws:ecs:us-east-1:123456789012:task-definition/default-${service}:1`);
      assert.deepEqual(taskDefinition?.containerDefinitions?.[0]?.secrets, input.containerDefinitions[0]!.secrets);
    }
    assert.equal(ecs.requests[0]!.headers["x-amz-target"], "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition");
    assert.deepEqual(JSON.parse(ecs.requests[0]!.body), read(dir, "default/prometheus.json"), "the SDK sends the file as it is");

    const good = read(dir, "default/prometheus.json");
    const broken: [string, (d: Breakable) => void, RegExp][] = [
      ["no executionRoleArn with secrets", (d) => delete d.executionRoleArn, /must also specify a value for 'executionRoleArn'/],
      ["no family", (d) => delete d.family, /Family must not be null or empty/],
      ["a family with a space", (d) => (d.family = "default prometheus"), /Family contains invalid characters/],
      ["no container name", (d) => delete d.containerDefinitions[0]!.name, /Container\.name should not be null or empty/],
      ["no image", (d) => delete d.containerDefinitions[0]!.image, /Container\.image should not be null or empty/],
      ["no containers", (d) => (d.containerDefinitions = []), /Container list cannot be empty/],
      [
        "a doubled / in a parameter ARN",
        (d) => (d.containerDefinitions[0]!.secrets[1]!.valueFrom = "arn:aws:ssm:us-east-1:123456789012:parameter//monitoring/remote-write"),
        /Invalid secret valueFrom/,
      ],
      [
        "a Secrets Manager ARN with a key and no version fields",
        (d) => (d.containerDefinitions[0]!.secrets[0]!.valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:monitoring/api:token"),
        /Invalid secret valueFrom/,
      ],
      [
        "an x-source left as it is",
        (d) => (d.containerDefinitions[0]!.secrets[0]!.valueFrom = "secretsmanager:monitoring/api#token"),
        /Invalid secret valueFrom/,
      ],
      [
        "a secret named like an environment variable",
        (d) => (d.containerDefinitions[0]!.secrets[0]!.name = "CLUSTER"),
        /Duplicate environment variable name: CLUSTER/,
      ],
    ];
    for (const [what, breakIt, message] of broken) {
      const input = structuredClone(good) as unknown as Breakable;
      breakIt(input);
      await assert.rejects(
        sdk.send(new RegisterTaskDefinitionCommand(input as RegisterTaskDefinitionCommandInput)),
        (error: Error) => error.name === "ClientException" && message.test(error.message),
        what,
      );
    }
    assert.equal(ecs.registered.length, 2, "only the generated ones were registered");
    sdk.destroy();
  });
});

describe("ecs on the fleet example (init --fleet): every instance, a task definition per shard", () => {
  async function fleet(): Promise<string> {
    const dir = join(await mkdtemp(join(tmpdir(), "promplate-ecs-fleet-")), "fleet");
    const init = await runPromplate(["init", "--fleet", dir]);
    assert.equal(init.code, 0, init.stderr);
    return dir;
  }

  test("per instance its region and {instance} in the ARNs, PROMPLATE_INSTANCE / PROMPLATE_SHARD; all register; no secret value", async () => {
    const dir = await fleet();
    const result = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE], {});
    assert.equal(result.code, 0, result.stderr);
    const written = readdirSync(join(dir, "deploy/ecs"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(join(dir, "deploy/ecs").length + 1))
      .sort();
    assert.deepEqual(written, [
      "prod-eu/alertmanager.json",
      "prod-eu/prometheus.json",
      "prod-us/alertmanager.json",
      "prod-us/prometheus-0.json",
      "prod-us/prometheus-1.json",
      "staging/alertmanager.json",
      "staging/prometheus.json",
    ]);
    const shard1 = read(dir, "prod-us/prometheus-1.json");
    assert.equal(shard1.family, "prod-us-prometheus-1");
    // The instance's own values (CLUSTER, AWS_REGION, …) are the image's: it is told which instance and shard it is.
    assert.deepEqual(env(shard1), { PROMPLATE_INSTANCE: "prod-us", PROMPLATE_SHARD: "1" });
    assert.deepEqual(env(read(dir, "prod-us/prometheus-0.json")), { PROMPLATE_INSTANCE: "prod-us", PROMPLATE_SHARD: "0" });
    assert.deepEqual(secrets(shard1), {
      REMOTE_WRITE_PASSWORD: `arn:aws:secretsmanager:us-east-1:${EXAMPLE_ACCOUNT}:secret:monitoring/prod-us/remote-write:password::`,
    });
    assert.deepEqual(env(read(dir, "prod-eu/prometheus.json")), { PROMPLATE_INSTANCE: "prod-eu" });
    assert.deepEqual(secrets(read(dir, "staging/alertmanager.json")), {
      PAGERDUTY_ROUTING_KEY: `arn:aws:secretsmanager:eu-west-1:${EXAMPLE_ACCOUNT}:secret:monitoring/staging/pagerduty:routing_key::`,
      SLACK_WEBHOOK: `arn:aws:ssm:eu-west-1:${EXAMPLE_ACCOUNT}:parameter/monitoring/staging/slack-webhook`,
    });
    const examples = ["example-remote-write-password", "example-pagerduty-routing-key", "https://hooks.example.com/services/T000/B000/XXXX"];
    const ecs = await serveEcs();
    const sdk = new ECSClient({
      endpoint: ecs.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE12", secretAccessKey: "example-secret" },
    });
    for (const path of written) {
      const text = readFileSync(join(dir, "deploy/ecs", path), "utf8");
      for (const value of examples) assert.ok(!text.includes(value) && !text.includes(JSON.stringify(value).slice(1, -1)), `${path} holds no secret value`);
      await sdk.send(new RegisterTaskDefinitionCommand(JSON.parse(text) as RegisterTaskDefinitionCommandInput));
    }
    sdk.destroy();
    assert.deepEqual(ecs.registered.map((r) => r.family).sort(), written.map((p) => p.replace("/", "-").replace(/\.json$/, "")).sort());
  });

  test("--instance prod-us writes only that instance; an unknown one is exit 2 with the list", async () => {
    const dir = await fleet();
    const result = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE, "--instance", "prod-us"], {});
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      readdirSync(join(dir, "deploy/ecs")).filter((name) => name !== ".promplate"),
      ["prod-us"],
    );
    const unknown = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE, "--instance", "prod-ap"], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no instance prod-ap in promplate\.yaml[\s\S]*instances: prod-eu, prod-us, staging/);
  });

  test("a secret from a store ECS cannot read (vault:) is exit 2, once for every instance", async () => {
    const dir = await fleet();
    const yaml = readFileSync(join(dir, "promplate.yaml"), "utf8").replace(
      '"ssm:/monitoring/{instance}/slack-webhook"',
      '"vault:secret/monitoring/{instance}#slack"',
    );
    await writeFile(join(dir, "promplate.yaml"), yaml);
    const result = await runPromplate(["-C", dir, "ecs", "--examples", "--execution-role", EXEC_ROLE], {});
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /error ecs\/source-store: \(instance prod-eu, prod-us, staging\) SLACK_WEBHOOK \(alertmanager\): x-source `vault:secret\/monitoring\/\{instance\}#slack` is not an AWS store/,
    );
    assert.equal(result.stderr.match(/ecs\/source-store/g)?.length, 1);
    assert.ok(!existsSync(join(dir, "deploy")));
  });
});

describe("ecs with the credential chain", () => {
  const credentials: Env = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXAMPLE12", AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-sts" };
  const callerIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::333344445555:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>333344445555</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

  test("the account from STS GetCallerIdentity, the region from AWS_REGION; real values stay out of the files", async () => {
    const dir = await project();
    const sts = await serve((_req, _body, res) => json(res, 200, callerIdentity, "text/xml"));
    const secretValue = `Secret-Leak-Canary-${randomBytes(6).toString("hex")}`;
    const result = await runPromplate(["-C", dir, "ecs", "--execution-role", EXEC_ROLE], {
      ...credentials,
      AWS_REGION: "eu-central-1",
      AWS_ENDPOINT_URL_STS: sts.url,
      CLUSTER: "prod-eu",
      REMOTE_WRITE_PASSWORD: secretValue,
      WEBHOOK: `https://hooks.example.com/${secretValue}`,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sts.requests.length, 1, "one STS call for every task definition");
    assert.equal(new URLSearchParams(sts.requests[0]!.body).get("Action"), "GetCallerIdentity");
    assert.match(String(sts.requests[0]!.headers.authorization), /Credential=AKIAEXAMPLEEXAMPLE12\/\d{8}\/eu-central-1\/sts\/aws4_request/);
    const prometheus = read(dir, "default/prometheus.json");
    assert.equal(secrets(prometheus).REMOTE_WRITE_PASSWORD, "arn:aws:ssm:eu-central-1:333344445555:parameter/monitoring/remote-write");
    assert.deepEqual(env(prometheus), { AWS_REGION: "eu-central-1", CLUSTER: "prod-eu", PROMPLATE_INSTANCE: "default" });
    for (const file of ["prometheus", "alertmanager"]) assert.doesNotMatch(readFileSync(join(dir, `deploy/ecs/default/${file}.json`), "utf8"), /Leak-Canary/);
    assert.doesNotMatch(result.stdout + result.stderr, /Leak-Canary/);
  });

  test("--account and --region: STS is not asked", async () => {
    const dir = await project();
    const sts = await serve((_req, _body, res) => json(res, 200, callerIdentity, "text/xml"));
    const result = await runPromplate(["-C", dir, "ecs", "--execution-role", EXEC_ROLE, "--account", "210987654321", "--region", "eu-west-3"], {
      AWS_ENDPOINT_URL_STS: sts.url,
      CLUSTER: "c",
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sts.requests.length, 0);
    assert.equal(secrets(read(dir, "default/alertmanager.json")).WEBHOOK, "arn:aws:secretsmanager:eu-west-3:210987654321:secret:monitoring/webhook");
  });

  test("STS unreachable, refusing, or no credentials: exit 3, nothing written", async () => {
    const hole = await blackhole();
    const refusing = await serve((_req, _body, res) =>
      json(
        res,
        403,
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>0</RequestId></ErrorResponse>`,
        "text/xml",
      ),
    );
    const cases: [string, Env, RegExp][] = [
      ["unreachable", { ...credentials, AWS_ENDPOINT_URL_STS: hole.url, PROMPLATE_AWS_TIMEOUT_MS: "300" }, /STS GetCallerIdentity failed/],
      [
        "refusing",
        { ...credentials, AWS_ENDPOINT_URL_STS: refusing.url },
        /STS GetCallerIdentity failed .*InvalidClientTokenId|security token included in the request is invalid/,
      ],
      ["no credentials", {}, /AWS credentials, and none were found/],
    ];
    for (const [what, extra, message] of cases) {
      const dir = await project();
      const result = await runPromplate(["-C", dir, "ecs", "--execution-role", EXEC_ROLE, "--region", "eu-west-1"], { CLUSTER: "c", ...extra });
      assert.equal(result.code, 3, `${what}: ${result.stderr}`);
      assert.match(result.stderr, message, what);
      assert.match(result.stderr, /--account/, `${what}: says how to do without`);
      assert.doesNotMatch(result.stderr, /Leak-Canary/);
      assert.ok(!existsSync(join(dir, "deploy")), `${what}: nothing written`);
    }
  });
});

describe("ecs: bad input is exit 2, nothing written", () => {
  const cases: { name: string; edit?: (yaml: string) => string; args: string[]; env?: Env; message: RegExp }[] = [
    { name: "secrets without --execution-role", args: [], message: /prometheus needs REMOTE_WRITE_PASSWORD, API_TOKEN from secrets.*execution role/ },
    {
      name: "a secret without x-source",
      edit: (yaml) => yaml.replace(', x-source: "secretsmanager:monitoring/webhook"', ""),
      args: ["--execution-role", EXEC_ROLE],
      message: /promplate\.yaml:12:3: error ecs\/no-source: WEBHOOK \(alertmanager\) is a secret with no x-source/,
    },
    {
      name: "an unknown instance",
      args: ["--execution-role", EXEC_ROLE, "--instance", "prod-eu"],
      message: /--instance prod-eu: promplate\.yaml declares no instances/,
    },
    { name: "a malformed --region", args: ["--execution-role", EXEC_ROLE, "--region", "Europe"], message: /--region Europe: expected a region/ },
    { name: "a malformed --account", args: ["--execution-role", EXEC_ROLE, "--account", "12345"], message: /--account 12345: expected a 12-digit account id/ },
    { name: "a malformed role", args: ["--execution-role", "arn:aws:iam::1:role/x"], message: /--execution-role .*expected an IAM role ARN/ },
    {
      name: "a required value missing",
      args: ["--execution-role", EXEC_ROLE, "--account", "210987654321", "--region", "eu-west-1"],
      env: {},
      message: /CLUSTER/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = await project(c.edit);
      const examples = c.env === undefined ? ["--examples"] : [];
      const result = await runPromplate(["-C", dir, "ecs", ...examples, ...c.args], c.env ?? {});
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, c.message);
      assert.ok(!existsSync(join(dir, "deploy")), "nothing written");
    });
  }

  test("a non-secret value equal to a secret's: refused, naming the secret and not its value", async () => {
    const dir = await project();
    const value = `Secret-Leak-Canary-${randomBytes(6).toString("hex")}`;
    const result = await runPromplate(["-C", dir, "ecs", "--execution-role", EXEC_ROLE, "--account", "210987654321", "--region", "eu-west-1"], {
      CLUSTER: value,
      REMOTE_WRITE_PASSWORD: value,
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /default\/prometheus\.json would hold the value of the secret REMOTE_WRITE_PASSWORD/);
    assert.doesNotMatch(result.stdout + result.stderr, /Leak-Canary/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });
});
