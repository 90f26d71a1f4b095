/**
 * `k8s:NAMESPACE/NAME#KEY`: a key of a Kubernetes Secret, read through the API server
 * (GET /api/v1/namespaces/NAMESPACE/secrets/NAME, `data[KEY]` base64-decoded).
 *
 * A small client on node:https and the `yaml` package rather than @kubernetes/client-node: that package (2.0.1)
 * installs 83 MB, takes about half a second to load, and does not load on Node 20 (its undici needs Node 22), while
 * one GET with a bearer token or a client certificate is all that is needed here.
 *
 * Where the API server and credentials come from, as controller-runtime looks for them: a kubeconfig when
 * `--kube-context` or KUBECONFIG is given; else the in-cluster config when KUBERNETES_SERVICE_HOST is set (the pod's
 * service-account token and CA under /var/run/secrets/kubernetes.io/serviceaccount, moved by
 * PROMPLATE_SERVICE_ACCOUNT_DIR); else ~/.kube/config. From a kubeconfig: the server, its CA (data or file) and the
 * user's token, token file or client certificate and key; `exec` plugins and `auth-provider`s are refused.
 */
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { answerError, addressOf, requestJson } from "./http.js";
import { SERVICE_ACCOUNT_DIR, StoreError, type SecretStore, type StoreContext, readFailure, readSettingFile } from "./store.js";

export interface KubernetesSecretReference {
  namespace: string;
  name: string;
  key: string;
}

const STORE = "k8s";
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

