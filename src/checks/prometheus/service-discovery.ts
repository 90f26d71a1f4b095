/**
 * Service discovery sections (`<kind>_sd_configs`, `static_configs`): each discovery's own validation
 * (discovery/<kind>/*.go UnmarshalYAML), then its HTTP client or TLS settings.
 */
import { decodedDuration } from "../../go/duration.js";
import { urlProblem, splitUrl } from "../../go/url.js";
import type { Obj, Path, PrometheusContext } from "./context.js";
import { checkLabelSet } from "./global.js";
import { checkHttpClient, checkHttpUrl, checkTls, checkUrlParses } from "./http-client.js";
import { checkKubernetesSd } from "./kubernetes-sd.js";
import { forEachItem, isObj, nonEmpty, scalar } from "./values.js";

export function checkServiceDiscovery(ctx: PrometheusContext, owner: Obj, path: Path): void {
  for (const [key, list] of Object.entries(owner)) {
    const match = /^([a-z0-9]+)_sd_configs$/.exec(key);
    if (key !== "static_configs" && !match) continue;
    const kind = match ? match[1]! : "static";
    forEachItem(list, [...path, key], (item, itemPath) => {
      if (item === null) {
        ctx.error("config/null-section", `empty or null section in ${key}`, itemPath);
        return;
      }
      if (!isObj(item)) return;
      if (kind === "static") {
        checkLabelSet(ctx, item.labels, [...itemPath, "labels"], "utf8");
        return;
      }
      const http = SD_WITH_HTTP.has(kind);
      checkSd(ctx, kind, item, itemPath);
      if (http) checkHttpClient(ctx, item, itemPath);
      else if (isObj(item.tls_config)) checkTls(ctx, item.tls_config, [...itemPath, "tls_config"]);
    });
  }
}

