/**
 * Plain Kubernetes objects running the promplate images (their entrypoint renders the configs at start): per service
 * a ServiceAccount, a Service and a workload — Prometheus a StatefulSet with a volume claim (a StatefulSet and a
 * Service per shard: each shard scrapes other targets, so one Service across them would answer with a random part),
 * Alertmanager a Deployment — with the images' user (uid/gid 10001), the non-secret values in `env` and the secrets
 * mounted at /run/secrets, where the images read /run/secrets/NAME. Pure data: nothing here reads or writes.
 */
import type { Manifest } from "./validate.js";

/** The images' user and group (Dockerfile.prometheus, Dockerfile.alertmanager). */
export const IMAGE_USER = 10001;

/** Tells the pods (and Service) of one shard of a sharded Prometheus apart. */
const SHARD_LABEL = "promplate/shard";

export type ServerService = "prometheus" | "alertmanager";

const SERVERS: Record<ServerService, { port: number; data: string }> = {
  prometheus: { port: 9090, data: "/prometheus" },
  alertmanager: { port: 9093, data: "/alertmanager" },
};

/** Read access to what kubernetes_sd_configs discovers (every role), as Prometheus' own examples grant it. */
const DISCOVERY_RULES = [
  { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
  { nonResourceURLs: ["/metrics"], verbs: ["get"] },
];

export interface ServiceWorkloadOptions {
  service: ServerService;
  instance: string;
  namespace: string;
  image: string;
  /** Non-secret values, by variable name, plus PROMPLATE_INSTANCE / PROMPLATE_SHARD. */
  env: Record<string, string>;
  /** The Secrets mounted together at /run/secrets (one file per key). */
  secretNames: string[];
  /** Prometheus: how many shards (a StatefulSet each, PROMPLATE_SHARD set) when the instance is sharded. */
  shards?: number;
  /** Prometheus: the config discovers Kubernetes objects, so its ServiceAccount needs read access and its token. */
  kubernetesDiscovery?: boolean;
  /** Prometheus: the size each shard's volume claim asks for. */
  storage: string;
}

export function serviceLabels(service: string, instance: string): Record<string, string> {
  return { "app.kubernetes.io/name": service, "app.kubernetes.io/instance": instance, "app.kubernetes.io/managed-by": "promplate" };
}

/** The objects of one service of one instance, in the order `kubectl apply` needs them. */
export function serviceManifests(options: ServiceWorkloadOptions): Manifest[] {
  const { service, instance, namespace } = options;
  const name = `${instance}-${service}`;
  const labels = serviceLabels(service, instance);
  const metadata = (objectName: string, extra: Record<string, string> = {}) => ({ name: objectName, namespace, labels: { ...labels, ...extra } });
  const manifests: Manifest[] = [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: metadata(name),
      // Only a Prometheus that discovers Kubernetes objects talks to the API server.
      automountServiceAccountToken: options.kubernetesDiscovery === true,
    },
  ];
  if (options.kubernetesDiscovery) {
    // Cluster-wide objects: the namespace in the name keeps two installations apart.
    const roleName = `${namespace}-${name}`;
    manifests.push(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: metadata(roleName), rules: DISCOVERY_RULES },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: metadata(roleName),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
        subjects: [{ kind: "ServiceAccount", name, namespace }],
      },
    );
  }
  const { port } = SERVERS[service];
  const serviceOf = (shard: number | undefined): Manifest => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: shard === undefined ? metadata(name) : metadata(`${name}-${shard}`, { [SHARD_LABEL]: String(shard) }),
    spec: { selector: selectorOf(labels, shard), ports: [{ name: "web", port, targetPort: "web" }] },
  });
  const shards = service === "prometheus" ? (options.shards ?? 1) : 1;
  if (shards === 1) manifests.push(serviceOf(undefined));
  else for (let shard = 0; shard < shards; shard++) manifests.push(serviceOf(shard));
  if (service === "prometheus") {
    for (let shard = 0; shard < shards; shard++) manifests.push(prometheusStatefulSet(options, shards > 1 ? shard : undefined));
  } else {
    manifests.push(alertmanagerDeployment(options));
  }
  return manifests;
}

function selectorOf(labels: Record<string, string>, shard?: number): Record<string, string> {
  const selector = { "app.kubernetes.io/name": labels["app.kubernetes.io/name"]!, "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]! };
  return shard === undefined ? selector : { ...selector, [SHARD_LABEL]: String(shard) };
}

function podSpec(options: ServiceWorkloadOptions, env: Record<string, string>, volumes: unknown[]): Record<string, unknown> {
  const { service } = options;
  const { port, data } = SERVERS[service];
  const mounts: unknown[] = [{ name: "data", mountPath: data }];
  const podVolumes = [...volumes];
  if (options.secretNames.length > 0) {
    mounts.push({ name: "secrets", mountPath: "/run/secrets", readOnly: true });
    // One folder for all of them: the images read /run/secrets/NAME whichever Secret holds NAME.
    podVolumes.push({ name: "secrets", projected: { defaultMode: 0o440, sources: options.secretNames.map((name) => ({ secret: { name } })) } });
  }
  return {
    serviceAccountName: `${options.instance}-${service}`,
    automountServiceAccountToken: options.kubernetesDiscovery === true,
    securityContext: { runAsNonRoot: true, runAsUser: IMAGE_USER, runAsGroup: IMAGE_USER, fsGroup: IMAGE_USER },
    containers: [
      {
        name: service,
        image: options.image,
        ...(Object.keys(env).length > 0 ? { env: Object.entries(env).map(([name, value]) => ({ name, value })) } : {}),
        ports: [{ name: "web", containerPort: port }],
        readinessProbe: { httpGet: { path: "/-/ready", port: "web" } },
        volumeMounts: mounts,
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      },
    ],
    ...(podVolumes.length > 0 ? { volumes: podVolumes } : {}),
  };
}

function prometheusStatefulSet(options: ServiceWorkloadOptions, shard: number | undefined): Manifest {
  const base = `${options.instance}-prometheus`;
  const labels = serviceLabels("prometheus", options.instance);
  const name = shard === undefined ? base : `${base}-${shard}`;
  const podLabels = shard === undefined ? labels : { ...labels, [SHARD_LABEL]: String(shard) };
  const env = shard === undefined ? options.env : { ...options.env, PROMPLATE_SHARD: String(shard) };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: options.namespace, labels: podLabels },
    spec: {
      replicas: 1,
      // The shard's own Service (named as the StatefulSet).
      serviceName: name,
      selector: { matchLabels: selectorOf(labels, shard) },
      template: { metadata: { labels: podLabels }, spec: podSpec(options, env, []) },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: options.storage } } } }],
    },
  };
}

function alertmanagerDeployment(options: ServiceWorkloadOptions): Manifest {
  const labels = serviceLabels("alertmanager", options.instance);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${options.instance}-alertmanager`, namespace: options.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorOf(labels) },
      template: { metadata: { labels }, spec: podSpec(options, options.env, [{ name: "data", emptyDir: {} }]) },
    },
  };
}

/** A Secret written from values promplate holds (`--inline-secrets`): the file holding it is 0600 and kept out of git. */
export function inlineSecret(name: string, namespace: string, labels: Record<string, string>, values: Record<string, string>): Manifest {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace, labels }, type: "Opaque", stringData: values };
}
