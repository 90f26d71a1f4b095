/** Field checks several sections share: `x` / `x_file` pairs, http(s) URLs, `host:port`. */
import { hostName, hostPortProblem, portProblem, splitUrl } from "../../go/url.js";
import type { AlertmanagerContext } from "./context.js";
import { filled, given, q, SECRET_TOKEN, text, type Obj, type Path } from "./values.js";

/** A webhook URL given inline or in a file: exactly one of the two. */
export function checkWebhookUrlPair(ctx: AlertmanagerContext, c: Obj, path: Path, url: string, file: string): void {
  if (!given(c[url]) && !filled(c[file])) ctx.error("config/missing-field", path, `one of ${url} or ${file} must be configured`);
  atMostOne(ctx, c, path, url, file, given, `at most one of ${url} & ${file} must be configured`, filled);
}

/** `first` and `second` both set: reported at the second key. */
export function atMostOne(
  ctx: AlertmanagerContext,
  c: Obj,
  path: Path,
  first: string,
  second: string,
  isSet: (value: unknown) => boolean,
  message: string,
  secondIsSet: (value: unknown) => boolean = isSet === given ? filled : isSet,
): void {
  if (isSet(c[first]) && secondIsSet(c[second])) ctx.error("config/conflict", [...path, second], message, true);
}

/** An http(s) URL with a host (config/common URL and SecretURL). Secret URLs are never echoed. */
export function checkUrlField(ctx: AlertmanagerContext, c: Obj, path: Path, key: string, { secret = false } = {}): void {
  if (!given(c[key]) || typeof c[key] === "object") return;
  const value = text(c[key]);
  if (secret && value === SECRET_TOKEN) return;
  const problem = httpURLProblem(value);
  if (problem) ctx.error("config/invalid-url", [...path, key], problem);
}

/** `host:port` (net.SplitHostPort). */
export function checkHostPort(ctx: AlertmanagerContext, c: Obj, path: Path, key: string): void {
  const value = text(c[key]);
  if (value === "") return;
  const problem = hostPortProblem(value);
  if (problem) ctx.error("config/invalid-address", [...path, key], problem);
}

/** Go's url.Parse plus Alertmanager's ParseURL rules: http or https, with a host. Never echoes the URL (it may be a secret). */
export function httpURLProblem(value: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(value)) return "invalid URL: net/url: invalid control character in URL";
  const { scheme, host } = splitUrl(value);
  if (scheme !== "http" && scheme !== "https") return `unsupported scheme ${q(scheme)} for URL`;
  return portProblem(host) ?? (hostName(host) === "" ? "missing host for URL" : undefined);
}