export function parseKubernetesReference(text: string): KubernetesSecretReference | { error: string } {
  const match = /^([^/#]*)\/([^/#]*)#(.*)$/.exec(text);
  const shape = "is not k8s:NAMESPACE/NAME#KEY";
  if (!match) return { error: shape };
  const [, namespace, name, key] = match as unknown as [string, string, string, string];
  if (!DNS_LABEL.test(namespace)) return { error: `${shape}: the namespace \`${namespace.slice(0, 70)}\` is not a Kubernetes namespace name` };
  if (!DNS_SUBDOMAIN.test(name)) return { error: `${shape}: \`${name.slice(0, 70)}\` is not a Kubernetes Secret name` };
  if (!SECRET_KEY.test(key)) return { error: `${shape}: the key \`${key.slice(0, 70)}\` may hold only letters, digits, -, _ and .` };
  return { namespace, name, key };
}

/** The API server and how to call it. */
interface Connection {
  server: URL;
  headers: Record<string, string>;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
  /** Where the settings came from, for messages: `in-cluster`, `kubeconfig context "prod"`. */
  origin: string;
  secrets: string[];
}

const connections = new WeakMap<StoreContext, Promise<Connection>>();

export const store: SecretStore<KubernetesSecretReference> = {
  prefix: STORE,
  parse: parseKubernetesReference,
  hint: "check KUBECONFIG and --kube-context (or, in a pod, its service account), and that the account may get the Secret (RBAC: get on secrets in its namespace); PROMPLATE_STORE_TIMEOUT_MS bounds each request",
  describe: (reference) => `${STORE}: ${reference.namespace}/${reference.name}#${reference.key}`,
  async fetch(reference, context) {
    let connection = connections.get(context);
    if (!connection) {
      connection = connect(context);
      connections.set(context, connection);
    }
    return readSecret(reference, await connection, context);
  },
};

async function readSecret(reference: KubernetesSecretReference, connection: Connection, context: StoreContext): Promise<string | undefined> {
  const base = connection.server.href.endsWith("/") ? connection.server.href : `${connection.server.href}/`;
  const url = new URL(`api/v1/namespaces/${reference.namespace}/secrets/${reference.name}`, base);
  const answer = await requestJson({
    store: STORE,
    method: "GET",
    url,
    headers: connection.headers,
    timeoutMs: context.timeoutMs,
    tls: connection.tls,
    secrets: connection.secrets,
  });
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw answerError(STORE, url, answer, connection.secrets, `${connection.origin}: `);
  // A 200 that is not a Secret (a proxy's page, say) is a malformed answer, not a missing key.
  if (!answer.json || typeof answer.json !== "object" || (answer.json as { kind?: unknown }).kind !== "Secret") {
    throw new StoreError(STORE, addressOf(url), "a malformed answer: not a Kubernetes Secret object (the body is not shown)", answer.status);
  }
  const data = (answer.json as { data?: Record<string, unknown> } | undefined)?.data;
  const encoded = data && Object.hasOwn(data, reference.key) ? data[reference.key] : undefined;
  if (typeof encoded !== "string") throw new StoreError(STORE, addressOf(url), `the Secret has no key "${reference.key}"`, answer.status);
  return Buffer.from(encoded, "base64").toString("utf8");
}

async function connect(context: StoreContext): Promise<Connection> {
  const { env } = context;
  if (context.kubeContext || env.KUBECONFIG) return fromKubeconfig(context);
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(context);
  return fromKubeconfig(context);
}

async function inCluster(context: StoreContext): Promise<Connection> {
  const { env } = context;
  const host = env.KUBERNETES_SERVICE_HOST!;
  const server = new URL(`https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || "443"}`);
  const dir = env.PROMPLATE_SERVICE_ACCOUNT_DIR || SERVICE_ACCOUNT_DIR;
  const read = async (name: string) => {
    try {
      return await readSettingFile(join(dir, name));
    } catch (error) {
      throw new StoreError(STORE, server.origin, `in-cluster config: ${join(dir, name)} cannot be read (${readFailure(error)})`);
    }
  };
  const token = (await read("token")).toString("utf8").trim();
  return {
    server,
    headers: { authorization: `Bearer ${token}` },
    tls: { ca: await read("ca.crt") },
    origin: "in-cluster service account",
    secrets: [token],
  };
}

interface Named<T> {
  name?: unknown;
  [field: string]: T | unknown;
}

/** One kubeconfig file, as far as it is read here. */
interface KubeconfigFile {
  path: string;
  currentContext?: string;
  contexts: Named<unknown>[];
  clusters: Named<unknown>[];
  users: Named<unknown>[];
}

async function fromKubeconfig(context: StoreContext): Promise<Connection> {
  const { env } = context;
  const home = context.home ?? (env.HOME || undefined);
  const paths = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : home ? [join(home, ".kube", "config")] : [];
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = (await readSettingFile(path)).toString("utf8");
    } catch (error) {
      // KUBECONFIG may list files that do not exist (kubectl skips them); one that exists and cannot be read is a problem.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new StoreError(STORE, path, `kubeconfig cannot be read (${readFailure(error)})`);
    }
    let data: Record<string, unknown>;
    try {
      data = (parse(text) ?? {}) as Record<string, unknown>;
    } catch {
      throw new StoreError(STORE, path, "kubeconfig is not valid YAML");
    }
    const list = (field: string) => (Array.isArray(data[field]) ? (data[field] as Named<unknown>[]) : []);
    files.push({
      path,
      currentContext: typeof data["current-context"] === "string" ? data["current-context"] : undefined,
      contexts: list("contexts"),
      clusters: list("clusters"),
      users: list("users"),
    });
  }
  if (files.length === 0) {
    throw new StoreError(
      STORE,
      paths.join(delimiter) || "~/.kube/config",
      "no Kubernetes configuration: run in a pod (KUBERNETES_SERVICE_HOST and a service-account token), or set KUBECONFIG or create ~/.kube/config",
    );
  }
  // As kubectl merges KUBECONFIG: the first file to name a context, cluster or user wins, and the first current-context.
  const find = (field: "contexts" | "clusters" | "users", name: string) => {
    for (const file of files) {
      const entry = file[field].find((e) => e?.name === name);
      if (entry) return { file, entry };
    }
    return undefined;
  };
  const where = files.map((f) => f.path).join(delimiter);
  const contextName = context.kubeContext || files.find((f) => f.currentContext)?.currentContext;
  if (!contextName) throw new StoreError(STORE, where, "the kubeconfig has no current-context: pass --kube-context NAME");
  const chosen = find("contexts", contextName);
  const settings = (chosen?.entry.context ?? undefined) as { cluster?: unknown; user?: unknown } | undefined;
  if (!settings) throw new StoreError(STORE, where, `the kubeconfig has no context "${contextName}"`, undefined, Boolean(context.kubeContext));
  const cluster = typeof settings.cluster === "string" ? find("clusters", settings.cluster) : undefined;
  const clusterSettings = cluster?.entry.cluster as Record<string, unknown> | undefined;
  if (!clusterSettings || typeof clusterSettings.server !== "string") {
    throw new StoreError(STORE, where, `context "${contextName}": its cluster "${String(settings.cluster)}" is missing or has no server`);
  }
  let server: URL;
  try {
    server = new URL(clusterSettings.server);
  } catch {
    throw new StoreError(STORE, where, `context "${contextName}": the cluster's server is not a URL`);
  }
  const origin = `kubeconfig context "${contextName}"`;
  const fileOf = async (owner: KubeconfigFile, path: string, what: string) => {
    const full = isAbsolute(path) ? path : join(dirname(owner.path), path);
    try {
      return await readSettingFile(full);
    } catch (error) {
      throw new StoreError(STORE, server.origin, `${origin}: ${what} ${full} cannot be read (${readFailure(error)})`);
    }
  };
  const tls: Connection["tls"] = {};
  if (typeof clusterSettings["certificate-authority-data"] === "string") tls.ca = Buffer.from(clusterSettings["certificate-authority-data"], "base64");
  else if (typeof clusterSettings["certificate-authority"] === "string")
    tls.ca = await fileOf(cluster!.file, clusterSettings["certificate-authority"], "certificate-authority");
  if (clusterSettings["insecure-skip-tls-verify"] === true) tls.rejectUnauthorized = false;

  const user = typeof settings.user === "string" ? find("users", settings.user) : undefined;
  const userSettings = (user?.entry.user ?? {}) as Record<string, unknown>;
  if (userSettings.exec || userSettings["auth-provider"]) {
    const plugin = userSettings.exec
      ? `an exec credential plugin (${String((userSettings.exec as { command?: unknown }).command ?? "?")})`
      : "an auth-provider";
    throw new StoreError(
      STORE,
      server.origin,
      `${origin}: its user "${String(settings.user)}" gets credentials from ${plugin}, which promplate does not run: use a kubeconfig with a token or a client certificate (e.g. a service account's), or run in the cluster`,
    );
  }
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  let token = typeof userSettings.token === "string" ? userSettings.token : undefined;
  if (!token && typeof userSettings.tokenFile === "string") token = (await fileOf(user!.file, userSettings.tokenFile, "tokenFile")).toString("utf8").trim();
  if (token) {
    headers.authorization = `Bearer ${token}`;
    secrets.push(token);
  }
  if (typeof userSettings["client-certificate-data"] === "string") tls.cert = Buffer.from(userSettings["client-certificate-data"], "base64");
  else if (typeof userSettings["client-certificate"] === "string")
    tls.cert = await fileOf(user!.file, userSettings["client-certificate"], "client-certificate");
  if (typeof userSettings["client-key-data"] === "string") tls.key = Buffer.from(userSettings["client-key-data"], "base64");
  else if (typeof userSettings["client-key"] === "string") tls.key = await fileOf(user!.file, userSettings["client-key"], "client-key");
  return { server, headers, tls, origin, secrets };
}
