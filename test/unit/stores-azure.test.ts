/**
 * The `azure:` store (src/stores/azure.ts) with the real Azure SDK against a fake Microsoft Entra token endpoint
 * (OpenID discovery + client-credentials grant) and a fake Key Vault (the 401 challenge, then the bearer token), both
 * over HTTPS on 127.0.0.1 with a CA made here (the SDK sends bearer tokens over https only), trusted through
 * PROMPLATE_AZURE_CA_FILE. Success, an explicit version, not found, 403 with Key Vault's message, a vault that never
 * answers, refused and missing credentials, and no secret or token in any error text or on stderr even with
 * AZURE_LOG_LEVEL=verbose and DEBUG=*.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCa, serveEntra } from "../store-servers.js";
import { after, before, describe, test } from "node:test";
import { type StoreContext, StoreError } from "../../src/stores/store.js";
import { findLeak } from "../leaks.js";

// The SDK reads these when it loads (on the store's first fetch): its logging must stay off regardless.
process.env.AZURE_LOG_LEVEL = "verbose";
process.env.DEBUG = "*";
const { store } = await import("../../src/stores/azure.js");

const SECRET = 'Leak-Canary-az-p4ss"w0rd';
const OLD_SECRET = "Leak-Canary-az-old";
const ACCESS_TOKEN = "eyJ0eXAi.Leak-Canary-tok-a";
const CLIENT_SECRET = "Leak-Canary-cl1ent-s3cr3t";
const SECRETS = [SECRET, OLD_SECRET, ACCESS_TOKEN, CLIENT_SECRET];
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const VERSION = "0123456789abcdef0123456789abcdef";

const dir = mkdtempSync(join(tmpdir(), "promplate_azure_"));
const caFile = join(dir, "ca.pem");
let tls: { key: string; cert: string };

/** A CA and a certificate for 127.0.0.1 signed by it, made in the test (no system tool). */
function makeCertificates() {
  const ca = createTestCa();
  writeFileSync(caFile, ca.cert);
  tls = ca.issue("127.0.0.1", true);
}

interface Endpoint {
  url: string;
  requests: { method: string; url: string; authorization?: string; body: string }[];
}
const closers: (() => void)[] = [];
after(() => closers.forEach((close) => close()));

