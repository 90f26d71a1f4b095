/**
 * The one HTTP client the hand-written stores (vault, k8s) share: node:http/https, one request bounded by a time
 * limit, a JSON answer of bounded size, and failures as StoreError naming the store, the address and the HTTP status
 * with the store's own error message — never the response body, which may hold the secret.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { StoreError } from "./store.js";

/** A store answer larger than this is refused: no secret store answers one value with more. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface JsonRequest {
  /** The store's name in messages: `vault`, `k8s`. */
  store: string;
  method: "GET" | "POST";
  url: URL;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** TLS: trusted CA certificates (PEM), a client certificate and key (PEM). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** Credentials to take out of any message (the store might echo them). */
  secrets: readonly string[];
}

export interface JsonAnswer {
  status: number;
  /** The parsed body; undefined when it is empty or not JSON. */
  json: unknown;
}

/** The address shown in messages: scheme, host, port and path, never a query (a version is harmless, but keep it uniform). */
export function addressOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Sends one request and parses a JSON answer; StoreError when there is no answer in time or no connection. */
export function requestJson(options: JsonRequest): Promise<JsonAnswer> {
  const { url, timeoutMs } = options;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (payload !== undefined) headers["content-type"] = "application/json";
  const send = url.protocol === "https:" ? httpsRequest : url.protocol === "http:" ? httpRequest : undefined;
  const address = addressOf(url);
  if (!send) return Promise.reject(new StoreError(options.store, address, `unsupported scheme ${url.protocol} (use http:// or https://)`));
  return new Promise<JsonAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.destroy();
      reject(new StoreError(options.store, address, scrubDetail(detail, options.secrets)));
    };
    let call: ReturnType<typeof send>;
    try {
      call = send(url, { method: options.method, headers, ...(options.tls ?? {}) }, onResponse);
    } catch (error) {
      // Node refuses a header value with a line break or a non-Latin-1 character before sending anything (its
      // message names the header, never the value): a token or setting with such a character is the environment's.
      settled = true;
      reject(new StoreError(options.store, address, unsendable(error as NodeJS.ErrnoException)));
      return;
    }
    function onResponse(response: IncomingMessage) {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) fail(`HTTP ${response.statusCode}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
        else chunks.push(chunk);
      });
      response.on("error", (error) => fail(connectionProblem(error)));
      response.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text === "" ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, json });
      });
    }
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms (PROMPLATE_STORE_TIMEOUT_MS)`), timeoutMs);
    call.on("error", (error) => fail(connectionProblem(error)));
    call.end(payload);
  });
}

/** Why a request could not even be sent: which header holds a character HTTP forbids, or Node's own words. */
export function unsendable(error: NodeJS.ErrnoException): string {
  const header = /\["?([^"\]]+)"?\]/.exec(error.message)?.[1];
  if (error.code === "ERR_INVALID_CHAR" && header)
    return `the ${header} header would hold a character no HTTP header may (a line break, or a character outside Latin-1): check the token or setting it comes from`;
  return scrubDetail(error.message);
}

/** Node's own words for a connection or TLS failure, with its code: `connect ECONNREFUSED 127.0.0.1:1`. */
function connectionProblem(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

/**
 * A message from a store, safe to show: one line, at most 300 characters, the credentials used taken out (raw,
 * JSON-escaped, base64, URL-encoded) and anything that looks like a token (a JWT, a Vault token, a long base64 run) replaced.
 */
export function scrubDetail(text: string, secrets: readonly string[] = []): string {
  // Credentials out first, from the whole text: cut first, a credential split by the cut would leave a fragment.
  let whole = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64"), encodeURIComponent(secret)])
      whole = whole.split(form).join("***");
  }
  return whole
    .split("\n")[0]!
    .replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "***")
    .replace(/\b(?:hv[sbr]|s|b|r)\.[A-Za-z0-9_-]{20,}/g, "***")
    .replace(/[A-Za-z0-9/+=_-]{24,}/g, (run) => (/\d/.test(run) && /[A-Z]/.test(run) && /[a-z]/.test(run) ? "***" : run))
    .slice(0, 300);
}

/** The store's own error message from a JSON error answer (Vault's `errors`, Kubernetes' Status `message`), if any. */
export function storeMessage(json: unknown, secrets: readonly string[]): string | undefined {
  if (json && typeof json === "object") {
    const { errors, message } = json as { errors?: unknown; message?: unknown };
    if (Array.isArray(errors) && errors.length > 0) return scrubDetail(errors.map(String).join("; "), secrets);
    if (typeof message === "string" && message !== "") return scrubDetail(message, secrets);
  }
  return undefined;
}

/** StoreError for an HTTP answer that is not a success. */
export function answerError(store: string, url: URL, answer: JsonAnswer, secrets: readonly string[], prefix = ""): StoreError {
  return new StoreError(store, addressOf(url), `${prefix}${storeMessage(answer.json, secrets) ?? "no error message"}`, answer.status);
}
