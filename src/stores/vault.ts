/**
 * `vault:MOUNT/PATH#KEY[@VERSION]`: a field of a KV version 2 secret in HashiCorp Vault or OpenBao (same API).
 *
 * Plain node:http/https rather than a client library: Vault has no official Node client, the community ones
 * (node-vault and the like) wrap the same three HTTP calls and bring a request stack of their own, and the API used
 * here is small and stable (auth login, sys/internal/ui/mounts, KV v2 read).
 *
 * Settings as the Vault CLI takes them: VAULT_ADDR (else BAO_ADDR, else https://127.0.0.1:8200), VAULT_NAMESPACE
 * (sent as X-Vault-Namespace), VAULT_CACERT (a PEM file to trust). Auth, first that is configured: a token
 * (VAULT_TOKEN, BAO_TOKEN or ~/.vault-token), AppRole (VAULT_ROLE_ID with VAULT_SECRET_ID or VAULT_SECRET_ID_FILE),
 * Kubernetes auth (VAULT_K8S_ROLE with the pod's service-account token); VAULT_AUTH_MOUNT moves the auth mount.
 */
import { join } from "node:path";
import { answerError, requestJson, storeMessage, type JsonAnswer } from "./http.js";
import { SERVICE_ACCOUNT_DIR, StoreError, type SecretStore, type StoreContext, readFailure, readSettingFile } from "./store.js";

export interface VaultReference {
  /** Mount and path as written, e.g. `secret/monitoring/alertmanager`. */
  path: string;
  key: string;
  version?: number;
}

const STORE = "vault";

export function parseVaultReference(text: string): VaultReference | { error: string } {
  const hash = text.lastIndexOf("#");
  const shape = "is not vault:MOUNT/PATH#KEY or vault:MOUNT/PATH#KEY@VERSION";
  if (hash < 0) return { error: `${shape}: the #KEY is missing` };
  const path = text.slice(0, hash);
  let key = text.slice(hash + 1);
  let version: number | undefined;
  const versioned = /^(.*)@(\d+)$/.exec(key);
  if (versioned) {
    key = versioned[1]!;
    version = Number(versioned[2]);
    if (!Number.isSafeInteger(version) || version < 1) return { error: `${shape}: the version must be a whole number from 1` };
  }
  if (key === "") return { error: `${shape}: the KEY is empty` };
  const segments = path.split("/");
  if (segments.length < 2 || segments.some((s) => s === "" || s === "." || s === "..")) {
    return { error: `${shape}: the path needs a mount and a secret (MOUNT/PATH), with no empty, . or .. segment` };
  }
  return { path, key, version };
}

/** What a run keeps per Vault: the address, headers and the token (logged in once). */
interface Session {
  address: URL;
  headers: Record<string, string>;
  tls?: { ca: Buffer };
  /** How the token was had, for messages: `VAULT_TOKEN`, `AppRole (auth/approle)`. */
  auth: string;
  /** Credentials to take out of any message. */
  secrets: string[];
}

const sessions = new WeakMap<StoreContext, Promise<Session>>();

export const store: SecretStore<VaultReference> = {
  prefix: STORE,
  parse: parseVaultReference,
  hint: "check VAULT_ADDR (or BAO_ADDR), VAULT_NAMESPACE, VAULT_CACERT, the token or the AppRole / Kubernetes auth settings, and that the policy may read MOUNT/data/PATH; PROMPLATE_STORE_TIMEOUT_MS bounds each request",
  describe: (reference) => `${STORE}: ${reference.path}#${reference.key}${reference.version === undefined ? "" : `@${reference.version}`}`,
  async fetch(reference, context) {
    let session = sessions.get(context);
    if (!session) {
      session = openSession(context);
      sessions.set(context, session);
    }
    return readSecret(reference, await session, context);
  },
};

function addressFrom(env: StoreContext["env"]): URL {
  const text = env.VAULT_ADDR || env.BAO_ADDR || "https://127.0.0.1:8200";
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
    return url;
  } catch {
    throw new StoreError(STORE, text.slice(0, 80), `${env.VAULT_ADDR ? "VAULT_ADDR" : "BAO_ADDR"} is not an http:// or https:// address`);
  }
}

/** An API path under the address (which may itself have a path, behind a proxy). */
function apiUrl(session: Pick<Session, "address">, path: string): URL {
  const base = session.address.href.endsWith("/") ? session.address.href : `${session.address.href}/`;
  return new URL(`v1/${path}`, base);
}