async function serveHttps(
  handler: (method: string, path: string, headers: Record<string, unknown>, body: string, res: ServerResponse) => void,
): Promise<Endpoint> {
  const requests: Endpoint["requests"] = [];
  const server = createServer(tls, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      handler(req.method ?? "", (req.url ?? "").split("?")[0]!, req.headers, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const json = (res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": typeof data === "string" ? "text/html" : "application/json", ...headers });
  res.end(typeof data === "string" ? data : JSON.stringify(data));
};

/** Key Vault: the challenge without a token; webhook (current and VERSION), locked (403) and leaky (a body). */
async function keyVault(authority: string): Promise<Endpoint> {
  return serveHttps((method, path, headers, _body, res) => {
    if (headers.authorization !== `Bearer ${ACCESS_TOKEN}`)
      return json(
        res,
        401,
        { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } },
        { "www-authenticate": `Bearer authorization="${authority}/${TENANT}", resource="https://vault.azure.net"` },
      );
    const match = /^\/secrets\/([^/]+)(?:\/([^/]*))?$/.exec(path);
    if (method !== "GET" || !match) return json(res, 400, { error: { code: "BadParameter", message: "Bad request" } });
    const [, name, version] = match;
    if (name === "locked")
      return json(res, 403, {
        error: {
          code: "Forbidden",
          message: `The user, group or application 'appid=${CLIENT_ID}' does not have secrets get permission on key vault 'monitoring'.`,
          innererror: { code: "AccessDenied" },
        },
      });
    if (name === "leaky") return json(res, 500, `<html>${SECRET} ${ACCESS_TOKEN}</html>`);
    const value = name === "webhook" ? (version === VERSION ? OLD_SECRET : version ? undefined : SECRET) : undefined;
    if (value === undefined)
      return json(res, 404, { error: { code: "SecretNotFound", message: `A secret with (name/id) ${name} was not found in this key vault.` } });
    json(res, 200, { value, id: `https://monitoring.vault.azure.net/secrets/${name}/${version || VERSION}`, attributes: { enabled: true } });
  });
}

let authority: { url: string; requests: { method: string; url: string }[] };
let vault: Endpoint;
let context: StoreContext;
before(async () => {
  makeCertificates();
  authority = await serveEntra({ tenant: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessToken: ACCESS_TOKEN }, tls);
  vault = await keyVault(authority.url);
  context = {
    env: {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
      AZURE_AUTHORITY_HOST: authority.url,
      PROMPLATE_AZURE_KEYVAULT_URL: vault.url,
      PROMPLATE_AZURE_CA_FILE: caFile,
    },
    timeoutMs: 2000,
  };
});

/** Stderr while `work` runs: the SDK logs there when its logging is on. */
async function stderrDuring<T>(work: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await work(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

const fetchText = (text: string, ctx: StoreContext) => {
  const reference = store.parse(text);
  if ("error" in reference) throw new Error(reference.error);
  return store.fetch(reference, ctx);
};

async function failure(text: string, ctx: StoreContext): Promise<StoreError> {
  const { result: error, stderr } = await stderrDuring(() =>
    fetchText(text, ctx).then(
      () => assert.fail("expected a StoreError"),
      (e: unknown) => e,
    ),
  );
  assert.ok(error instanceof StoreError, `not a StoreError: ${String(error)}`);
  const leak = findLeak(`${error.message}\n${stderr}`, SECRETS);
  assert.equal(leak, undefined, `${error.message}: ${leak}`);
  return error;
}

describe("azure: references", () => {
  test("parse and describe; malformed references are refused", () => {
    const cases: [string, string | undefined][] = [
      ["monitoring/webhook", "azure: monitoring/webhook"],
      [`monitoring/webhook/${VERSION}`, `azure: monitoring/webhook/${VERSION}`],
      ["monitoring", undefined],
      ["mo/webhook", undefined],
      ["monitoring/web_hook", undefined],
      ["monitoring/webhook/v1/extra", undefined],
      ["monitoring/../webhook", undefined],
    ];
    for (const [text, described] of cases) {
      const parsed = store.parse(text);
      if (described === undefined) assert.ok("error" in parsed, text);
      else {
        assert.ok(!("error" in parsed), text);
        assert.equal(store.describe(parsed), described);
      }
    }
    assert.equal(store.prefix, "azure");
  });
});

describe("azure: Key Vault with client-secret credentials over HTTPS", () => {
  test("the current version and an explicit one, through the challenge; nothing logged despite AZURE_LOG_LEVEL", async () => {
    const { result, stderr } = await stderrDuring(async () => [
      await fetchText("monitoring/webhook", context),
      await fetchText(`monitoring/webhook/${VERSION}`, context),
    ]);
    assert.deepEqual(result, [SECRET, OLD_SECRET]);
    assert.equal(stderr, "");
    assert.ok(
      vault.requests.some((r) => r.authorization === undefined && r.url.startsWith("/secrets/webhook")),
      "no challenge request",
    );
    assert.ok(
      authority.requests.some((r) => r.method === "POST" && r.url.startsWith(`/${TENANT}/oauth2/v2.0/token`)),
      "no token request",
    );
  });

  test("a missing secret or version is undefined", async () => {
    assert.equal(await fetchText("monitoring/nothing", context), undefined);
    assert.equal(await fetchText("monitoring/webhook/ffffffffffffffffffffffffffffffff", context), undefined);
  });

  test("403: the status and Key Vault's message", async () => {
    const error = await failure("monitoring/locked", context);
    assert.equal(error.status, 403);
    assert.match(
      error.message,
      /^Azure Key Vault at https:\/\/127\.0\.0\.1:\d+\/secrets\/locked: HTTP 403: Forbidden: The user, group or application .* does not have secrets get permission/,
    );
    assert.match(error.detail, /\(credentials from environment \(client secret\)\)$/);
  });

  test("an error answer that is not Key Vault's JSON: the status only, never the body", async () => {
    const error = await failure("monitoring/leaky", context);
    assert.equal(error.status, 500);
  });

  test("a refused client secret: the token endpoint's error, never the secret", async () => {
    const error = await failure("monitoring/webhook", { ...context, env: { ...context.env, AZURE_CLIENT_SECRET: `${CLIENT_SECRET}-wrong` } });
    assert.match(error.detail, /environment \(client secret\): token request refused: invalid_client: AADSTS7000215: Invalid client secret provided/);
  });

  test("an authority whose OpenID configuration cannot be read: said so, naming the settings", async () => {
    // The vault as the authority: its discovery request gets Key Vault's 401.
    const error = await failure("monitoring/webhook", { ...context, env: { ...context.env, AZURE_AUTHORITY_HOST: vault.url } });
    assert.match(error.message, new RegExp(`^Azure Key Vault at ${vault.url}/${TENANT}: `));
    assert.match(
      error.detail,
      /^environment \(client secret\): endpoints_resolution_error: cannot read the authority's OpenID configuration \(v2\.0\/\.well-known\/openid-configuration\) or it lacks a field MSAL needs: check AZURE_AUTHORITY_HOST and AZURE_TENANT_ID$/,
    );
  });

  test("a vault that never answers: a StoreError within the time limit", async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    closers.push(() => {
      sockets.forEach((s) => s.destroy());
      silent.close();
    });
    const url = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const started = Date.now();
    const error = await failure("monitoring/webhook", { ...context, env: { ...context.env, PROMPLATE_AZURE_KEYVAULT_URL: url }, timeoutMs: 300 });
    assert.match(error.message, /^Azure Key Vault at https:\/\/127\.0\.0\.1:\d+\/secrets\/webhook: no answer within 300 ms /);
    assert.ok(Date.now() - started < 10_000, "the time limit did not hold");
  });

  test("without the test CA the vault's certificate is refused: TLS is not weakened", async () => {
    const env = { ...context.env };
    delete env.PROMPLATE_AZURE_CA_FILE;
    const error = await failure("monitoring/webhook", { ...context, env });
    assert.match(error.detail, /certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i);
  });

  test("an unreadable PROMPLATE_AZURE_CA_FILE is named", async () => {
    const error = await failure("monitoring/webhook", { ...context, env: { ...context.env, PROMPLATE_AZURE_CA_FILE: join(dir, "none.pem") } });
    assert.match(error.detail, /PROMPLATE_AZURE_CA_FILE names .*none\.pem, which cannot be read \(there is no such file\)/);
  });

  test("workload identity: a missing AZURE_FEDERATED_TOKEN_FILE is named", async () => {
    const env: StoreContext["env"] & Record<string, string | undefined> = { ...context.env, AZURE_FEDERATED_TOKEN_FILE: join(dir, "no-token") };
    delete env.AZURE_CLIENT_SECRET;
    const error = await failure("monitoring/webhook", { ...context, env });
    assert.match(error.detail, /^workload identity \(AZURE_FEDERATED_TOKEN_FILE\): /);
  });
});

describe("azure: servers that echo what they were sent", () => {
  test("a Key Vault that echoes the bearer token, an authority that echoes the client secret: neither shown", async () => {
    // Lower case, dots and dashes: no pattern takes these for credentials, only knowing what was sent does.
    const plainToken = "plain.access_token-with-dots.and-dashes";
    const plainSecret = "plain~opaque.value_with-dashes";
    const echoing = await serveHttps((method, path, headers, body, res) => {
      const base = echoing.url;
      if (method === "GET" && path === `/${TENANT}/v2.0/.well-known/openid-configuration`)
        return json(res, 200, {
          token_endpoint: `${base}/${TENANT}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${TENANT}/oauth2/v2.0/authorize`,
          issuer: `${base}/${TENANT}/v2.0`,
          jwks_uri: `${base}/${TENANT}/discovery/v2.0/keys`,
        });
      if (method === "POST" && path === `/${TENANT}/oauth2/v2.0/token`) {
        const secret = new URLSearchParams(body).get("client_secret");
        if (secret !== plainSecret) return json(res, 401, { error: "invalid_client", error_description: `AADSTS7000215: Invalid client secret ${secret}` });
        return json(res, 200, { token_type: "Bearer", expires_in: 3599, access_token: plainToken });
      }
      if (!headers.authorization)
        return json(
          res,
          401,
          { error: { code: "Unauthorized", message: "no token" } },
          { "www-authenticate": `Bearer authorization="${base}/${TENANT}", resource="https://vault.azure.net"` },
        );
      json(res, 403, { error: { code: "Forbidden", message: `Access denied for ${String(headers.authorization)}` } });
    });
    const env = { ...context.env, AZURE_AUTHORITY_HOST: echoing.url, PROMPLATE_AZURE_KEYVAULT_URL: echoing.url, AZURE_CLIENT_SECRET: plainSecret };
    const denied = await failure("monitoring/webhook", { ...context, env });
    assert.equal(denied.status, 403);
    assert.match(denied.detail, /^Forbidden: Access denied for Bearer \*\*\* \(credentials from/);
    assert.equal(findLeak(denied.message, [plainToken]), undefined, denied.message);

    const wrongSecret = `${plainSecret}~wrong`;
    const refused = await failure("monitoring/webhook", { ...context, env: { ...env, AZURE_CLIENT_SECRET: wrongSecret } });
    assert.match(refused.detail, /token request refused: invalid_client: AADSTS7000215: Invalid client secret \*\*\*$/);
    assert.equal(findLeak(refused.message, [wrongSecret]), undefined, refused.message);
  });
});
