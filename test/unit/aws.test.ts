/**
 * x-aws and x-source (issue 5): every AWS credential provider run with the real SDK code against endpoints started
 * here on 127.0.0.1 (container credentials, instance metadata with the IMDSv2 token step, STS, SSO, SSM, Secrets
 * Manager) and ini files / credential_process in a temporary HOME; the precedence of the sources; the failure paths
 * (exit 3, bounded time, nothing secret printed); temporary credentials in ec2_sd_configs; exec --aws-env. What needs
 * a process of its own (the SSO token cache under HOME, which SDK chunks a run loads) is in test/e2e/aws.test.ts.
 *
 * No test reaches anything but 127.0.0.1: every environment sets AWS_EC2_METADATA_DISABLED=true or points
 * AWS_EC2_METADATA_SERVICE_ENDPOINT here.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { awsProject, blackhole, future, json, past, PROJECT_YAML, rendered, serve, stsXml, temporary, type VarsRow } from "../aws-endpoints.js";
import { assertNoLeak, type Run, runPromplate } from "../helpers.js";

// ---------------------------------------------------------------------------------------------------------------
// Harness

/** The CLI in-process, with exactly this environment (and instance metadata off unless the test points it here). */
const run = (argv: string[], cwd: string, env: Record<string, string>): Promise<Run> => runPromplate(argv, env, cwd);

async function varsOf(dir: string, env: Record<string, string>, extra: string[] = []): Promise<Map<string, VarsRow>> {
  const result = await run(["-C", dir, "vars", "--format", "json", ...extra], dir, env);
  assert.equal(result.code, 0, result.stderr);
  assertNoLeak(result, "vars");
  return new Map((JSON.parse(result.stdout) as VarsRow[]).map((row) => [row.name, row]));
}

// ---------------------------------------------------------------------------------------------------------------

