/** `kubernetes_sd_configs` (discovery/kubernetes SDConfig.UnmarshalYAML): API access, namespaces, selectors. */
import type { Obj, Path, PrometheusContext } from "./context.js";
import { checkUrlParses } from "./http-client.js";
import { asBool, forEachItem, isObj, nonEmpty, scalar } from "./values.js";

export function checkKubernetesSd(ctx: PrometheusContext, sd: Obj, path: Path): void {
  const apiServer = sd.api_server !== undefined && scalar(sd.api_server) !== "";
  const kubeconfig = nonEmpty(sd.kubeconfig_file);
  const customHttp = HTTP_KEYS.some((key) => sd[key] !== undefined && !isDefaultHttpValue(key, sd[key]));
  const ownNamespace = isObj(sd.namespaces) && asBool(sd.namespaces.own_namespace) === true;
  if (typeof sd.api_server === "string") checkUrlParses(ctx, sd.api_server, [...path, "api_server"]);
  if (apiServer && kubeconfig) ctx.error("config/kubernetes-sd", "cannot use 'kubeconfig_file' and 'api_server' simultaneously", [...path, "kubeconfig_file"]);
  if (kubeconfig && customHttp)
    ctx.error("config/kubernetes-sd", "cannot use a custom HTTP client configuration together with 'kubeconfig_file'", [...path, "kubeconfig_file"]);
  if (!apiServer && customHttp)
    ctx.error("config/kubernetes-sd", "to use custom HTTP client configuration please provide the 'api_server' URL explicitly", path);
  if (apiServer && ownNamespace)
    ctx.error("config/kubernetes-sd", "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously", [...path, "namespaces", "own_namespace"]);
  if (kubeconfig && ownNamespace)
    ctx.error("config/kubernetes-sd", "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously", [...path, "namespaces", "own_namespace"]);

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
    if (seen.has(selectorRole)) ctx.error("config/kubernetes-sd", `duplicated selector role: ${selectorRole}`, [...selectorPath, "role"]);
    seen.add(selectorRole);
    if (role && allowed[role] && !allowed[role]!.includes(selectorRole)) {
      ctx.error("config/kubernetes-sd", `${role} role supports only ${allowed[role]!.join(", ")} selectors`, [...selectorPath, "role"]);
    }
    const field = scalar(selector.field);
    if (field) {
      const problem = fieldSelectorProblem(field);
      if (problem) ctx.error("config/kubernetes-sd", problem, [...selectorPath, "field"]);
    }
    const label = scalar(selector.label);
    if (label) {
      const problem = labelSelectorProblem(label);
      if (problem) ctx.error("config/kubernetes-sd", problem, [...selectorPath, "label"]);
    }
  });
}

/** The HTTP client settings kubernetes SD compares with the default. */
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
