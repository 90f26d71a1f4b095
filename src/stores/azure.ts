/**
 * `azure:VAULT_NAME/SECRET[/VERSION]`: a secret from Azure Key Vault, with Azure's official clients
 * (`@azure/keyvault-secrets`, `@azure/identity`; ~1.2 MB bundled, ~65 ms to load), imported only here, lazily.
 *
 * Credentials in DefaultAzureCredential's order, from the environment this module is given rather than process.env:
 * environment (AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH), workload
 * identity (AZURE_FEDERATED_TOKEN_FILE), managed identity (IMDS, or IDENTITY_ENDPOINT in App Service and Container
 * Apps; the SDK reads those endpoints from process.env). The developer-tool credentials (az, azd, PowerShell) are
 * left out: they start processes with no time limit. The first configured credential decides, as in the SDK's chain.
 *
 * PROMPLATE_AZURE_KEYVAULT_URL replaces the vault's URL; AZURE_AUTHORITY_HOST moves the token endpoint (with
 * instance discovery off, which would otherwise ask login.microsoftonline.com about it); PROMPLATE_AZURE_CA_FILE
 * adds CA certificates to the system's (never replacing them, never turning verification off) for a vault or
 * authority behind a private CA. The SDK's logging is switched off: AZURE_LOG_LEVEL and DEBUG=azure* print requests.
 */
import type { TokenCredential, TokenCredentialOptions } from "@azure/identity";
import { isIP } from "node:net";
import { scrubMessage } from "../aws.js";
import { scrubDetail } from "./http.js";
import { type SecretStore, type StoreContext, StoreError, readFailure, readSettingFile } from "./store.js";

export interface AzureReference {
  vault: string;
  secret: string;
  version?: string;
}

const STORE = "Azure Key Vault";
const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

// Vault names: 3-24 letters, digits and `-`; secret names: 1-127 of the same; versions: 32 hex digits.
const REFERENCE = /^([A-Za-z0-9-]{3,24})\/([A-Za-z0-9-]{1,127})(?:\/([A-Za-z0-9]{1,64}))?$/;

export const store: SecretStore<AzureReference> = {
  prefix: "azure",
  parse(text) {
    const match = REFERENCE.exec(text);
    if (!match) return { error: `\`azure:${text}\` is not azure:VAULT_NAME/SECRET or azure:VAULT_NAME/SECRET/VERSION` };
    return { vault: match[1]!, secret: match[2]!, version: match[3] };
  },
  hint: "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or the workload or managed identity), and that the identity may get secrets in the vault (Key Vault Secrets User); PROMPLATE_STORE_TIMEOUT_MS bounds each request",
  describe: (reference) => `azure: ${reference.vault}/${reference.secret}${reference.version ? `/${reference.version}` : ""}`,
  fetch: fetchSecret,
};

async function fetchSecret(reference: AzureReference, context: StoreContext): Promise<string | undefined> {
  const { env, timeoutMs } = context;
  const vaultUrl = (env.PROMPLATE_AZURE_KEYVAULT_URL || `https://${reference.vault}.vault.azure.net`).replace(/\/+$/, "");
  const address = `${vaultUrl}/secrets/${reference.secret}${reference.version ? `/${reference.version}` : ""}`;
  const [{ SecretClient }, identity, { AzureLogger, setLogLevel }] = await Promise.all([
    import("@azure/keyvault-secrets"),
    import("@azure/identity"),
    import("@azure/logger"),
  ]);
  // Read from process.env when the SDK loads; switched off here, and the sink silenced should anything re-enable it.
  setLogLevel();
  AzureLogger.log = () => undefined;

  const options = await clientOptions(context);
  const chosen = chooseCredential(identity, env, options);
  // Key Vault's challenge names the resource to get a token for, which must be a parent domain of the vault's host;
  // a vault URL that is an IP address (a test's, a private endpoint's) can have none.
  const ipHost = isIP(new URL(vaultUrl).hostname.replace(/^\[(.+)\]$/, "$1")) !== 0;
  // What a server might echo back: the client secret, the certificate's password, each access token handed out.
  const credentials = [env.AZURE_CLIENT_SECRET, env.AZURE_CLIENT_CERTIFICATE_PASSWORD].filter((value): value is string => Boolean(value));
  const client = new SecretClient(vaultUrl, tagFailures(chosen.credential, credentials), { ...options, disableChallengeResourceVerification: ipHost });
  // Each request has its own limit (a policy below); this bounds the whole: challenge, token, secret, one retry.
  const limitMs = timeoutMs * 4;
  const abortSignal = AbortSignal.timeout(limitMs);
  try {
    const secret = await client.getSecret(reference.secret, { version: reference.version, abortSignal });
    if (typeof secret.value !== "string") throw new StoreError(STORE, address, "malformed answer: the secret has no value");
    return secret.value;
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const timedOut = abortSignal.aborted ? `no answer within ${limitMs} ms` : isAbort(error) ? `no answer within ${timeoutMs} ms` : undefined;
    if (error instanceof CredentialFailure) {
      const status = statusOf(error.cause);
      throw new StoreError(
        STORE,
        `${options.authorityHost}${env.AZURE_TENANT_ID ? `/${env.AZURE_TENANT_ID}` : ""}`,
        `${chosen.origin}: ${timedOut ?? credentialDetail(error.cause, credentials)}`,
        status,
      );
    }
    const status = statusOf(error);
    if ((error as Error).name === "RestError" && status === 404) return undefined;
    throw new StoreError(STORE, address, `${timedOut ?? restDetail(error, credentials)} (credentials from ${chosen.origin})`, status);
  }
}

