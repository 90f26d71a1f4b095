/**
 * HTTP header names as Go and the Prometheus components treat them: Go's canonical form, and the headers each
 * component refuses to let a config set.
 */

/**
 * Go's textproto.CanonicalMIMEHeaderKey (net/http.CanonicalHeaderKey): upper case at the start and after each `-`,
 * lower case elsewhere; a name with a byte that is not a token character (space, `:`, non-ASCII) is left unchanged.
 */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * prometheus/common config/headers.go `reservedHeaders`, in canonical form: refused in `http_headers` of any HTTP
 * client config (Prometheus scrape, service discovery, Alertmanager's `http_config`), compared after canonicalHeaderKey.
 */
export const COMMON_RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "Authorization",
  "Host",
  "Content-Encoding",
  "Content-Length",
  "Content-Type",
  "User-Agent",
  "Connection",
  "Keep-Alive",
  "Proxy-Authenticate",
  "Proxy-Authorization",
  "Www-Authenticate",
  "Accept-Encoding",
  "X-Prometheus-Remote-Write-Version",
  "X-Prometheus-Remote-Read-Version",
  "X-Prometheus-Scrape-Timeout-Seconds",
  "X-Amz-Date",
  "X-Amz-Security-Token",
  "X-Amz-Content-Sha256",
]);

/**
 * prometheus config/config.go `reservedHeaders`, in lower case: refused in `headers` of remote write, remote read and
 * tracing, compared after strings.ToLower. `authorization` is refused there too, with its own message.
 */
export const PROMETHEUS_RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-encoding",
  "content-length",
  "content-type",
  "user-agent",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "www-authenticate",
  "accept-encoding",
  "x-prometheus-remote-write-version",
  "x-prometheus-remote-read-version",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
]);
