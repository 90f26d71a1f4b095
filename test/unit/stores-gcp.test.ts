/**
 * The `gcp:` store (src/stores/gcp.ts) against a fake token endpoint, a fake metadata server and a fake Secret
 * Manager on 127.0.0.1 that check what a real one checks: the service account's JWT signature, claims and audience
 * (the key's token_uri), the refresh-token grant, the Metadata-Flavor header, the bearer token. Failures: not found,
 * 403 with Google's message, a server that never answers, bad credential files; and no secret, token or key in any
 * error text.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { StoreError, type StoreContext } from "../../src/stores/store.js";
import { store } from "../../src/stores/gcp.js";
import { blackhole, json, serve } from "../aws-endpoints.js";
import { findLeak } from "../leaks.js";

const SECRET = 'Leak-Canary-gcp-p4ss"w0rd';
const OLD_SECRET = "Leak-Canary-gcp-old";
const ACCESS_TOKEN = "ya29.Leak-Canary-tok-a";
const METADATA_TOKEN = "ya29.Leak-Canary-tok-m";
const USER_TOKEN = "ya29.Leak-Canary-tok-u";
const REFRESH_TOKEN = "1//Leak-Canary-refresh";
const CLIENT_SECRET = "Leak-Canary-cl1ent-s3cr3t";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_KEY = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const EMAIL = "monitoring@project-1.iam.gserviceaccount.com";
/** Everything that must never be shown: the values, the tokens, the key, the refresh token and client secret. */
const SECRETS = [SECRET, OLD_SECRET, ACCESS_TOKEN, METADATA_TOKEN, USER_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, PRIVATE_KEY.split("\n")[5]!];

const form = (body: string) => Object.fromEntries(new URLSearchParams(body));
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

/** A token endpoint that takes only this service account's well-signed JWT for its own URL, and the refresh token. */
async function tokenEndpoint() {
  const endpoint = await serve((_req, body, res) => {
    const params = form(body);
    if (params.grant_type === "refresh_token") {
      if (params.refresh_token === REFRESH_TOKEN && params.client_secret === CLIENT_SECRET)
        return json(res, 200, { access_token: USER_TOKEN, expires_in: 3599 });
      return json(res, 400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
    }
    const [header, claims, signature] = (params.assertion ?? "").split(".");
    const signed = verify("sha256", Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature ?? "", "base64url"));
    const c = decode(claims ?? "e30");
    const now = Date.now() / 1000;
    if (
      params.grant_type !== "urn:ietf:params:oauth:grant-type:jwt-bearer" ||
      !signed ||
      decode(header!).alg !== "RS256" ||
      c.iss !== EMAIL ||
      c.aud !== `${endpoint.url}/token` ||
      c.scope !== "https://www.googleapis.com/auth/cloud-platform" ||
      !(typeof c.exp === "number" && c.exp > now && typeof c.iat === "number" && c.iat <= now + 1)
    )
      return json(res, 400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
    json(res, 200, { access_token: ACCESS_TOKEN, expires_in: 3599, token_type: "Bearer" });
  });
  return endpoint;
}

/** Secret Manager: projects/project-1/secrets/webhook has versions 1 and 2 (latest); `locked` is forbidden. */
async function secretManager(tokens = [ACCESS_TOKEN, METADATA_TOKEN, USER_TOKEN]) {
  const versions: Record<string, string> = { "1": OLD_SECRET, "2": SECRET, latest: SECRET };
  return serve((req, _body, res: ServerResponse) => {
    if (!tokens.some((t) => req.headers.authorization === `Bearer ${t}`))
      return json(res, 401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    const match = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/:]+):access$/.exec(req.url ?? "");
    if (req.method !== "GET" || !match) return json(res, 404, { error: { code: 404, message: "Not found", status: "NOT_FOUND" } });
    const [, project, secret, version] = match;
    if (secret === "locked")
      return json(res, 403, {
        error: {
          code: 403,
          message: `Permission 'secretmanager.versions.access' denied for resource 'projects/${project}/secrets/locked/versions/${version}' (or it may not exist).`,
          status: "PERMISSION_DENIED",
        },
      });
    if (secret === "leaky") return json(res, 500, `<html>${SECRET} ${ACCESS_TOKEN}</html>`, "text/html");
    const value = project === "project-1" && secret === "webhook" ? versions[version!] : undefined;
    if (value === undefined)
      return json(res, 404, {
        error: { code: 404, message: `Secret [projects/${project}/secrets/${secret}] not found or has no versions.`, status: "NOT_FOUND" },
      });
    json(res, 200, {
      name: `projects/123/secrets/${secret}/versions/${version === "latest" ? "2" : version}`,
      payload: { data: Buffer.from(value).toString("base64"), dataCrc32c: "1" },
    });
  });
}

