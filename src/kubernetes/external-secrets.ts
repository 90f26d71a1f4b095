/**
 * Secrets reach Kubernetes through the External Secrets Operator: each secret variable's `x-source` becomes a
 * `data` entry of an `ExternalSecret` (external-secrets.io/v1) whose target Secret holds one key per variable,
 * named after it. promplate never writes the stores, and never a `target.template` (ESO would evaluate the servers'
 * own Go templates). The mapping follows each ESO provider's conventions; what a reference cannot say (the region,
 * the Vault server, the GCP project, the Azure vault, the Secret's namespace) is the store's, and is told as a note.
 */
import { BadInputError } from "../errors.js";
import type { Finding } from "../finding.js";
import type { VariableDeclaration } from "../project.js";
import type { Manifest } from "./validate.js";

export type StoreKind = "ssm" | "secretsmanager" | "vault" | "k8s" | "gcp" | "azure";

export const STORE_KINDS: readonly StoreKind[] = ["ssm", "secretsmanager", "vault", "k8s", "gcp", "azure"];

/** What the ESO provider behind each kind of store is. */
const PROVIDERS: Record<StoreKind, string> = {
  ssm: "aws (service: ParameterStore)",
  secretsmanager: "aws (service: SecretsManager)",
  vault: "vault (KV version 2)",
  k8s: "kubernetes",
  gcp: "gcpsm",
  azure: "azurekv",
};

export interface RemoteRef {
  key: string;
  property?: string;
  version?: string;
}

export interface SecretReference {
  kind: StoreKind;
  remoteRef: RemoteRef;
  /** What the store must be set to for this reference (its scope), e.g. `projectID: my-project`. */
  scope?: string;
}

/**
 * Maps an `x-source` (with `{instance}` already expanded) to an ESO remote reference; an error message when it
 * cannot. `region` is the instance's AWS region (its `values.AWS_REGION`): an ESO aws store reads one region, so it
 * is the store's scope; without it the store's own region applies.
 */
