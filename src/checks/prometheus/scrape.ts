/**
 * Scrape configs (ScrapeConfig.Validate), their static targets as promtool checks them after relabeling, and the
 * scrape configs of included `scrape_config_files`.
 */
import validatePrometheus from "../../generated/prometheus-config-validator.js";
import { decodedDuration, formatDuration } from "../../go/duration.js";
import { schemaFindings, type SchemaError } from "../schema-findings.js";
import type { Finding } from "../types.js";
import { PrometheusContext, type Obj, type Path, type Scheme } from "./context.js";
import { checkScrapeProtocols, checkSize, FILE_GLOB } from "./global.js";
import { checkHttpClient } from "./http-client.js";
import { checkRelabelConfigs, relabelProcess } from "./relabel.js";
import { checkServiceDiscovery } from "./service-discovery.js";
import { forEachItem, isObj, normalize, pathText, scalar } from "./values.js";

export function checkScrapeConfig(ctx: PrometheusContext, scrape: Obj, path: Path): void {
  const job = scalar(scrape.job_name);
  if (job === "") ctx.error("config/job-name", "job_name is empty", [...path, "job_name"]);
  checkHttpClient(ctx, scrape, path);
  checkServiceDiscovery(ctx, scrape, path);

  const interval = decodedDuration(scrape.scrape_interval) || ctx.global.interval;
  const timeout = decodedDuration(scrape.scrape_timeout);
  if (timeout !== undefined && timeout > interval) {
    ctx.error("config/scrape-timeout", `scrape timeout greater than scrape interval for scrape config with job name "${job ?? ""}"`, [
      ...path,
      scrape.scrape_timeout !== undefined ? "scrape_timeout" : "scrape_interval",
    ]);
  }
  const effectiveTimeout = timeout || Math.min(ctx.global.timeout, interval);
  if (scrape.scrape_protocols !== undefined) {
    checkScrapeProtocols(ctx, scrape.scrape_protocols, [...path, "scrape_protocols"], `for scrape config with job name "${job ?? ""}"`);
  }
  checkSize(ctx, scrape.body_size_limit, [...path, "body_size_limit"]);

  // Name validation and escaping (ScrapeConfig.Validate).
  const localScheme = scrape.metric_name_validation_scheme;
  const scheme: Scheme = localScheme === "legacy" || (!localScheme && ctx.global.scheme === "legacy") ? "legacy" : "utf8";
  let escaping = scalar(scrape.metric_name_escaping_scheme) ?? "";
  if (escaping === "") {
    // Inherited from global when the local validation scheme is unset, else derived from the local scheme.
    escaping = !localScheme
      ? ctx.global.escaping || (ctx.global.scheme === "legacy" ? "underscores" : "allow-utf-8")
      : scheme === "legacy"
        ? "underscores"
        : "allow-utf-8";
  }
  if (!["allow-utf-8", "underscores", "dots", "values"].includes(escaping)) {
    ctx.error(
      "config/name-escaping",
      `unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got "${escaping}"`,
      [...path, "metric_name_escaping_scheme"],
    );
  } else if (escaping === "allow-utf-8" && scheme !== "utf8") {
    ctx.error("config/name-escaping", "utf8 metric names requested but validation scheme is not set to UTF8", [...path, "metric_name_escaping_scheme"]);
  }

  const relabelConfigs = scrape.relabel_configs;
  checkRelabelConfigs(ctx, relabelConfigs, [...path, "relabel_configs"], scheme, "empty or null target relabeling rule in scrape config");
  checkRelabelConfigs(ctx, scrape.metric_relabel_configs, [...path, "metric_relabel_configs"], scheme, "empty or null metric relabeling rule in scrape config");

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
      if (finalAddress === "") ctx.error("config/target-address", `${where}: no address`, targetPath);
      else if (finalAddress.includes("/")) ctx.error("config/target-address", `${where}: ${JSON.stringify(finalAddress)} is not a valid hostname`, targetPath);
    });
  });
}

/** Each included file holds only `scrape_configs`, checked with the main file's global defaults; job names stay unique. */
export function checkScrapeConfigFiles(ctx: PrometheusContext, value: unknown, jobNames: Map<string, Path>): void {
  const resolve = ctx.options.scrapeConfigFiles;
  if (!resolve || !Array.isArray(value)) return;
  const names = new Map<string, string>([...jobNames.keys()].map((name) => [name, "main config file"]));
  value.forEach((glob, index) => {
    const pattern = scalar(glob);
    if (pattern === undefined || !FILE_GLOB.test(pattern)) return;
    const path: Path = ["scrape_config_files", index];
    for (const included of resolve(pattern)) {
      if (included.error !== undefined) {
        ctx.error("config/scrape-config-files", `${included.file}: ${included.error}`, path);
        continue;
      }
      const inner: Finding[] = [];
      const document = normalize(included.data ?? {});
      if (!isObj(document)) {
        inner.push({ id: "schema/type", severity: "error", message: "must be object", path: [] });
      } else {
        for (const key of Object.keys(document)) {
          if (key !== "scrape_configs")
            inner.push({ id: "schema/unknown-key", severity: "error", message: `unknown key \`${key}\``, path: [key], atKey: true });
        }
        const wrapped = { scrape_configs: document.scrape_configs };
        if (!validatePrometheus(wrapped)) inner.push(...schemaFindings(validatePrometheus.errors as SchemaError[]));
        const fileContext = new PrometheusContext(inner, {});
        Object.assign(fileContext.global, ctx.global);
        forEachItem(document.scrape_configs, ["scrape_configs"], (item, itemPath) => {
          if (!isObj(item)) {
            if (item === null) inner.push({ id: "config/null-section", severity: "error", message: "empty or null scrape config section", path: itemPath });
            return;
          }
          checkScrapeConfig(fileContext, item, itemPath);
          const name = scalar(item.job_name);
          if (name === undefined || name === "") return;
          const first = names.get(name);
          if (first !== undefined) {
            inner.push({
              id: "config/duplicate-job-name",
              severity: "error",
              message: `found multiple scrape configs with job name "${name}", first found in ${first}`,
              path: [...itemPath, "job_name"],
            });
          } else {
            names.set(name, JSON.stringify(included.file));
          }
        });
      }
      for (const finding of inner) {
        ctx.findings.push({ ...finding, message: `${included.file}: ${pathText(finding.path)}${finding.message}`, path, atKey: false });
      }
    }
  });
}