function checkSd(ctx: PrometheusContext, kind: string, sd: Obj, path: Path): void {
  const fail = (id: string, message: string, key?: string) => ctx.error(id, message, key ? [...path, key] : path);
  const empty = (key: string) => sd[key] !== undefined && !nonEmpty(sd[key]);
  const missing = (key: string) => !nonEmpty(sd[key]);
  switch (kind) {
    case "azure": {
      if (empty("subscription_id")) fail("config/azure-sd", "azure SD configuration requires a subscription_id", "subscription_id");
      const method = sd.authentication_method === undefined ? "OAuth" : scalar(sd.authentication_method);
      if (method === "OAuth") {
        for (const key of ["tenant_id", "client_id", "client_secret"])
          if (missing(key)) fail("config/azure-sd", `azure SD configuration requires a ${key}`, sd[key] === undefined ? undefined : key);
      }
      break;
    }
    case "consul": {
      if (sd.server !== undefined && (scalar(sd.server) ?? "").trim() === "")
        fail("config/consul-sd", "consul SD configuration requires a server address", "server");
      if ((nonEmpty(sd.username) || nonEmpty(sd.password)) && isObj(sd.basic_auth)) {
        fail("config/consul-sd", "at most one of consul SD configuration username and password and basic auth can be configured", "basic_auth");
      }
      if (nonEmpty(sd.token) && (isObj(sd.authorization) || isObj(sd.oauth2)))
        fail("config/consul-sd", "at most one of consul SD token, authorization, or oauth2 can be configured", "token");
      break;
    }
    case "docker":
    case "dockerswarm":
      if (empty("host")) fail(kind === "docker" ? "config/docker-sd" : "config/dockerswarm-sd", "host missing", "host");
      else if (typeof sd.host === "string") checkUrlParses(ctx, sd.host, [...path, "host"]);
      break;
    case "dns": {
      if (Array.isArray(sd.names) && sd.names.length === 0) fail("config/dns-sd", "DNS-SD config must contain at least one SRV record name", "names");
      const type = (scalar(sd.type) ?? "SRV").toUpperCase();
      if (["A", "AAAA", "MX", "NS"].includes(type)) {
        if (!sd.port) fail("config/dns-sd", "a port is required in DNS-SD configs for all record types except SRV");
      } else if (type !== "SRV") fail("config/dns-sd", `invalid DNS-SD records type ${scalar(sd.type) ?? ""}`, "type");
      break;
    }
    case "ec2":
      forEachItem(sd.filters, [...path, "filters"], (filter, filterPath) => {
        if (isObj(filter) && (!Array.isArray(filter.values) || filter.values.length === 0))
          ctx.error("config/ec2-sd", "EC2 SD configuration filter values cannot be empty", filterPath);
      });
      break;
    case "eureka": {
      if (empty("server")) {
        fail("config/eureka-sd", "eureka_sd: empty or null eureka server", "server");
        break;
      }
      const server = scalar(sd.server);
      if (server !== undefined && checkUrlParses(ctx, server, [...path, "server"])) {
        const url = splitUrl(server);
        if (!url.scheme || !url.host) fail("config/eureka-sd", "eureka_sd: invalid eureka server URL", "server");
      }
      break;
    }
    case "file":
      if (Array.isArray(sd.files) && sd.files.length === 0)
        fail("config/file-sd", "file service discovery config must contain at least one path name", "files");
      forEachItem(sd.files, [...path, "files"], (name, namePath) => {
        const text = scalar(name);
        if (text !== undefined && !/^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/.test(text)) {
          ctx.error("config/file-sd", `path name ${JSON.stringify(text)} is not valid for file discovery`, namePath);
        }
      });
      break;
    case "gce":
      if (empty("project")) fail("config/gce-sd", "GCE SD configuration requires a project", "project");
      if (empty("zone")) fail("config/gce-sd", "GCE SD configuration requires a zone", "zone");
      break;
    case "http":
      checkHttpUrl(ctx, sd.url, [...path, "url"]);
      break;
    case "ionos":
      if (empty("datacenter_id")) fail("config/ionos-sd", "datacenter id can't be empty", "datacenter_id");
      break;
    case "kubernetes":
      checkKubernetesSd(ctx, sd, path);
      break;
    case "kuma": {
      const server = scalar(sd.server);
      if (server === "") fail("config/kuma-sd", "kuma SD server must not be empty: ", "server");
      else if (server !== undefined && checkUrlParses(ctx, server, [...path, "server"])) {
        const url = splitUrl(server);
        if (!url.scheme || !url.host) fail("config/kuma-sd", `kuma SD server must not be empty and have a scheme: ${server}`, "server");
      }
      break;
    }
    case "marathon": {
      if (Array.isArray(sd.servers) && sd.servers.length === 0) fail("config/marathon-sd", "marathon_sd: must contain at least one Marathon server", "servers");
      const token = nonEmpty(sd.auth_token);
      const tokenFile = nonEmpty(sd.auth_token_file);
      if (token && tokenFile) fail("config/marathon-sd", "marathon_sd: at most one of auth_token & auth_token_file must be configured", "auth_token_file");
      if (token || tokenFile) {
        if (isObj(sd.basic_auth))
          fail("config/marathon-sd", "marathon_sd: at most one of basic_auth, auth_token & auth_token_file must be configured", "basic_auth");
        else if (nonEmpty(sd.bearer_token) || nonEmpty(sd.bearer_token_file)) {
          fail(
            "config/marathon-sd",
            "marathon_sd: at most one of bearer_token, bearer_token_file, auth_token & auth_token_file must be configured",
            nonEmpty(sd.bearer_token) ? "bearer_token" : "bearer_token_file",
          );
        } else if (isObj(sd.authorization))
          fail("config/marathon-sd", "marathon_sd: at most one of auth_token, auth_token_file & authorization must be configured", "authorization");
      }
      break;
    }
    case "nerve":
    case "serverset": {
      const id = kind === "nerve" ? "config/nerve-sd" : "config/serverset-sd";
      if (Array.isArray(sd.servers) && sd.servers.length === 0) fail(id, `${kind} SD config must contain at least one Zookeeper server`, "servers");
      if (Array.isArray(sd.paths) && sd.paths.length === 0) fail(id, `${kind} SD config must contain at least one path`, "paths");
      forEachItem(sd.paths, [...path, "paths"], (item, itemPath) => {
        const text = scalar(item);
        if (text !== undefined && !text.startsWith("/")) ctx.error(id, `${kind} SD config paths must begin with '/': ${text}`, itemPath);
      });
      break;
    }
    case "nomad":
      if (sd.server !== undefined && (scalar(sd.server) ?? "").trim() === "")
        fail("config/nomad-sd", "nomad SD configuration requires a server address", "server");
      break;
    case "oci":
      checkOciSd(ctx, sd, path);
      break;
    case "openstack": {
      const availability = sd.availability === undefined ? "public" : scalar(sd.availability);
      if (!["public", "internal", "admin"].includes(availability ?? "")) {
        fail("config/openstack-sd", `unknown availability ${availability ?? ""}, must be one of admin, internal or public`, "availability");
      }
      if (empty("region")) fail("config/openstack-sd", "openstack SD configuration requires a region", "region");
      break;
    }
    case "outscale":
      if (missing("region")) fail("config/outscale-sd", "outscale SD configuration requires a region", sd.region === undefined ? undefined : "region");
      if (missing("access_key"))
        fail("config/outscale-sd", "outscale SD configuration requires access_key", sd.access_key === undefined ? undefined : "access_key");
      if (!nonEmpty(sd.secret_key) && !nonEmpty(sd.secret_key_file)) fail("config/outscale-sd", "one of secret_key & secret_key_file must be configured");
      if (nonEmpty(sd.secret_key) && nonEmpty(sd.secret_key_file))
        fail("config/outscale-sd", "at most one of secret_key & secret_key_file must be configured", "secret_key_file");
      break;
    case "ovhcloud": {
      if (empty("endpoint")) fail("config/ovhcloud-sd", "endpoint can not be empty", "endpoint");
      if (missing("application_key"))
        fail("config/ovhcloud-sd", "application key can not be empty", sd.application_key === undefined ? undefined : "application_key");
      if (missing("application_secret"))
        fail("config/ovhcloud-sd", "application secret can not be empty", sd.application_secret === undefined ? undefined : "application_secret");
      if (missing("consumer_key")) fail("config/ovhcloud-sd", "consumer key can not be empty", sd.consumer_key === undefined ? undefined : "consumer_key");
      const service = scalar(sd.service) ?? "";
      if (!["dedicated_server", "vps"].includes(service))
        fail("config/ovhcloud-sd", `unknown service: ${service}`, sd.service === undefined ? undefined : "service");
      break;
    }
    case "puppetdb":
      checkHttpUrl(ctx, sd.url, [...path, "url"]);
      if (empty("query")) fail("config/puppetdb-sd", "query missing", "query");
      break;
    case "scaleway":
      if (missing("role")) fail("config/scaleway-sd", "role missing (one of: instance, baremetal)", sd.role === undefined ? undefined : "role");
      if (missing("project_id")) fail("config/scaleway-sd", "project_id is mandatory", sd.project_id === undefined ? undefined : "project_id");
      if (!nonEmpty(sd.secret_key) && !nonEmpty(sd.secret_key_file)) fail("config/scaleway-sd", "one of secret_key & secret_key_file must be configured");
      if (nonEmpty(sd.secret_key) && nonEmpty(sd.secret_key_file))
        fail("config/scaleway-sd", "at most one of secret_key & secret_key_file must be configured", "secret_key_file");
      if (missing("access_key")) fail("config/scaleway-sd", "access_key is mandatory", sd.access_key === undefined ? undefined : "access_key");
      break;
    case "stackit": {
      const endpoint = scalar(sd.endpoint) ?? "";
      if (endpoint === "" && sd.region !== undefined && !nonEmpty(sd.region)) fail("config/stackit-sd", "stackit_sd: endpoint and region missing");
      const problem = urlProblem(endpoint);
      if (problem)
        fail("config/stackit-sd", `stackit_sd: invalid endpoint ${JSON.stringify(endpoint)}: parse ${JSON.stringify(endpoint)}: ${problem}`, "endpoint");
      break;
    }
    case "triton": {
      const role = sd.role === undefined ? "container" : scalar(sd.role);
      if (role !== "container" && role !== "cn") fail("config/triton-sd", "triton SD configuration requires role to be 'container' or 'cn'", "role");
      if (empty("account")) fail("config/triton-sd", "triton SD configuration requires an account", "account");
      if (empty("dns_suffix")) fail("config/triton-sd", "triton SD configuration requires a dns_suffix", "dns_suffix");
      if (empty("endpoint")) fail("config/triton-sd", "triton SD configuration requires an endpoint", "endpoint");
      if (sd.refresh_interval !== undefined && (decodedDuration(sd.refresh_interval) ?? 1) <= 0) {
        fail("config/triton-sd", "triton SD configuration requires RefreshInterval to be a positive integer", "refresh_interval");
      }
      break;
    }
    case "uyuni":
      if (empty("server")) fail("config/uyuni-sd", "Uyuni SD configuration requires server host", "server");
      else if (typeof sd.server === "string" && urlProblem(sd.server))
        fail("config/uyuni-sd", `Uyuni Server URL is not valid: ${urlProblem(sd.server)}`, "server");
      if (empty("username")) fail("config/uyuni-sd", "Uyuni SD configuration requires a username", "username");
      if (empty("password")) fail("config/uyuni-sd", "Uyuni SD configuration requires a password", "password");
      break;
    default:
      break;
  }
}

