/**
 * What the secret-store tests serve on 127.0.0.1: a test CA made here (X.509 written with node:crypto, no system
 * tool), a fake Vault speaking the KV v2 / AppRole / Kubernetes-auth / sys/internal/ui/mounts API, and a fake
 * Kubernetes API server answering GET /api/v1/namespaces/NS/secrets/NAME with bearer tokens or client certificates.
 * Shared by test/unit/stores.test.ts and test/e2e/stores.test.ts.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Endpoint, servers } from "./aws-endpoints.js";

// ---------------------------------------------------------------------------------------------------------------
// A test CA: DER by hand, ECDSA P-256 keys, signed with node:crypto.

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  const head =
    length < 0x80 ? Buffer.from([tag, length]) : length < 0x100 ? Buffer.from([tag, 0x81, length]) : Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([head, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const integer = (bytes: Buffer) => der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
/** A positive serial whose DER form is minimal (no leading zero byte a strict parser would refuse). */
function serialNumber(): Buffer {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return integer(bytes);
}
const utf8 = (text: string) => der(0x0c, Buffer.from(text));
const explicit = (n: number, content: Buffer) => der(0xa0 + n, content);
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const bytes = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}
const utcTime = (date: Date) => der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-:T]/g, "")}Z`));
const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), utf8(cn))));
const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));
const pem = (label: string, body: Buffer) =>
  `-----BEGIN ${label}-----\n${body.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;

export interface Issued {
  cert: string;
  key: string;
}

export interface TestCa extends Issued {
  /** A certificate for `cn`, signed by this CA; `server` adds 127.0.0.1 and localhost as alternative names. */
  issue(cn: string, server: boolean): Issued;
}

function certificate(subject: string, issuer: string, publicKey: KeyObject, signer: KeyObject, extensions: Buffer[]): string {
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    serialNumber(),
    ECDSA_SHA256,
    name(issuer),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 24 * 3600_000))),
    name(subject),
    publicKey.export({ type: "spki", format: "der" }),
    explicit(3, seq(...extensions)),
  );
  return pem("CERTIFICATE", seq(tbs, ECDSA_SHA256, der(0x03, Buffer.concat([Buffer.from([0]), sign("sha256", tbs, signer)]))));
}

