/**
 * `x-aws` and `x-source` values from AWS: credentials from the AWS credential chain, values from SSM Parameter
 * Store and Secrets Manager. Imported only when a variable needs it (render.ts), and the AWS SDK only from here,
 * lazily, so `render`/`exec` without AWS variables never load it.
 *
 * The chain is run here, one provider at a time in the SDK's order, so we can say which one supplied the credentials
 * and what each said when none did: environment → shared config/credentials files (static keys, credential_process,
 * role_arn + source_profile / credential_source through STS, SSO with a cached token, web_identity_token_file) →
 * web identity (AWS_WEB_IDENTITY_TOKEN_FILE) → ECS/EKS container credentials → EC2 instance metadata (IMDSv2).
 * A provider that is not configured is skipped; the first one that is configured decides: its credentials, or its
 * failure (as the SDK chain stops at a configured provider that fails).
 *
 * Everything takes the environment it is given (`options.env`), not `process.env`, where the SDK allows it:
 * - environment credentials are read here (the SDK's fromEnv reads process.env only);
 * - the shared files' paths, the profile name, the web-identity and container settings, the STS/SSO/SSM/Secrets
 *   Manager endpoints (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's endpoint_url) and the region are
 *   computed here and passed explicitly;
 * - credential_process: the SDK runs it with child_process.exec, inheriting process.env and with no time limit; we
 *   hand it our own through the SDK's `externalDataInterceptor` hook (the SDK consults it before exec), which runs
 *   the command with `options.run` (src/process.ts) and `options.env`, and kills it at the timeout;
 * - instance metadata: the SDK's fromInstanceMetadata reads its endpoint from process.env and the config file only,
 *   falls back to IMDSv1, and silently extends expired credentials ("static stability"); the IMDSv2 steps (PUT a
 *   token, GET the role, GET its credentials) are done here with node:http and the endpoint from `options.env`;
 * - still read from process.env by the SDK: the SSO token cache folder (~/.aws/sso/cache under process HOME),
 *   `credential_source = Environment | EcsContainer | Ec2InstanceMetadata` in a profile, and client settings such as
 *   AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT. In the CLI, `options.env` is process.env, so this only
 *   matters to in-process callers.
 *
 * Every network call and credential_process is bounded by PROMPLATE_AWS_TIMEOUT_MS (default 2000 ms). Messages never
 * hold a key, secret or token: provider messages are cut to one line and scrubbed of anything that looks like one.
 */
import { join } from "node:path";
import type { Finding } from "./finding.js";
import { BadInputError, EnvironmentError, type PromplateError } from "./errors.js";
import type { ProcessRunner } from "./process.js";
import type { VariableDeclaration } from "./project.js";
import { TEMPORARY } from "./temporary-credentials.js";
import type { CloudValue } from "./variables.js";

export interface CloudOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** `--aws-profile`; else AWS_PROFILE, else `default`. */
  profile?: string;
  /** Runs a profile's credential_process. @default src/process.ts `runProcess` */
  run?: ProcessRunner;
}

/** @default 2000 — override with PROMPLATE_AWS_TIMEOUT_MS. */
export const DEFAULT_AWS_TIMEOUT_MS = 2000;

/** Credentials as the chain hands them out. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface ResolvedCredentials {
  credentials: AwsCredentials;
  /** The provider that supplied them, e.g. `ini profile "dev" (credential_process)`. */
  origin: string;
}

/** What one provider said. */
interface Attempt {
  provider: string;
  /** Not configured: the chain goes on. Failed: it stops there, as the SDK's does. */
  outcome: "not configured" | "failed";
  message: string;
}

type ChainResult = { ok: ResolvedCredentials; attempts: Attempt[] } | { ok?: undefined; attempts: Attempt[] };

/** A provider is not set up here: the chain tries the next one. */
class NotConfigured extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Context: what every provider needs, computed once from the environment.

interface Context {
  env: Readonly<Record<string, string | undefined>>;
  run: ProcessRunner | undefined;
  timeoutMs: number;
  profileName: string;
  /** The profile was asked for (flag or AWS_PROFILE), so its absence is an error rather than "not configured". */
  profileExplicit: boolean;
  credentialsFile: string;
  configFile: string;
  profiles(): Promise<Record<string, Record<string, string | undefined>>>;
  /** A logger that prints nothing: the SDK's default for some providers is the console. */
  logger: { debug(): void; info(): void; warn(): void; error(): void; trace(): void };
}