/** A credential's failure, told apart from Key Vault's: the SDK's bearer-token policy passes it on as it is. */
class CredentialFailure extends Error {
  constructor(override readonly cause: unknown) {
    super("credential failure");
  }
}

/** The credential, its failures tagged and each token it hands out added to `handedOut` (to take out of messages). */
function tagFailures(credential: TokenCredential, handedOut: string[]): TokenCredential {
  return {
    getToken: (scopes, options) =>
      credential.getToken(scopes, options).then(
        (token) => {
          if (token?.token) handedOut.push(token.token);
          return token;
        },
        (error: unknown) => {
          throw new CredentialFailure(error);
        },
      ),
  };
}

/** A message safe to show: the credentials taken out in every form, then anything else that looks like one. */
function safe(text: string, credentials: readonly string[]): string {
  return scrubMessage(scrubDetail(text, credentials));
}

/** The per-request limit aborts the request; the SDK reports it as an AbortError. */
function isAbort(error: unknown): boolean {
  for (let e = error as { name?: unknown; message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.name === "AbortError" || (typeof e.message === "string" && e.message.startsWith("The operation was aborted"))) return true;
  }
  return false;
}

function statusOf(error: unknown): number | undefined {
  for (let e = error as { statusCode?: unknown; status?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    const status = e.statusCode ?? e.status;
    if (typeof status === "number" && status > 0) return status;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Options and credentials

type Identity = typeof import("@azure/identity");

type ClientOptions = TokenCredentialOptions & { authorityHost: string; disableInstanceDiscovery: boolean };

/** What every client here gets, Key Vault's and the credentials' alike. */
async function clientOptions(context: StoreContext): Promise<ClientOptions> {
  const { env, timeoutMs } = context;
  const authorityHost = (env.AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST).replace(/\/+$/, "");
  let tlsOptions: TokenCredentialOptions["tlsOptions"];
  if (env.PROMPLATE_AZURE_CA_FILE) {
    const path = env.PROMPLATE_AZURE_CA_FILE;
    const extra = await readSettingFile(path)
      .then((bytes) => bytes.toString("utf8"))
      .catch((error: unknown) => {
        throw new StoreError(STORE, path, `PROMPLATE_AZURE_CA_FILE names ${path}, which cannot be read (${readFailure(error)})`);
      });
    // Node's `ca` replaces the default roots; these are kept and the file's certificates added.
    const { rootCertificates } = await import("node:tls");
    tlsOptions = { ca: [...rootCertificates, extra] };
  }
  return {
    authorityHost,
    disableInstanceDiscovery: Boolean(env.AZURE_AUTHORITY_HOST),
    retryOptions: { maxRetries: 1 },
    tlsOptions,
    additionalPolicies: [
      {
        policy: {
          name: "promplateRequestTimeout",
          sendRequest: (request, next) => {
            request.timeout = timeoutMs;
            return next(request);
          },
        },
        position: "perRetry",
      },
    ],
    loggingOptions: { allowLoggingAccountIdentifiers: false, enableUnsafeSupportLogging: false },
  };
}

interface ChosenCredential {
  credential: TokenCredential;
  origin: string;
}

/** DefaultAzureCredential's order (without the developer tools), each credential built from `env`. */
function chooseCredential(identity: Identity, env: StoreContext["env"], options: ClientOptions): ChosenCredential {
  const { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId } = env;
  const additionallyAllowedTenants = (env.AZURE_ADDITIONALLY_ALLOWED_TENANTS ?? "").split(";").filter(Boolean);
  const common = { ...options, additionallyAllowedTenants };
  if (tenantId && clientId && env.AZURE_CLIENT_SECRET) {
    return { credential: new identity.ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET, common), origin: "environment (client secret)" };
  }
  if (tenantId && clientId && env.AZURE_CLIENT_CERTIFICATE_PATH) {
    const certificate = { certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD };
    const sendCertificateChain = /^(1|true)$/i.test(env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN ?? "");
    return {
      credential: new identity.ClientCertificateCredential(tenantId, clientId, certificate, { ...common, sendCertificateChain }),
      origin: "environment (client certificate)",
    };
  }
  if (tenantId && clientId && env.AZURE_FEDERATED_TOKEN_FILE) {
    return {
      credential: new identity.WorkloadIdentityCredential({ ...common, tenantId, clientId, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE }),
      origin: "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
    };
  }
  return {
    credential: new identity.ManagedIdentityCredential({ ...options, ...(clientId ? { clientId } : {}) }),
    origin: clientId ? `managed identity (client id ${clientId})` : "managed identity",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Messages: the service's own error message, never a response body.

const ENDPOINTS_RESOLUTION = "endpoints_resolution_error";

/**
 * A credential's failure: the token endpoint's OAuth error (identity's AuthenticationError, or MSAL's ServerError
 * with the error code and description it parsed), or the SDK's own words. Identity puts a body that is not OAuth
 * JSON into errorDescription after a fixed sentence; that body is dropped.
 */
function credentialDetail(failure: unknown, credentials: readonly string[]): string {
  // Identity wraps MSAL's errors (AuthenticationRequiredError around a ServerError): the innermost one says most.
  let error = failure;
  while ((error as { cause?: unknown } | undefined)?.cause && !(error as { errorResponse?: unknown }).errorResponse)
    error = (error as { cause: unknown }).cause;
  const response = (error as { errorResponse?: { error?: unknown; errorDescription?: unknown } }).errorResponse;
  if (response && typeof response.error === "string") {
    const description = typeof response.errorDescription === "string" ? response.errorDescription : "";
    const raw = /^(The service indicated that the request was invalid\.|An unknown error has occurred\. Response body:)/.test(description);
    return safe(`token request refused: ${response.error}${description && !raw ? `: ${description}` : ""}`, credentials);
  }
  const { errorCode, errorMessage } = error as { errorCode?: unknown; errorMessage?: unknown };
  // MSAL reports any failure of authority discovery (unreachable, an error status, a document lacking a field it
  // requires) as this code with a link only; say what it means and which settings decide the address.
  if (errorCode === ENDPOINTS_RESOLUTION || (error instanceof Error && error.message.startsWith(`${ENDPOINTS_RESOLUTION}:`))) {
    return `${ENDPOINTS_RESOLUTION}: cannot read the authority's OpenID configuration (v2.0/.well-known/openid-configuration) or it lacks a field MSAL needs: check AZURE_AUTHORITY_HOST and AZURE_TENANT_ID`;
  }
  if (typeof errorCode === "string" && typeof errorMessage === "string") {
    const description = /Description: (.*?)(?: - Correlation ID:|$)/.exec(errorMessage)?.[1] ?? errorMessage;
    return safe(`token request refused: ${errorCode}: ${description}`, credentials);
  }
  return safe(error instanceof Error ? error.message : String(error), credentials);
}

/** A Key Vault or network failure: RestError's message is the JSON error's `message` (or "Unexpected status code"). */
function restDetail(error: unknown, credentials: readonly string[]): string {
  const { message, code, statusCode } = error as { message?: unknown; code?: unknown; statusCode?: unknown };
  if (statusCode === undefined && typeof code === "string" && code !== "REQUEST_SEND_ERROR") return code;
  const prefix = typeof code === "string" && statusCode !== undefined ? `${code}: ` : "";
  return safe(`${prefix}${typeof message === "string" ? message : String(error)}`, credentials);
}