function checkOciSd(ctx: PrometheusContext, sd: Obj, path: Path): void {
  if (sd.region !== undefined && !nonEmpty(sd.region)) ctx.error("config/oci-sd", "oci_sd: region is required", [...path, "region"]);
  const auth = sd.auth === undefined ? "api_key" : scalar(sd.auth);
  if (auth === "api_key") {
    for (const key of ["tenancy", "user", "fingerprint", "key_file"]) {
      if (!nonEmpty(sd[key])) ctx.error("config/oci-sd", `oci_sd: api_key auth requires ${key}`, sd[key] === undefined ? path : [...path, key]);
    }
    if (nonEmpty(sd.key_passphrase) && nonEmpty(sd.key_passphrase_file)) {
      ctx.error("config/oci-sd", "oci_sd: at most one of key_passphrase and key_passphrase_file must be configured", [...path, "key_passphrase_file"]);
    }
  } else if (auth === "instance_principal") {
    if (["tenancy", "user", "fingerprint", "key_file", "key_passphrase", "key_passphrase_file"].some((key) => nonEmpty(sd[key]))) {
      ctx.error(
        "config/oci-sd",
        "oci_sd: instance_principal auth must not have tenancy, user, fingerprint, key_file, key_passphrase, or key_passphrase_file set",
        path,
      );
    }
  } else {
    ctx.error("config/oci-sd", `oci_sd: unknown auth method ${JSON.stringify(auth ?? "")}, expected "api_key" or "instance_principal"`, [...path, "auth"]);
  }
  forEachItem(sd.compartments, [...path, "compartments"], (item, itemPath, index) => {
    if (!nonEmpty(item)) ctx.error("config/oci-sd", `oci_sd: compartments[${index}] must not be empty`, itemPath);
  });
  if (sd.refresh_interval !== undefined && (decodedDuration(sd.refresh_interval) ?? 1) <= 0) {
    ctx.error("config/oci-sd", `oci_sd: refresh_interval must be positive, got ${String(sd.refresh_interval)}`, [...path, "refresh_interval"]);
  }
}

/** Discoveries with an HTTP client config (the others have at most `tls_config`). */
const SD_WITH_HTTP = new Set([
  "aws",
  "azure",
  "consul",
  "digitalocean",
  "docker",
  "dockerswarm",
  "ec2",
  "ecs",
  "elasticache",
  "eureka",
  "hetzner",
  "http",
  "ionos",
  "kubernetes",
  "kuma",
  "lightsail",
  "linode",
  "marathon",
  "msk",
  "nomad",
  "oci",
  "outscale",
  "puppetdb",
  "rds",
  "scaleway",
  "stackit",
  "uyuni",
  "vultr",
]);