function createContext(options: CloudOptions): Context {
  const env = options.env;
  // HOME from the given environment only (the SDK falls back to the process' home folder): a caller that passes no
  // HOME and no AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE gets no shared files, which keeps tests hermetic.
  const home = env.HOME || env.USERPROFILE || "";
  const expand = (path: string) => (path.startsWith("~/") && home ? join(home, path.slice(2)) : path);
  const credentialsFile = expand(env.AWS_SHARED_CREDENTIALS_FILE || (home ? join(home, ".aws", "credentials") : ""));
  const configFile = expand(env.AWS_CONFIG_FILE || (home ? join(home, ".aws", "config") : ""));
  let profiles: Promise<Record<string, Record<string, string | undefined>>> | undefined;
  const silent = () => undefined;
  return {
    env,
    run: options.run,
    timeoutMs: timeoutFrom(env),
    profileName: options.profile || env.AWS_PROFILE || "default",
    profileExplicit: Boolean(options.profile || env.AWS_PROFILE),
    credentialsFile,
    configFile,
    profiles: () => {
      profiles ??= (async () => {
        if (!credentialsFile && !configFile) return {};
        const { parseKnownFiles } = await load(import("@smithy/core/config"));
        return (await parseKnownFiles({ filepath: credentialsFile, configFilepath: configFile, ignoreCache: true })) as Record<
          string,
          Record<string, string | undefined>
        >;
      })();
      return profiles;
    },
    logger: { debug: silent, info: silent, warn: silent, error: silent, trace: silent },
  };
}

function timeoutFrom(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.PROMPLATE_AWS_TIMEOUT_MS;
  if (text === undefined || text === "") return DEFAULT_AWS_TIMEOUT_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new BadInputError([
      {
        id: "input/aws-timeout",
        severity: "error",
        message: `PROMPLATE_AWS_TIMEOUT_MS must be a positive number of milliseconds, got \`${text.slice(0, 20)}\``,
      },
    ]);
  }
  return value;
}

/** Settings every AWS client made here gets: bounded time, one retry, no console logging. */
function clientSettings(context: Context) {
  return {
    maxAttempts: 2,
    requestHandler: { connectionTimeout: context.timeoutMs, requestTimeout: context.timeoutMs },
    logger: context.logger,
  };
}

/** The endpoint override for a service, as the SDK's own lookup orders them (the `services` sections excepted). */
function endpointFor(context: Context, service: "STS" | "SSO" | "SSM" | "SECRETS_MANAGER", profile?: Record<string, string | undefined>): string | undefined {
  return context.env[`AWS_ENDPOINT_URL_${service}`] || context.env.AWS_ENDPOINT_URL || profile?.endpoint_url || undefined;
}

