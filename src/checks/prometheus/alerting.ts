/** The `alerting` section: alert relabeling and Alertmanager endpoints, whose static targets promtool checks after relabeling. */
import type { Obj, Path, PrometheusContext } from "./context.js";
import { checkHttpClient } from "./http-client.js";
import { checkRelabelConfigs, relabelProcess } from "./relabel.js";
import { checkServiceDiscovery } from "./service-discovery.js";
import { forEachItem, isObj, scalar } from "./values.js";

export function checkAlerting(ctx: PrometheusContext, alerting: Obj, path: Path): void {
  checkRelabelConfigs(ctx, alerting.alert_relabel_configs, [...path, "alert_relabel_configs"], ctx.global.scheme, "empty or null alert relabeling rule");
  forEachItem(alerting.alertmanagers, [...path, "alertmanagers"], (item, itemPath) => {
    if (!isObj(item)) return;
    checkHttpClient(ctx, item, itemPath);
    checkServiceDiscovery(ctx, item, itemPath);
    if (isObj(item.sigv4) && (isObj(item.basic_auth) || isObj(item.authorization) || isObj(item.oauth2))) {
      ctx.error("config/http-client", "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured", [...itemPath, "sigv4"]);
    }
    checkRelabelConfigs(ctx, item.relabel_configs, [...itemPath, "relabel_configs"], ctx.global.scheme, "empty or null Alertmanager target relabeling rule");
    checkRelabelConfigs(
      ctx,
      item.alert_relabel_configs,
      [...itemPath, "alert_relabel_configs"],
      ctx.global.scheme,
      "empty or null Alertmanager alert relabeling rule",
    );
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
        if (finalAddress.includes("/")) ctx.error("config/target-address", `${JSON.stringify(finalAddress)} is not a valid hostname`, targetPath);
      });
    });
  });
}

/** Go's path.Join, as the Alertmanager URL path is built. */
function joinPath(...parts: string[]): string {
  const joined = parts
    .filter((part) => part !== "")
    .join("/")
    .replace(/\/+/g, "/");
  const segments: string[] = [];
  for (const segment of joined.split("/")) {
    if (segment === "..") segments.pop();
    else if (segment !== "." && segment !== "") segments.push(segment);
  }
  return "/" + segments.join("/");
}
