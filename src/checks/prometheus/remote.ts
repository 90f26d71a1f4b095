/** `remote_write` and `remote_read` (RemoteWriteConfig / RemoteReadConfig UnmarshalYAML), and the headers tracing shares. */
import { decodedDuration } from "../../go/duration.js";
import { PROMETHEUS_RESERVED_HEADERS } from "../../go/headers.js";
import type { Obj, Path, PrometheusContext } from "./context.js";
import { checkLabelSet } from "./global.js";
import { checkHttpClient, checkUrlParses } from "./http-client.js";
import { checkRelabelConfigs } from "./relabel.js";
import { forEachItem, isObj, scalar } from "./values.js";

export function checkRemoteWrite(ctx: PrometheusContext, value: unknown): void {
  const names = new Set<string>();
  forEachItem(value, ["remote_write"], (item, path) => {
    if (!isObj(item)) {
      if (item === null) ctx.error("config/null-section", "empty or null remote write config section", path);
      return;
    }
    if (typeof item.url === "string") checkUrlParses(ctx, item.url, [...path, "url"]);
    checkRelabelConfigs(
      ctx,
      item.write_relabel_configs,
      [...path, "write_relabel_configs"],
      ctx.global.scheme,
      "empty or null relabeling rule in remote write config",
    );
    checkHeaders(ctx, item.headers, [...path, "headers"], "remote");
    checkHttpClient(ctx, item, path);
    if (isObj(item.queue_config)) checkQueueConfig(ctx, item.queue_config, [...path, "queue_config"]);
    const auth = ["basic_auth", "authorization", "oauth2", "sigv4", "azuread", "google_iam"].filter((key) => isObj(item[key]));
    if (auth.length > 1) {
      ctx.error(
        "config/remote-write",
        `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auth.join(" ")}]`,
        [...path, auth[1]!],
      );
    }
    if (isObj(item.azuread)) checkAzureAd(ctx, item.azuread, [...path, "azuread"]);
    const name = scalar(item.name) ?? "";
    if (name !== "" && names.has(name))
      ctx.error("config/remote-write", `found multiple remote write configs with job name ${JSON.stringify(name)}`, [...path, "name"]);
    names.add(name);
  });
}

function checkQueueConfig(ctx: PrometheusContext, queue: Obj, path: Path): void {
  const value = (key: string, fallback: number) => (typeof queue[key] === "number" ? (queue[key] as number) : fallback);
  const maxShards = value("max_shards", 50);
  const minShards = value("min_shards", 1);
  const at = (key: string) => [...path, key];
  if (maxShards <= 0) ctx.error("config/queue-config", "remote write queue max_shards must be positive", at("max_shards"));
  if (minShards <= 0) ctx.error("config/queue-config", "remote write queue min_shards must be positive", at("min_shards"));
  if (minShards > 0 && maxShards > 0 && minShards > maxShards)
    ctx.error("config/queue-config", "remote write queue min_shards must not be greater than max_shards", at("min_shards"));
  if (value("max_samples_per_send", 2000) <= 0)
    ctx.error("config/queue-config", "remote write queue max_samples_per_send must be positive", at("max_samples_per_send"));
  if (value("capacity", 10000) <= 0) ctx.error("config/queue-config", "remote write queue capacity must be positive", at("capacity"));
  const minBackoff = queue.min_backoff === undefined ? 30 : decodedDuration(queue.min_backoff);
  const maxBackoff = queue.max_backoff === undefined ? 5000 : decodedDuration(queue.max_backoff);
  if (minBackoff !== undefined && maxBackoff !== undefined && maxBackoff < minBackoff) {
    ctx.error("config/queue-config", "remote write queue max_backoff must not be less than min_backoff", at("max_backoff"));
  }
}

function checkAzureAd(ctx: PrometheusContext, azure: Obj, path: Path): void {
  const methods = ["managed_identity", "workload_identity", "oauth", "sdk", "certificate"].filter((key) => isObj(azure[key]));
  if (methods.length === 0) {
    ctx.error(
      "config/azuread",
      "must provide an Azure Managed Identity, Azure Workload Identity, Azure OAuth, Azure Certificate or Azure SDK in the Azure AD config",
      path,
    );
  } else if (methods.length > 1) {
    ctx.error("config/azuread", "cannot provide multiple authentication methods in the Azure AD config", path);
  }
  const uuid = /^(urn:uuid:)?\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;
  const checkUuid = (section: string, key: string, label: string) => {
    const owner = azure[section];
    if (!isObj(owner)) return;
    const text = scalar(owner[key]);
    if (text !== undefined && text !== "" && !uuid.test(text))
      ctx.error("config/azuread", `the provided Azure ${label} ${key} is invalid`, [...path, section, key]);
  };
  checkUuid("managed_identity", "client_id", "Managed Identity");
  checkUuid("workload_identity", "client_id", "Workload Identity");
  checkUuid("workload_identity", "tenant_id", "Workload Identity");
  checkUuid("oauth", "client_id", "OAuth");
  checkUuid("certificate", "client_id", "Certificate");
  const scope = scalar(azure.scope);
  if (scope !== undefined && scope !== "" && !/^[\w\s:/.-]+$/.test(scope))
    ctx.error("config/azuread", "the provided scope contains invalid characters", [...path, "scope"]);
}

export function checkHeaders(ctx: PrometheusContext, value: unknown, path: Path, kind: "remote" | "tracing"): void {
  if (!isObj(value)) return;
  for (const name of Object.keys(value)) {
    const lower = name.toLowerCase();
    if (lower === "authorization") {
      ctx.error(
        "config/headers",
        kind === "remote"
          ? "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter"
          : "custom authorization header configuration is not yet supported",
        [...path, name],
        true,
      );
    } else if (PROMETHEUS_RESERVED_HEADERS.has(lower)) {
      ctx.error("config/headers", `${name} is a reserved header. It must not be changed`, [...path, name], true);
    }
  }
}

export function checkRemoteRead(ctx: PrometheusContext, value: unknown): void {
  const names = new Set<string>();
  forEachItem(value, ["remote_read"], (item, path) => {
    if (!isObj(item)) {
      if (item === null) ctx.error("config/null-section", "empty or null remote read config section", path);
      return;
    }
    if (typeof item.url === "string") checkUrlParses(ctx, item.url, [...path, "url"]);
    checkHeaders(ctx, item.headers, [...path, "headers"], "remote");
    checkHttpClient(ctx, item, path);
    checkLabelSet(ctx, item.required_matchers, [...path, "required_matchers"], "utf8");
    const name = scalar(item.name) ?? "";
    if (name !== "" && names.has(name))
      ctx.error("config/remote-read", `found multiple remote read configs with job name ${JSON.stringify(name)}`, [...path, "name"]);
    names.add(name);
  });
}