async function regionOf(context: Context): Promise<{ value: string; origin: string } | undefined> {
  for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION"]) {
    const value = context.env[name];
    if (value) return { value, origin: name };
  }
  const profile = (await context.profiles())[context.profileName];
  if (profile?.region) return { value: profile.region, origin: `ini profile "${context.profileName}" region` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages: one line, nothing that looks like a credential.

/** Removes anything credential-like from a provider's message and keeps its first line. */
export function scrubMessage(text: string): string {
  return (
    text
      .split("\n")[0]!
      // Node's JSON.parse quotes the start of the text it could not parse.
      .replace(/, "[^"]*" is not valid JSON/g, " (not valid JSON)")
      .replace(/\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g, "***")
      // Long base64 runs mixing digits, upper and lower case: secret keys, session tokens.
      .replace(/[A-Za-z0-9/+=]{24,}/g, (run) => (/\d/.test(run) && /[A-Z]/.test(run) && /[a-z]/.test(run) ? "***" : run))
      .slice(0, 300)
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && !["Error", "CredentialsProviderError", "ProviderError"].includes(error.name) ? `${error.name}: ` : "";
    return scrubMessage(`${name}${error.message.replace(/^Error: /, "")}`);
  }
  return scrubMessage(String(error));
}

/**
 * A lazily imported CommonJS package. In the esbuild bundle its exports are all under `default`; under Node they are
 * also named, and `default` is module.exports too.
 */
async function load<T extends object>(module: Promise<T>): Promise<T> {
  const loaded = await module;
  return ((loaded as { default?: T }).default ?? loaded) as T;
}

/**
 * Loads the SDK. Its clients warn through process.emitWarning (on stderr, at every container start) that Node 20
 * will not be supported by its releases after January 2027; the images run Node 20 on purpose, so that warning is
 * marked as already given rather than setting AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED in process.env.
 */
async function loadSdk<T extends object>(module: Promise<T>): Promise<T> {
  const { state } = await load(import("@aws-sdk/core/client"));
  state.warningEmitted = true;
  return load(module);
}

/** Runs `work`, failing with a clear message when it takes longer than `ms`. */
async function bounded<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (PROMPLATE_AWS_TIMEOUT_MS)`)), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The providers, in the SDK's order.

interface Provider {
  name: string;
  /** Throws NotConfigured when it does not apply here; any other error is a failure. */
  run(context: Context): Promise<ResolvedCredentials>;
}

const PROVIDERS: Provider[] = [
  { name: "environment", run: fromEnvironment },
  { name: "shared config files", run: fromSharedFiles },
  { name: "web identity", run: fromWebIdentity },
  { name: "container credentials", run: fromContainer },
  { name: "instance metadata", run: fromInstanceMetadataV2 },
];

async function fromEnvironment(context: Context): Promise<ResolvedCredentials> {
  const {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
    AWS_CREDENTIAL_EXPIRATION: expiry,
  } = context.env;
  if (!accessKeyId && !secretAccessKey) throw new NotConfigured("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set");
  if (!accessKeyId || !secretAccessKey)
    throw new Error(
      `${accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"} is not set, but ${accessKeyId ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"} is`,
    );
  const expiration = expiry ? new Date(expiry) : undefined;
  if (expiration && Number.isNaN(expiration.getTime())) throw new Error("AWS_CREDENTIAL_EXPIRATION is not a date");
  return { credentials: { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined, expiration }, origin: "environment" };
}

/** What kind of profile this is, for the origin shown in `vars` and messages. */
function profileKind(data: Record<string, string | undefined>): string {
  if (data.role_arn && data.source_profile) return `role_arn via source_profile "${data.source_profile}"`;
  if (data.role_arn && data.credential_source) return `role_arn via credential_source ${data.credential_source}`;
  if (data.role_arn && data.web_identity_token_file) return "web_identity_token_file";
  if (data.aws_access_key_id && data.aws_secret_access_key) return "static keys";
  if (data.credential_process) return "credential_process";
  if (data.sso_session || data.sso_start_url || data.sso_account_id) return "sso";
  if (data.login_session) return "login";
  return "no credentials";
}

async function fromSharedFiles(context: Context): Promise<ResolvedCredentials> {
  const profiles = await context.profiles();
  const data = profiles[context.profileName];
  const files = [context.credentialsFile, context.configFile].filter(Boolean).join(", ") || "(no HOME, AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE)";
  if (!data) {
    const message = `no profile "${context.profileName}" in ${files}`;
    if (context.profileExplicit) throw new Error(message);
    throw new NotConfigured(message);
  }
  const kind = profileKind(data);
  if (kind === "no credentials")
    throw new Error(`profile "${context.profileName}" in ${files} has no credentials (no keys, credential_process, role_arn or sso settings)`);
  const region = await regionOf(context);
  const isSso = kind === "sso";
  const clientConfig = {
    ...clientSettings(context),
    endpoint: endpointFor(context, isSso ? "SSO" : "STS", data),
    // An SSO profile's client must use its sso_region, which a region here would override.
    ...(!isSso && region ? { region: region.value } : {}),
  };
  const [{ fromIni }, { externalDataInterceptor }] = await Promise.all([loadSdk(import("@aws-sdk/credential-providers")), load(import("@smithy/core/config"))]);
  const tokens = externalDataInterceptor.getTokenRecord() as Record<string, unknown>;
  tokens.exec = credentialProcessRunner(context);
  try {
    const credentials = await fromIni({
      profile: context.profileName,
      filepath: context.credentialsFile,
      configFilepath: context.configFile,
      ignoreCache: true,
      clientConfig,
      parentClientConfig: region ? { region: region.value } : {},
      logger: context.logger,
    })();
    return { credentials, origin: `ini profile "${context.profileName}" (${kind})` };
  } finally {
    delete tokens.exec;
  }
}

/**
 * The SDK's credential_process runner, replaced (through its externalDataInterceptor hook) so the command gets the
 * environment given to promplate and a time limit. Called with the SDK's promisify: (command, callback).
 */
function credentialProcessRunner(context: Context) {
  return (command: string, callback: (error: Error | null, result?: { stdout: string; stderr: string }) => void) => {
    runCredentialProcess(context, command).then(
      (result) => callback(null, result),
      (error: Error) => callback(error),
    );
  };
}

const CREDENTIAL_PROCESS_MAX_OUTPUT = 1024 * 1024;

async function runCredentialProcess(context: Context, command: string): Promise<{ stdout: string; stderr: string }> {
  const run = context.run ?? (await import("./process.js")).runProcess;
  // The profile whose command this is: the one asked for, or its source_profile in a role chain.
  const profiles = await context.profiles().catch(() => ({}) as Record<string, Record<string, string | undefined>>);
  const owner =
    Object.keys(profiles).find((name) => name === context.profileName && profiles[name]?.credential_process === command) ??
    Object.keys(profiles).find((name) => profiles[name]?.credential_process === command) ??
    context.profileName;
  let result;
  try {
    // A command line for the shell, as the SDK runs it.
    result = await run("/bin/sh", ["-c", command], { env: context.env, timeoutMs: context.timeoutMs, maxOutputBytes: CREDENTIAL_PROCESS_MAX_OUTPUT });
  } catch (error) {
    throw new Error(`credential_process could not run (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const { stdout, stderr } = result;
  if (result.exitCode === 0) {
    // Checked here, where the raw answer is seen: the SDK turns a bad Expiration into an Invalid Date or 1970.
    const problem = credentialProcessProblem(stdout);
    if (problem) throw new Error(`profile "${owner}": credential_process returned ${problem}`);
    return { stdout, stderr };
  }
  const said = scrubMessage(stderr.trim());
  const reason =
    result.killed === "timeout"
      ? `did not finish within ${context.timeoutMs} ms (PROMPLATE_AWS_TIMEOUT_MS)`
      : result.killed === "output-limit"
        ? `printed more than ${CREDENTIAL_PROCESS_MAX_OUTPUT / 1024 / 1024} MiB`
        : result.signal
          ? `was killed by ${result.signal}`
          : `exited with code ${result.exitCode}`;
  throw new Error(`credential_process ${reason}${said ? `: ${said}` : ""}`);
}

/** An RFC 3339 / ISO 8601 date-time, as AWS writes Expiration; Date.parse alone also takes "12345" or "May 1". */
function isDateTime(value: unknown): value is string {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value));
}