interface Setup {
  context: StoreContext;
  dir: string;
}

/** A service-account key whose token_uri is the fake, in a temporary folder (also the HOME). */
async function withServiceAccount(manager?: { url: string }): Promise<Setup> {
  const tokens = await tokenEndpoint();
  const sm = manager ?? (await secretManager());
  // Underscores, not dashes: the folder's name is in messages, and a random suffix after "promplate-gcp-" could
  // begin a run of a secret ("-gcp-old"), which the leak search would rightly report.
  const dir = mkdtempSync(join(tmpdir(), "promplate_gcp_"));
  const key = {
    type: "service_account",
    project_id: "project-1",
    private_key_id: "0123456789abcdef",
    private_key: PRIVATE_KEY,
    client_email: EMAIL,
    client_id: "1234567890",
    token_uri: `${tokens.url}/token`,
  };
  writeFileSync(join(dir, "key.json"), JSON.stringify(key));
  return {
    dir,
    context: {
      env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, "key.json"), PROMPLATE_GCP_SECRETMANAGER_ENDPOINT: sm.url, GCE_METADATA_HOST: "127.0.0.1:9" },
      home: dir,
      timeoutMs: 2000,
    },
  };
}

const fetchText = (text: string, context: StoreContext) => {
  const reference = store.parse(text);
  if ("error" in reference) throw new Error(reference.error);
  return store.fetch(reference, context);
};

/** The StoreError a fetch fails with; its text must not leak anything. */
async function failure(text: string, context: StoreContext): Promise<StoreError> {
  const error = await fetchText(text, context).then(
    () => assert.fail("expected a StoreError"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StoreError, `not a StoreError: ${String(error)}`);
  const leak = findLeak(`${error.message}\n${error.detail}\n${error.address}`, SECRETS);
  assert.equal(leak, undefined, `${error.message}: ${leak}`);
  return error;
}

describe("gcp: references", () => {
  test("parse and describe: the version defaults to latest; malformed references are refused", () => {
    const cases: [string, string | undefined][] = [
      ["projects/project-1/secrets/webhook", "gcp: projects/project-1/secrets/webhook/versions/latest"],
      ["projects/project-1/secrets/webhook/versions/2", "gcp: projects/project-1/secrets/webhook/versions/2"],
      ["projects/example.com:legacy/secrets/a_b-c/versions/prod", "gcp: projects/example.com:legacy/secrets/a_b-c/versions/prod"],
      ["project-1/webhook", undefined],
      ["projects/p/secrets/../versions/1", undefined],
      ["projects/p/secrets/s/versions/", undefined],
      ["projects/p/secrets/s?x=1", undefined],
    ];
    for (const [text, described] of cases) {
      const parsed = store.parse(text);
      if (described === undefined) assert.ok("error" in parsed, text);
      else {
        assert.ok(!("error" in parsed), text);
        assert.equal(store.describe(parsed), described);
      }
    }
    assert.equal(store.prefix, "gcp");
  });
});

describe("gcp: Secret Manager with a service-account key", () => {
  test("the latest version and an explicit one; the JWT goes to the key's token_uri", async () => {
    const { context } = await withServiceAccount();
    assert.equal(await fetchText("projects/project-1/secrets/webhook", context), SECRET);
    assert.equal(await fetchText("projects/project-1/secrets/webhook/versions/1", context), OLD_SECRET);
  });

  test("a missing secret or version is undefined", async () => {
    const { context } = await withServiceAccount();
    assert.equal(await fetchText("projects/project-1/secrets/nothing", context), undefined);
    assert.equal(await fetchText("projects/project-1/secrets/webhook/versions/9", context), undefined);
  });

  test("403: the status and Google's message, naming the credentials", async () => {
    const { context } = await withServiceAccount();
    const error = await failure("projects/project-1/secrets/locked", context);
    assert.equal(error.status, 403);
    assert.match(
      error.message,
      /^GCP Secret Manager at http:\/\/127\.0\.0\.1:\d+\/v1\/projects\/project-1\/secrets\/locked\/versions\/latest:access: HTTP 403: /,
    );
    assert.match(error.detail, /PERMISSION_DENIED: Permission 'secretmanager\.versions\.access' denied/);
    assert.match(error.detail, /credentials from GOOGLE_APPLICATION_CREDENTIALS/);
  });

  test("an error answer that is not Google's JSON: the status only, never the body", async () => {
    const { context } = await withServiceAccount();
    const error = await failure("projects/project-1/secrets/leaky", context);
    assert.equal(error.status, 500);
    assert.match(error.detail, /no error message in the answer/);
  });

  test("a Secret Manager that never answers: a StoreError within the timeout", async () => {
    const silent = await blackhole();
    const { context } = await withServiceAccount(silent);
    const error = await failure("projects/project-1/secrets/webhook", { ...context, timeoutMs: 300 });
    assert.match(error.detail, /no answer within 300 ms/);
  });

  test("a token endpoint that never answers, or refuses the key", async () => {
    const { context, dir } = await withServiceAccount();
    const silent = await blackhole();
    const key = { type: "service_account", private_key: PRIVATE_KEY, client_email: EMAIL, token_uri: `${silent.url}/token` };
    writeFileSync(join(dir, "silent.json"), JSON.stringify(key));
    const timedOut = await failure("projects/project-1/secrets/webhook", {
      ...context,
      env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, "silent.json") },
      timeoutMs: 300,
    });
    assert.match(timedOut.detail, /no answer within 300 ms/);
    const tokens = await tokenEndpoint();
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    writeFileSync(join(dir, "wrong.json"), JSON.stringify({ ...key, private_key: other, token_uri: `${tokens.url}/token` }));
    const refused = await failure("projects/project-1/secrets/webhook", {
      ...context,
      env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, "wrong.json") },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.detail, /refused: invalid_grant: Invalid JWT Signature\./);
    assert.equal(findLeak(refused.message, [other.split("\n")[5]!]), undefined);
  });
});

