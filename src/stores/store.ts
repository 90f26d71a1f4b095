/**
 * What every secret store behind `x-source` provides (src/stores/*.ts, loaded lazily: only when a variable names
 * that store). The AWS stores (`ssm:`, `secretsmanager:`) live in src/aws.ts and share the credential chain.
 */
import { DEFAULT_MAX_FILE_SIZE, describeReadFailure, readRegularFileBytes } from "../value-files.js";

/**
 * Where Kubernetes mounts a pod's service-account token and CA (used by `k8s:` in a cluster and by Vault's
 * Kubernetes auth); PROMPLATE_SERVICE_ACCOUNT_DIR moves it.
 */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** What a store may read besides the reference itself. */
export interface StoreContext {
  /** The process environment (the core never reads `process.env` itself). */
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home folder (for ~/.vault-token, ~/.kube/config, gcloud's application default credentials). */
  home?: string;
  /** Each request's time limit, in milliseconds. */
  timeoutMs: number;
  /** `--kube-context`, for the `k8s:` store. */
  kubeContext?: string;
}

/**
 * A store's failure, safe to show: the store, the address asked, the HTTP status and the store's own error message
 * — never a response body (it may hold the secret), a token or a key.
 */
export class StoreError extends Error {
  constructor(
    readonly store: string,
    readonly address: string,
    readonly detail: string,
    readonly status?: number,
    /** Whether the user's input is wrong (a malformed reference: exit 2) rather than the environment (exit 3). */
    readonly badInput = false,
  ) {
    super(`${store} at ${address}${status === undefined ? "" : `: HTTP ${status}`}: ${detail}`);
    this.name = "StoreError";
  }
}

export interface SecretStore<Reference> {
  /** The `x-source` prefix, without the colon: `vault`, `k8s`, `gcp`, `azure`. */
  prefix: string;
  /** The text after the prefix, parsed; an error message (no secret in it) when malformed. */
  parse(text: string): Reference | { error: string };
  /** How `vars` shows the source, e.g. `vault: secret/monitoring#webhook`. */
  describe(reference: Reference): string;
  /** What to check when the store cannot be read (the settings it takes), shown as the finding's hint. */
  hint?: string;
  /** The secret's value, or undefined when it does not exist; throws StoreError otherwise. */
  fetch(reference: Reference, context: StoreContext): Promise<string | undefined>;
}

/**
 * A file a store's settings name (a token, a CA, a kubeconfig, a credentials file), read as every other file a user
 * names: a regular file of at most 1 MiB, so a FIFO does not hang the run and /dev/urandom does not fill memory.
 */
export function readSettingFile(path: string): Promise<Buffer> {
  return readRegularFileBytes(path, DEFAULT_MAX_FILE_SIZE, "point it at the file itself");
}

/** Why a setting file could not be read, for a StoreError: `there is no such file`, `it is a FIFO, …`. */
export function readFailure(error: unknown): string {
  return describeReadFailure(error).reason;
}
