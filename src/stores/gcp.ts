/**
 * `gcp:projects/PROJECT/secrets/NAME[/versions/VERSION]`: a secret version from GCP Secret Manager, read through its
 * REST API (`GET /v1/projects/P/secrets/N/versions/V:access`, the value base64 in `payload.data`).
 *
 * Credentials as Google's client libraries find them (application default credentials), read from the environment
 * this module is given: GOOGLE_APPLICATION_CREDENTIALS, else gcloud's application_default_credentials.json (under
 * CLOUDSDK_CONFIG or ~/.config/gcloud), else the metadata server (GCE_METADATA_HOST moves it; GKE workload identity
 * answers there too). A file holds a service-account key (a signed JWT exchanged at the key's token_uri) or an
 * authorized_user refresh token (what `gcloud auth application-default login` writes).
 *
 * Hand-written rather than google-auth-library (~740 KB bundled, ~40 ms to load, which would be fine): that library
 * posts every service-account JWT to Google's fixed token URL whatever the key's token_uri says, reads
 * GOOGLE_APPLICATION_CREDENTIALS and GCE_METADATA_HOST from process.env only, and retries on its own schedule. The
 * three flows used here are one node:crypto signature and three HTTP calls, each bounded by the context's timeout.
 * `@google-cloud/secret-manager` (gRPC, ~5 MB bundled, ~145 ms to load) would add nothing the REST call lacks.
 */
import { sign } from "node:crypto";
import { join } from "node:path";
import { scrubMessage } from "../aws.js";
import { scrubDetail, unsendable } from "./http.js";
import { type SecretStore, type StoreContext, StoreError, readFailure, readSettingFile } from "./store.js";

export interface GcpReference {
  project: string;
  secret: string;
  /** A version number, an alias, or `latest`. */
  version: string;
}

const STORE = "GCP Secret Manager";
const DEFAULT_ENDPOINT = "https://secretmanager.googleapis.com";
const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** The metadata server's address; google-auth-library's gcp-metadata takes GCE_METADATA_HOST the same way. */
const DEFAULT_METADATA_HOST = "169.254.169.254";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** A secret version holds at most 64 KiB; its base64 in JSON stays well under this. */
const MAX_ANSWER_BYTES = 1024 * 1024;

// Project ids, secret ids and versions: letters, digits, `-`, `_` (and `.`/`:` in legacy project ids); nothing that
// would change the URL's path.
const REFERENCE = /^projects\/([A-Za-z0-9.:_-]+)\/secrets\/([A-Za-z0-9_-]+)(?:\/versions\/([A-Za-z0-9_-]+))?$/;

export const store: SecretStore<GcpReference> = {
  prefix: "gcp",
  parse(text) {
    const match = REFERENCE.exec(text);
    if (!match) return { error: `\`gcp:${text}\` is not gcp:projects/PROJECT/secrets/NAME or gcp:projects/PROJECT/secrets/NAME/versions/VERSION` };
    return { project: match[1]!, secret: match[2]!, version: match[3] ?? "latest" };
  },
  hint: "check GOOGLE_APPLICATION_CREDENTIALS (or gcloud auth application-default login, or the metadata server), and that the account may access the secret's versions (roles/secretmanager.secretAccessor); PROMPLATE_STORE_TIMEOUT_MS bounds each request",
  describe: (reference) => `gcp: projects/${reference.project}/secrets/${reference.secret}/versions/${reference.version}`,
  fetch: fetchSecret,
};

