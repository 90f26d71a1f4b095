/**
 * Built-in checks of a Prometheus configuration (`prometheus.yml`) and a web configuration (`--web.config.file`):
 * the precompiled JSON Schema for structure (unknown keys, types, enums, durations), then the validation Prometheus'
 * own config loader does that a schema cannot express (config/config.go, model/relabel, discovery/*, prometheus/common's
 * HTTP client config, and what `promtool check config` adds: static targets after relabeling). Messages use Prometheus'
 * words where it has them.
 */
import { createHash } from "node:crypto";
import validatePrometheus from "../generated/prometheus-config-validator.js";
import validateWeb from "../generated/web-config-validator.js";
import { decodedDuration as durationOf, formatDuration } from "../go/duration.js";
import { canonicalHeaderKey, COMMON_RESERVED_HEADERS, PROMETHEUS_RESERVED_HEADERS } from "../go/headers.js";
import { anchoredRegex, re2Problem, type Re2Match } from "../go/re2.js";
import { parseBase2Bytes } from "../go/units.js";
import { splitUrl, urlProblem as goUrlProblem } from "../go/url.js";
import { PATTERNS, schemaFindings, type SchemaError } from "./schema-findings.js";
import type { CheckOptions, Finding } from "./types.js";

type Path = (string | number)[];
type Obj = Record<string, unknown>;

/** An included scrape config file (`scrape_config_files`), as the caller found it for a glob. */
export interface IncludedScrapeConfigFile {
  /** Its name, for messages. */
  file: string;
  /** Its parsed content, or why it could not be read or parsed. */
  data?: unknown;
  error?: string;
}

export interface PrometheusCheckOptions extends CheckOptions {
  /**
   * Resolves one `scrape_config_files` glob to the files it matches (relative globs against the config's directory).
   * Without it the included files are not read, as with `promtool check config` before `GetScrapeConfigs`.
   */
  scrapeConfigFiles?: (glob: string) => IncludedScrapeConfigFile[];
}

// ---------------------------------------------------------------------------------------------------------------
// Prometheus configuration
// ---------------------------------------------------------------------------------------------------------------

export function checkPrometheusConfig(data: unknown, options: PrometheusCheckOptions = {}): Finding[] {
  const config = normalize(data);
  const findings: Finding[] = [];
  if (!validatePrometheus(config)) findings.push(...schemaFindings(validatePrometheus.errors as SchemaError[]));
  if (!isObj(config)) return findings;
  new PrometheusChecker(findings, options).check(config);
  return withoutVagueNullErrors(findings);
}

/** A null list item gets Prometheus' own message ("empty or null …"); the schema's "must be object" there is noise. */
function withoutVagueNullErrors(findings: Finding[]): Finding[] {
  const nullSections = new Set(findings.filter((finding) => finding.id === "config/null-section").map((finding) => JSON.stringify(finding.path)));
  if (nullSections.size === 0) return findings;
  return findings.filter((finding) => finding.id !== "schema/type" || !nullSections.has(JSON.stringify(finding.path)));
}

class PrometheusChecker {
  /** Scheme of metric and label names from `global.metric_name_validation_scheme`. */
  private globalScheme: Scheme = "utf8";
  private globalInterval = 60_000;
  private globalTimeout = 10_000;
  private globalProtocolsSet = false;
  private globalEscaping = "";

  constructor(
    private readonly findings: Finding[],
    private readonly options: PrometheusCheckOptions,
  ) {}

  private error(id: string, message: string, path: Path, atKey = false): void {
    this.findings.push({ id, severity: "error", message, path, ...(atKey ? { atKey } : {}) });
  }

  private warn(id: string, message: string, path: Path): void {
    this.findings.push({ id, severity: "warning", message, path });
  }

  check(config: Obj): void {
    this.checkGlobal(config.global);
    this.checkFileGlobs(config.rule_files, "rule_files", "invalid rule file path");
    this.checkFileGlobs(config.scrape_config_files, "scrape_config_files", "invalid scrape config file path");

    const jobNames = new Map<string, Path>();
    forEachItem(config.scrape_configs, ["scrape_configs"], (item, path) => {
      if (!isObj(item)) {
        if (item === null) this.error("config/null-section", "empty or null scrape config section", path);
        return;
      }
      this.checkScrapeConfig(item, path);
      const name = scalar(item.job_name);
      if (name === undefined || name === "") return;
      if (jobNames.has(name)) this.error("config/duplicate-job-name", `found multiple scrape configs with job name "${name}"`, [...path, "job_name"]);
      else jobNames.set(name, path);
    });
    this.checkScrapeConfigFiles(config.scrape_config_files, jobNames);

    if (isObj(config.alerting)) this.checkAlerting(config.alerting, ["alerting"]);
    this.checkRemoteWrite(config.remote_write);
    this.checkRemoteRead(config.remote_read);
    if (isObj(config.storage)) this.checkStorage(config.storage);
    if (isObj(config.tracing)) this.checkTracing(config.tracing);
    this.checkOtlp(isObj(config.otlp) ? config.otlp : {});
    if (this.options.agent) this.checkAgentMode(config);
  }

  // --- global ---------------------------------------------------------------------------------------------------

  private checkGlobal(global: unknown): void {
    if (!isObj(global)) return;
    const path: Path = ["global"];
    if (global.metric_name_validation_scheme === "legacy") this.globalScheme = "legacy";
    this.globalEscaping = scalar(global.metric_name_escaping_scheme) ?? "";
    this.checkLabelSet(global.external_labels, [...path, "external_labels"], this.globalScheme);
    const interval = durationOf(global.scrape_interval);
    const timeout = durationOf(global.scrape_timeout);
    if (interval !== undefined && interval > 0) this.globalInterval = interval;
    if (timeout !== undefined && timeout > this.globalInterval) {
      this.error("config/scrape-timeout", "global scrape timeout greater than scrape interval", [...path, "scrape_timeout"]);
    }
    this.globalTimeout = timeout !== undefined && timeout > 0 ? timeout : Math.min(10_000, this.globalInterval);
    if (global.scrape_protocols !== undefined) {
      this.globalProtocolsSet = true;
      this.checkScrapeProtocols(global.scrape_protocols, [...path, "scrape_protocols"], "for global config");
    }
    this.checkSize(global.body_size_limit, [...path, "body_size_limit"]);
  }

  private checkFileGlobs(value: unknown, key: string, what: string): void {
    forEachItem(value, [key], (item, path) => {
      const text = scalar(item);
      if (text !== undefined && !/^[^*]*(\*[^/]*)?$/.test(text)) this.error(`config/${key.replace(/_/g, "-")}`, `${what} "${text}"`, path);
    });
  }

  private checkScrapeProtocols(value: unknown, path: Path, suffix: string): void {
    if (!Array.isArray(value)) return;
    if (value.length === 0) {
      this.error("config/scrape-protocols", `scrape_protocols cannot be empty ${suffix}`, path);
      return;
    }
    const seen = new Set<string>();
    value.forEach((protocol, index) => {
      const key = String(protocol).toLowerCase();
      if (seen.has(key)) this.error("config/scrape-protocols", `duplicated protocol in scrape_protocols, got [${value.join(" ")}] ${suffix}`, [...path, index]);
      seen.add(key);
    });
  }

  private checkSize(value: unknown, path: Path, nonNegative = true): void {
    if (value === undefined) return;
    const parsed = parseBase2Bytes(scalar(value) ?? "");
    if (typeof parsed === "string") this.error("config/size", parsed, path);
    else if (nonNegative && parsed < 0) this.error("config/size", `must be greater than or equal to 0, got ${String(value)}`, path);
  }

  /** A `labels` map: names valid in the scheme, values valid UTF-8. */
  private checkLabelSet(value: unknown, path: Path, scheme: Scheme): void {
    if (!isObj(value)) return;
    for (const [name, labelValue] of Object.entries(value)) {
      if (!isValidLabelName(name, scheme)) this.error("config/label-name", `${JSON.stringify(name)} is not a valid label name`, [...path, name], true);
      const text = scalar(labelValue);
      if (text !== undefined && !wellFormed(text)) this.error("config/label-value", `${JSON.stringify(text)} is not a valid label value`, [...path, name]);
    }
  }

  // --- scrape configs -------------------------------------------------------------------------------------------

