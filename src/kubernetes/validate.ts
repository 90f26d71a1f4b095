/**
 * Validation of generated manifests before anything is written: each object against the schema its kind has in
 * the pinned model packages, plus what `kubectl --validate=strict` adds and the packages alone do not — an unknown
 * field (`spec.replcas`) is an error. The packages' validators are compiled code with no schema to read, so the
 * fields a schema knows are learnt by watching which ones its validator reads: a field of an object the validator
 * looked at, and never read, is one the schema does not have. Maps (labels, stringData) are read whole, and
 * free-form objects (a schema with no properties) are not looked at, so neither is flagged.
 */
import type { Finding } from "../finding.js";

/** A Kubernetes object as written: plain data. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Where the schemas come from: the model packages and the upstream versions they were generated from (README says the same). */
export const SCHEMA_SOURCES = [
  { package: "kubernetes-models", version: "5.1.0", upstream: "Kubernetes v1.36.0" },
  { package: "@kubernetes-models/prometheus-operator", version: "6.0.0", upstream: "prometheus-operator v0.91.0" },
  { package: "@kubernetes-models/external-secrets", version: "2.0.0", upstream: "External Secrets Operator v0.16.2" },
] as const;

type Validated = { prototype: { validate(): void } };

/** The model of each kind promplate writes (or checks a snippet against), loaded only when validating. */
const MODELS: Record<string, () => Promise<Validated>> = {
  "v1/Secret": async () => (await import("kubernetes-models/v1/Secret")).Secret,
  "v1/Service": async () => (await import("kubernetes-models/v1/Service")).Service,
  "v1/ServiceAccount": async () => (await import("kubernetes-models/v1/ServiceAccount")).ServiceAccount,
  "apps/v1/StatefulSet": async () => (await import("kubernetes-models/apps/v1/StatefulSet")).StatefulSet,
  "apps/v1/Deployment": async () => (await import("kubernetes-models/apps/v1/Deployment")).Deployment,
  "rbac.authorization.k8s.io/v1/ClusterRole": async () => (await import("kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole")).ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": async () =>
    (await import("kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding")).ClusterRoleBinding,
  "monitoring.coreos.com/v1/PrometheusRule": async () =>
    (await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule")).PrometheusRule,
  "monitoring.coreos.com/v1/Prometheus": async () => (await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus")).Prometheus,
  "monitoring.coreos.com/v1/Alertmanager": async () =>
    (await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Alertmanager")).Alertmanager,
  "external-secrets.io/v1/ExternalSecret": async () =>
    (await import("@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret")).ExternalSecret,
};

/** The kinds validateManifest knows, as `apiVersion/kind`. */
export const VALIDATED_KINDS = Object.keys(MODELS);

/** What a validator did with one object or array of the manifest. */
interface Visit {
  path: string;
  keys: string[];
  read: Set<string>;
  /** Enumerated (a map, or additionalProperties): every key is the schema's. */
  enumerated: boolean;
  touched: boolean;
}

/** A view of `value` that records, for every object in it, which fields are read. */
function watched(value: unknown, path: string, visits: Visit[]): unknown {
  if (value === null || typeof value !== "object") return value;
  const visit: Visit = { path, keys: Array.isArray(value) ? [] : Object.keys(value), read: new Set(), enumerated: false, touched: false };
  visits.push(visit);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      visit.touched = true;
      const field = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== "string") return field;
      visit.read.add(key);
      if (field === null || typeof field !== "object") return field;
      if (!children.has(key)) children.set(key, watched(field, Array.isArray(target) ? `${path}[${key}]` : path ? `${path}.${key}` : key, visits));
      return children.get(key);
    },
    has(target, key) {
      visit.touched = true;
      if (typeof key === "string") visit.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      visit.touched = true;
      visit.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * What Kubernetes requires of an object's name and the schemas do not say: a Service's name is a DNS-1035 label (a
 * letter first, at most 63), and a StatefulSet's pods carry the label `controller-revision-hash: <name>-<hash of up
 * to 10>`, whose value has at most 63 characters, so a longer name is applied but never gets a pod. Every other
 * name is a DNS-1123 subdomain.
 */
function nameProblem(kind: string, name: string): string | undefined {
  if (kind === "Service" && !(/^[a-z]/.test(name) && DNS_LABEL.test(name) && name.length <= 63)) {
    return "a Service name starts with a letter and has at most 63 lower-case letters, digits and -";
  }
  if (kind === "StatefulSet" && !(DNS_LABEL.test(name) && name.length <= 52)) {
    return "a StatefulSet name has at most 52 characters (its pods' controller-revision-hash label adds 11 to it, and a label value has at most 63)";
  }
  if (!DNS_SUBDOMAIN.test(name)) return "a name is lower-case letters, digits, - and ., at most 253";
  return undefined;
}

/** The problems of one manifest (none when it is valid); `file` is where it is to be written, for the messages. */
export async function validateManifest(manifest: Manifest, file: string): Promise<Finding[]> {
  const type = `${manifest.apiVersion}/${manifest.kind}`;
  const what = `${file}: ${manifest.kind} ${manifest.metadata?.name ?? "(no name)"}`;
  const load = MODELS[type];
  if (!load) return [{ id: "kubernetes/kind", severity: "error", message: `${what}: promplate has no schema for ${type}` }];
  const badName = typeof manifest.metadata?.name === "string" ? nameProblem(manifest.kind, manifest.metadata.name) : undefined;
  if (badName) {
    return [
      {
        id: "kubernetes/name",
        severity: "error",
        message: `${what}: Kubernetes would not run it: ${badName}`,
        hint: "object names start with the instance's name: give the instance a shorter name, starting with a letter",
      },
    ];
  }
  const model = await load();
  const visits: Visit[] = [];
  try {
    model.prototype.validate.call(watched(manifest, "", visits));
  } catch (error) {
    // A validator stops reading at its first failing branch: unknown fields are only told once the schema holds.
    return [{ id: "kubernetes/schema", severity: "error", message: `${what} does not match its schema: ${(error as Error).message}` }];
  }
  const unknown = visits.flatMap((visit) =>
    visit.touched && !visit.enumerated ? visit.keys.filter((key) => !visit.read.has(key)).map((key) => (visit.path ? `${visit.path}.${key}` : key)) : [],
  );
  return unknown.map((field) => ({
    id: "kubernetes/unknown-field",
    severity: "error",
    message: `${what}: unknown field "${field}" (kubectl --validate=strict rejects it)`,
  }));
}

/** Validates every manifest; all problems together. */
export async function validateManifests(manifests: readonly { manifest: Manifest; file: string }[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { manifest, file } of manifests) findings.push(...(await validateManifest(manifest, file)));
  return findings;
}