async function fetchSecret(reference: GcpReference, context: StoreContext): Promise<string | undefined> {
  const endpoint = (context.env.PROMPLATE_GCP_SECRETMANAGER_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const url = `${endpoint}/v1/projects/${reference.project}/secrets/${reference.secret}/versions/${reference.version}:access`;
  const { token, origin } = await accessToken(context);
  const answer = await call(url, { method: "GET", headers: { authorization: `Bearer ${token}` } }, context.timeoutMs);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw new StoreError(STORE, url, `${googleError(answer.text, [token])} (credentials from ${origin})`, answer.status);
  const data = (parseJson(answer.text) as { payload?: { data?: unknown } } | undefined)?.payload?.data;
  if (typeof data !== "string") throw new StoreError(STORE, url, "malformed answer: no payload.data");
  return Buffer.from(data, "base64").toString("utf8");
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials

interface Token {
  token: string;
  /** Where the credentials came from, for messages. */
  origin: string;
}

async function accessToken(context: StoreContext): Promise<Token> {
  const { env } = context;
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return fromFile(env.GOOGLE_APPLICATION_CREDENTIALS, "GOOGLE_APPLICATION_CREDENTIALS", context);
  const home = context.home || env.HOME;
  const gcloudConfig = env.CLOUDSDK_CONFIG || (home ? join(home, ".config", "gcloud") : undefined);
  if (gcloudConfig) {
    const wellKnown = join(gcloudConfig, "application_default_credentials.json");
    const text = await readSettingFile(wellKnown)
      .then((bytes) => bytes.toString("utf8"))
      .catch(() => undefined);
    if (text !== undefined) return fromCredentials(text, wellKnown, `gcloud's ${wellKnown}`, context);
  }
  return fromMetadataServer(context);
}

async function fromFile(path: string, variable: string, context: StoreContext): Promise<Token> {
  let text: string;
  try {
    text = (await readSettingFile(path)).toString("utf8");
  } catch (error) {
    throw new StoreError(STORE, path, `${variable} names ${path}, which cannot be read (${readFailure(error)})`);
  }
  return fromCredentials(text, path, `${variable} (${path})`, context);
}

/** A credentials file's contents; its text is never quoted, since it holds a key or a refresh token. */
async function fromCredentials(text: string, path: string, origin: string, context: StoreContext): Promise<Token> {
  const data = parseJson(text) as Record<string, unknown> | undefined;
  const fail = (detail: string) => new StoreError(STORE, path, `credentials from ${origin}: ${detail}`);
  if (!data || typeof data !== "object" || Array.isArray(data)) throw fail("not a JSON object");
  const field = (name: string) => {
    const value = data[name];
    if (typeof value !== "string" || value === "") throw fail(`no ${name}`);
    return value;
  };
  if (data.type === "service_account") {
    const tokenUri = typeof data.token_uri === "string" && data.token_uri ? data.token_uri : DEFAULT_TOKEN_URI;
    const assertion = signedJwt(field("client_email"), field("private_key"), data.private_key_id, tokenUri, fail);
    const form = { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion };
    return { token: await tokenFrom(tokenUri, form, origin, context), origin };
  }
  if (data.type === "authorized_user") {
    const tokenUri = typeof data.token_uri === "string" && data.token_uri ? data.token_uri : DEFAULT_TOKEN_URI;
    const form = { grant_type: "refresh_token", client_id: field("client_id"), client_secret: field("client_secret"), refresh_token: field("refresh_token") };
    return { token: await tokenFrom(tokenUri, form, origin, context), origin };
  }
  const type = typeof data.type === "string" ? `"${data.type.slice(0, 40)}"` : "no type";
  throw fail(
    `${type}: promplate reads service_account keys and authorized_user credentials (gcloud auth application-default login); for workload identity federation or impersonation, get a token for a service account some other way`,
  );
}

/** The JWT a service account signs to ask the token endpoint for an access token (RFC 7523). */
function signedJwt(email: string, privateKey: string, keyId: unknown, audience: string, fail: (detail: string) => StoreError): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", typ: "JWT", ...(typeof keyId === "string" ? { kid: keyId } : {}) };
  const claims = { iss: email, scope: SCOPE, aud: audience, iat: now, exp: now + 3600 };
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const unsigned = `${encode(header)}.${encode(claims)}`;
  let signature: Buffer;
  try {
    signature = sign("sha256", Buffer.from(unsigned), privateKey);
  } catch {
    // Node's message names the decoder step, not the key; still, nothing of it is needed.
    throw fail("private_key is not a PEM RSA private key");
  }
  return `${unsigned}.${signature.toString("base64url")}`;
}

async function tokenFrom(tokenUri: string, form: Record<string, string>, origin: string, context: StoreContext): Promise<string> {
  const answer = await call(
    tokenUri,
    { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() },
    context.timeoutMs,
  );
  // What the form carries that would let anyone get a token: the signed JWT, the client secret, the refresh token.
  const credentials = [form.assertion, form.client_secret, form.refresh_token].filter((value): value is string => Boolean(value));
  if (answer.status !== 200)
    throw new StoreError(STORE, tokenUri, `token request with credentials from ${origin} refused: ${oauthError(answer.text, credentials)}`, answer.status);
  return tokenOf(answer.text, tokenUri);
}

async function fromMetadataServer(context: StoreContext): Promise<Token> {
  const host = context.env.GCE_METADATA_HOST || context.env.GCE_METADATA_IP || DEFAULT_METADATA_HOST;
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${encodeURIComponent(SCOPE)}`;
  const origin = `the metadata server (${host})`;
  let answer: Answer;
  try {
    answer = await call(url, { method: "GET", headers: { "metadata-flavor": "Google" } }, context.timeoutMs);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new StoreError(
      STORE,
      url,
      `no credentials: GOOGLE_APPLICATION_CREDENTIALS is not set, there is no gcloud application_default_credentials.json, and ${origin} did not answer (${error.detail}); set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, run gcloud auth application-default login, or run on GCP`,
    );
  }
  if (answer.status !== 200) throw new StoreError(STORE, url, `${origin} gave no token: ${oauthError(answer.text)}`, answer.status);
  return { token: tokenOf(answer.text, url), origin };
}

function tokenOf(text: string, url: string): string {
  const token = (parseJson(text) as { access_token?: unknown } | undefined)?.access_token;
  if (typeof token !== "string" || token === "") throw new StoreError(STORE, url, "malformed token answer: no access_token");
  return token;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers: only the service's own error message is shown, never the rest of a body.

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A service's message, safe to show: the credentials sent taken out in every form (a server may echo what it was
 * sent), then anything else that looks like a key or token.
 */
function safe(text: string, credentials: readonly string[]): string {
  return scrubMessage(scrubDetail(text, credentials));
}

/** Google's error format: `{"error": {"code", "message", "status"}}`. */
function googleError(text: string, credentials: readonly string[] = []): string {
  const error = (parseJson(text) as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
  const status = typeof error?.status === "string" ? `${error.status}: ` : "";
  return typeof error?.message === "string" ? safe(`${status}${error.message}`, credentials) : "no error message in the answer";
}

/** OAuth 2.0's error format (`{"error", "error_description"}`), or Google's. */
function oauthError(text: string, credentials: readonly string[] = []): string {
  const data = parseJson(text) as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof data?.error === "string")
    return safe(typeof data.error_description === "string" ? `${data.error}: ${data.error_description}` : data.error, credentials);
  return googleError(text, credentials);
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP, one request bounded in time and size.

interface Answer {
  status: number;
  text: string;
}

async function call(url: string, options: { method: string; headers: Record<string, string>; body?: string }, timeoutMs: number): Promise<Answer> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new StoreError(STORE, url, "not a URL");
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new StoreError(STORE, url, "not an http or https URL");
  const { request } = target.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise<Answer>((resolve, reject) => {
    const fail = (detail: string) => reject(new StoreError(STORE, url, detail));
    let req: ReturnType<typeof request>;
    try {
      req = request(target, { method: options.method, headers: options.headers });
    } catch (error) {
      // A header Node refuses to send (a token with a line break): nothing was sent.
      fail(unsendable(error as NodeJS.ErrnoException));
      return;
    }
    // The whole exchange, not only an idle socket: a server that trickles bytes is stopped too.
    const timer = setTimeout(() => {
      req.destroy();
      fail(`no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(error.code ?? scrubMessage(error.message));
    });
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(error.code ?? "the answer broke off");
      });
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          clearTimeout(timer);
          req.destroy();
          fail(`answer larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
        } else chunks.push(chunk);
      });
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.end(options.body);
  });
}