  private checkScrapeConfig(scrape: Obj, path: Path, inIncludedFile = false): void {
    const job = scalar(scrape.job_name);
    if (job === "") this.error("config/job-name", "job_name is empty", [...path, "job_name"]);
    this.checkHttpClient(scrape, path);
    this.checkServiceDiscovery(scrape, path);

    const interval = durationOf(scrape.scrape_interval) || this.globalInterval;
    const timeout = durationOf(scrape.scrape_timeout);
    if (timeout !== undefined && timeout > interval) {
      this.error("config/scrape-timeout", `scrape timeout greater than scrape interval for scrape config with job name "${job ?? ""}"`, [
        ...path,
        scrape.scrape_timeout !== undefined ? "scrape_timeout" : "scrape_interval",
      ]);
    }
    const effectiveTimeout = timeout || Math.min(this.globalTimeout, interval);
    if (scrape.scrape_protocols !== undefined) {
      this.checkScrapeProtocols(scrape.scrape_protocols, [...path, "scrape_protocols"], `for scrape config with job name "${job ?? ""}"`);
    }
    this.checkSize(scrape.body_size_limit, [...path, "body_size_limit"]);

    // Name validation and escaping (ScrapeConfig.Validate).
    const localScheme = scrape.metric_name_validation_scheme;
    const scheme: Scheme = localScheme === "legacy" || (!localScheme && this.globalScheme === "legacy") ? "legacy" : "utf8";
    let escaping = scalar(scrape.metric_name_escaping_scheme) ?? "";
    if (escaping === "") {
      // Inherited from global when the local validation scheme is unset, else derived from the local scheme.
      escaping = !localScheme ? this.globalEscaping || (this.globalScheme === "legacy" ? "underscores" : "allow-utf-8") : scheme === "legacy" ? "underscores" : "allow-utf-8";
    }
    {
      if (!["allow-utf-8", "underscores", "dots", "values"].includes(escaping)) {
        this.error(
          "config/name-escaping",
          `unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got "${escaping}"`,
          [...path, "metric_name_escaping_scheme"],
        );
      } else if (escaping === "allow-utf-8" && scheme !== "utf8") {
        this.error("config/name-escaping", "utf8 metric names requested but validation scheme is not set to UTF8", [...path, "metric_name_escaping_scheme"]);
      }
    }

    const relabelConfigs = scrape.relabel_configs;
    this.checkRelabelConfigs(relabelConfigs, [...path, "relabel_configs"], scheme, "empty or null target relabeling rule in scrape config");
    this.checkRelabelConfigs(scrape.metric_relabel_configs, [...path, "metric_relabel_configs"], scheme, "empty or null metric relabeling rule in scrape config");

    // Static targets: the address after relabeling must be host:port, not a URL (promtool check config).
    forEachItem(scrape.static_configs, [...path, "static_configs"], (group, groupPath, groupIndex) => {
      if (!isObj(group)) return;
      forEachItem(group.targets, [...groupPath, "targets"], (target, targetPath, targetIndex) => {
        const address = scalar(target);
        if (address === undefined) return;
        const labels = new Map<string, string>([["__address__", address]]);
        if (isObj(group.labels)) for (const [name, value] of Object.entries(group.labels)) if (!labels.has(name)) labels.set(name, scalar(value) ?? "");
        const base: [string, string][] = [
          ["job", job ?? ""],
          ["__scrape_interval__", formatDuration(interval)],
          ["__scrape_timeout__", formatDuration(effectiveTimeout)],
          ["__metrics_path__", scalar(scrape.metrics_path) ?? "/metrics"],
          ["__scheme__", scalar(scrape.scheme) ?? "http"],
        ];
        for (const [name, value] of base) if (!labels.get(name)) labels.set(name, value);
        if (isObj(scrape.params)) {
          for (const [name, values] of Object.entries(scrape.params)) {
            if (Array.isArray(values) && values.length > 0 && !labels.get(`__param_${name}`)) labels.set(`__param_${name}`, scalar(values[0]) ?? "");
          }
        }
        const result = relabelProcess(labels, relabelConfigs);
        if (result === "unknown" || result === "dropped") return;
        const finalAddress = result.get("__address__") ?? "";
        const where = `instance ${targetIndex} in group ${groupIndex}`;
        if (finalAddress === "") this.error("config/target-address", `${where}: no address`, targetPath);
        else if (finalAddress.includes("/")) this.error("config/target-address", `${where}: ${JSON.stringify(finalAddress)} is not a valid hostname`, targetPath);
      });
    });
    void inIncludedFile;
  }

  private checkScrapeConfigFiles(value: unknown, jobNames: Map<string, Path>): void {
    const resolve = this.options.scrapeConfigFiles;
    if (!resolve || !Array.isArray(value)) return;
    const names = new Map<string, string>([...jobNames.keys()].map((name) => [name, "main config file"]));
    value.forEach((glob, index) => {
      const pattern = scalar(glob);
      if (pattern === undefined || !/^[^*]*(\*[^/]*)?$/.test(pattern)) return;
      const path: Path = ["scrape_config_files", index];
      for (const included of resolve(pattern)) {
        if (included.error !== undefined) {
          this.error("config/scrape-config-files", `${included.file}: ${included.error}`, path);
          continue;
        }
        const inner: Finding[] = [];
        const document = normalize(included.data ?? {});
        if (!isObj(document)) {
          inner.push({ id: "schema/type", severity: "error", message: "must be object", path: [] });
        } else {
          for (const key of Object.keys(document)) {
            if (key !== "scrape_configs") inner.push({ id: "schema/unknown-key", severity: "error", message: `unknown key \`${key}\``, path: [key], atKey: true });
          }
          const wrapped = { scrape_configs: document.scrape_configs };
          if (!validatePrometheus(wrapped)) inner.push(...schemaFindings(validatePrometheus.errors as SchemaError[]));
          const checker = new PrometheusChecker(inner, {});
          checker.globalScheme = this.globalScheme;
          checker.globalInterval = this.globalInterval;
          checker.globalTimeout = this.globalTimeout;
          checker.globalProtocolsSet = this.globalProtocolsSet;
          checker.globalEscaping = this.globalEscaping;
          forEachItem(document.scrape_configs, ["scrape_configs"], (item, itemPath) => {
            if (!isObj(item)) {
              if (item === null) inner.push({ id: "config/null-section", severity: "error", message: "empty or null scrape config section", path: itemPath });
              return;
            }
            checker.checkScrapeConfig(item, itemPath, true);
            const name = scalar(item.job_name);
            if (name === undefined || name === "") return;
            const first = names.get(name);
            if (first !== undefined) {
              inner.push({ id: "config/duplicate-job-name", severity: "error", message: `found multiple scrape configs with job name "${name}", first found in ${first}`, path: [...itemPath, "job_name"] });
            } else {
              names.set(name, JSON.stringify(included.file));
            }
          });
        }
        for (const finding of inner) {
          this.findings.push({ ...finding, message: `${included.file}: ${pathText(finding.path)}${finding.message}`, path, atKey: false });
        }
      }
    });
  }

  // --- HTTP client (prometheus/common config.HTTPClientConfig.Validate) -----------------------------------------