const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value !== "";

/**
 * What is wrong with a credential_process answer (the process-credentials contract: JSON with Version 1,
 * AccessKeyId, SecretAccessKey, optional SessionToken and Expiration), or undefined. Never quotes the answer.
 */
export function credentialProcessProblem(stdout: string): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return "output that is not JSON";
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return "output that is not a JSON object";
  const { Version, AccessKeyId, SecretAccessKey, SessionToken, Expiration } = data as Record<string, unknown>;
  if (Version !== 1) return "no Version 1";
  if (!isNonEmptyString(AccessKeyId)) return "no AccessKeyId (a non-empty string)";
  if (!isNonEmptyString(SecretAccessKey)) return "no SecretAccessKey (a non-empty string)";
  if (SessionToken !== undefined && SessionToken !== null && !isNonEmptyString(SessionToken)) return "an invalid SessionToken (not a non-empty string)";
  if (Expiration !== undefined && Expiration !== null && !isDateTime(Expiration)) return "an invalid Expiration (not an ISO 8601 date-time)";
  return undefined;
}

/** What is wrong with the credentials a provider handed out, whichever it is, or undefined. */
function credentialsProblem(credentials: AwsCredentials): string | undefined {
  if (!isNonEmptyString(credentials.accessKeyId)) return "no access key id";
  if (!isNonEmptyString(credentials.secretAccessKey)) return "no secret access key";
  if (credentials.sessionToken !== undefined && !isNonEmptyString(credentials.sessionToken)) return "an invalid session token";
  const { expiration } = credentials;
  if (expiration !== undefined && !(expiration instanceof Date && !Number.isNaN(expiration.getTime()))) return "an invalid Expiration";
  return undefined;
}