describe("each provider, with the real SDK code against endpoints on 127.0.0.1", () => {
  test("environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION", async () => {
    const dir = awsProject();
    const expires = future();
    const env = {
      HOME: join(dir, "home"),
      AWS_ACCESS_KEY_ID: "ASIAENVENVENVENVENV1",
      AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-env",
      AWS_SESSION_TOKEN: "Token-Leak-Canary-env",
      AWS_CREDENTIAL_EXPIRATION: expires,
      AWS_REGION: "ap-south-1",
    };
    const rows = await varsOf(dir, env);
    assert.equal(rows.get("AWS_ACCESS_KEY")!.source, "aws");
    assert.match(rows.get("AWS_ACCESS_KEY")!.origin!, /^environment/);
    assert.equal(rows.get("AWS_SECRET_KEY")!.expires, new Date(expires).toISOString());
    assert.equal(rows.get("AWS_SECRET_KEY")!.value, "***");
    assert.equal(rows.get("REGION")!.value, "ap-south-1");
    assert.match(rows.get("REGION")!.origin!, /AWS_REGION/);
    const result = await run(["-C", dir, "render"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assertNoLeak(result);
    assert.equal(rendered(dir), "key: ASIAENVENVENVENVENV1\nsecret: Secret-Leak-Canary-env\ntoken: 'Token-Leak-Canary-env'\nregion: ap-south-1\n");
  });

  test("ini: static keys in the credentials file, chosen with --aws-profile or AWS_PROFILE; the profile's region", async () => {
    const dir = awsProject();
    writeFileSync(
      join(dir, "home/.aws/credentials"),
      "[default]\naws_access_key_id = AKIADEFAULTDEFAULT00\naws_secret_access_key = Secret-Leak-Canary-default\n\n[dev]\naws_access_key_id = AKIADEVDEVDEVDEVDEV0\naws_secret_access_key = Secret-Leak-Canary-dev\n",
    );
    writeFileSync(join(dir, "home/.aws/config"), "[profile dev]\nregion = ca-central-1\n");
    const env = { HOME: join(dir, "home") };
    const byDefault = await varsOf(dir, env);
    assert.equal(byDefault.get("AWS_ACCESS_KEY")!.origin, 'ini profile "default" (static keys)');
    const byFlag = await varsOf(dir, env, ["--aws-profile", "dev"]);
    assert.equal(byFlag.get("AWS_ACCESS_KEY")!.origin, 'ini profile "dev" (static keys)');
    assert.equal(byFlag.get("AWS_ACCESS_KEY")!.expires, undefined);
    assert.equal(byFlag.get("REGION")!.value, "ca-central-1");
    assert.equal(byFlag.get("AWS_TOKEN")!.status, "unset");
    const result = await run(["-C", dir, "render"], dir, { ...env, AWS_PROFILE: "dev" });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(rendered(dir), "key: AKIADEVDEVDEVDEVDEV0\nsecret: Secret-Leak-Canary-dev\ntoken: ''\nregion: ca-central-1\n");
  });

  test("ini: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere than HOME", async () => {
    const dir = awsProject();
    writeFileSync(join(dir, "creds.ini"), "[ops]\naws_access_key_id = AKIAOPSOPSOPSOPSOPS0\naws_secret_access_key = Secret-Leak-Canary-ops\n");
    writeFileSync(join(dir, "config.ini"), "[profile ops]\nregion = sa-east-1\n");
    const rows = await varsOf(dir, { AWS_SHARED_CREDENTIALS_FILE: join(dir, "creds.ini"), AWS_CONFIG_FILE: join(dir, "config.ini"), AWS_PROFILE: "ops" });
    assert.equal(rows.get("AWS_ACCESS_KEY")!.origin, 'ini profile "ops" (static keys)');
    assert.equal(rows.get("REGION")!.value, "sa-east-1");
  });

  test("ini: credential_process runs with the environment promplate was given, and its Expiration is shown", async () => {
    const dir = awsProject();
    const script = join(dir, "creds.mjs");
    // PROCESS_TAG is only in the environment handed to runCli, not in this test process: proof it is passed on.
    writeFileSync(
      script,
      "process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIAPROCESSPROCESS00', SecretAccessKey: 'Secret-Leak-Canary-' + process.env.PROCESS_TAG, SessionToken: 'Token-Leak-Canary-process', Expiration: process.argv[2] }));\n",
    );
    const expires = future();
    writeFileSync(join(dir, "home/.aws/config"), `[profile proc]\ncredential_process = ${process.execPath} ${script} ${expires}\n`);
    const env = { HOME: join(dir, "home"), AWS_PROFILE: "proc", PROCESS_TAG: "from-given-env" };
    assert.equal(process.env.PROCESS_TAG, undefined);
    const rows = await varsOf(dir, env);
    assert.equal(rows.get("AWS_ACCESS_KEY")!.origin, 'ini profile "proc" (credential_process), temporary');
    assert.equal(rows.get("AWS_ACCESS_KEY")!.expires, new Date(expires).toISOString());
    const result = await run(["-C", dir, "render"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(rendered(dir), /secret: Secret-Leak-Canary-from-given-env\ntoken: 'Token-Leak-Canary-process'/);
  });

  test("ini: role_arn + source_profile assumes the role through STS (the profile's endpoint_url), signed with the source keys", async () => {
    const sts = await serve((_req, body, res) => {
      const params = new URLSearchParams(body);
      if (params.get("Action") !== "AssumeRole") return json(res, 400, "<ErrorResponse/>", "text/xml");
      json(res, 200, stsXml("AssumeRole", "role"), "text/xml");
    });
    const dir = awsProject();
    writeFileSync(join(dir, "home/.aws/credentials"), "[base]\naws_access_key_id = AKIABASEBASEBASEBASE\naws_secret_access_key = Secret-Leak-Canary-base\n");
    writeFileSync(
      join(dir, "home/.aws/config"),
      `[profile monitoring]\nrole_arn = arn:aws:iam::123456789012:role/monitoring\nsource_profile = base\nrole_session_name = promplate-test\nregion = us-west-2\nendpoint_url = ${sts.url}\n`,
    );
    const env = { HOME: join(dir, "home") };
    const rows = await varsOf(dir, env, ["--aws-profile", "monitoring"]);
    assert.equal(rows.get("AWS_ACCESS_KEY")!.origin, 'ini profile "monitoring" (role_arn via source_profile "base"), temporary');
    assert.ok(rows.get("AWS_ACCESS_KEY")!.expires);
    const call = sts.requests.at(-1)!;
    const params = new URLSearchParams(call.body);
    assert.equal(params.get("RoleArn"), "arn:aws:iam::123456789012:role/monitoring");
    assert.equal(params.get("RoleSessionName"), "promplate-test");
    assert.match(String(call.headers.authorization), /Credential=AKIABASEBASEBASEBASE\/\d{8}\/us-west-2\/sts\/aws4_request/);
    const result = await run(["-C", dir, "render", "--aws-profile", "monitoring"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(rendered(dir), /key: ASIAROLEXXXXXXXXXXXX\nsecret: Secret-Leak-Canary-role\ntoken: 'Token-Leak-Canary-role'\nregion: us-west-2/);
  });

  test("web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN through STS (AWS_ENDPOINT_URL_STS)", async () => {
    const sts = await serve((_req, body, res) => {
      const params = new URLSearchParams(body);
      if (params.get("Action") !== "AssumeRoleWithWebIdentity" || params.get("WebIdentityToken") !== "jwt-Leak-Canary-token")
        return json(res, 400, "<ErrorResponse/>", "text/xml");
      json(res, 200, stsXml("AssumeRoleWithWebIdentity", "webid"), "text/xml");
    });
    const dir = awsProject();
    writeFileSync(join(dir, "token"), "jwt-Leak-Canary-token");
    const env = {
      HOME: join(dir, "home"),
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/irsa",
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_REGION: "eu-central-1",
    };
    const rows = await varsOf(dir, env);
    assert.equal(rows.get("AWS_ACCESS_KEY")!.origin, "web identity token file, temporary");
    assert.equal(new URLSearchParams(sts.requests.at(-1)!.body).get("RoleArn"), "arn:aws:iam::123456789012:role/irsa");
    const result = await run(["-C", dir, "render"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(rendered(dir), /key: ASIAWEBIDXXXXXXXXXXX/);
  });

  test("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI with an authorization token", async () => {
    const container = await serve((req, _body, res) => {
      if (req.headers.authorization !== "auth-Leak-Canary-token") return json(res, 403, { Code: "denied" });
      json(res, 200, { ...temporary("container"), Expiration: future() });
    });
    const dir = awsProject();
    const env = {
      HOME: join(dir, "home"),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/v2/credentials/task`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: "auth-Leak-Canary-token",
    };
    const rows = await varsOf(dir, env);
    assert.equal(rows.get("AWS_ACCESS_KEY")!.origin, "container credentials (FULL_URI), temporary");
    assert.ok(rows.get("AWS_ACCESS_KEY")!.expires);
    assert.equal(container.requests.at(-1)!.url, "/v2/credentials/task");
    const result = await run(["-C", dir, "render"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(rendered(dir), /key: ASIACONTAINERXXXXXXX\nsecret: Secret-Leak-Canary-container/);
  });

  test("instance metadata: IMDSv2 (token PUT, role, credentials) at AWS_EC2_METADATA_SERVICE_ENDPOINT", async () => {
    const imds = await serve((req, _body, res) => {
      if (req.method === "PUT" && req.url === "/latest/api/token" && req.headers["x-aws-ec2-metadata-token-ttl-seconds"])
        return json(res, 200, "imds-Leak-Canary-session", "text/plain");
      if (req.headers["x-aws-ec2-metadata-token"] !== "imds-Leak-Canary-session") return json(res, 401, "", "text/plain");
      if (req.url === "/latest/meta-data/iam/security-credentials/") return json(res, 200, "prometheus-role", "text/plain");
      if (req.url === "/latest/meta-data/iam/security-credentials/prometheus-role")
        return json(res, 200, { Code: "Success", Type: "AWS-HMAC", ...temporary("imds"), Expiration: future() });
      json(res, 404, "", "text/plain");
    });
    const dir = awsProject();
    const env = { HOME: join(dir, "home"), AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
    const rows = await varsOf(dir, env);
    assert.equal(rows.get("AWS_ACCESS_KEY")!.origin, 'instance metadata (IMDSv2, role "prometheus-role"), temporary');
    assert.deepEqual(
      imds.requests.slice(0, 3).map((r) => `${r.method} ${r.url}`),
      ["PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/", "GET /latest/meta-data/iam/security-credentials/prometheus-role"],
    );
    const result = await run(["-C", dir, "render"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(rendered(dir), /key: ASIAIMDSXXXXXXXXXXXX\nsecret: Secret-Leak-Canary-imds/);
  });

  test("the chain's order: environment before the shared files before the container", async () => {
    const container = await serve((_req, _body, res) => json(res, 200, { ...temporary("container"), Expiration: future() }));
    const dir = awsProject();
    writeFileSync(join(dir, "home/.aws/credentials"), "[default]\naws_access_key_id = AKIAINIINIINIINIINI0\naws_secret_access_key = Secret-Leak-Canary-ini\n");
    const base = { HOME: join(dir, "home"), AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url };
    assert.equal(
      (await varsOf(dir, { ...base, AWS_ACCESS_KEY_ID: "AKIAENVENVENVENVENV0", AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-e" })).get("AWS_ACCESS_KEY")!.origin,
      "environment",
    );
    assert.equal((await varsOf(dir, base)).get("AWS_ACCESS_KEY")!.origin, 'ini profile "default" (static keys)');
    assert.equal(container.requests.length, 0, "the container endpoint is not asked when an earlier provider answers");
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("x-source: SSM Parameter Store and Secrets Manager", () => {
  const SOURCE_YAML = `variables:
  PASSWORD: { type: string, writeOnly: true, x-source: "ssm:/monitoring/remote-write" }
  API_KEY: { type: string, writeOnly: true, x-source: "secretsmanager:monitoring/api#key" }
outputs:
  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }
`;
  const credentialsEnv = (dir: string) => ({
    HOME: join(dir, "home"),
    AWS_ACCESS_KEY_ID: "AKIASOURCESOURCE000",
    AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-src",
    AWS_REGION: "eu-north-1",
  });

  test("ssm:/path (GetParameter WithDecryption) and secretsmanager:name#key (GetSecretValue), signed, at the endpoint overrides", async () => {
    const ssm = await serve((req, body, res) => {
      const request = JSON.parse(body) as { Name: string; WithDecryption: boolean };
      if (req.headers["x-amz-target"] !== "AmazonSSM.GetParameter" || !request.WithDecryption)
        return json(res, 400, { __type: "ValidationException", message: "bad" });
      json(res, 200, { Parameter: { Name: request.Name, Type: "SecureString", Value: "ssm-Leak-Canary-value #1", Version: 1 } }, "application/x-amz-json-1.1");
    });
    const secrets = await serve((req, body, res) => {
      const request = JSON.parse(body) as { SecretId: string };
      if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") return json(res, 400, { __type: "ValidationException", message: "bad" });
      json(res, 200, { Name: request.SecretId, SecretString: JSON.stringify({ key: "sm-Leak-Canary-value", other: "x" }) }, "application/x-amz-json-1.1");
    });
    const dir = awsProject(SOURCE_YAML, "password: ${PASSWORD}\napi_key: ${API_KEY}\n");
    const env = { ...credentialsEnv(dir), AWS_ENDPOINT_URL_SSM: ssm.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url };
    const rows = await varsOf(dir, env);
    assert.deepEqual([rows.get("PASSWORD")!.source, rows.get("PASSWORD")!.origin], ["ssm", "ssm:/monitoring/remote-write"]);
    assert.deepEqual([rows.get("API_KEY")!.source, rows.get("API_KEY")!.origin], ["secretsmanager", "secretsmanager:monitoring/api#key"]);
    assert.equal(JSON.parse(ssm.requests[0]!.body).Name, "/monitoring/remote-write");
    assert.equal(JSON.parse(secrets.requests[0]!.body).SecretId, "monitoring/api");
    for (const call of [ssm.requests[0]!, secrets.requests[0]!])
      assert.match(String(call.headers.authorization), /Credential=AKIASOURCESOURCE000\/\d{8}\/eu-north-1\//);
    const result = await run(["-C", dir, "render"], dir, env);
    assert.equal(result.code, 0, result.stderr);
    assertNoLeak(result);
    assert.equal(rendered(dir), "password: 'ssm-Leak-Canary-value #1'\napi_key: sm-Leak-Canary-value\n");
  });

  test("a parameter that does not exist: the default when there is one, else exit 3 naming it", async () => {
    const ssm = await serve((_req, _body, res) => json(res, 400, { __type: "ParameterNotFound", message: "" }, "application/x-amz-json-1.1"));
    const withDefault = awsProject(
      `variables:\n  PASSWORD: { type: string, writeOnly: true, x-source: "ssm:/nope", default: fallback-value }\noutputs:\n  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }\n`,
      "password: ${PASSWORD}\n",
    );
    const env = { ...credentialsEnv(withDefault), AWS_ENDPOINT_URL_SSM: ssm.url };
    const ok = await run(["-C", withDefault, "render"], withDefault, env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(rendered(withDefault), "password: fallback-value\n");
    const required = awsProject(
      `variables:\n  PASSWORD: { type: string, writeOnly: true, x-source: "ssm:/nope" }\noutputs:\n  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }\n`,
      "password: ${PASSWORD}\n",
    );
    const failed = await run(["-C", required, "render"], required, { ...credentialsEnv(required), AWS_ENDPOINT_URL_SSM: ssm.url });
    assert.equal(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, /PASSWORD: ssm:\/nope does not exist/);
  });

  test("a secret without the key, or not JSON: exit 3 saying so", async () => {
    const secrets = await serve((_req, body, res) => {
      const id = (JSON.parse(body) as { SecretId: string }).SecretId;
      json(
        res,
        200,
        { Name: id, SecretString: id === "plain" ? "Leak-Canary not json" : JSON.stringify({ other: "Leak-Canary" }) },
        "application/x-amz-json-1.1",
      );
    });
    for (const [source, expected] of [
      ["secretsmanager:plain#key", /SecretString is not JSON/],
      ["secretsmanager:object#key", /has no key "key"/],
    ] as const) {
      const dir = awsProject(
        `variables:\n  API_KEY: { type: string, writeOnly: true, x-source: "${source}" }\noutputs:\n  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }\n`,
        "k: ${API_KEY}\n",
      );
      const result = await run(["-C", dir, "render"], dir, { ...credentialsEnv(dir), AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url });
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, expected);
      assertNoLeak(result, source);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("precedence: --set > environment > _FILE > secrets dir > env file > x-aws / x-source > default", () => {
  const YAML = `variables:
  PASSWORD: { type: string, x-source: "ssm:/p", default: from-default }
  KEY_ID: { type: string, x-aws: accessKeyId, default: from-default }
outputs:
  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }
`;
  const levels = ["--set", "environment", "NAME_FILE", "secrets dir", "env file", "cloud", "default"] as const;
  for (const [index, level] of levels.entries()) {
    test(`${level} wins over every lower source`, async () => {
      const ssm = await serve((_req, _body, res) =>
        level === "default"
          ? json(res, 400, { __type: "ParameterNotFound", message: "" }, "application/x-amz-json-1.1")
          : json(res, 200, { Parameter: { Name: "/p", Value: "from-cloud" } }, "application/x-amz-json-1.1"),
      );
      const dir = awsProject(YAML, "password: ${PASSWORD}\nkey: ${KEY_ID}\n");
      mkdirSync(join(dir, "secrets"));
      // Every source below `level` is set too; the ones above it are not.
      const env: Record<string, string> = { HOME: join(dir, "home"), AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_SSM: ssm.url };
      const argv = ["-C", dir, "render"];
      const at = (name: (typeof levels)[number]) => index <= levels.indexOf(name);
      for (const name of ["PASSWORD", "KEY_ID"]) {
        if (at("--set")) argv.push("--set", `${name}=from-set`);
        if (at("environment")) env[name] = "from-env";
        if (at("NAME_FILE")) {
          writeFileSync(join(dir, `${name}.txt`), "from-name-file\n");
          env[`${name}_FILE`] = join(dir, `${name}.txt`);
        }
        if (at("secrets dir")) writeFileSync(join(dir, "secrets", name), "from-secrets-dir\n");
      }
      if (at("secrets dir")) argv.push("--secrets-dir", join(dir, "secrets"));
      if (at("env file")) {
        writeFileSync(join(dir, ".env"), "PASSWORD=from-env-file\nKEY_ID=from-env-file\n");
        argv.push("--env-file", join(dir, ".env"));
      }
      if (at("cloud")) Object.assign(env, { AWS_ACCESS_KEY_ID: "from-cloud", AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-p" });
      const result = await run(argv, dir, env);
      assert.equal(result.code, 0, result.stderr);
      const expected = {
        "--set": "from-set",
        environment: "from-env",
        NAME_FILE: "from-name-file",
        "secrets dir": "from-secrets-dir",
        "env file": "from-env-file",
        cloud: "from-cloud",
        default: "from-default",
      }[level];
      assert.equal(rendered(dir), `password: ${expected}\nkey: ${expected}\n`);
      // The cloud is asked only for what no local source set (and, at "default", there are no credentials to ask with).
      assert.equal(ssm.requests.length, level === "cloud" ? 1 : 0);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe("failure paths: exit 3, a clear message, nothing secret printed, bounded time", () => {
  const expectFailure = async (env: Record<string, string>, message: RegExp, dir = awsProject()) => {
    const result = await run(["-C", dir, "render"], dir, { HOME: join(dir, "home"), ...env });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /AWS_ACCESS_KEY, AWS_SECRET_KEY need AWS credentials/);
    assertNoLeak(result);
    assert.doesNotMatch(result.stderr, /\n\s+at .*:\d+:\d+\)?\n/, "no stack trace");
    assert.ok(!existsSync(join(dir, "out")), "nothing written");
    return result;
  };

  test("none configured: names every provider tried and what each said", async () => {
    const result = await expectFailure(
      {},
      /none were found \(tried environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set; shared config files: no profile "default" in .*; web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set; container credentials: .*not set; instance metadata: AWS_EC2_METADATA_DISABLED=true\)/,
    );
    assert.match(result.stderr, /hint: .*--aws-profile/);
  });

  test("a profile asked for that does not exist", async () => {
    await expectFailure({ AWS_PROFILE: "nope" }, /shared config files provider failed: no profile "nope"/);
  });

  test("expired credentials from the container endpoint", async () => {
    const container = await serve((_req, _body, res) => json(res, 200, { ...temporary("expired"), Expiration: past() }));
    await expectFailure({ AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url }, /container credentials provider failed: .*expired at/);
  });

  test("expired credentials from credential_process", async () => {
    const dir = awsProject();
    writeFileSync(
      join(dir, "home/.aws/config"),
      `[default]\ncredential_process = ${process.execPath} -e "process.stdout.write(JSON.stringify({Version:1,AccessKeyId:'ASIAEXPIREDEXPIRED0',SecretAccessKey:'Secret-Leak-Canary-x',SessionToken:'Token-Leak-Canary-x',Expiration:'${past()}'}))"\n`,
    );
    await expectFailure({}, /shared config files provider failed: .*credential_process returned expired credentials/, dir);
  });

  test("expired environment credentials (AWS_CREDENTIAL_EXPIRATION)", async () => {
    await expectFailure(
      {
        AWS_ACCESS_KEY_ID: "ASIAENVEXPIREDENV00",
        AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-y",
        AWS_SESSION_TOKEN: "Token-Leak-Canary-y",
        AWS_CREDENTIAL_EXPIRATION: past(),
      },
      /environment provider failed: .*expired at/,
    );
  });

  test("credential_process exiting non-zero", async () => {
    const dir = awsProject();
    writeFileSync(
      join(dir, "home/.aws/config"),
      `[default]\ncredential_process = ${process.execPath} -e "console.error('sso session gone'); process.exit(7)"\n`,
    );
    await expectFailure({}, /shared config files provider failed: credential_process exited with code 7: sso session gone/, dir);
  });

  test("credential_process that hangs is killed at PROMPLATE_AWS_TIMEOUT_MS", async () => {
    const dir = awsProject();
    writeFileSync(join(dir, "home/.aws/config"), `[default]\ncredential_process = ${process.execPath} -e "setTimeout(() => {}, 60000)"\n`);
    const started = Date.now();
    await expectFailure({ PROMPLATE_AWS_TIMEOUT_MS: "300" }, /credential_process did not finish within 300 ms/, dir);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  for (const provider of ["container", "instance metadata", "STS (web identity)"] as const) {
    test(`unreachable ${provider} endpoint: returns within the timeout bound`, async () => {
      const hole = await blackhole();
      const dir = awsProject();
      writeFileSync(join(dir, "token"), "jwt-Leak-Canary-t");
      const env: Record<string, string> =
        provider === "container"
          ? { AWS_CONTAINER_CREDENTIALS_FULL_URI: hole.url }
          : provider === "instance metadata"
            ? { AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: hole.url }
            : {
                AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
                AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
                AWS_ENDPOINT_URL_STS: hole.url,
                AWS_REGION: "us-east-1",
              };
      const started = Date.now();
      const result = await expectFailure({ ...env, PROMPLATE_AWS_TIMEOUT_MS: "300" }, /provider failed: .*(within 300 ms|timeout|Timeout)/i, dir);
      const elapsed = Date.now() - started;
      // Bound: three timeouts for the provider (a chain of calls), plus start-up.
      assert.ok(elapsed < 300 * 3 + 2500, `took ${elapsed} ms: ${result.stderr}`);
    });
  }

  test("refused connection", async () => {
    const hole = await blackhole();
    await hole.close();
    await expectFailure({ AWS_CONTAINER_CREDENTIALS_FULL_URI: hole.url }, /container credentials provider failed: .*ECONNREFUSED/);
  });

  test("malformed responses: container, instance metadata, STS", async () => {
    const container = await serve((_req, _body, res) =>
      json(res, 200, 'not json: {"AccessKeyId":"ASIAMALFORMED000000","SecretAccessKey":"Secret-Leak-Canary-m"', "text/plain"),
    );
    await expectFailure({ AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url }, /container credentials provider failed: .*(JSON|format)/);
    const incomplete = await serve((_req, _body, res) => json(res, 200, { AccessKeyId: "ASIAINCOMPLETE00000", SecretAccessKey: "Secret-Leak-Canary-i" }));
    await expectFailure({ AWS_CONTAINER_CREDENTIALS_FULL_URI: incomplete.url }, /container credentials provider failed: .*required format/);
    const imds = await serve((req, _body, res) => {
      if (req.method === "PUT") return json(res, 200, "t", "text/plain");
      if (req.url!.endsWith("/security-credentials/")) return json(res, 200, "role", "text/plain");
      json(res, 200, "{ Secret-Leak-Canary-imds", "text/plain");
    });
    await expectFailure(
      { AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
      /instance metadata provider failed: malformed credentials response/,
    );
    const sts = await serve((_req, _body, res) => json(res, 200, "<AssumeRoleWithWebIdentityResponse><garbage Secret-Leak-Canary-s", "text/xml"));
    const dir = awsProject();
    writeFileSync(join(dir, "token"), "jwt-Leak-Canary-t");
    await expectFailure(
      {
        AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_REGION: "us-east-1",
      },
      /web identity provider failed: /,
      dir,
    );
  });

  test("STS refusing the web identity token", async () => {
    const sts = await serve((_req, _body, res) =>
      json(
        res,
        400,
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity provider</Message></Error><RequestId>0</RequestId></ErrorResponse>`,
        "text/xml",
      ),
    );
    const dir = awsProject();
    writeFileSync(join(dir, "token"), "jwt-Leak-Canary-t");
    await expectFailure(
      {
        AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_REGION: "us-east-1",
      },
      /web identity provider failed: InvalidIdentityToken\w*: Couldn't retrieve verification key/,
      dir,
    );
  });

  test("a malformed SSM response is exit 3 naming the parameter", async () => {
    const ssm = await serve((_req, _body, res) => json(res, 200, "{ Secret-Leak-Canary-ssm", "application/x-amz-json-1.1"));
    const dir = awsProject(
      `variables:\n  PASSWORD: { type: string, writeOnly: true, x-source: "ssm:/p" }\noutputs:\n  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }\n`,
      "p: ${PASSWORD}\n",
    );
    const result = await run(["-C", dir, "render"], dir, {
      HOME: join(dir, "home"),
      AWS_ACCESS_KEY_ID: "AKIASSMSSMSSMSSMSSM0",
      AWS_SECRET_ACCESS_KEY: "Secret-Leak-Canary-k",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SSM: ssm.url,
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /PASSWORD: cannot read ssm:\/p/);
    assertNoLeak(result);
  });

  test("PROMPLATE_AWS_TIMEOUT_MS that is not a number is exit 2", async () => {
    const dir = awsProject();
    const result = await run(["-C", dir, "render"], dir, { HOME: join(dir, "home"), PROMPLATE_AWS_TIMEOUT_MS: "soon" });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /PROMPLATE_AWS_TIMEOUT_MS/);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("check and exec fail fast; --examples never calls AWS", () => {
  test("check with real values: exit 3 when the credentials cannot be had", async () => {
    const dir = awsProject();
    const result = await run(["-C", dir, "check", "--no-tools"], dir, { HOME: join(dir, "home") });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /need AWS credentials, and none were found/);
  });

  test("exec: exit 3 before the server starts", async () => {
    const dir = awsProject();
    const marker = join(dir, "started");
    const result = await run(
      [
        "-C",
        dir,
        "exec",
        "--service",
        "app",
        "--out",
        join(dir, "runtime"),
        "--",
        process.execPath,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`,
      ],
      dir,
      { HOME: join(dir, "home") },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /need AWS credentials/);
    assert.ok(!existsSync(marker), "the server was not started");
    assert.ok(!existsSync(join(dir, "runtime")), "nothing was written");
  });

  test("check --examples and vars --examples never call AWS", async () => {
    const container = await serve((_req, _body, res) => json(res, 200, { ...temporary("never"), Expiration: future() }));
    const ssm = await serve((_req, _body, res) => json(res, 200, { Parameter: { Value: "never" } }, "application/x-amz-json-1.1"));
    const dir = awsProject(
      `${PROJECT_YAML.replace("outputs:", '  PASSWORD: { type: string, writeOnly: true, x-source: "ssm:/p", examples: [example-password] }\noutputs:')}`,
      "key: ${AWS_ACCESS_KEY}\nsecret: ${AWS_SECRET_KEY}\npassword: ${PASSWORD}\n",
    );
    const env = { HOME: join(dir, "home"), AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_ENDPOINT_URL_SSM: ssm.url, AWS_REGION: "us-east-1" };
    const check = await run(["-C", dir, "check", "--examples", "--no-tools"], dir, env);
    assert.equal(check.code, 0, check.stderr);
    const vars = await run(["-C", dir, "vars", "--examples"], dir, env);
    assert.equal(vars.code, 0, vars.stderr);
    assert.equal(container.requests.length + ssm.requests.length, 0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("temporary credentials and ec2_sd_configs", () => {
  const PROMETHEUS_YAML = `variables:
  AWS_ACCESS_KEY: { type: string, writeOnly: true, x-aws: accessKeyId }
  AWS_SECRET_KEY: { type: string, writeOnly: true, x-aws: secretAccessKey }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml }
`;
  const WITH_KEYS =
    "scrape_configs:\n  - job_name: ec2\n    ec2_sd_configs:\n      - region: us-east-1\n        access_key: ${AWS_ACCESS_KEY}\n        secret_key: ${AWS_SECRET_KEY}\n";

  test("temporary keys rendered into access_key/secret_key: exit 2 saying what to do", async () => {
    const container = await serve((_req, _body, res) => json(res, 200, { ...temporary("tmp"), Expiration: future() }));
    const dir = awsProject(PROMETHEUS_YAML, WITH_KEYS);
    writeFileSync(join(dir, "prometheus.yml"), WITH_KEYS);
    for (const command of ["render", "check"]) {
      const result = await run(["-C", dir, command, ...(command === "check" ? ["--no-tools"] : [])], dir, {
        HOME: join(dir, "home"),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /prometheus\.yml:5: error aws\/temporary-credentials: ec2_sd_configs access_key gets AWS_ACCESS_KEY, a temporary AWS credential/,
      );
      assert.match(result.stderr, /prometheus\.yml:6: .*secret_key/);
      assert.match(result.stderr, /hint: leave access_key and secret_key out .*exec --aws-env/);
      assertNoLeak(result, command);
    }
    // An ASIA key id set directly is temporary too.
    const direct = await run(["-C", dir, "render"], dir, {
      HOME: join(dir, "home"),
      AWS_ACCESS_KEY: "ASIADIRECTDIRECT0000",
      AWS_SECRET_KEY: "Secret-Leak-Canary-d",
    });
    assert.equal(direct.code, 2, direct.stderr);
    assert.match(direct.stderr, /aws\/temporary-credentials/);
  });

  test("long-term keys in ec2_sd_configs render", async () => {
    const dir = awsProject(PROMETHEUS_YAML, WITH_KEYS);
    writeFileSync(join(dir, "prometheus.yml"), WITH_KEYS);
    writeFileSync(join(dir, "home/.aws/credentials"), "[default]\naws_access_key_id = AKIALONGTERMLONGTERM\naws_secret_access_key = Secret-Leak-Canary-lt\n");
    const result = await run(["-C", dir, "render"], dir, { HOME: join(dir, "home") });
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(join(dir, "out/prometheus.yml"), "utf8"), /access_key: AKIALONGTERMLONGTERM/);
  });

  test("exec --aws-env passes the chain's credentials to the server's environment only", async () => {
    const container = await serve((_req, _body, res) => json(res, 200, { ...temporary("execenv"), Expiration: future() }));
    const dir = awsProject(
      `variables:\n  REGION: { type: string, x-aws: region, default: us-east-1 }\noutputs:\n  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }\n`,
      "",
    );
    writeFileSync(join(dir, "prometheus.yml"), "scrape_configs:\n  - job_name: ec2\n    ec2_sd_configs:\n      - region: ${REGION}\n");
    const envFile = join(dir, "child-env.json");
    const child = [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(envFile)}, JSON.stringify(process.env))`];
    const env = { HOME: join(dir, "home"), AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" };
    // Without --aws-env the server gets no credentials.
    const plain = await run(["-C", dir, "exec", "--service", "prometheus", "--out", join(dir, "runtime"), "--", ...child], dir, env);
    assert.equal(plain.code, 0, plain.stderr);
    const plainEnv = JSON.parse(readFileSync(envFile, "utf8")) as Record<string, string>;
    assert.equal(plainEnv.AWS_SESSION_TOKEN, undefined);
    assert.equal(plainEnv.AWS_ACCESS_KEY_ID, undefined);
    const passed = await run(["-C", dir, "exec", "--service", "prometheus", "--aws-env", "--out", join(dir, "runtime"), "--", ...child], dir, env);
    assert.equal(passed.code, 0, passed.stderr);
    assertNoLeak(passed);
    assert.match(passed.stderr, /--aws-env: passing AWS credentials from container credentials \(FULL_URI\).* expire at/);
    const childEnv = JSON.parse(readFileSync(envFile, "utf8")) as Record<string, string>;
    assert.equal(childEnv.AWS_ACCESS_KEY_ID, "ASIAEXECENVXXXXXXXXX");
    assert.equal(childEnv.AWS_SECRET_ACCESS_KEY, "Secret-Leak-Canary-execenv");
    assert.equal(childEnv.AWS_SESSION_TOKEN, "Token-Leak-Canary-execenv");
    // Nothing credential-like was written into the config.
    assert.doesNotMatch(readFileSync(join(dir, "runtime/etc/prometheus/prometheus.yml"), "utf8"), /ASIA|Leak-Canary/);
  });

  test("exec --aws-env with no credentials: exit 3, the server does not start", async () => {
    const dir = awsProject(
      `variables:\n  REGION: { type: string, default: us-east-1 }\noutputs:\n  - { service: prometheus, kind: yaml, template: t.yml, path: out/t.yml }\n`,
      "",
    );
    writeFileSync(join(dir, "t.yml"), "region: ${REGION}\n");
    const marker = join(dir, "started");
    const result = await run(
      [
        "-C",
        dir,
        "exec",
        "--service",
        "prometheus",
        "--aws-env",
        "--out",
        join(dir, "runtime"),
        "--",
        process.execPath,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`,
      ],
      dir,
      { HOME: join(dir, "home") },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /--aws-env needs AWS credentials, and none were found/);
    assert.ok(!existsSync(marker));
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("a malformed answer from a credential provider is exit 3 naming it, never an internal error", () => {
  /** render, check and exec --aws-env: each exit 3 with `message`, no stack, no secret, nothing written or started. */
  const expectMalformed = async (dir: string, env: Record<string, string>, message: RegExp) => {
    const fullEnv = { HOME: join(dir, "home"), ...env };
    for (const argv of [["render"], ["check", "--no-tools"]]) {
      const result = await run(["-C", dir, ...argv], dir, fullEnv);
      assert.equal(result.code, 3, `${argv[0]}: ${result.stderr}`);
      assert.match(result.stderr, message, argv[0]);
      assert.doesNotMatch(result.stderr, /internal error|\n\s+at .*:\d+:\d+\)?\n/, argv[0]);
      assertNoLeak(result, argv[0]);
    }
    assert.ok(!existsSync(join(dir, "out")), "nothing written");
    // exec --aws-env with a project that has no AWS variable: the chain runs only for the server's environment.
    const plain = awsProject(
      `variables:\n  REGION: { type: string, default: us-east-1 }\noutputs:\n  - { service: app, kind: yaml, template: t.yml, path: out/t.yml }\n`,
      "",
    );
    writeFileSync(join(plain, "t.yml"), "region: ${REGION}\n");
    for (const file of ["config", "credentials"])
      if (existsSync(join(dir, "home/.aws", file))) writeFileSync(join(plain, "home/.aws", file), readFileSync(join(dir, "home/.aws", file)));
    const marker = join(plain, "started");
    const exec = await run(
      [
        "-C",
        plain,
        "exec",
        "--service",
        "app",
        "--aws-env",
        "--out",
        join(plain, "runtime"),
        "--",
        process.execPath,
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`,
      ],
      plain,
      { ...fullEnv, HOME: join(plain, "home") },
    );
    assert.equal(exec.code, 3, `exec: ${exec.stderr}`);
    assert.match(exec.stderr, /--aws-env needs AWS credentials/);
    assert.match(exec.stderr, message, "exec");
    assert.doesNotMatch(exec.stderr, /internal error/);
    assertNoLeak(exec, "exec");
    assert.ok(!existsSync(marker), "the server did not start");
  };

  const valid = { Version: 1, AccessKeyId: "ASIAPROCESSPROCESS00", SecretAccessKey: "Secret-Leak-Canary-p", SessionToken: "Token-Leak-Canary-p" };
  const answers: { name: string; stdout: (expires: string) => string; says: RegExp }[] = [
    { name: "an Expiration that is not a date", stdout: () => JSON.stringify({ ...valid, Expiration: "not-a-date" }), says: /an invalid Expiration/ },
    { name: "an Expiration that is a number", stdout: () => JSON.stringify({ ...valid, Expiration: 1893456000 }), says: /an invalid Expiration/ },
    { name: "an Expiration that is a bare year", stdout: () => JSON.stringify({ ...valid, Expiration: "2099" }), says: /an invalid Expiration/ },
    { name: "no AccessKeyId", stdout: (e) => JSON.stringify({ ...valid, AccessKeyId: undefined, Expiration: e }), says: /no AccessKeyId/ },
    { name: "an AccessKeyId that is a number", stdout: (e) => JSON.stringify({ ...valid, AccessKeyId: 12345, Expiration: e }), says: /no AccessKeyId/ },
    { name: "an empty SecretAccessKey", stdout: (e) => JSON.stringify({ ...valid, SecretAccessKey: "", Expiration: e }), says: /no SecretAccessKey/ },
    { name: "a SessionToken that is a number", stdout: (e) => JSON.stringify({ ...valid, SessionToken: 7, Expiration: e }), says: /an invalid SessionToken/ },
    { name: "Version 2", stdout: (e) => JSON.stringify({ ...valid, Version: 2, Expiration: e }), says: /no Version 1/ },
    { name: "null", stdout: () => "null", says: /output that is not a JSON object/ },
    { name: "an array", stdout: () => "[]", says: /output that is not a JSON object/ },
    { name: "text", stdout: () => "Secret-Leak-Canary-text is not JSON", says: /output that is not JSON/ },
    { name: "nothing", stdout: () => "", says: /output that is not JSON/ },
  ];
  for (const answer of answers) {
    test(`credential_process answering ${answer.name}`, async () => {
      const dir = awsProject();
      const script = join(dir, "creds.mjs");
      writeFileSync(script, `process.stdout.write(${JSON.stringify(answer.stdout(future()))});\n`);
      writeFileSync(join(dir, "home/.aws/config"), `[profile proc]\ncredential_process = ${process.execPath} ${script}\n`);
      await expectMalformed(
        dir,
        { AWS_PROFILE: "proc" },
        new RegExp(`shared config files provider failed: profile "proc": credential_process returned ${answer.says.source}`),
      );
    });
  }

  test("a source_profile's credential_process is named by that profile", async () => {
    const dir = awsProject();
    const script = join(dir, "creds.mjs");
    writeFileSync(script, `process.stdout.write(${JSON.stringify(JSON.stringify({ ...valid, Expiration: "tomorrow" }))});\n`);
    writeFileSync(
      join(dir, "home/.aws/config"),
      `[profile base]\ncredential_process = ${process.execPath} ${script}\n\n[profile monitoring]\nrole_arn = arn:aws:iam::123456789012:role/monitoring\nsource_profile = base\nregion = us-west-2\n`,
    );
    await expectMalformed(dir, { AWS_PROFILE: "monitoring" }, /profile "base": credential_process returned an invalid Expiration/);
  });

  test("container credentials with an invalid Expiration or an empty key", async () => {
    const badDate = await serve((_req, _body, res) => json(res, 200, { ...temporary("baddate"), Expiration: "not-a-date" }));
    await expectMalformed(
      awsProject(),
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: badDate.url },
      /container credentials provider failed: its answer has an invalid Expiration/,
    );
    const emptyKey = await serve((_req, _body, res) => json(res, 200, { ...temporary("empty"), AccessKeyId: "", Expiration: future() }));
    await expectMalformed(
      awsProject(),
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: emptyKey.url },
      /container credentials provider failed: container credentials \(FULL_URI\) returned malformed credentials: no access key id/,
    );
  });

  test("instance metadata with an invalid Expiration", async () => {
    const imds = await serve((req, _body, res) => {
      if (req.method === "PUT") return json(res, 200, "t", "text/plain");
      if (req.url!.endsWith("/security-credentials/")) return json(res, 200, "role", "text/plain");
      json(res, 200, { ...temporary("imds"), Expiration: "soon" });
    });
    await expectMalformed(
      awsProject(),
      { AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
      /instance metadata provider failed: malformed credentials response/,
    );
  });

  test("STS (web identity) with an invalid Expiration", async () => {
    const sts = await serve((_req, _body, res) => json(res, 200, stsXml("AssumeRoleWithWebIdentity", "sts", "not-a-date"), "text/xml"));
    const dir = awsProject();
    writeFileSync(join(dir, "token"), "jwt-Leak-Canary-t");
    await expectMalformed(
      dir,
      {
        AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_REGION: "us-east-1",
      },
      /web identity provider failed: its answer has an invalid Expiration/,
    );
  });
});