  private checkHttpClient(http: Obj, path: Path): void {
    const id = "config/http-client";
    const has = (key: string) => nonEmpty(http[key]);
    const basicAuth = isObj(http.basic_auth) ? http.basic_auth : undefined;
    const authorization = isObj(http.authorization) ? http.authorization : undefined;
    const oauth2 = isObj(http.oauth2) ? http.oauth2 : undefined;
    const bearer = has("bearer_token") || has("bearer_token_file");
    if (has("bearer_token") && has("bearer_token_file")) this.error(id, "at most one of bearer_token & bearer_token_file must be configured", [...path, "bearer_token_file"]);
    if ((basicAuth || oauth2) && bearer) {
      this.error(id, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", [...path, has("bearer_token") ? "bearer_token" : "bearer_token_file"]);
    }
    if (basicAuth) {
      if (count(basicAuth, "username", "username_file", "username_ref") > 1) {
        this.error(id, "at most one of basic_auth username, username_file & username_ref must be configured", [...path, "basic_auth"]);
      }
      if (count(basicAuth, "password", "password_file", "password_ref") > 1) {
        this.error(id, "at most one of basic_auth password, password_file & password_ref must be configured", [...path, "basic_auth"]);
      }
    }
    if (authorization) {
      if (bearer) this.error(id, "authorization is not compatible with bearer_token & bearer_token_file", [...path, "authorization"]);
      if (count(authorization, "credentials", "credentials_file", "credentials_ref") > 1) {
        this.error(id, "at most one of authorization credentials & credentials_file must be configured", [...path, "authorization"]);
      }
      if ((scalar(authorization.type) ?? "").trim().toLowerCase() === "basic") {
        this.error(id, 'authorization type cannot be set to "basic", use "basic_auth" instead', [...path, "authorization", "type"]);
      }
      if (basicAuth || oauth2) this.error(id, "at most one of basic_auth, oauth2 & authorization must be configured", [...path, "authorization"]);
    }
    if (oauth2) {
      if (basicAuth && !authorization) this.error(id, "at most one of basic_auth, oauth2 & authorization must be configured", [...path, "oauth2"]);
      if (oauth2.client_id !== undefined && !nonEmpty(oauth2.client_id)) this.error(id, "oauth2 client_id must be configured", [...path, "oauth2", "client_id"]);
      if (oauth2.token_url !== undefined && !nonEmpty(oauth2.token_url)) this.error(id, "oauth2 token_url must be configured", [...path, "oauth2", "token_url"]);
      if (scalar(oauth2.grant_type) === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        if (count(oauth2, "client_certificate_key", "client_certificate_key_file", "client_certificate_key_ref") > 1) {
          this.error(id, "at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer", [...path, "oauth2"]);
        }
        const algorithm = scalar(oauth2.signature_algorithm);
        if (algorithm && !["RS256", "RS384", "RS512"].includes(algorithm)) {
          this.error(id, "valid signature algorithms are RS256, RS384 and RS512", [...path, "oauth2", "signature_algorithm"]);
        }
      } else if (count(oauth2, "client_secret", "client_secret_file", "client_secret_ref") > 1) {
        this.error(id, "at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials", [...path, "oauth2"]);
      }
      this.checkProxy(oauth2, [...path, "oauth2"]);
      if (isObj(oauth2.tls_config)) this.checkTls(oauth2.tls_config, [...path, "oauth2", "tls_config"]);
    }
    this.checkProxy(http, path);
    if (isObj(http.http_headers)) {
      for (const name of Object.keys(http.http_headers)) {
        const canonical = canonicalHeaderKey(name);
        if (COMMON_RESERVED_HEADERS.has(canonical)) this.error("config/headers", `setting header ${JSON.stringify(canonical)} is not allowed`, [...path, "http_headers", name], true);
      }
    }
    if (isObj(http.tls_config)) this.checkTls(http.tls_config, [...path, "tls_config"]);
    for (const key of ["proxy_url"]) if (typeof http[key] === "string") this.checkUrlParses(http[key] as string, [...path, key]);
  }

  private checkProxy(config: Obj, path: Path): void {
    const id = "config/proxy";
    const proxyUrl = nonEmpty(config.proxy_url);
    const fromEnvironment = asBool(config.proxy_from_environment) === true;
    if (isObj(config.proxy_connect_header) && Object.keys(config.proxy_connect_header).length > 0 && !fromEnvironment && !proxyUrl) {
      this.error(id, "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured", [...path, "proxy_connect_header"]);
    }
    if (fromEnvironment && proxyUrl) this.error(id, "if proxy_from_environment is configured, proxy_url must not be configured", [...path, "proxy_url"]);
    if (fromEnvironment && nonEmpty(config.no_proxy)) this.error(id, "if proxy_from_environment is configured, no_proxy must not be configured", [...path, "no_proxy"]);
    if (config.proxy_url === undefined && nonEmpty(config.no_proxy)) this.error(id, "if no_proxy is configured, proxy_url must also be configured", [...path, "no_proxy"]);
  }

  private checkTls(tls: Obj, path: Path): void {
    const id = "config/tls";
    if (count(tls, "ca", "ca_file", "ca_ref") > 1) this.error(id, "at most one of ca, ca_file & ca_ref must be configured", path);
    if (count(tls, "cert", "cert_file", "cert_ref") > 1) this.error(id, "at most one of cert, cert_file & cert_ref must be configured", path);
    if (count(tls, "key", "key_file", "key_ref") > 1) this.error(id, "at most one of key and key_file must be configured", path);
    const cert = count(tls, "cert", "cert_file", "cert_ref") > 0;
    const key = count(tls, "key", "key_file", "key_ref") > 0;
    if (cert && !key) this.error(id, "exactly one of key or key_file must be configured when a client certificate is configured", path);
    else if (key && !cert) this.error(id, "exactly one of cert or cert_file must be configured when a client key is configured", path);
    const min = TLS_VERSIONS.indexOf(String(tls.min_version));
    const max = TLS_VERSIONS.indexOf(String(tls.max_version));
    if (min >= 0 && max >= 0 && max < min) this.error(id, "tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified", [...path, "max_version"]);
  }

  private checkUrlParses(text: string, path: Path): boolean {
    const problem = goUrlProblem(text);
    if (problem) this.error("config/url", `parse ${JSON.stringify(text)}: ${problem}`, path);
    return !problem;
  }

  /** An http(s) URL with a host, as the HTTP and PuppetDB discoveries require. */
  private checkHttpUrl(value: unknown, path: Path): void {
    const text = scalar(value);
    if (text === undefined) return;
    if (text === "") {
      this.error("config/url", "URL is missing", path);
      return;
    }
    if (!this.checkUrlParses(text, path)) return;
    const url = splitUrl(text);
    if (url.scheme !== "http" && url.scheme !== "https") this.error("config/url", "URL scheme must be 'http' or 'https'", path);
    else if (url.host === "") this.error("config/url", "host is missing in URL", path);
  }

  // --- service discovery ----------------------------------------------------------------------------------------

  private checkServiceDiscovery(owner: Obj, path: Path): void {
    for (const [key, list] of Object.entries(owner)) {
      const match = /^([a-z0-9]+)_sd_configs$/.exec(key);
      if (key !== "static_configs" && !match) continue;
      const kind = match ? match[1]! : "static";
      forEachItem(list, [...path, key], (item, itemPath) => {
        if (item === null) {
          this.error("config/null-section", `empty or null section in ${key}`, itemPath);
          return;
        }
        if (!isObj(item)) return;
        if (kind === "static") {
          this.checkLabelSet(item.labels, [...itemPath, "labels"], "utf8");
          return;
        }
        const http = SD_WITH_HTTP.has(kind);
        this.checkSd(kind, item, itemPath);
        if (http) this.checkHttpClient(item, itemPath);
        else if (isObj(item.tls_config)) this.checkTls(item.tls_config, [...itemPath, "tls_config"]);
      });
    }
  }

  private checkSd(kind: string, sd: Obj, path: Path): void {
    const id = `config/${kind}-sd`;
    const fail = (message: string, key?: string) => this.error(id, message, key ? [...path, key] : path);
    const empty = (key: string) => sd[key] !== undefined && !nonEmpty(sd[key]);
    const missing = (key: string) => !nonEmpty(sd[key]);
    switch (kind) {
      case "azure": {
        if (empty("subscription_id")) fail("azure SD configuration requires a subscription_id", "subscription_id");
        const method = sd.authentication_method === undefined ? "OAuth" : scalar(sd.authentication_method);
        if (method === "OAuth") {
          for (const key of ["tenant_id", "client_id", "client_secret"]) if (missing(key)) fail(`azure SD configuration requires a ${key}`, sd[key] === undefined ? undefined : key);
        }
        break;
      }
      case "consul": {
        if (sd.server !== undefined && (scalar(sd.server) ?? "").trim() === "") fail("consul SD configuration requires a server address", "server");
        if ((nonEmpty(sd.username) || nonEmpty(sd.password)) && isObj(sd.basic_auth)) {
          fail("at most one of consul SD configuration username and password and basic auth can be configured", "basic_auth");
        }
        if (nonEmpty(sd.token) && (isObj(sd.authorization) || isObj(sd.oauth2))) fail("at most one of consul SD token, authorization, or oauth2 can be configured", "token");
        break;
      }
      case "docker":
      case "dockerswarm":
        if (empty("host")) fail("host missing", "host");
        else if (typeof sd.host === "string") this.checkUrlParses(sd.host, [...path, "host"]);
        break;
      case "dns": {
        if (Array.isArray(sd.names) && sd.names.length === 0) fail("DNS-SD config must contain at least one SRV record name", "names");
        const type = (scalar(sd.type) ?? "SRV").toUpperCase();
        if (["A", "AAAA", "MX", "NS"].includes(type)) {
          if (!sd.port) fail("a port is required in DNS-SD configs for all record types except SRV");
        } else if (type !== "SRV") fail(`invalid DNS-SD records type ${scalar(sd.type) ?? ""}`, "type");
        break;
      }
      case "ec2":
        forEachItem(sd.filters, [...path, "filters"], (filter, filterPath) => {
          if (isObj(filter) && (!Array.isArray(filter.values) || filter.values.length === 0)) this.error(id, "EC2 SD configuration filter values cannot be empty", filterPath);
        });
        break;
      case "eureka": {
        if (empty("server")) {
          fail("eureka_sd: empty or null eureka server", "server");
          break;
        }
        const server = scalar(sd.server);
        if (server !== undefined && this.checkUrlParses(server, [...path, "server"])) {
          const url = splitUrl(server);
          if (!url.scheme || !url.host) fail("eureka_sd: invalid eureka server URL", "server");
        }
        break;
      }
      case "file":
        if (Array.isArray(sd.files) && sd.files.length === 0) fail("file service discovery config must contain at least one path name", "files");
        forEachItem(sd.files, [...path, "files"], (name, namePath) => {
          const text = scalar(name);
          if (text !== undefined && !/^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/.test(text)) {
            this.error(id, `path name ${JSON.stringify(text)} is not valid for file discovery`, namePath);
          }
        });
        break;
      case "gce":
        if (empty("project")) fail("GCE SD configuration requires a project", "project");
        if (empty("zone")) fail("GCE SD configuration requires a zone", "zone");
        break;
      case "http":
        this.checkHttpUrl(sd.url, [...path, "url"]);
        break;
      case "ionos":
        if (empty("datacenter_id")) fail("datacenter id can't be empty", "datacenter_id");
        break;
      case "kubernetes":
        this.checkKubernetesSd(sd, path);
        break;
      case "kuma": {
        const server = scalar(sd.server);
        if (server === "") fail("kuma SD server must not be empty: ", "server");
        else if (server !== undefined && this.checkUrlParses(server, [...path, "server"])) {
          const url = splitUrl(server);
          if (!url.scheme || !url.host) fail(`kuma SD server must not be empty and have a scheme: ${server}`, "server");
        }
        break;
      }
      case "marathon": {
        if (Array.isArray(sd.servers) && sd.servers.length === 0) fail("marathon_sd: must contain at least one Marathon server", "servers");
        const token = nonEmpty(sd.auth_token);
        const tokenFile = nonEmpty(sd.auth_token_file);
        if (token && tokenFile) fail("marathon_sd: at most one of auth_token & auth_token_file must be configured", "auth_token_file");
        if (token || tokenFile) {
          if (isObj(sd.basic_auth)) fail("marathon_sd: at most one of basic_auth, auth_token & auth_token_file must be configured", "basic_auth");
          else if (nonEmpty(sd.bearer_token) || nonEmpty(sd.bearer_token_file)) {
            fail("marathon_sd: at most one of bearer_token, bearer_token_file, auth_token & auth_token_file must be configured", nonEmpty(sd.bearer_token) ? "bearer_token" : "bearer_token_file");
          } else if (isObj(sd.authorization)) fail("marathon_sd: at most one of auth_token, auth_token_file & authorization must be configured", "authorization");
        }
        break;
      }
      case "nerve":
      case "serverset": {
        if (Array.isArray(sd.servers) && sd.servers.length === 0) fail(`${kind} SD config must contain at least one Zookeeper server`, "servers");
        if (Array.isArray(sd.paths) && sd.paths.length === 0) fail(`${kind} SD config must contain at least one path`, "paths");
        forEachItem(sd.paths, [...path, "paths"], (item, itemPath) => {
          const text = scalar(item);
          if (text !== undefined && !text.startsWith("/")) this.error(id, `${kind} SD config paths must begin with '/': ${text}`, itemPath);
        });
        break;
      }
      case "nomad":
        if (sd.server !== undefined && (scalar(sd.server) ?? "").trim() === "") fail("nomad SD configuration requires a server address", "server");
        break;
      case "oci":
        this.checkOciSd(sd, path);
        break;
      case "openstack": {
        const availability = sd.availability === undefined ? "public" : scalar(sd.availability);
        if (!["public", "internal", "admin"].includes(availability ?? "")) {
          fail(`unknown availability ${availability ?? ""}, must be one of admin, internal or public`, "availability");
        }
        if (empty("region")) fail("openstack SD configuration requires a region", "region");
        break;
      }
      case "outscale":
        if (missing("region")) fail("outscale SD configuration requires a region", sd.region === undefined ? undefined : "region");
        if (missing("access_key")) fail("outscale SD configuration requires access_key", sd.access_key === undefined ? undefined : "access_key");
        if (!nonEmpty(sd.secret_key) && !nonEmpty(sd.secret_key_file)) fail("one of secret_key & secret_key_file must be configured");
        if (nonEmpty(sd.secret_key) && nonEmpty(sd.secret_key_file)) fail("at most one of secret_key & secret_key_file must be configured", "secret_key_file");
        break;
      case "ovhcloud": {
        if (empty("endpoint")) fail("endpoint can not be empty", "endpoint");
        if (missing("application_key")) fail("application key can not be empty", sd.application_key === undefined ? undefined : "application_key");
        if (missing("application_secret")) fail("application secret can not be empty", sd.application_secret === undefined ? undefined : "application_secret");
        if (missing("consumer_key")) fail("consumer key can not be empty", sd.consumer_key === undefined ? undefined : "consumer_key");
        const service = scalar(sd.service) ?? "";
        if (!["dedicated_server", "vps"].includes(service)) fail(`unknown service: ${service}`, sd.service === undefined ? undefined : "service");
        break;
      }
      case "puppetdb":
        this.checkHttpUrl(sd.url, [...path, "url"]);
        if (empty("query")) fail("query missing", "query");
        break;
      case "scaleway":
        if (missing("role")) fail("role missing (one of: instance, baremetal)", sd.role === undefined ? undefined : "role");
        if (missing("project_id")) fail("project_id is mandatory", sd.project_id === undefined ? undefined : "project_id");
        if (!nonEmpty(sd.secret_key) && !nonEmpty(sd.secret_key_file)) fail("one of secret_key & secret_key_file must be configured");
        if (nonEmpty(sd.secret_key) && nonEmpty(sd.secret_key_file)) fail("at most one of secret_key & secret_key_file must be configured", "secret_key_file");
        if (missing("access_key")) fail("access_key is mandatory", sd.access_key === undefined ? undefined : "access_key");
        break;
      case "stackit": {
        const endpoint = scalar(sd.endpoint) ?? "";
        if (endpoint === "" && sd.region !== undefined && !nonEmpty(sd.region)) fail("stackit_sd: endpoint and region missing");
        const problem = goUrlProblem(endpoint);
        if (problem) fail(`stackit_sd: invalid endpoint ${JSON.stringify(endpoint)}: parse ${JSON.stringify(endpoint)}: ${problem}`, "endpoint");
        break;
      }
      case "triton": {
        const role = sd.role === undefined ? "container" : scalar(sd.role);
        if (role !== "container" && role !== "cn") fail("triton SD configuration requires role to be 'container' or 'cn'", "role");
        if (empty("account")) fail("triton SD configuration requires an account", "account");
        if (empty("dns_suffix")) fail("triton SD configuration requires a dns_suffix", "dns_suffix");
        if (empty("endpoint")) fail("triton SD configuration requires an endpoint", "endpoint");
        if (sd.refresh_interval !== undefined && (durationOf(sd.refresh_interval) ?? 1) <= 0) {
          fail("triton SD configuration requires RefreshInterval to be a positive integer", "refresh_interval");
        }
        break;
      }
      case "uyuni":
        if (empty("server")) fail("Uyuni SD configuration requires server host", "server");
        else if (typeof sd.server === "string" && goUrlProblem(sd.server)) fail(`Uyuni Server URL is not valid: ${goUrlProblem(sd.server)}`, "server");
        if (empty("username")) fail("Uyuni SD configuration requires a username", "username");
        if (empty("password")) fail("Uyuni SD configuration requires a password", "password");
        break;
      default:
        break;
    }
  }

  private checkKubernetesSd(sd: Obj, path: Path): void {
    const id = "config/kubernetes-sd";
    const apiServer = sd.api_server !== undefined && scalar(sd.api_server) !== "";
    const kubeconfig = nonEmpty(sd.kubeconfig_file);
    const customHttp = HTTP_KEYS.some((key) => sd[key] !== undefined && !isDefaultHttpValue(key, sd[key]));
    const ownNamespace = isObj(sd.namespaces) && asBool(sd.namespaces.own_namespace) === true;
    if (typeof sd.api_server === "string") this.checkUrlParses(sd.api_server, [...path, "api_server"]);
    if (apiServer && kubeconfig) this.error(id, "cannot use 'kubeconfig_file' and 'api_server' simultaneously", [...path, "kubeconfig_file"]);
    if (kubeconfig && customHttp) this.error(id, "cannot use a custom HTTP client configuration together with 'kubeconfig_file'", [...path, "kubeconfig_file"]);
    if (!apiServer && customHttp) this.error(id, "to use custom HTTP client configuration please provide the 'api_server' URL explicitly", path);
    if (apiServer && ownNamespace) this.error(id, "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously", [...path, "namespaces", "own_namespace"]);
    if (kubeconfig && ownNamespace) this.error(id, "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously", [...path, "namespaces", "own_namespace"]);

    const role = scalar(sd.role);
    const allowed: Record<string, string[]> = {
      pod: ["pod", "node"],
      service: ["service"],
      endpointslice: ["pod", "service", "endpointslice"],
      endpoints: ["pod", "service", "endpoints"],
      node: ["node"],
      ingress: ["ingress"],
    };
    const seen = new Set<string>();
    forEachItem(sd.selectors, [...path, "selectors"], (selector, selectorPath) => {
      if (!isObj(selector)) return;
      const selectorRole = scalar(selector.role) ?? "";
      if (seen.has(selectorRole)) this.error(id, `duplicated selector role: ${selectorRole}`, [...selectorPath, "role"]);
      seen.add(selectorRole);
      if (role && allowed[role] && !allowed[role]!.includes(selectorRole)) {
        this.error(id, `${role} role supports only ${allowed[role]!.join(", ")} selectors`, [...selectorPath, "role"]);
      }
      const field = scalar(selector.field);
      if (field) {
        const problem = fieldSelectorProblem(field);
        if (problem) this.error(id, problem, [...selectorPath, "field"]);
      }
      const label = scalar(selector.label);
      if (label) {
        const problem = labelSelectorProblem(label);
        if (problem) this.error(id, problem, [...selectorPath, "label"]);
      }
    });
  }

  private checkOciSd(sd: Obj, path: Path): void {
    const id = "config/oci-sd";
    if (sd.region !== undefined && !nonEmpty(sd.region)) this.error(id, "oci_sd: region is required", [...path, "region"]);
    const auth = sd.auth === undefined ? "api_key" : scalar(sd.auth);
    if (auth === "api_key") {
      for (const key of ["tenancy", "user", "fingerprint", "key_file"]) {
        if (!nonEmpty(sd[key])) this.error(id, `oci_sd: api_key auth requires ${key}`, sd[key] === undefined ? path : [...path, key]);
      }
      if (nonEmpty(sd.key_passphrase) && nonEmpty(sd.key_passphrase_file)) {
        this.error(id, "oci_sd: at most one of key_passphrase and key_passphrase_file must be configured", [...path, "key_passphrase_file"]);
      }
    } else if (auth === "instance_principal") {
      if (["tenancy", "user", "fingerprint", "key_file", "key_passphrase", "key_passphrase_file"].some((key) => nonEmpty(sd[key]))) {
        this.error(id, "oci_sd: instance_principal auth must not have tenancy, user, fingerprint, key_file, key_passphrase, or key_passphrase_file set", path);
      }
    } else {
      this.error(id, `oci_sd: unknown auth method ${JSON.stringify(auth ?? "")}, expected "api_key" or "instance_principal"`, [...path, "auth"]);
    }
    forEachItem(sd.compartments, [...path, "compartments"], (item, itemPath, index) => {
      if (!nonEmpty(item)) this.error(id, `oci_sd: compartments[${index}] must not be empty`, itemPath);
    });
    if (sd.refresh_interval !== undefined && (durationOf(sd.refresh_interval) ?? 1) <= 0) {
      this.error(id, `oci_sd: refresh_interval must be positive, got ${String(sd.refresh_interval)}`, [...path, "refresh_interval"]);
    }
  }

  // --- relabeling (model/relabel Config.Validate) -----------------------------------------------------------------

  private checkRelabelConfigs(value: unknown, path: Path, scheme: Scheme, nullMessage: string): void {
    forEachItem(value, path, (item, itemPath) => {
      if (item === null) {
        this.error("config/null-section", nullMessage, itemPath);
        return;
      }
      if (isObj(item)) this.checkRelabelConfig(item, itemPath, scheme);
    });
  }

  private checkRelabelConfig(config: Obj, path: Path, scheme: Scheme): void {
    const id = "config/relabel";
    const fail = (message: string, key?: string) => this.error(id, message, key ? [...path, key] : path);
    let action = "replace";
    if ("action" in config && config.action === undefined) {
      // `action:` with no value: Go's decoder leaves the zero value, an empty action.
      fail("relabel action cannot be empty", "action");
      return;
    }
    if (config.action !== undefined) {
      const text = (scalar(config.action) ?? "").toLowerCase();
      if (!RELABEL_ACTIONS.includes(text)) {
        if (text === "") fail("relabel action cannot be empty", "action");
        else fail(`unknown relabel action ${JSON.stringify(scalar(config.action))}`, "action");
        return;
      }
      action = text;
    }
    if (config.regex !== undefined) {
      const regex = scalar(config.regex);
      if (regex !== undefined) {
        const problem = re2Problem(regex);
        if (problem) fail(problem, "regex");
      }
    }
    forEachItem(config.source_labels, [...path, "source_labels"], (name, namePath) => {
      const text = scalar(name);
      if (text !== undefined && !isValidLabelName(text, "utf8")) this.error("config/label-name", `${JSON.stringify(text)} is not a valid label name`, namePath);
    });
    const target = config.target_label === undefined ? "" : scalar(config.target_label) ?? "";
    const replacement = config.replacement === undefined ? "$1" : scalar(config.replacement) ?? "";
    const modulus = typeof config.modulus === "number" ? config.modulus : 0;
    if (action === "hashmod" && modulus === 0) fail("relabel configuration for hashmod requires non-zero modulus", config.modulus === undefined ? undefined : "modulus");
    if (["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"].includes(action) && target === "") {
      fail(`relabel configuration for ${action} action requires 'target_label' value`, config.target_label === undefined ? undefined : "target_label");
      return;
    }
    const targetHasVariable = target.includes("$");
    const validWithVariables = (value: string) => (scheme === "utf8" ? isValidLabelName(value, "utf8") : RELABEL_TARGET_LEGACY.test(value));
    if (action === "replace") {
      if (!targetHasVariable && !isValidLabelName(target, scheme)) fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, "target_label");
      if (targetHasVariable && !validWithVariables(target)) fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, "target_label");
    }
    if (["lowercase", "uppercase", "keepequal", "dropequal", "hashmod"].includes(action) && !isValidLabelName(target, scheme)) {
      fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, "target_label");
    }
    if (["lowercase", "uppercase", "keepequal", "dropequal"].includes(action) && replacement !== "$1") {
      fail(`'replacement' can not be set for ${action} action`, "replacement");
    }
    if (action === "labelmap" && !validWithVariables(replacement)) fail(`${JSON.stringify(replacement)} is invalid 'replacement' for ${action} action`, "replacement");
    const separator = config.separator === undefined ? ";" : scalar(config.separator);
    if (action === "keepequal" || action === "dropequal") {
      if (config.regex !== undefined || modulus !== 0 || separator !== ";" || replacement !== "$1") {
        fail(`${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
      }
    }
    if (action === "labeldrop" || action === "labelkeep") {
      if (config.source_labels !== undefined || target !== "" || modulus !== 0 || separator !== ";" || replacement !== "$1") {
        fail(`${action} action requires only 'regex', and no other fields`);
      }
    }
  }

  // --- alerting -------------------------------------------------------------------------------------------------

  private checkAlerting(alerting: Obj, path: Path): void {
    this.checkRelabelConfigs(alerting.alert_relabel_configs, [...path, "alert_relabel_configs"], this.globalScheme, "empty or null alert relabeling rule");
    forEachItem(alerting.alertmanagers, [...path, "alertmanagers"], (item, itemPath) => {
      if (!isObj(item)) return;
      this.checkHttpClient(item, itemPath);
      this.checkServiceDiscovery(item, itemPath);
      if (isObj(item.sigv4) && (isObj(item.basic_auth) || isObj(item.authorization) || isObj(item.oauth2))) {
        this.error("config/http-client", "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured", [...itemPath, "sigv4"]);
      }
      this.checkRelabelConfigs(item.relabel_configs, [...itemPath, "relabel_configs"], this.globalScheme, "empty or null Alertmanager target relabeling rule");
      this.checkRelabelConfigs(item.alert_relabel_configs, [...itemPath, "alert_relabel_configs"], this.globalScheme, "empty or null Alertmanager alert relabeling rule");
      const apiVersion = scalar(item.api_version) ?? "v2";
      const pathPrefix = scalar(item.path_prefix) ?? "";
      forEachItem(item.static_configs, [...itemPath, "static_configs"], (group, groupPath) => {
        if (!isObj(group)) return;
        forEachItem(group.targets, [...groupPath, "targets"], (target, targetPath) => {
          const address = scalar(target);
          if (address === undefined) return;
          const labels = new Map<string, string>([
            ["__address__", address],
            ["__scheme__", scalar(item.scheme) ?? "http"],
            ["__alerts_path__", joinPath("/", pathPrefix, `/api/${apiVersion}/alerts`)],
          ]);
          if (isObj(group.labels)) for (const [name, value] of Object.entries(group.labels)) if (name !== "__address__") labels.set(name, scalar(value) ?? "");
          const result = relabelProcess(labels, item.relabel_configs);
          if (result === "unknown" || result === "dropped") return;
          const finalAddress = result.get("__address__") ?? "";
          if (finalAddress.includes("/")) this.error("config/target-address", `${JSON.stringify(finalAddress)} is not a valid hostname`, targetPath);
        });
      });
    });
  }

  // --- remote write / read --------------------------------------------------------------------------------------

  private checkRemoteWrite(value: unknown): void {
    const names = new Set<string>();
    forEachItem(value, ["remote_write"], (item, path) => {
      if (!isObj(item)) {
        if (item === null) this.error("config/null-section", "empty or null remote write config section", path);
        return;
      }
      if (typeof item.url === "string") this.checkUrlParses(item.url, [...path, "url"]);
      this.checkRelabelConfigs(item.write_relabel_configs, [...path, "write_relabel_configs"], this.globalScheme, "empty or null relabeling rule in remote write config");
      this.checkHeaders(item.headers, [...path, "headers"], "remote");
      this.checkHttpClient(item, path);
      if (isObj(item.queue_config)) this.checkQueueConfig(item.queue_config, [...path, "queue_config"]);
      const auth = ["basic_auth", "authorization", "oauth2", "sigv4", "azuread", "google_iam"].filter((key) => isObj(item[key]));
      if (auth.length > 1) {
        this.error("config/remote-write", `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auth.join(" ")}]`, [...path, auth[1]!]);
      }
      if (isObj(item.azuread)) this.checkAzureAd(item.azuread, [...path, "azuread"]);
      const name = scalar(item.name) ?? "";
      if (name !== "" && names.has(name)) this.error("config/remote-write", `found multiple remote write configs with job name ${JSON.stringify(name)}`, [...path, "name"]);
      names.add(name);
    });
  }

  private checkQueueConfig(queue: Obj, path: Path): void {
    const id = "config/queue-config";
    const value = (key: string, fallback: number) => (typeof queue[key] === "number" ? (queue[key] as number) : fallback);
    const maxShards = value("max_shards", 50);
    const minShards = value("min_shards", 1);
    const at = (key: string) => [...path, key];
    if (maxShards <= 0) this.error(id, "remote write queue max_shards must be positive", at("max_shards"));
    if (minShards <= 0) this.error(id, "remote write queue min_shards must be positive", at("min_shards"));
    if (minShards > 0 && maxShards > 0 && minShards > maxShards) this.error(id, "remote write queue min_shards must not be greater than max_shards", at("min_shards"));
    if (value("max_samples_per_send", 2000) <= 0) this.error(id, "remote write queue max_samples_per_send must be positive", at("max_samples_per_send"));
    if (value("capacity", 10000) <= 0) this.error(id, "remote write queue capacity must be positive", at("capacity"));
    const minBackoff = queue.min_backoff === undefined ? 30 : durationOf(queue.min_backoff);
    const maxBackoff = queue.max_backoff === undefined ? 5000 : durationOf(queue.max_backoff);
    if (minBackoff !== undefined && maxBackoff !== undefined && maxBackoff < minBackoff) {
      this.error(id, "remote write queue max_backoff must not be less than min_backoff", at("max_backoff"));
    }
  }

  private checkAzureAd(azure: Obj, path: Path): void {
    const id = "config/azuread";
    const methods = ["managed_identity", "workload_identity", "oauth", "sdk", "certificate"].filter((key) => isObj(azure[key]));
    if (methods.length === 0) {
      this.error(id, "must provide an Azure Managed Identity, Azure Workload Identity, Azure OAuth, Azure Certificate or Azure SDK in the Azure AD config", path);
    } else if (methods.length > 1) {
      this.error(id, "cannot provide multiple authentication methods in the Azure AD config", path);
    }
    const uuid = /^(urn:uuid:)?\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;
    const checkUuid = (section: string, key: string, label: string) => {
      const owner = azure[section];
      if (!isObj(owner)) return;
      const text = scalar(owner[key]);
      if (text !== undefined && text !== "" && !uuid.test(text)) this.error(id, `the provided Azure ${label} ${key} is invalid`, [...path, section, key]);
    };
    checkUuid("managed_identity", "client_id", "Managed Identity");
    checkUuid("workload_identity", "client_id", "Workload Identity");
    checkUuid("workload_identity", "tenant_id", "Workload Identity");
    checkUuid("oauth", "client_id", "OAuth");
    checkUuid("certificate", "client_id", "Certificate");
    const scope = scalar(azure.scope);
    if (scope !== undefined && scope !== "" && !/^[\w\s:/.-]+$/.test(scope)) this.error(id, "the provided scope contains invalid characters", [...path, "scope"]);
  }

  private checkHeaders(value: unknown, path: Path, kind: "remote" | "tracing"): void {
    if (!isObj(value)) return;
    for (const name of Object.keys(value)) {
      const lower = name.toLowerCase();
      if (lower === "authorization") {
        this.error(
          "config/headers",
          kind === "remote"
            ? "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter"
            : "custom authorization header configuration is not yet supported",
          [...path, name],
          true,
        );
      } else if (PROMETHEUS_RESERVED_HEADERS.has(lower)) {
        this.error("config/headers", `${name} is a reserved header. It must not be changed`, [...path, name], true);
      }
    }
  }

  private checkRemoteRead(value: unknown): void {
    const names = new Set<string>();
    forEachItem(value, ["remote_read"], (item, path) => {
      if (!isObj(item)) {
        if (item === null) this.error("config/null-section", "empty or null remote read config section", path);
        return;
      }
      if (typeof item.url === "string") this.checkUrlParses(item.url, [...path, "url"]);
      this.checkHeaders(item.headers, [...path, "headers"], "remote");
      this.checkHttpClient(item, path);
      this.checkLabelSet(item.required_matchers, [...path, "required_matchers"], "utf8");
      const name = scalar(item.name) ?? "";
      if (name !== "" && names.has(name)) this.error("config/remote-read", `found multiple remote read configs with job name ${JSON.stringify(name)}`, [...path, "name"]);
      names.add(name);
    });
  }

  // --- storage, tracing, otlp, agent ----------------------------------------------------------------------------

  private checkStorage(storage: Obj): void {
    const tsdb = storage.tsdb;
    if (!isObj(tsdb)) return;
    const path: Path = ["storage", "tsdb"];
    if (isObj(tsdb.chunk_encoding) && tsdb.chunk_encoding.floats !== undefined) {
      const floats = scalar(tsdb.chunk_encoding.floats) ?? "";
      if (!["", "xor", "xor2"].includes(floats)) {
        this.error("config/tsdb", `'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got ${JSON.stringify(floats)}`, [...path, "chunk_encoding", "floats"]);
      }
    }
    const retention = tsdb.retention;
    if (isObj(retention)) {
      if (retention.size !== undefined) {
        const size = parseBase2Bytes(scalar(retention.size) ?? "");
        if (typeof size === "string") this.error("config/tsdb", size, [...path, "retention", "size"]);
        else if (size < 0) this.error("config/tsdb", `'storage.tsdb.retention.size' must be greater than or equal to 0, got ${String(retention.size)}`, [...path, "retention", "size"]);
      }
      if (typeof retention.percentage === "number" && (retention.percentage < 0 || retention.percentage > 100)) {
        this.error("config/tsdb", `'storage.tsdb.retention.percentage' must be in the range [0, 100], got ${retention.percentage}`, [...path, "retention", "percentage"]);
      }
    }
  }

  private checkTracing(tracing: Obj): void {
    const path: Path = ["tracing"];
    this.checkHeaders(tracing.headers, [...path, "headers"], "tracing");
    if (!nonEmpty(tracing.endpoint)) this.error("config/tracing", "tracing endpoint must be set", tracing.endpoint === undefined ? path : [...path, "endpoint"]);
    const compression = scalar(tracing.compression);
    if (compression !== undefined && compression !== "" && compression !== "gzip") {
      this.error("config/tracing", `invalid compression type ${compression} provided, valid options: gzip`, [...path, "compression"]);
    }
    if (isObj(tracing.tls_config)) this.checkTls(tracing.tls_config, [...path, "tls_config"]);
  }

  private checkOtlp(otlp: Obj): void {
    const path: Path = ["otlp"];
    const id = "config/otlp";
    const promoteAll = asBool(otlp.promote_all_resource_attributes) === true;
    const promote = Array.isArray(otlp.promote_resource_attributes) ? otlp.promote_resource_attributes : [];
    const ignore = Array.isArray(otlp.ignore_resource_attributes) ? otlp.ignore_resource_attributes : [];
    const attributeProblems = (attributes: unknown[], adjective: string): string[] => {
      const seen = new Set<string>();
      const problems: string[] = [];
      for (const attribute of attributes) {
        const text = (scalar(attribute) ?? "").trim();
        if (text === "") problems.push(`empty ${adjective} OTel resource attribute`);
        else if (seen.has(text)) problems.push(`duplicated ${adjective} OTel resource attribute ${JSON.stringify(text)}`);
        seen.add(text);
      }
      return problems;
    };
    if (promoteAll) {
      if (promote.length > 0) this.error(id, "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously", [...path, "promote_resource_attributes"]);
      const problems = attributeProblems(ignore, "ignored");
      if (problems.length > 0) this.error(id, `invalid 'ignore_resource_attributes': ${problems.join("; ")}`, [...path, "ignore_resource_attributes"]);
    } else {
      if (ignore.length > 0) this.error(id, "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true", [...path, "ignore_resource_attributes"]);
      const problems = attributeProblems(promote, "promoted");
      if (problems.length > 0) this.error(id, `invalid 'promote_resource_attributes': ${problems.join("; ")}`, [...path, "promote_resource_attributes"]);
    }
    const strategy = scalar(otlp.translation_strategy);
    if ((strategy === "NoTranslation" || strategy === "NoUTF8EscapingWithSuffixes") && this.globalScheme === "legacy") {
      this.error(id, `OTLP translation strategy ${JSON.stringify(strategy)} is not allowed when UTF8 is disabled`, [...path, "translation_strategy"]);
    }
  }

  private checkAgentMode(config: Obj): void {
    const id = "config/agent-mode";
    const alerting = isObj(config.alerting) ? config.alerting : {};
    const nonEmptyList = (value: unknown) => Array.isArray(value) && value.length > 0;
    if (nonEmptyList(alerting.alertmanagers) || nonEmptyList(alerting.alert_relabel_configs)) this.error(id, "field alerting is not allowed in agent mode", ["alerting"], true);
    if (nonEmptyList(config.rule_files)) this.error(id, "field rule_files is not allowed in agent mode", ["rule_files"], true);
    if (nonEmptyList(config.remote_read)) this.error(id, "field remote_read is not allowed in agent mode", ["remote_read"], true);
    // Accepted by the agent but without effect there.
    if (isObj(config.global)) {
      for (const key of ["evaluation_interval", "rule_query_offset", "query_log_file"]) {
        if (config.global[key] !== undefined) this.warn(id, `global.${key} has no effect in agent mode`, ["global", key]);
      }
    }
    if (isObj(config.storage) && isObj(config.storage.tsdb) && config.storage.tsdb.retention !== undefined) {
      this.warn(id, "storage.tsdb.retention has no effect in agent mode (use --storage.agent.retention.*)", ["storage", "tsdb", "retention"]);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Web configuration (exporter-toolkit)
// ---------------------------------------------------------------------------------------------------------------

export function checkWebConfig(data: unknown): Finding[] {
  const config = normalize(data);
  const findings: Finding[] = [];
  if (!validateWeb(config)) findings.push(...schemaFindings(validateWeb.errors as SchemaError[]));
  if (!isObj(config)) return findings;
  const error = (id: string, message: string, path: Path, atKey = false) => findings.push({ id, severity: "error", message, path, ...(atKey ? { atKey } : {}) });

  const tls = isObj(config.tls_server_config) ? config.tls_server_config : undefined;
  if (tls) {
    const path: Path = ["tls_server_config"];
    const enabled = ["cert", "key", "cert_file", "key_file", "client_ca", "client_ca_file", "client_auth_type"].some((key) => nonEmpty(tls[key]));
    if (enabled) {
      if (!nonEmpty(tls.cert_file) && !nonEmpty(tls.cert)) error("web/tls", "missing one of cert or cert_file", path);
      if (!nonEmpty(tls.key_file) && !nonEmpty(tls.key)) error("web/tls", "missing one of key or key_file", path);
      const clientAuth = scalar(tls.client_auth_type) ?? "";
      if ((nonEmpty(tls.client_ca_file) || nonEmpty(tls.client_ca)) && (clientAuth === "" || clientAuth === "NoClientCert")) {
        error("web/tls", "client CA's have been configured without a Client Auth Policy", [...path, nonEmpty(tls.client_ca_file) ? "client_ca_file" : "client_ca"]);
      }
      if ((clientAuth === "RequireAndVerifyClientCert" || clientAuth === "VerifyClientCertIfGiven") && !nonEmpty(tls.client_ca_file) && !nonEmpty(tls.client_ca)) {
        findings.push({ id: "web/tls", severity: "warning", message: `${clientAuth} without client_ca_file or client_ca: client certificates cannot be verified`, path: [...path, "client_auth_type"] });
      }
    }
    if (nonEmpty(tls.cert) && nonEmpty(tls.cert_file)) findings.push({ id: "web/tls", severity: "warning", message: "both cert and cert_file are set; cert_file is used", path: [...path, "cert"] });
    if (nonEmpty(tls.key) && nonEmpty(tls.key_file)) findings.push({ id: "web/tls", severity: "warning", message: "both key and key_file are set; key_file is used", path: [...path, "key"] });
    const min = TLS_VERSIONS.indexOf(String(tls.min_version ?? "TLS12"));
    const max = TLS_VERSIONS.indexOf(String(tls.max_version ?? "TLS13"));
    if (min >= 0 && max >= 0 && max < min) error("web/tls", "max_version must not be lower than min_version", [...path, "max_version"]);
  }
  const http = isObj(config.http_server_config) ? config.http_server_config : undefined;
  if (http && isObj(http.headers)) {
    for (const [name, value] of Object.entries(http.headers)) {
      const allowed = WEB_HEADERS[name];
      if (allowed === undefined) error("web/headers", `HTTP header ${JSON.stringify(name)} can not be configured`, ["http_server_config", "headers", name], true);
      else if (allowed.length > 0 && !allowed.includes(scalar(value) ?? "")) {
        error("web/headers", `invalid value for ${name}. Expected one of: [${allowed.map((v) => JSON.stringify(v)).join(" ")}], but got: ${JSON.stringify(scalar(value) ?? "")}`, ["http_server_config", "headers", name]);
      }
    }
  }
  if (isObj(config.basic_auth_users)) {
    for (const [user, hash] of Object.entries(config.basic_auth_users)) {
      const problem = bcryptProblem(scalar(hash) ?? "");
      if (problem) error("web/basic-auth-users", `${problem} (the password of ${JSON.stringify(user)} must be a bcrypt hash)`, ["basic_auth_users", user]);
    }
  }
  return findings;
}

function bcryptProblem(hash: string): string | undefined {
  if (hash.length < 59) return "crypto/bcrypt: hashedSecret too short to be a bcrypted password";
  if (hash[0] !== "$") return "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '" + hash[0] + "'";
  if (hash[1] !== "2") return `crypto/bcrypt: bcrypt algorithm version '${hash[1]}' requested is newer than current version '2'`;
  const rest = hash[2] === "$" ? hash.slice(3) : hash.slice(4);
  const cost = Number(rest.slice(0, 2));
  if (!/^[0-9]{2}\$/.test(rest) || cost < 4 || cost > 31) return `crypto/bcrypt: cost ${rest.slice(0, 2)} is outside allowed inclusive range 4..31`;
  return undefined;
}

const WEB_HEADERS: Record<string, string[]> = {
  "Strict-Transport-Security": [],
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": [],
  "Content-Security-Policy": [],
};

// ---------------------------------------------------------------------------------------------------------------
// Data helpers
// ---------------------------------------------------------------------------------------------------------------

type Scheme = "utf8" | "legacy";

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A YAML scalar as Go's decoder gives it to a string field; undefined for anything else. */
function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function nonEmpty(value: unknown): boolean {
  const text = scalar(value);
  return text !== undefined && text !== "";
}

function count(owner: Obj, ...keys: string[]): number {
  return keys.filter((key) => nonEmpty(owner[key])).length;
}

function asBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  if (/^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(value)) return true;
  if (/^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(value)) return false;
  return undefined;
}

function forEachItem(value: unknown, path: Path, visit: (item: unknown, path: Path, index: number) => void): void {
  if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index], index));
}