async function fromWebIdentity(context: Context): Promise<ResolvedCredentials> {
  const tokenFile = context.env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const roleArn = context.env.AWS_ROLE_ARN;
  if (!tokenFile) throw new NotConfigured("AWS_WEB_IDENTITY_TOKEN_FILE not set");
  if (!roleArn) throw new Error("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
  const region = await regionOf(context);
  const { fromTokenFile } = await loadSdk(import("@aws-sdk/credential-providers"));
  const credentials = await fromTokenFile({
    webIdentityTokenFile: tokenFile,
    roleArn,
    roleSessionName: context.env.AWS_ROLE_SESSION_NAME,
    clientConfig: { ...clientSettings(context), endpoint: endpointFor(context, "STS"), ...(region ? { region: region.value } : {}) },
    logger: context.logger,
  })();
  return { credentials, origin: "web identity token file" };
}

async function fromContainer(context: Context): Promise<ResolvedCredentials> {
  const relative = context.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const full = context.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (!relative && !full) throw new NotConfigured("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set");
  const { fromHttp } = await loadSdk(import("@aws-sdk/credential-providers"));
  const credentials = await fromHttp({
    awsContainerCredentialsRelativeUri: relative,
    awsContainerCredentialsFullUri: relative ? undefined : full,
    awsContainerAuthorizationToken: context.env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    awsContainerAuthorizationTokenFile: context.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
    timeout: context.timeoutMs,
    maxRetries: 1,
    logger: context.logger,
  })();
  return { credentials, origin: `container credentials (${relative ? "RELATIVE_URI" : "FULL_URI"})` };
}

/** EC2 instance metadata, IMDSv2 only: a session token first, then the role, then its credentials. */
async function fromInstanceMetadataV2(context: Context): Promise<ResolvedCredentials> {
  if ((context.env.AWS_EC2_METADATA_DISABLED ?? "").toLowerCase() === "true") throw new NotConfigured("AWS_EC2_METADATA_DISABLED=true");
  const base =
    context.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ||
    (context.env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254");
  const endpoint = new URL(base);
  const call = (method: string, path: string, headers: Record<string, string>) => httpText(endpoint, method, path, headers, context.timeoutMs);
  const token = await call("PUT", "/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "21600" }).catch((error: Error) => {
    throw new Error(`IMDSv2 token request to ${endpoint.origin} failed: ${error.message}`);
  });
  const auth = { "x-aws-ec2-metadata-token": token };
  const role = (await call("GET", "/latest/meta-data/iam/security-credentials/", auth)).split("\n")[0]!.trim();
  if (!role) throw new Error("the instance has no IAM role (instance profile)");
  const text = await call("GET", `/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, auth);
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error("malformed credentials response (not JSON)");
  }
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = data;
  if (
    typeof AccessKeyId !== "string" ||
    typeof SecretAccessKey !== "string" ||
    typeof Token !== "string" ||
    typeof Expiration !== "string" ||
    Number.isNaN(Date.parse(Expiration))
  ) {
    throw new Error("malformed credentials response (expected AccessKeyId, SecretAccessKey, Token and Expiration)");
  }
  return {
    credentials: { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: Token, expiration: new Date(Expiration) },
    origin: `instance metadata (IMDSv2, role "${role}")`,
  };
}

async function httpText(endpoint: URL, method: string, path: string, headers: Record<string, string>, timeoutMs: number): Promise<string> {
  // Imported on first use, not at the top: on Node 24 node:http loads undici, and `exec --aws-env` imports this
  // module without necessarily calling the metadata service.
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request({
      protocol: endpoint.protocol,
      hostname: endpoint.hostname.replace(/^\[(.+)\]$/, "$1"),
      port: endpoint.port,
      method,
      path,
      headers,
      timeout: timeoutMs,
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms (PROMPLATE_AWS_TIMEOUT_MS)`)));
    req.on("error", (error: NodeJS.ErrnoException) => reject(new Error(error.code ? `${error.code}` : error.message)));
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) reject(new Error(`HTTP ${status} for ${method} ${path}`));
        else resolve(Buffer.concat(chunks).toString("utf8"));
      });
    });
    req.end();
  });
}

