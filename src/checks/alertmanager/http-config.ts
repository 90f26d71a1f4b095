/** HTTP client and TLS settings (prometheus/common config.HTTPClientConfig.Validate, TLSConfig). */
import { canonicalHeaderKey, COMMON_RESERVED_HEADERS } from "../../go/headers.js";
import type { AlertmanagerContext } from "./context.js";
import { asObj, filled, given, isObj, q, text, type Obj, type Path } from "./values.js";

export function checkHttpConfig(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  if (!isObj(value)) return;
  const h = value;
  const basic = isObj(h.basic_auth) ? h.basic_auth : undefined;
  const oauth2 = isObj(h.oauth2) ? h.oauth2 : undefined;
  const authorization = isObj(h.authorization) ? h.authorization : undefined;
  const bearer = filled(h.bearer_token) || filled(h.bearer_token_file);
  const count = (...values: unknown[]) => values.filter(filled).length;
  if (filled(h.bearer_token) && filled(h.bearer_token_file)) {
    ctx.error("config/conflict", [...path, "bearer_token_file"], "at most one of bearer_token & bearer_token_file must be configured", true);
  }
  if ((basic || oauth2) && bearer) {
    ctx.error("config/conflict", path, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  }
  if (basic && count(basic.username, basic.username_file, basic.username_ref) > 1) {
    ctx.error("config/conflict", [...path, "basic_auth"], "at most one of basic_auth username, username_file & username_ref must be configured");
  }
  if (basic && count(basic.password, basic.password_file, basic.password_ref) > 1) {
    ctx.error("config/conflict", [...path, "basic_auth"], "at most one of basic_auth password, password_file & password_ref must be configured");
  }
  if (authorization) {
    if (bearer) ctx.error("config/conflict", [...path, "authorization"], "authorization is not compatible with bearer_token & bearer_token_file", true);
    if (count(authorization.credentials, authorization.credentials_file, authorization.credentials_ref) > 1) {
      ctx.error("config/conflict", [...path, "authorization"], "at most one of authorization credentials & credentials_file must be configured");
    }
    if (text(authorization.type).trim().toLowerCase() === "basic") {
      ctx.error("config/invalid-value", [...path, "authorization", "type"], 'authorization type cannot be set to "basic", use "basic_auth" instead');
    }
    if (basic || oauth2) ctx.error("config/conflict", [...path, "authorization"], "at most one of basic_auth, oauth2 & authorization must be configured", true);
  }
  if (oauth2) {
    if (basic && !authorization)
      ctx.error("config/conflict", [...path, "oauth2"], "at most one of basic_auth, oauth2 & authorization must be configured", true);
    if (!filled(oauth2.client_id)) ctx.error("config/missing-field", [...path, "oauth2"], "oauth2 client_id must be configured");
    if (!filled(oauth2.token_url)) ctx.error("config/missing-field", [...path, "oauth2"], "oauth2 token_url must be configured");
    if (text(oauth2.grant_type) === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      if (count(oauth2.client_certificate_key, oauth2.client_certificate_key_file, oauth2.client_certificate_key_ref) > 1) {
        ctx.error(
          "config/conflict",
          [...path, "oauth2"],
          "at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer",
        );
      }
      if (filled(oauth2.signature_algorithm) && !["RS256", "RS384", "RS512"].includes(text(oauth2.signature_algorithm))) {
        ctx.error("config/invalid-value", [...path, "oauth2", "signature_algorithm"], "valid signature algorithms are RS256, RS384 and RS512");
      }
    } else if (count(oauth2.client_secret, oauth2.client_secret_file, oauth2.client_secret_ref) > 1) {
      ctx.error(
        "config/conflict",
        [...path, "oauth2"],
        "at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials",
      );
    }
    checkTlsConfig(ctx, oauth2.tls_config, [...path, "oauth2", "tls_config"]);
    checkProxy(ctx, oauth2, [...path, "oauth2"]);
  }
  checkProxy(ctx, h, path);
  checkHttpHeaders(ctx, h.http_headers, [...path, "http_headers"]);
  checkTlsConfig(ctx, h.tls_config, [...path, "tls_config"]);
}

function checkProxy(ctx: AlertmanagerContext, c: Obj, path: Path): void {
  const proxyURL = filled(c.proxy_url);
  const fromEnv = c.proxy_from_environment === true;
  if (Object.keys(asObj(c.proxy_connect_header)).length > 0 && !fromEnv && !proxyURL) {
    ctx.error(
      "config/conflict",
      [...path, "proxy_connect_header"],
      "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured",
      true,
    );
  }
  if (fromEnv && proxyURL)
    ctx.error("config/conflict", [...path, "proxy_url"], "if proxy_from_environment is configured, proxy_url must not be configured", true);
  if (fromEnv && filled(c.no_proxy))
    ctx.error("config/conflict", [...path, "no_proxy"], "if proxy_from_environment is configured, no_proxy must not be configured", true);
  if (!given(c.proxy_url) && filled(c.no_proxy))
    ctx.error("config/conflict", [...path, "no_proxy"], "if no_proxy is configured, proxy_url must also be configured", true);
}

export function checkHttpHeaders(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  for (const name of Object.keys(asObj(value))) {
    const canonical = canonicalHeaderKey(name);
    if (COMMON_RESERVED_HEADERS.has(canonical)) ctx.error("config/reserved-header", [...path, name], `setting header ${q(canonical)} is not allowed`, true);
  }
}

export function checkTlsConfig(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  if (!isObj(value)) return;
  const t = value;
  const count = (...values: unknown[]) => values.filter(filled).length;
  if (count(t.ca, t.ca_file, t.ca_ref) > 1) ctx.error("config/conflict", path, "at most one of ca, ca_file & ca_ref must be configured");
  if (count(t.cert, t.cert_file, t.cert_ref) > 1) ctx.error("config/conflict", path, "at most one of cert, cert_file & cert_ref must be configured");
  if (count(t.key, t.key_file, t.key_ref) > 1) ctx.error("config/conflict", path, "at most one of key and key_file must be configured");
  const cert = count(t.cert, t.cert_file, t.cert_ref) > 0;
  const key = count(t.key, t.key_file, t.key_ref) > 0;
  if (cert && !key) ctx.error("config/missing-field", path, "exactly one of key or key_file must be configured when a client certificate is configured");
  else if (key && !cert) ctx.error("config/missing-field", path, "exactly one of cert or cert_file must be configured when a client key is configured");
}

/** `Authorization` is set by authorization, or by bearer_token(_file), which prometheus/common turns into it. */
export function hasAuthorization(http: Obj): boolean {
  return isObj(http.authorization) || filled(http.bearer_token) || filled(http.bearer_token_file);
}