/** A fresh CA, made in the test (nothing on disk until the test writes it). */
export function createTestCa(): TestCa {
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caName = "promplate test CA";
  const basicConstraintsCa = seq(oid("2.5.29.19"), der(0x01, Buffer.from([0xff])), der(0x04, seq(der(0x01, Buffer.from([0xff])))));
  const keyUsageCa = seq(oid("2.5.29.15"), der(0x01, Buffer.from([0xff])), der(0x04, der(0x03, Buffer.from([1, 0x06]))));
  return {
    cert: certificate(caName, caName, ca.publicKey, ca.privateKey, [basicConstraintsCa, keyUsageCa]),
    key: ca.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    issue(cn, server) {
      const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const extensions = [seq(oid("2.5.29.19"), der(0x04, seq()))];
      if (server) extensions.push(seq(oid("2.5.29.17"), der(0x04, seq(der(0x87, Buffer.from([127, 0, 0, 1])), der(0x82, Buffer.from("localhost"))))));
      return {
        cert: certificate(cn, caName, pair.publicKey, createPrivateKey(ca.privateKey.export({ type: "pkcs8", format: "pem" })), extensions),
        key: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Serving

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** An HTTP or (with `tls`) HTTPS server on 127.0.0.1 that records each request. */
export async function serveStore(handler: Handler, tls?: { cert: string; key: string; ca?: string }): Promise<Endpoint> {
  const requests: Endpoint["requests"] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, body, res);
    });
  };
  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: false } : {}) }, listener)
    : createHttpServer(listener);
  // A client that fails the TLS handshake (an untrusted CA) is not the test's error.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint: Endpoint = {
    url: `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(endpoint);
  return endpoint;
}

const answer = (res: ServerResponse, status: number, data: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(data));
};

// ---------------------------------------------------------------------------------------------------------------
// A fake Vault

export interface VaultState {
  /** Tokens that may read; each secret path → its versions (1-based) of KV data. */
  tokens: Set<string>;
  secrets: Map<string, Record<string, unknown>[]>;
  /** Mount paths (without the trailing slash) and their KV version. */
  mounts: { path: string; version: "1" | "2" }[];
  /** How sys/internal/ui/mounts answers: the mount, or 403/404 (a token without that capability, an old server). */
  mountLookup: "answer" | 403 | 404;
  approle: { mount: string; roleId: string; secretId: string };
  kubernetes: { mount: string; role: string; jwt: string };
  /** X-Vault-Namespace every request must carry, if any. */
  namespace?: string;
  /** Paths (as `MOUNT/PATH`) the tokens may not read: 403 with Vault's message. */
  denied: Set<string>;
  /** Echo the presented token in error messages, as a careless proxy might: it must not reach the user. */
  echoToken?: boolean;
  logins: number;
}

export function vaultState(): VaultState {
  return {
    tokens: new Set(),
    secrets: new Map(),
    mounts: [{ path: "secret", version: "2" }],
    mountLookup: "answer",
    approle: { mount: "approle", roleId: "role-id-Leak-Canary", secretId: "secret-id-Leak-Canary" },
    kubernetes: { mount: "kubernetes", role: "promplate", jwt: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJMZWFrLUNhbmFyeSJ9.c2lnbmF0dXJl" },
    denied: new Set(),
    logins: 0,
  };
}

export async function serveVault(state: VaultState, tls?: { cert: string; key: string }): Promise<Endpoint> {
  return serveStore((req, body, res) => {
    const url = new URL(req.url!, "http://x");
    const path = decodeURIComponent(url.pathname);
    if (state.namespace && req.headers["x-vault-namespace"] !== state.namespace) return answer(res, 403, { errors: ["permission denied (namespace)"] });
    const login = /^\/v1\/auth\/(.+)\/login$/.exec(path);
    if (req.method === "POST" && login) {
      const data = JSON.parse(body || "{}") as Record<string, string>;
      const issue = () => {
        state.logins++;
        const token = `hvs.CAESIlogin${state.logins}LeakCanaryAbCdEf0123456789`;
        state.tokens.add(token);
        answer(res, 200, { auth: { client_token: token, lease_duration: 3600 } });
      };
      if (login[1] === state.approle.mount && data.role_id === state.approle.roleId && data.secret_id === state.approle.secretId) return issue();
      if (login[1] === state.kubernetes.mount && data.role === state.kubernetes.role && data.jwt === state.kubernetes.jwt) return issue();
      if (login[1] === state.approle.mount) return answer(res, 400, { errors: ["invalid role or secret ID"] });
      if (login[1] === state.kubernetes.mount) return answer(res, 403, { errors: ["permission denied"] });
      return answer(res, 404, { errors: [`no handler for route "auth/${login[1]}/login". route entry not found.`] });
    }
    const token = String(req.headers["x-vault-token"] ?? "");
    if (!state.tokens.has(token)) return answer(res, 403, { errors: [state.echoToken ? `permission denied for token ${token}` : "permission denied"] });
    const lookup = /^\/v1\/sys\/internal\/ui\/mounts\/(.+)$/.exec(path);
    if (lookup) {
      if (state.mountLookup !== "answer") return answer(res, state.mountLookup, { errors: state.mountLookup === 403 ? ["permission denied"] : [] });
      const mount = state.mounts.filter((m) => lookup[1]!.startsWith(`${m.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
      if (!mount) return answer(res, 400, { errors: ["no mount found"] });
      return answer(res, 200, { data: { path: `${mount.path}/`, type: "kv", options: mount.version === "2" ? { version: "2" } : null } });
    }
    const read = /^\/v1\/(.+?)\/data\/(.+)$/.exec(path);
    const mount = read && state.mounts.find((m) => m.path === read[1]);
    if (!read || !mount) return answer(res, 404, { errors: [`no handler for route "${path.slice(4)}". route entry not found.`] });
    const full = `${read[1]}/${read[2]}`;
    if (state.denied.has(full)) return answer(res, 403, { errors: ["1 error occurred:\n\t* permission denied\n\n"] });
    const versions = state.secrets.get(full);
    const version = url.searchParams.has("version") ? Number(url.searchParams.get("version")) : versions?.length;
    const data = versions && version ? versions[version - 1] : undefined;
    if (!data) return answer(res, 404, { errors: [] });
    answer(res, 200, { data: { data, metadata: { version } } });
  }, tls);
}