/** Runs the providers in order; the first configured one decides. */
async function runChain(context: Context): Promise<ChainResult> {
  const attempts: Attempt[] = [];
  for (const provider of PROVIDERS) {
    try {
      // A chain of calls (credential_process, then STS) gets a few timeouts' worth; each call has its own bound too.
      const resolved = await bounded(context.timeoutMs * 3, () => provider.run(context));
      const problem = credentialsProblem(resolved.credentials);
      if (problem) {
        attempts.push({ provider: provider.name, outcome: "failed", message: `${resolved.origin} returned malformed credentials: ${problem}` });
        return { attempts };
      }
      const { expiration } = resolved.credentials;
      if (expiration && expiration.getTime() <= Date.now()) {
        attempts.push({
          provider: provider.name,
          outcome: "failed",
          message: `${resolved.origin} returned credentials that expired at ${expiration.toISOString()}`,
        });
        return { attempts };
      }
      return { ok: resolved, attempts };
    } catch (error) {
      if (error instanceof NotConfigured) {
        // Our own words, naming settings and files: nothing to scrub.
        attempts.push({ provider: provider.name, outcome: "not configured", message: error.message });
        continue;
      }
      // The SDK's date parser names no field: in a credentials answer the one date-time is the Expiration.
      const invalidDate = error instanceof TypeError && /RFC-?3339|date-time value|timestamp format/i.test(error.message);
      attempts.push({
        provider: provider.name,
        outcome: "failed",
        message: invalidDate ? "its answer has an invalid Expiration (not an RFC 3339 date-time)" : describe(error),
      });
      return { attempts };
    }
  }
  return { attempts };
}

function attemptsText(attempts: Attempt[]): string {
  return attempts.map((a) => `${a.provider}: ${a.outcome === "failed" ? "failed: " : ""}${a.message}`).join("; ");
}

const NO_CREDENTIALS_HINT =
  "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --aws-profile or AWS_PROFILE, or run where a role is available (ECS task role, EKS web identity, EC2 instance profile); PROMPLATE_AWS_TIMEOUT_MS bounds each call";

function chainError(result: ChainResult, needing: string, where: Partial<Finding> = {}): PromplateError {
  const failed = result.attempts.find((a) => a.outcome === "failed");
  const message = failed
    ? `${needing} AWS credentials, and the ${failed.provider} provider failed: ${failed.message}${result.attempts.length > 1 ? ` (before it: ${attemptsText(result.attempts.filter((a) => a !== failed))})` : ""}`
    : `${needing} AWS credentials, and none were found (tried ${attemptsText(result.attempts)})`;
  return new EnvironmentError([{ id: failed ? "aws/credentials" : "aws/no-credentials", severity: "error", message, hint: NO_CREDENTIALS_HINT, ...where }]);
}

// ---------------------------------------------------------------------------------------------------------------
// The resolver.

/**
 * Fills `x-aws` and `x-source` variables (those no local source set). A variable that cannot be had is left out when
 * it has a default or is optional; otherwise this throws EnvironmentError naming the providers tried.
 */
