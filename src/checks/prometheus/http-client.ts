/** HTTP client settings (prometheus/common config.HTTPClientConfig.Validate): auth, proxy, TLS, headers, URLs. */
import { canonicalHeaderKey, COMMON_RESERVED_HEADERS } from "../../go/headers.js";
import { splitUrl, urlProblem } from "../../go/url.js";
import type { Obj, Path, PrometheusContext } from "./context.js";
import { asBool, count, isObj, nonEmpty, scalar } from "./values.js";

export function checkHttpClient(ctx: PrometheusContext, http: Obj, path: Path): void {
  const has = (key: string) => nonEmpty(http[key]);
  const basicAuth = isObj(http.basic_auth) ? http.basic_auth : undefined;
  const authorization = isObj(http.authorization) ? http.authorization : undefined;
  const oauth2 = isObj(http.oauth2) ? http.oauth2 : undefined;
  const bearer = has("bearer_token") || has("bearer_token_file");
  if (has("bearer_token") && has("bearer_token_file"))
    ctx.error("config/http-client", "at most one of bearer_token & bearer_token_file must be configured", [...path, "bearer_token_file"]);
  if ((basicAuth || oauth2) && bearer) {
    ctx.error("config/http-client", "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", [
      ...path,
      has("bearer_token") ? "bearer_token" : "bearer_token_file",
    ]);
  }
  if (basicAuth) {
    if (count(basicAuth, "username", "username_file", "username_ref") > 1) {
      ctx.error("config/http-client", "at most one of basic_auth username, username_file & username_ref must be configured", [...path, "basic_auth"]);
    }
    if (count(basicAuth, "password", "password_file", "password_ref") > 1) {
      ctx.error("config/http-client", "at most one of basic_auth password, password_file & password_ref must be configured", [...path, "basic_auth"]);
    }
  }
  if (authorization) {
    if (bearer) ctx.error("config/http-client", "authorization is not compatible with bearer_token & bearer_token_file", [...path, "authorization"]);
    if (count(authorization, "credentials", "credentials_file", "credentials_ref") > 1) {
      ctx.error("config/http-client", "at most one of authorization credentials & credentials_file must be configured", [...path, "authorization"]);
    }
    if ((scalar(authorization.type) ?? "").trim().toLowerCase() === "basic") {
      ctx.error("config/http-client", 'authorization type cannot be set to "basic", use "basic_auth" instead', [...path, "authorization", "type"]);
    }
    if (basicAuth || oauth2)
      ctx.error("config/http-client", "at most one of basic_auth, oauth2 & authorization must be configured", [...path, "authorization"]);
  }
  if (oauth2) {
    if (basicAuth && !authorization)
      ctx.error("config/http-client", "at most one of basic_auth, oauth2 & authorization must be configured", [...path, "oauth2"]);
    if (oauth2.client_id !== undefined && !nonEmpty(oauth2.client_id))
      ctx.error("config/http-client", "oauth2 client_id must be configured", [...path, "oauth2", "client_id"]);
    if (oauth2.token_url !== undefined && !nonEmpty(oauth2.token_url))
      ctx.error("config/http-client", "oauth2 token_url must be configured", [...path, "oauth2", "token_url"]);
    if (scalar(oauth2.grant_type) === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      if (count(oauth2, "client_certificate_key", "client_certificate_key_file", "client_certificate_key_ref") > 1) {
        ctx.error(
          "config/http-client",
          "at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer",
          [...path, "oauth2"],
        );
      }
      const algorithm = scalar(oauth2.signature_algorithm);
      if (algorithm && !["RS256", "RS384", "RS512"].includes(algorithm)) {
        ctx.error("config/http-client", "valid signature algorithms are RS256, RS384 and RS512", [...path, "oauth2", "signature_algorithm"]);
      }
    } else if (count(oauth2, "client_secret", "client_secret_file", "client_secret_ref") > 1) {
      ctx.error(
        "config/http-client",
        "at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials",
        [...path, "oauth2"],
      );
    }
    checkProxy(ctx, oauth2, [...path, "oauth2"]);
    if (isObj(oauth2.tls_config)) checkTls(ctx, oauth2.tls_config, [...path, "oauth2", "tls_config"]);
  }
  checkProxy(ctx, http, path);
  if (isObj(http.http_headers)) {
    for (const name of Object.keys(http.http_headers)) {
      const canonical = canonicalHeaderKey(name);
      if (COMMON_RESERVED_HEADERS.has(canonical))
        ctx.error("config/headers", `setting header ${JSON.stringify(canonical)} is not allowed`, [...path, "http_headers", name], true);
    }
  }
  if (isObj(http.tls_config)) checkTls(ctx, http.tls_config, [...path, "tls_config"]);
  for (const key of ["proxy_url"]) if (typeof http[key] === "string") checkUrlParses(ctx, http[key] as string, [...path, key]);
}

