/**
 * Built-in checks of a Prometheus configuration (`prometheus.yml`): the precompiled JSON Schema for structure (unknown
 * keys, types, enums, durations), then the validation Prometheus' own config loader does that a schema cannot express
 * (config/config.go, model/relabel, discovery/*, prometheus/common's HTTP client config, and what `promtool check
 * config` adds: static targets after relabeling), one file per section in prometheus/. Messages use Prometheus' words
 * where it has them.
 */
import validatePrometheus from "../generated/prometheus-config-validator.js";
import { checkAgentMode } from "./prometheus/agent-mode.js";
import { checkAlerting } from "./prometheus/alerting.js";
import { PrometheusContext, type Obj, type Path, type PrometheusCheckOptions } from "./prometheus/context.js";
import { checkFileGlobs, checkGlobal } from "./prometheus/global.js";
import { checkRemoteRead, checkRemoteWrite } from "./prometheus/remote.js";
import { checkScrapeConfig, checkScrapeConfigFiles } from "./prometheus/scrape.js";
import { checkStorage } from "./prometheus/storage.js";
import { checkOtlp, checkTracing } from "./prometheus/tracing.js";
import { forEachItem, isObj, normalize, scalar } from "./prometheus/values.js";
import { schemaFindings, type SchemaError } from "./schema-findings.js";
import type { Finding } from "./types.js";

export type { IncludedScrapeConfigFile, PrometheusCheckOptions } from "./prometheus/context.js";
export { checkWebConfig } from "./web-config.js";

export function checkPrometheusConfig(data: unknown, options: PrometheusCheckOptions = {}): Finding[] {
  const config = normalize(data);
  const findings: Finding[] = [];
  if (!validatePrometheus(config)) findings.push(...schemaFindings(validatePrometheus.errors as SchemaError[]));
  if (!isObj(config)) return findings;
  checkSections(new PrometheusContext(findings, options), config);
  return withoutVagueNullErrors(findings);
}

/** In the order Prometheus' loader meets them; `global` first, since scrape configs inherit its defaults. */
function checkSections(ctx: PrometheusContext, config: Obj): void {
  checkGlobal(ctx, config.global);
  checkFileGlobs(ctx, config.rule_files, "rule_files", "config/rule-files", "invalid rule file path");
  checkFileGlobs(ctx, config.scrape_config_files, "scrape_config_files", "config/scrape-config-files", "invalid scrape config file path");

  const jobNames = new Map<string, Path>();
  forEachItem(config.scrape_configs, ["scrape_configs"], (item, path) => {
    if (!isObj(item)) {
      if (item === null) ctx.error("config/null-section", "empty or null scrape config section", path);
      return;
    }
    checkScrapeConfig(ctx, item, path);
    const name = scalar(item.job_name);
    if (name === undefined || name === "") return;
    if (jobNames.has(name)) ctx.error("config/duplicate-job-name", `found multiple scrape configs with job name "${name}"`, [...path, "job_name"]);
    else jobNames.set(name, path);
  });
  checkScrapeConfigFiles(ctx, config.scrape_config_files, jobNames);

  if (isObj(config.alerting)) checkAlerting(ctx, config.alerting, ["alerting"]);
  checkRemoteWrite(ctx, config.remote_write);
  checkRemoteRead(ctx, config.remote_read);
  if (isObj(config.storage)) checkStorage(ctx, config.storage);
  if (isObj(config.tracing)) checkTracing(ctx, config.tracing);
  checkOtlp(ctx, isObj(config.otlp) ? config.otlp : {});
  if (ctx.options.agent) checkAgentMode(ctx, config);
}

/** A null list item gets Prometheus' own message ("empty or null …"); the schema's "must be object" there is noise. */
function withoutVagueNullErrors(findings: Finding[]): Finding[] {
  const nullSections = new Set(findings.filter((finding) => finding.id === "config/null-section").map((finding) => JSON.stringify(finding.path)));
  if (nullSections.size === 0) return findings;
  return findings.filter((finding) => finding.id !== "schema/type" || !nullSections.has(JSON.stringify(finding.path)));
}