function pathText(path: Path): string {
  if (path.length === 0) return "";
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("") + ": ";
}

/**
 * Go's YAML decoder leaves a field at its zero value for `key:` with no value (null), and resolves `<<` merge keys;
 * the checks see the same: null mapping values become undefined (null list items stay: Prometheus rejects those), merges applied.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isObj(value)) return value;
  const result: Obj = {};
  const merge = value["<<"];
  if (merge !== undefined) {
    const sources = Array.isArray(merge) ? merge : [merge];
    for (const source of sources) {
      if (isObj(source)) for (const [key, item] of Object.entries(normalize(source) as Obj)) if (result[key] === undefined) result[key] = item;
    }
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === "<<" && (isObj(item) || Array.isArray(item))) continue;
    // Kept as an undefined property: the schema still sees an unknown key, but a known one counts as absent.
    result[key] = item === null ? undefined : normalize(item);
  }
  return result;
}

/** Valid UTF-8 when encoded: no lone surrogates. */
function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

const UTF8_OR_LEGACY_LABEL = new RegExp(PATTERNS.labelName);

function isValidLabelName(name: string, scheme: Scheme): boolean {
  if (scheme === "legacy") return UTF8_OR_LEGACY_LABEL.test(name);
  return name.length > 0 && wellFormed(name);
}