export function remoteRefOf(source: string, region?: string): SecretReference | { error: string } {
  const colon = source.indexOf(":");
  const prefix = source.slice(0, colon);
  const rest = source.slice(colon + 1);
  const regionScope = region ? { scope: `region: ${region}` } : {};
  switch (prefix) {
    case "ssm":
      return rest ? { kind: "ssm", remoteRef: { key: rest }, ...regionScope } : { error: "ssm: needs a parameter path" };
    case "secretsmanager": {
      const [name, key] = splitOnce(rest, "#");
      if (!name) return { error: "secretsmanager: needs a secret name" };
      return { kind: "secretsmanager", remoteRef: key ? { key: name, property: key } : { key: name }, ...regionScope };
    }
    case "vault": {
      // vault:MOUNT/PATH#KEY[@VERSION]. ESO reads key MOUNT/PATH with the store's path unset (the first segment is the
      // mount) or set to the mount (a mount with a `/` needs that).
      const match = /^([^#]+\/[^#]+)#([^@]+)(?:@(\d+))?$/.exec(rest);
      if (!match) return { error: "vault: is vault:MOUNT/PATH#KEY or vault:MOUNT/PATH#KEY@VERSION" };
      const remoteRef: RemoteRef = { key: match[1]!, property: match[2]! };
      if (match[3]) remoteRef.version = match[3];
      return { kind: "vault", remoteRef };
    }
    case "k8s": {
      const match = /^([a-z0-9-]+)\/([^#/]+)#(.+)$/.exec(rest);
      if (!match) return { error: "k8s: is k8s:NAMESPACE/NAME#KEY" };
      return { kind: "k8s", remoteRef: { key: match[2]!, property: match[3]! }, scope: `remoteNamespace: ${match[1]}` };
    }
    case "gcp": {
      const match = /^projects\/([^/]+)\/secrets\/([^/]+)(?:\/versions\/([^/]+))?$/.exec(rest);
      if (!match) return { error: "gcp: is gcp:projects/PROJECT/secrets/NAME or …/versions/VERSION" };
      const remoteRef: RemoteRef = { key: match[2]! };
      if (match[3]) remoteRef.version = match[3];
      return { kind: "gcp", remoteRef, scope: `projectID: ${match[1]}` };
    }
    case "azure": {
      const match = /^([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(rest);
      if (!match) return { error: "azure: is azure:VAULT_NAME/SECRET or azure:VAULT_NAME/SECRET/VERSION" };
      const remoteRef: RemoteRef = { key: `secret/${match[2]}` };
      if (match[3]) remoteRef.version = match[3];
      return { kind: "azure", remoteRef, scope: `vaultUrl: https://${match[1]}.vault.azure.net` };
    }
    default:
      return { error: `no External Secrets provider is known for \`${prefix}:\`; these map: ${STORE_KINDS.map((k) => `${k}:`).join(" ")}` };
  }
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** `--secret-store`: a store for every kind, or `KIND=NAME` for one kind. */
export interface StoreNames {
  all?: string;
  byKind: Partial<Record<StoreKind, string>>;
}

/** Parses the `--secret-store` values (exit 2 for an unknown kind). */
export function parseStoreNames(values: readonly string[]): StoreNames {
  const names: StoreNames = { byKind: {} };
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals === -1) {
      names.all = value;
      continue;
    }
    const kind = value.slice(0, equals);
    if (!(STORE_KINDS as readonly string[]).includes(kind)) {
      throw new BadInputError([
        {
          id: "input/flag",
          severity: "error",
          message: `--secret-store ${value}: ${kind} is not a kind of store`,
          hint: `give NAME for every store, or KIND=NAME with KIND one of ${STORE_KINDS.join(", ")}`,
        },
      ]);
    }
    names.byKind[kind as StoreKind] = value.slice(equals + 1);
  }
  return names;
}

export interface ExternalSecretEntry {
  variable: VariableDeclaration;
  /** The x-source with `{instance}` expanded. */
  source: string;
  reference: SecretReference;
}

/**
 * The references of the secret variables, every problem at once: a malformed or unmappable x-source, and stores
 * that cannot be told apart (an ESO store is one provider, so several kinds need one `--secret-store KIND=NAME` each;
 * and one scope: a store reads one AWS region, one GCP project, one Azure vault, one namespace). `{instance}` in a
 * store's name is the instance's name, so each instance can have its own store (`--secret-store ssm=aws-{instance}`).
 */
export function secretReferences(
  variables: readonly VariableDeclaration[],
  instance: { expand: (source: string) => string; region?: string },
  stores: StoreNames,
  problems: Finding[],
): { entries: ExternalSecretEntry[]; storeOf: (kind: StoreKind) => string; notes: string[]; scopes: StoreScope[] } {
  const entries: ExternalSecretEntry[] = [];
  for (const variable of variables) {
    const source = instance.expand(variable.source!);
    const reference = remoteRefOf(source, instance.region);
    if ("error" in reference) {
      problems.push({
        id: "kubernetes/x-source",
        severity: "error",
        message: `${variable.name}: x-source \`${source}\` cannot become an ExternalSecret: ${reference.error}`,
        file: "promplate.yaml",
        line: variable.line,
        column: variable.column,
      });
      continue;
    }
    entries.push({ variable, source, reference });
  }
  const kinds = [...new Set(entries.map((e) => e.reference.kind))];
  const storeOf = (kind: StoreKind) => instance.expand(stores.byKind[kind] ?? stores.all ?? "");
  const unnamed = kinds.filter((kind) => !stores.byKind[kind] && (!stores.all || kinds.filter((k) => !stores.byKind[k]).length > 1));
  if (unnamed.length > 0) {
    const several = kinds.length > 1;
    problems.push({
      id: "kubernetes/secret-store",
      severity: "error",
      message: several
        ? `the secrets come from ${kinds.join(", ")}: an External Secrets store reads one provider, so each kind needs its own store`
        : `the secrets come from ${kinds[0]}: name the External Secrets store that reads it`,
      hint: several ? unnamed.map((kind) => `--secret-store ${kind}=NAME`).join(" ") : "--secret-store NAME",
    });
  }
  const notes: string[] = [];
  const storeScopes: StoreScope[] = [];
  for (const kind of kinds) {
    const scopes = [...new Set(entries.filter((e) => e.reference.kind === kind && e.reference.scope).map((e) => e.reference.scope!))];
    if (scopes.length > 1) {
      problems.push({
        id: "kubernetes/secret-store",
        severity: "error",
        message: `the ${kind}: sources need a store with ${scopes.join(" and one with ")}: one store has one`,
        hint: `keep the ${kind}: secrets of an instance in one place`,
      });
    }
    const store = storeOf(kind) || "(unnamed)";
    notes.push(`store ${store} must be an External Secrets ${PROVIDERS[kind]} store${scopes.length === 1 ? ` with ${scopes[0]}` : ""}`);
    if (scopes.length === 1) storeScopes.push({ store, kind, scope: scopes[0]! });
  }
  return { entries, storeOf, notes, scopes: storeScopes };
}

/** What one instance needs of a store it names: the store reads `kind` with `scope` (e.g. `region: eu-west-1`). */
export interface StoreScope {
  store: string;
  kind: StoreKind;
  scope: string;
}

/**
 * Instances sharing a store must agree on its scope: one store reads one region (project, vault, namespace). Exit 2
 * naming the instances and the `{instance}` store names that give each its own.
 */
export function refuseStoreScopeClashes(byInstance: ReadonlyMap<string, readonly StoreScope[]>): void {
  const needs = new Map<string, { kind: StoreKind; scopes: Map<string, string[]> }>();
  for (const [instance, scopes] of byInstance) {
    for (const { store, kind, scope } of scopes) {
      const need = needs.get(store) ?? { kind, scopes: new Map<string, string[]>() };
      need.scopes.set(scope, [...(need.scopes.get(scope) ?? []), instance]);
      needs.set(store, need);
    }
  }
  const problems: Finding[] = [];
  for (const [store, { kind, scopes }] of needs) {
    if (scopes.size < 2) continue;
    problems.push({
      id: "kubernetes/secret-store",
      severity: "error",
      message: `store ${store} would need ${[...scopes].map(([scope, instances]) => `${scope} (${instances.join(", ")})`).join(" and ")}: an External Secrets store has one`,
      hint: `name a store per instance, e.g. --secret-store ${kind}=${store}-{instance} ({instance} is the instance's name)`,
    });
  }
  if (problems.length > 0) throw new BadInputError(problems);
}

export interface ExternalSecretOptions {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  storeKind: "SecretStore" | "ClusterSecretStore";
  storeOf: (kind: StoreKind) => string;
}

/** The ExternalSecrets of one service, and which Secret (same name as its ExternalSecret) holds each variable. */
export function externalSecrets(
  entries: readonly ExternalSecretEntry[],
  options: ExternalSecretOptions,
): { manifests: Manifest[]; holders: Map<string, string> } {
  const kinds = [...new Set(entries.map((e) => e.reference.kind))];
  const holders = new Map<string, string>();
  // One ExternalSecret reads one store, and two filling one Secret would fight over it: secrets from several kinds
  // of store make one ExternalSecret and one Secret each (named with the kind).
  const manifests: Manifest[] = kinds.map((kind) => {
    const name = kinds.length === 1 ? options.name : `${options.name}-${kind}`;
    const ofKind = entries.filter((e) => e.reference.kind === kind);
    for (const entry of ofKind) holders.set(entry.variable.name, name);
    return {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name, namespace: options.namespace, labels: options.labels },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { name: options.storeOf(kind), kind: options.storeKind },
        target: { name, creationPolicy: "Owner" },
        data: ofKind.map((e) => ({ secretKey: e.variable.name, remoteRef: e.reference.remoteRef })),
      },
    };
  });
  return { manifests, holders };
}