export async function resolveCloudValues(declarations: VariableDeclaration[], options: CloudOptions): Promise<Map<string, CloudValue>> {
  const context = createContext(options);
  const values = new Map<string, CloudValue>();
  const problems: Finding[] = [];
  const where = (d: VariableDeclaration) => ({ file: "promplate.yaml", line: d.line, column: d.column });
  const needs = (d: VariableDeclaration) => d.required && d.default === undefined;

  // Region needs no credentials.
  for (const declaration of declarations.filter((d) => d.aws === "region")) {
    const region = await regionOf(context);
    if (region) values.set(declaration.name, { value: region.value, source: "aws", origin: `region from ${region.origin}` });
    else if (needs(declaration))
      problems.push({
        id: "aws/no-region",
        severity: "error",
        message: `${declaration.name} (x-aws: region) has no value: neither AWS_REGION, AWS_DEFAULT_REGION nor the profile's region is set`,
        hint: `set AWS_REGION, or give ${declaration.name} a default`,
        ...where(declaration),
      });
  }

  const wanting = declarations.filter((d) => (d.aws && d.aws !== "region") || d.source);
  const chain = wanting.length > 0 ? await runChain(context) : undefined;
  const required = wanting.filter(needs);
  if (chain && !chain.ok && required.length > 0) {
    throw chainError(chain, `${required.map((d) => d.name).join(", ")} need${required.length === 1 ? "s" : ""}`, where(required[0]!));
  }
  const resolved = chain?.ok;

  for (const declaration of declarations.filter((d) => d.aws && d.aws !== "region")) {
    if (!resolved) continue;
    const { credentials: c, origin } = resolved;
    const value = declaration.aws === "accessKeyId" ? c.accessKeyId : declaration.aws === "secretAccessKey" ? c.secretAccessKey : c.sessionToken;
    if (value === undefined) {
      if (needs(declaration)) {
        problems.push({
          id: "aws/no-session-token",
          severity: "error",
          message: `${declaration.name} (x-aws: sessionToken): the credentials from ${origin} are long-term keys with no session token`,
          hint: `mark ${declaration.name} x-optional: true`,
          ...where(declaration),
        });
      }
      continue;
    }
    values.set(declaration.name, { value, source: "aws", origin: `${origin}${c.sessionToken ? TEMPORARY : ""}`, expires: c.expiration });
  }

  for (const declaration of declarations.filter((d) => d.source && !d.aws)) {
    const parsed = parseSource(declaration);
    if (!resolved) continue;
    try {
      const value = await bounded(context.timeoutMs * 3, () => fetchSource(parsed, context, resolved.credentials));
      if (value !== undefined) values.set(declaration.name, { value, source: parsed.kind, origin: declaration.source! });
      else if (needs(declaration))
        problems.push({
          id: "aws/source-not-found",
          severity: "error",
          message: `${declaration.name}: ${declaration.source} does not exist (credentials from ${resolved.origin})`,
          hint: `create it, or give ${declaration.name} a default`,
          ...where(declaration),
        });
    } catch (error) {
      problems.push({
        id: "aws/source",
        severity: "error",
        message: `${declaration.name}: cannot read ${declaration.source} (credentials from ${resolved.origin}): ${describe(error)}`,
        ...where(declaration),
      });
    }
  }
  if (problems.length > 0) throw new EnvironmentError(problems);
  return values;
}

interface ParsedSource {
  kind: "ssm" | "secretsmanager";
  name: string;
  key?: string;
}

