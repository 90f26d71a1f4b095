/**
 * x-aws through the built program: what only a separate process shows. The SDK reads an SSO token cache under the
 * HOME of the process (os.homedir, not the environment promplate is given), and a module-load hook sees which
 * chunks of the bundle a run loads. The endpoints are served here on 127.0.0.1, as in test/unit/aws.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { awsProject, future, HOUR, json, serve, type VarsRow } from "../aws-endpoints.js";
import { assertNoLeak, type Run, runBuilt } from "../helpers.js";

describe("ini profiles the SDK reads from HOME", () => {
  test("ini: SSO with a cached token (built binary: the SDK reads the cache under HOME)", async () => {
    const sso = await serve((req, _body, res) => {
      const url = new URL(req.url!, "http://x");
      if (url.pathname !== "/federation/credentials" || req.headers["x-amz-sso_bearer_token"] !== "sso-access-token-Leak-Canary")
        return json(res, 401, { message: "no" });
      json(res, 200, {
        roleCredentials: {
          accessKeyId: "ASIASSOSSOSSOSSOSSO0",
          secretAccessKey: "Secret-Leak-Canary-sso",
          sessionToken: "Token-Leak-Canary-sso",
          expiration: Date.now() + HOUR,
        },
      });
    });
    const dir = awsProject();
    const startUrl = "https://example.awsapps.com/start";
    writeFileSync(
      join(dir, "home/.aws/config"),
      `[profile sso]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Monitoring\n`,
    );
    mkdirSync(join(dir, "home/.aws/sso/cache"), { recursive: true });
    const cacheName = createHash("sha1").update(startUrl).digest("hex");
    writeFileSync(
      join(dir, "home/.aws/sso/cache", `${cacheName}.json`),
      JSON.stringify({ startUrl, region: "us-east-1", accessToken: "sso-access-token-Leak-Canary", expiresAt: future() }),
    );
    const env = { HOME: join(dir, "home"), AWS_PROFILE: "sso", AWS_ENDPOINT_URL_SSO: sso.url };
    const vars = await runBuilt(["-C", dir, "vars", "--format", "json"], env, dir);
    assert.equal(vars.code, 0, vars.stderr);
    assertNoLeak(vars);
    const row = (JSON.parse(vars.stdout) as VarsRow[]).find((r) => r.name === "AWS_SECRET_KEY")!;
    assert.equal(row.origin, 'ini profile "sso" (sso), temporary');
    assert.ok(row.expires);
    const call = sso.requests.at(-1)!;
    assert.match(call.url, /account_id=123456789012/);
    assert.match(call.url, /role_name=Monitoring/);
  });
});

describe("the AWS SDK is loaded only when a variable needs it (built binary, module-load hook)", () => {
  /** The files of the bundle that a run of the binary loaded. */
  async function loadedChunks(argv: string[], cwd: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<{ result: Run; files: string[] }> {
    const hooks = mkdtempSync(join(tmpdir(), "promplate-hooks-"));
    const log = join(hooks, "loaded.txt");
    writeFileSync(log, "");
    writeFileSync(
      join(hooks, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }\n`,
    );
    writeFileSync(
      join(hooks, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(new URL(`file://${join(hooks, "hooks.mjs")}`).href)});\n`,
    );
    const result = await runBuilt(argv, env, cwd, { nodeArgs: ["--import", join(hooks, "register.mjs"), ...nodeArgs] });
    const files = readFileSync(log, "utf8")
      .split("\n")
      .filter((url) => url.startsWith("file:") && url.includes("/dist/"))
      .map((url) => fileURLToPath(url));
    return { result, files };
  }
  const holdsSdk = (file: string) => /node_modules\/@(aws-sdk|smithy)\//.test(readFileSync(file, "utf8"));

  test("render without x-aws/x-source: no AWS module; with an ini profile: the SDK is loaded (control)", async () => {
    const plain = awsProject(
      `variables:\n  TARGET: { type: string, default: "node:9100" }\noutputs:\n  - { service: app, kind: yaml, template: t.yml, path: out/t.yml }\n`,
      "",
    );
    writeFileSync(join(plain, "t.yml"), "target: ${TARGET}\n");
    const without = await loadedChunks(["-C", plain, "render"], plain, { HOME: join(plain, "home") });
    assert.equal(without.result.code, 0, without.result.stderr);
    assert.ok(without.files.length > 1, "the hook saw the bundle load");
    assert.deepEqual(without.files.filter(holdsSdk), []);
    assert.deepEqual(
      without.files.filter((f) => /\/aws-[A-Z0-9]+\.js$/.test(f)),
      [],
    );

    const withAws = awsProject();
    writeFileSync(
      join(withAws, "home/.aws/credentials"),
      "[default]\naws_access_key_id = AKIACONTROLCONTROL00\naws_secret_access_key = Secret-Leak-Canary-c\n",
    );
    const control = await loadedChunks(["-C", withAws, "render"], withAws, { HOME: join(withAws, "home") });
    assert.equal(control.result.code, 0, control.result.stderr);
    assert.ok(control.files.some(holdsSdk), "the control run loads the SDK, so the hook would have seen it");
  });

  test("render with key values from the environment runs the temporary-key check without the AWS module or node:http (on Node 24: undici)", async () => {
    const dir = awsProject(
      `variables:
  AWS_ACCESS_KEY: { type: string, writeOnly: true, x-aws: accessKeyId }
  AWS_SECRET_KEY: { type: string, writeOnly: true, x-aws: secretAccessKey }
outputs:
  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }
`,
      "key: ${AWS_ACCESS_KEY}\nsecret: ${AWS_SECRET_KEY}\n",
    );
    const builtins = join(dir, "builtins.txt");
    const atExit = join(dir, "at-exit.mjs");
    writeFileSync(
      atExit,
      `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(builtins)}, process.moduleLoadList.join("\\n")));\n`,
    );
    const env = { HOME: join(dir, "home"), AWS_ACCESS_KEY: "AKIALONGTERMLONGTERM", AWS_SECRET_KEY: "Secret-Leak-Canary-http" };
    const { result, files } = await loadedChunks(["-C", dir, "render"], dir, env, ["--import", atExit]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(
      files.some((f) => /\/temporary-credentials-[A-Z0-9]+\.js$/.test(f)),
      "the temporary-key check runs",
    );
    assert.deepEqual(
      files.filter((f) => /\/aws-[A-Z0-9]+\.js$/.test(f)),
      [],
      "the credential-chain module is not loaded",
    );
    const loaded = readFileSync(builtins, "utf8").split("\n");
    assert.ok(loaded.includes("NativeModule fs"), "the list names built-in modules as this test expects");
    assert.deepEqual(
      loaded.filter((name) => /^NativeModule (http|https|internal\/deps\/undici\/undici)$/.test(name)),
      [],
    );
  });
});