async function openSession(context: StoreContext): Promise<Session> {
  const { env } = context;
  const address = addressFrom(env);
  const headers: Record<string, string> = {};
  const namespace = env.VAULT_NAMESPACE || env.BAO_NAMESPACE;
  if (namespace) headers["x-vault-namespace"] = namespace;
  const caFile = env.VAULT_CACERT || env.BAO_CACERT;
  let tls: Session["tls"];
  if (caFile) {
    try {
      tls = { ca: await readSettingFile(caFile) };
    } catch (error) {
      throw new StoreError(STORE, address.origin, `VAULT_CACERT ${caFile} cannot be read (${readFailure(error)})`);
    }
    // Else the file is accepted and only the TLS failure later, which does not name it, would tell.
    if (!tls.ca.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) {
      throw new StoreError(STORE, address.origin, `VAULT_CACERT ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    }
  }
  const base = { address, headers, tls, secrets: [] as string[] };
  const token = await findToken(context);
  if (token) return withToken(base, token.value, token.origin);

  const authMount = (fallback: string) => (env.VAULT_AUTH_MOUNT || fallback).replace(/^\/+|\/+$/g, "");
  if (env.VAULT_ROLE_ID) {
    const secretId = await readSecretId(env, address);
    const mount = authMount("approle");
    const login = await logIn(base, mount, { role_id: env.VAULT_ROLE_ID, secret_id: secretId }, [env.VAULT_ROLE_ID, secretId], context);
    return withToken(base, login, `AppRole (auth/${mount})`, [env.VAULT_ROLE_ID, secretId]);
  }
  if (env.VAULT_K8S_ROLE) {
    const tokenFile = join(env.PROMPLATE_SERVICE_ACCOUNT_DIR || SERVICE_ACCOUNT_DIR, "token");
    let jwt: string;
    try {
      jwt = (await readSettingFile(tokenFile)).toString("utf8").trim();
    } catch (error) {
      throw new StoreError(STORE, address.origin, `VAULT_K8S_ROLE is set, but the service-account token ${tokenFile} cannot be read (${readFailure(error)})`);
    }
    const mount = authMount("kubernetes");
    const login = await logIn(base, mount, { role: env.VAULT_K8S_ROLE, jwt }, [jwt], context);
    return withToken(base, login, `Kubernetes auth (auth/${mount}, role ${env.VAULT_K8S_ROLE})`, [jwt]);
  }
  throw new StoreError(
    STORE,
    address.origin,
    "no Vault credentials: set VAULT_TOKEN (or log in so ~/.vault-token exists), VAULT_ROLE_ID with VAULT_SECRET_ID or VAULT_SECRET_ID_FILE (AppRole), or VAULT_K8S_ROLE in a pod (Kubernetes auth)",
  );
}

function withToken(base: Omit<Session, "auth">, token: string, auth: string, more: string[] = []): Session {
  return { ...base, headers: { ...base.headers, "x-vault-token": token }, auth, secrets: [token, ...more] };
}

async function findToken(context: StoreContext): Promise<{ value: string; origin: string } | undefined> {
  const { env } = context;
  if (env.VAULT_TOKEN) return { value: env.VAULT_TOKEN, origin: "VAULT_TOKEN" };
  if (env.BAO_TOKEN) return { value: env.BAO_TOKEN, origin: "BAO_TOKEN" };
  const home = context.home ?? (env.HOME || undefined);
  if (!home) return undefined;
  try {
    const value = (await readSettingFile(join(home, ".vault-token"))).toString("utf8").trim();
    return value ? { value, origin: "~/.vault-token" } : undefined;
  } catch {
    // No token file: the next auth method.
    return undefined;
  }
}

async function readSecretId(env: StoreContext["env"], address: URL): Promise<string> {
  if (env.VAULT_SECRET_ID) return env.VAULT_SECRET_ID;
  if (env.VAULT_SECRET_ID_FILE) {
    try {
      return (await readSettingFile(env.VAULT_SECRET_ID_FILE)).toString("utf8").trim();
    } catch (error) {
      throw new StoreError(STORE, address.origin, `VAULT_SECRET_ID_FILE ${env.VAULT_SECRET_ID_FILE} cannot be read (${readFailure(error)})`);
    }
  }
  throw new StoreError(STORE, address.origin, "VAULT_ROLE_ID is set, but neither VAULT_SECRET_ID nor VAULT_SECRET_ID_FILE (AppRole needs both)");
}

/** POST auth/MOUNT/login; the client token from the answer. */
async function logIn(base: Omit<Session, "auth">, mount: string, body: Record<string, string>, secrets: string[], context: StoreContext): Promise<string> {
  const url = apiUrl(base, `auth/${mount}/login`);
  const answer = await requestJson({ store: STORE, method: "POST", url, headers: base.headers, body, timeoutMs: context.timeoutMs, tls: base.tls, secrets });
  if (answer.status !== 200) throw answerError(STORE, url, answer, secrets, "login failed: ");
  const token = (answer.json as { auth?: { client_token?: unknown } } | undefined)?.auth?.client_token;
  if (typeof token !== "string" || token === "") throw new StoreError(STORE, url.origin + url.pathname, "login answer has no auth.client_token", answer.status);
  return token;
}

/**
 * The mount a path is in, as the Vault CLI finds it (GET sys/internal/ui/mounts/PATH); the first segment when the
 * token may not ask (403) or the server does not know the endpoint (404).
 */
async function resolveMount(reference: VaultReference, session: Session, context: StoreContext): Promise<string> {
  const firstSegment = reference.path.split("/")[0]!;
  const url = apiUrl(session, `sys/internal/ui/mounts/${encodePath(reference.path)}`);
  const answer = await get(url, session, context);
  if (answer.status === 403 || answer.status === 404) return firstSegment;
  if (answer.status !== 200) throw answerError(STORE, url, answer, session.secrets, "mount lookup: ");
  const data = (answer.json as { data?: { path?: unknown; type?: unknown; options?: { version?: unknown } | null } } | undefined)?.data;
  const mount = typeof data?.path === "string" ? data.path.replace(/\/+$/, "") : "";
  if (!mount) return firstSegment;
  if (data?.type === "kv" && data.options?.version !== "2") {
    throw new StoreError(STORE, `${url.origin}${url.pathname}`, `${mount}/ is a KV version 1 mount: promplate reads KV version 2 secrets`, answer.status);
  }
  // Under a namespace the answer may name the mount with the namespace in front: drop leading segments until it
  // prefixes the path (as the Vault CLI does).
  let candidate = mount;
  while (!reference.path.startsWith(`${candidate}/`)) {
    const slash = candidate.indexOf("/");
    if (slash < 0) return firstSegment;
    candidate = candidate.slice(slash + 1);
  }
  return candidate;
}

async function readSecret(reference: VaultReference, session: Session, context: StoreContext): Promise<string | undefined> {
  const mount = await resolveMount(reference, session, context);
  const rest = reference.path.slice(mount.length + 1);
  if (rest === "") throw new StoreError(STORE, session.address.origin, `${reference.path} is the mount ${mount}/ itself, not a secret in it`, undefined, true);
  const url = apiUrl(session, `${encodePath(mount)}/data/${encodePath(rest)}`);
  if (reference.version !== undefined) url.searchParams.set("version", String(reference.version));
  const answer = await get(url, session, context);
  // 404 with no error message: no such secret, or that version is deleted or destroyed. With one (`no handler for
  // route`): no such mount.
  if (answer.status === 404 && storeMessage(answer.json, []) === undefined) return undefined;
  if (answer.status !== 200) throw answerError(STORE, url, answer, session.secrets, `${session.auth}: `);
  const data = (answer.json as { data?: { data?: unknown } } | undefined)?.data?.data;
  if (data === null) return undefined;
  if (!data || typeof data !== "object")
    throw new StoreError(STORE, `${url.origin}${url.pathname}`, "malformed answer: no data.data (is this a KV version 2 mount?)", answer.status);
  if (!Object.hasOwn(data, reference.key)) {
    throw new StoreError(STORE, `${url.origin}${url.pathname}`, `the secret has no key "${reference.key}"`, answer.status);
  }
  const value = (data as Record<string, unknown>)[reference.key];
  return typeof value === "string" ? value : JSON.stringify(value);
}

function get(url: URL, session: Session, context: StoreContext): Promise<JsonAnswer> {
  return requestJson({ store: STORE, method: "GET", url, headers: session.headers, timeoutMs: context.timeoutMs, tls: session.tls, secrets: session.secrets });
}

/** Each segment percent-encoded, the slashes kept. */
function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