const RELABEL_TARGET_LEGACY = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;
const RELABEL_ACTIONS = ["replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"];
const TLS_VERSIONS = ["TLS10", "TLS11", "TLS12", "TLS13"];

const HTTP_KEYS = [
  "basic_auth",
  "authorization",
  "oauth2",
  "bearer_token",
  "bearer_token_file",
  "tls_config",
  "follow_redirects",
  "enable_http2",
  "proxy_url",
  "no_proxy",
  "proxy_from_environment",
  "proxy_connect_header",
  "http_headers",
];

/** Kubernetes SD compares the HTTP client config with the default; explicit defaults are not "custom". */
function isDefaultHttpValue(key: string, value: unknown): boolean {
  if (key === "follow_redirects" || key === "enable_http2") return asBool(value) === true;
  if (key === "proxy_from_environment") return asBool(value) === false;
  if (key === "tls_config") return isObj(value) && Object.values(value).every((item) => item === "" || asBool(item) === false);
  if (typeof value === "string") return value === "";
  return false;
}

const SD_WITH_HTTP = new Set([
  "aws", "azure", "consul", "digitalocean", "docker", "dockerswarm", "ec2", "ecs", "elasticache", "eureka", "hetzner", "http", "ionos",
  "kubernetes", "kuma", "lightsail", "linode", "marathon", "msk", "nomad", "oci", "outscale", "puppetdb", "rds", "scaleway", "stackit", "uyuni",
  "vultr",
]);