function parseSource(declaration: VariableDeclaration): ParsedSource {
  const text = declaration.source!;
  const ssm = /^ssm:(.+)$/.exec(text);
  if (ssm) return { kind: "ssm", name: ssm[1]! };
  const secrets = /^secretsmanager:([^#]+)(?:#(.+))?$/.exec(text);
  if (secrets) return { kind: "secretsmanager", name: secrets[1]!, key: secrets[2] };
  throw new BadInputError([
    {
      id: "project/x-source",
      severity: "error",
      message: `${declaration.name}: x-source \`${text}\` is not ssm:/path or secretsmanager:name#key`,
      file: "promplate.yaml",
      line: declaration.line,
      column: declaration.column,
    },
  ]);
}

/** The value, or undefined when the parameter or secret does not exist. */
async function fetchSource(source: ParsedSource, context: Context, credentials: AwsCredentials): Promise<string | undefined> {
  const region = await regionOf(context);
  if (!region) throw new Error("no region: set AWS_REGION or the profile's region");
  const profile = (await context.profiles())[context.profileName];
  const config = { ...clientSettings(context), region: region.value, credentials };
  if (source.kind === "ssm") {
    const { SSMClient, GetParameterCommand } = await loadSdk(import("@aws-sdk/client-ssm"));
    const client = new SSMClient({ ...config, endpoint: endpointFor(context, "SSM", profile) });
    try {
      const { Parameter } = await client.send(new GetParameterCommand({ Name: source.name, WithDecryption: true }));
      if (typeof Parameter?.Value !== "string") throw new Error("malformed response: no Parameter.Value");
      return Parameter.Value;
    } catch (error) {
      if ((error as Error).name === "ParameterNotFound") return undefined;
      throw error;
    } finally {
      client.destroy();
    }
  }
  const { SecretsManagerClient, GetSecretValueCommand } = await loadSdk(import("@aws-sdk/client-secrets-manager"));
  const client = new SecretsManagerClient({ ...config, endpoint: endpointFor(context, "SECRETS_MANAGER", profile) });
  let secret: string;
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: source.name }));
    if (typeof SecretString !== "string") throw new Error("the secret has no SecretString (a binary secret cannot be used)");
    secret = SecretString;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return undefined;
    throw error;
  } finally {
    client.destroy();
  }
  if (source.key === undefined) return secret;
  let data: unknown;
  try {
    data = JSON.parse(secret);
  } catch {
    throw new Error(`the secret's SecretString is not JSON, so it has no key "${source.key}"`);
  }
  if (!data || typeof data !== "object" || !(source.key in data)) throw new Error(`the secret has no key "${source.key}"`);
  const value = (data as Record<string, unknown>)[source.key];
  return typeof value === "string" ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------------------
// exec --aws-env

export interface AwsEnvironment {
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for temporary credentials, AWS_SESSION_TOKEN. */
  env: Record<string, string>;
  origin: string;
  expires?: Date;
}

/** The credentials `exec --aws-env` passes to the server's environment; EnvironmentError when none resolve. */
export async function resolveAwsEnvironment(options: CloudOptions): Promise<AwsEnvironment> {
  const result = await runChain(createContext(options));
  if (!result.ok) throw chainError(result, "--aws-env needs");
  const { credentials: c, origin } = result.ok;
  const env: Record<string, string> = { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey };
  if (c.sessionToken) env.AWS_SESSION_TOKEN = c.sessionToken;
  return { env, origin: `${origin}${c.sessionToken ? TEMPORARY : ""}`, expires: c.expiration };
}

// ---------------------------------------------------------------------------------------------------------------
// ecs: the account and region the task definitions' secret ARNs name

/** The region of the credential chain's settings (AWS_REGION, AWS_DEFAULT_REGION, the profile's region), if any. */
export async function chainRegion(options: CloudOptions): Promise<string | undefined> {
  return (await regionOf(createContext(options)))?.value;
}

/**
 * The account of the credentials the chain resolves, from STS GetCallerIdentity (AWS_ENDPOINT_URL_STS and the like
 * are honoured). EnvironmentError (exit 3) when no credentials resolve or STS cannot be reached or refuses them.
 */
export async function callerAccount(options: CloudOptions & { region?: string }): Promise<string> {
  const context = createContext(options);
  const result = await runChain(context);
  if (!result.ok) throw chainError(result, "ecs needs the AWS account id (or --account) and so");
  const profile = (await context.profiles())[context.profileName];
  const region = options.region ?? (await regionOf(context))?.value ?? "us-east-1";
  const { STSClient, GetCallerIdentityCommand } = await loadSdk(import("@aws-sdk/client-sts"));
  const client = new STSClient({ ...clientSettings(context), region, credentials: result.ok.credentials, endpoint: endpointFor(context, "STS", profile) });
  try {
    const { Account } = await bounded(context.timeoutMs * 3, () => client.send(new GetCallerIdentityCommand({})));
    if (typeof Account !== "string" || !/^\d{12}$/.test(Account)) throw new Error("malformed response: no 12-digit Account");
    return Account;
  } catch (error) {
    throw new EnvironmentError([
      {
        id: "aws/sts",
        severity: "error",
        message: `STS GetCallerIdentity failed (credentials from ${result.ok.origin}): ${describe(error)}`,
        hint: "pass --account ACCOUNT_ID, or check the network path to STS (AWS_ENDPOINT_URL_STS overrides its address)",
      },
    ]);
  } finally {
    client.destroy();
  }
}