export function checkProxy(ctx: PrometheusContext, config: Obj, path: Path): void {
  const proxyUrl = nonEmpty(config.proxy_url);
  const fromEnvironment = asBool(config.proxy_from_environment) === true;
  if (isObj(config.proxy_connect_header) && Object.keys(config.proxy_connect_header).length > 0 && !fromEnvironment && !proxyUrl) {
    ctx.error("config/proxy", "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured", [
      ...path,
      "proxy_connect_header",
    ]);
  }
  if (fromEnvironment && proxyUrl)
    ctx.error("config/proxy", "if proxy_from_environment is configured, proxy_url must not be configured", [...path, "proxy_url"]);
  if (fromEnvironment && nonEmpty(config.no_proxy))
    ctx.error("config/proxy", "if proxy_from_environment is configured, no_proxy must not be configured", [...path, "no_proxy"]);
  if (config.proxy_url === undefined && nonEmpty(config.no_proxy))
    ctx.error("config/proxy", "if no_proxy is configured, proxy_url must also be configured", [...path, "no_proxy"]);
}

export function checkTls(ctx: PrometheusContext, tls: Obj, path: Path): void {
  if (count(tls, "ca", "ca_file", "ca_ref") > 1) ctx.error("config/tls", "at most one of ca, ca_file & ca_ref must be configured", path);
  if (count(tls, "cert", "cert_file", "cert_ref") > 1) ctx.error("config/tls", "at most one of cert, cert_file & cert_ref must be configured", path);
  if (count(tls, "key", "key_file", "key_ref") > 1) ctx.error("config/tls", "at most one of key and key_file must be configured", path);
  const cert = count(tls, "cert", "cert_file", "cert_ref") > 0;
  const key = count(tls, "key", "key_file", "key_ref") > 0;
  if (cert && !key) ctx.error("config/tls", "exactly one of key or key_file must be configured when a client certificate is configured", path);
  else if (key && !cert) ctx.error("config/tls", "exactly one of cert or cert_file must be configured when a client key is configured", path);
  const min = TLS_VERSIONS.indexOf(String(tls.min_version));
  const max = TLS_VERSIONS.indexOf(String(tls.max_version));
  if (min >= 0 && max >= 0 && max < min)
    ctx.error("config/tls", "tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified", [...path, "max_version"]);
}

/** Go's url.Parse accepts the text; reported with its error otherwise. */
export function checkUrlParses(ctx: PrometheusContext, text: string, path: Path): boolean {
  const problem = urlProblem(text);
  if (problem) ctx.error("config/url", `parse ${JSON.stringify(text)}: ${problem}`, path);
  return !problem;
}

/** An http(s) URL with a host, as the HTTP and PuppetDB discoveries require. */
export function checkHttpUrl(ctx: PrometheusContext, value: unknown, path: Path): void {
  const text = scalar(value);
  if (text === undefined) return;
  if (text === "") {
    ctx.error("config/url", "URL is missing", path);
    return;
  }
  if (!checkUrlParses(ctx, text, path)) return;
  const url = splitUrl(text);
  if (url.scheme !== "http" && url.scheme !== "https") ctx.error("config/url", "URL scheme must be 'http' or 'https'", path);
  else if (url.host === "") ctx.error("config/url", "host is missing in URL", path);
}

export const TLS_VERSIONS = ["TLS10", "TLS11", "TLS12", "TLS13"];