function joinPath(...parts: string[]): string {
  const joined = parts.filter((part) => part !== "").join("/").replace(/\/+/g, "/");
  const segments: string[] = [];
  for (const segment of joined.split("/")) {
    if (segment === "..") segments.pop();
    else if (segment !== "." && segment !== "") segments.push(segment);
  }
  return "/" + segments.join("/");
}

// --- Kubernetes selectors ----------------------------------------------------------------------------------------

function fieldSelectorProblem(selector: string): string | undefined {
  for (const term of selector.split(",")) {
    if (term.trim() === "") continue;
    if (!/(!=|==|=)/.test(term)) return `invalid selector: '${selector}'; can't understand '${term}'`;
  }
  return undefined;
}

function labelSelectorProblem(selector: string): string | undefined {
  const key = "([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?(/[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?)";
  const value = "([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?";
  const term = new RegExp(
    `^\\s*(!\\s*${key}|${key}|${key}\\s*(=|==|!=)\\s*${value}|${key}\\s*(<|>)\\s*[0-9]+|${key}\\s+(in|notin)\\s*\\(\\s*${value}(\\s*,\\s*${value})*\\s*\\))\\s*$`,
  );
  // Split on commas outside parentheses.
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of selector) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += char;
  }
  terms.push(current);
  for (const item of terms) if (!term.test(item)) return `unable to parse requirement: ${item.trim()}`;
  return undefined;
}

/** Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, match: Re2Match): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all: string, braced?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const name = braced ?? bare ?? "";
    if (/^[0-9]+$/.test(name)) return match.groups[Number(name)] ?? "";
    return match.named[name] ?? "";
  });
}

/**
 * Applies relabel configs to a label set (model/relabel.ProcessBuilder). "dropped" when a rule drops the target,
 * "unknown" when a rule cannot be evaluated here (invalid, or a regex without a JavaScript equivalent).
 */
function relabelProcess(input: Map<string, string>, configs: unknown): Map<string, string> | "dropped" | "unknown" {
  const labels = new Map(input);
  if (!Array.isArray(configs)) return labels;
  for (const config of configs) {
    if (!isObj(config)) return "unknown";
    const action = config.action === undefined ? "replace" : (scalar(config.action) ?? "").toLowerCase();
    const regex = anchoredRegex(config.regex === undefined ? "(.*)" : scalar(config.regex) ?? "");
    if (regex === undefined) return "unknown";
    const separator = config.separator === undefined ? ";" : scalar(config.separator) ?? "";
    const sources = Array.isArray(config.source_labels) ? config.source_labels.map((name) => labels.get(scalar(name) ?? "") ?? "") : [];
    const value = sources.join(separator);
    const target = scalar(config.target_label) ?? "";
    const replacement = config.replacement === undefined ? "$1" : scalar(config.replacement) ?? "";
    switch (action) {
      case "drop":
        if (regex.test(value)) return "dropped";
        break;
      case "keep":
        if (!regex.test(value)) return "dropped";
        break;
      case "dropequal":
        if ((labels.get(target) ?? "") === value) return "dropped";
        break;
      case "keepequal":
        if ((labels.get(target) ?? "") !== value) return "dropped";
        break;
      case "replace": {
        const match = regex.exec(value);
        if (!match) break;
        const name = expand(target, match);
        if (name === "" || !wellFormed(name)) break;
        const result = expand(replacement, match);
        if (result === "") labels.delete(name);
        else labels.set(name, result);
        break;
      }
      case "lowercase":
        labels.set(target, value.toLowerCase());
        break;
      case "uppercase":
        labels.set(target, value.toUpperCase());
        break;
      case "hashmod": {
        const modulus = typeof config.modulus === "number" ? BigInt(config.modulus) : 0n;
        if (modulus === 0n) return "unknown";
        const digest = createHash("md5").update(value).digest();
        labels.set(target, String(digest.readBigUInt64BE(8) % modulus));
        break;
      }
      case "labelmap":
        for (const [name, labelValue] of [...labels]) {
          const match = regex.exec(name);
          if (match) labels.set(expand(replacement, match), labelValue);
        }
        break;
      case "labeldrop":
        for (const name of [...labels.keys()]) if (regex.test(name)) labels.delete(name);
        break;
      case "labelkeep":
        for (const name of [...labels.keys()]) if (!regex.test(name)) labels.delete(name);
        break;
      default:
        return "unknown";
    }
  }
  return labels;
}