describe("gcp: bad credential files", () => {
  test("missing, not JSON, no key, a key that is not PEM, an unsupported type: named, never quoted", async () => {
    const { context, dir } = await withServiceAccount();
    const files: [string, string | undefined, RegExp][] = [
      ["missing.json", undefined, /GOOGLE_APPLICATION_CREDENTIALS names .*missing\.json, which cannot be read \(there is no such file\)/],
      ["text.json", `{"private_key": "${PRIVATE_KEY.split("\n")[5]}`, /: not a JSON object$/],
      ["nokey.json", JSON.stringify({ type: "service_account", client_email: EMAIL }), /: no private_key$/],
      [
        "badkey.json",
        JSON.stringify({ type: "service_account", client_email: EMAIL, private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n` }),
        /private_key is not a PEM RSA private key/,
      ],
      ["external.json", JSON.stringify({ type: "external_account", audience: "x" }), /"external_account": promplate reads service_account keys/],
    ];
    for (const [name, content, expected] of files) {
      if (content !== undefined) writeFileSync(join(dir, name), content);
      const error = await failure("projects/project-1/secrets/webhook", {
        ...context,
        env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, name) },
      });
      assert.match(error.detail, expected, name);
    }
  });
});

describe("gcp: other credentials", () => {
  test("gcloud's application_default_credentials.json (authorized_user) under HOME, or CLOUDSDK_CONFIG", async () => {
    const tokens = await tokenEndpoint();
    const sm = await secretManager();
    const home = mkdtempSync(join(tmpdir(), "promplate_gcp_home_"));
    mkdirSync(join(home, ".config", "gcloud"), { recursive: true });
    const user = {
      type: "authorized_user",
      client_id: "764086051850.apps",
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
      token_uri: `${tokens.url}/token`,
    };
    writeFileSync(join(home, ".config", "gcloud", "application_default_credentials.json"), JSON.stringify(user));
    const env = { PROMPLATE_GCP_SECRETMANAGER_ENDPOINT: sm.url, GCE_METADATA_HOST: "127.0.0.1:9" };
    assert.equal(await fetchText("projects/project-1/secrets/webhook", { env, home, timeoutMs: 2000 }), SECRET);
    const refresh = tokens.requests.find((r) => form(r.body).grant_type === "refresh_token");
    assert.equal(form(refresh!.body).client_id, "764086051850.apps");

    const config = mkdtempSync(join(tmpdir(), "promplate_gcloud_"));
    writeFileSync(join(config, "application_default_credentials.json"), JSON.stringify({ ...user, refresh_token: "1//0gRevokedToken" }));
    const error = await failure("projects/project-1/secrets/webhook", { env: { ...env, CLOUDSDK_CONFIG: config }, home, timeoutMs: 2000 });
    assert.match(error.detail, /gcloud's .*application_default_credentials\.json.* refused: invalid_grant: Token has been expired or revoked\./);
  });

  test("the metadata server at GCE_METADATA_HOST, asked with Metadata-Flavor: Google", async () => {
    const metadata = await serve((req, _body, res) => {
      if (req.headers["metadata-flavor"] !== "Google" || !req.url?.startsWith("/computeMetadata/v1/instance/service-accounts/default/token"))
        return json(res, 403, "Missing Metadata-Flavor:Google header.", "text/plain");
      json(res, 200, { access_token: METADATA_TOKEN, expires_in: 3599, token_type: "Bearer" });
    });
    const sm = await secretManager([METADATA_TOKEN]);
    const home = mkdtempSync(join(tmpdir(), "promplate_gcp_home_"));
    const env = { PROMPLATE_GCP_SECRETMANAGER_ENDPOINT: sm.url, GCE_METADATA_HOST: metadata.url.replace("http://", "") };
    assert.equal(await fetchText("projects/project-1/secrets/webhook/versions/2", { env, home, timeoutMs: 2000 }), SECRET);
    assert.match(metadata.requests[0]!.url, /scopes=https%3A%2F%2Fwww\.googleapis\.com%2Fauth%2Fcloud-platform/);

    const silent = await blackhole();
    const error = await failure("projects/project-1/secrets/webhook", {
      env: { ...env, GCE_METADATA_HOST: silent.url.replace("http://", "") },
      home,
      timeoutMs: 300,
    });
    assert.match(error.detail, /^no credentials: GOOGLE_APPLICATION_CREDENTIALS is not set.*did not answer \(no answer within 300 ms\)/);
  });
});

describe("gcp: servers that echo what they were sent", () => {
  test("the signed JWT, client secret, refresh token and access token are taken out of an echoing error message", async () => {
    const echo = await serve((req, body, res) => {
      if (req.url === "/token") {
        const { assertion, client_secret, refresh_token } = form(body);
        return json(res, 400, {
          error: "invalid_grant",
          error_description: `bad ${[assertion, encodeURIComponent(client_secret ?? ""), refresh_token].join(" ")}`,
        });
      }
      json(res, 403, { error: { message: `denied for ${String(req.headers.authorization)}`, status: "PERMISSION_DENIED" } });
    });
    const { context, dir } = await withServiceAccount(echo);
    writeFileSync(
      join(dir, "echo.json"),
      JSON.stringify({ type: "service_account", private_key: PRIVATE_KEY, client_email: EMAIL, token_uri: `${echo.url}/token` }),
    );
    const jwt = await failure("projects/project-1/secrets/webhook", {
      ...context,
      env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, "echo.json") },
    });
    assert.match(jwt.detail, /refused: invalid_grant: bad \*\*\* {2}$/);

    const user = { type: "authorized_user", client_id: "cid", client_secret: CLIENT_SECRET, refresh_token: REFRESH_TOKEN, token_uri: `${echo.url}/token` };
    writeFileSync(join(dir, "user.json"), JSON.stringify(user));
    const refresh = await failure("projects/project-1/secrets/webhook", {
      ...context,
      env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, "user.json") },
    });
    assert.match(refresh.detail, /refused: invalid_grant: bad {2}\*\*\* \*\*\*$/);

    // A lower-case token no pattern would take for one: only knowing what was sent takes it out.
    const plainToken = "ya29.lowercase_token-with-dots.and-dashes";
    const tokens = await serve((_req, _body, res) => json(res, 200, { access_token: plainToken }));
    writeFileSync(
      join(dir, "plain.json"),
      JSON.stringify({ type: "service_account", private_key: PRIVATE_KEY, client_email: EMAIL, token_uri: `${tokens.url}/token` }),
    );
    const denied = await failure("projects/project-1/secrets/webhook", {
      ...context,
      env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, "plain.json") },
    });
    assert.equal(denied.status, 403);
    assert.match(denied.detail, /^PERMISSION_DENIED: denied for Bearer \*\*\* \(credentials from/);
    assert.equal(findLeak(denied.message, [plainToken]), undefined);
  });

  test("a token with a line break: a StoreError naming the header, nothing sent", async () => {
    const manager = await secretManager();
    const tokens = await serve((_req, _body, res) => json(res, 200, { access_token: `${ACCESS_TOKEN}\nInjected: header` }));
    const { context, dir } = await withServiceAccount(manager);
    writeFileSync(
      join(dir, "nl.json"),
      JSON.stringify({ type: "service_account", private_key: PRIVATE_KEY, client_email: EMAIL, token_uri: `${tokens.url}/token` }),
    );
    const error = await failure("projects/project-1/secrets/webhook", {
      ...context,
      env: { ...context.env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, "nl.json") },
    });
    assert.match(error.detail, /the authorization header would hold a character no HTTP header may/);
    assert.equal(manager.requests.length, 0);
  });
});