// ---------------------------------------------------------------------------------------------------------------
// A fake Kubernetes API server

export interface KubernetesState {
  /** Bearer tokens and client-certificate common names it accepts. */
  tokens: Set<string>;
  clientNames: Set<string>;
  /** `NAMESPACE/NAME` → the Secret's data (plain text here, base64 on the wire). */
  secrets: Map<string, Record<string, string>>;
  /** `NAMESPACE/NAME` the caller may not get. */
  denied: Set<string>;
}

export function kubernetesState(): KubernetesState {
  return { tokens: new Set(), clientNames: new Set(), secrets: new Map(), denied: new Set() };
}

const status = (res: ServerResponse, code: number, message: string, reason: string) =>
  answer(res, code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });

export async function serveKubernetes(state: KubernetesState, tls: { cert: string; key: string; ca: string }): Promise<Endpoint> {
  return serveStore((req, _body, res) => {
    const socket = req.socket as TLSSocket;
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const clientName = socket.authorized ? String(socket.getPeerCertificate().subject?.CN ?? "") : "";
    if (!(bearer && state.tokens.has(bearer)) && !state.clientNames.has(clientName)) return status(res, 401, "Unauthorized", "Unauthorized");
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/?]+)$/.exec(req.url ?? "");
    if (req.method !== "GET" || !match) return status(res, 404, "the server could not find the requested resource", "NotFound");
    const [, namespace, name] = match;
    if (state.denied.has(`${namespace}/${name}`)) {
      return status(
        res,
        403,
        `secrets "${name}" is forbidden: User "system:serviceaccount:monitoring:promplate" cannot get resource "secrets" in API group "" in the namespace "${namespace}"`,
        "Forbidden",
      );
    }
    const data = state.secrets.get(`${namespace}/${name}`);
    if (!data) return status(res, 404, `secrets "${name}" not found`, "NotFound");
    answer(res, 200, {
      kind: "Secret",
      apiVersion: "v1",
      metadata: { name, namespace },
      type: "Opaque",
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
    });
  }, tls);
}

// ---------------------------------------------------------------------------------------------------------------
// A fake Microsoft Entra ID authority (for the Azure Key Vault tests)

export interface EntraClient {
  tenant: string;
  clientId: string;
  clientSecret: string;
  /** The token it hands out for the right client secret. */
  accessToken: string;
}

/**
 * OpenID discovery for the tenant and the client-credentials grant for one client, over HTTPS (`tls`). The discovery
 * document carries every field MSAL requires (authorization_endpoint, token_endpoint, issuer, jwks_uri): without one
 * MSAL drops the document and reports endpoints_resolution_error.
 */
export async function serveEntra(client: EntraClient, tls: { cert: string; key: string }): Promise<Endpoint> {
  const { tenant } = client;
  const endpoint: Endpoint = await serveStore((req, body, res) => {
    const base = endpoint.url;
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      return answer(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        issuer: `${base}/${tenant}/v2.0`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
      });
    }
    if (req.method === "POST" && path === `/${tenant}/oauth2/v2.0/token`) {
      const form = Object.fromEntries(new URLSearchParams(body));
      if (form.grant_type !== "client_credentials" || form.client_id !== client.clientId || form.client_secret !== client.clientSecret)
        return answer(res, 401, {
          error: "invalid_client",
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
          error_codes: [7000215],
        });
      return answer(res, 200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: client.accessToken });
    }
    answer(res, 404, { error: "not_found" });
  }, tls);
  return endpoint;
}

// ---------------------------------------------------------------------------------------------------------------
// A project

/** A project whose one output holds the variables' values, with a HOME of its own. */
export function storeProject(variables: string, template: string): string {
  const dir = mkdtempSync(join(tmpdir(), "promplate-stores-"));
  writeFileSync(join(dir, "promplate.yaml"), `variables:\n${variables}outputs:\n  - { service: app, kind: yaml, template: t.yml, path: out/t.yml }\n`);
  writeFileSync(join(dir, "t.yml"), template);
  mkdirSync(join(dir, "home"), { recursive: true });
  return dir;
}

export const renderedOf = (dir: string) => readFileSync(join(dir, "out/t.yml"), "utf8");
