/**
 * prometheus-operator mode: the operator runs stock Prometheus and Alertmanager, so promplate hands it data, not
 * images: a `PrometheusRule` per rules output, the `scrape_configs` list alone in the additional-scrape-configs
 * Secret (the operator owns the rest of prometheus.yml: any other top-level key is refused, naming the `Prometheus`
 * field that sets it), and the Alertmanager config in the Secret `configSecret` names. Secrets reach the servers as
 * the files the operator mounts from `spec.secrets`; the configs name those files (secret-file mode).
 */
import { isMap, isScalar, parseDocument } from "yaml";
import type { Finding } from "../finding.js";
import type { RenderedFile } from "../render.js";
import type { Manifest } from "./validate.js";

/** Where the operator mounts a Secret listed in `spec.secrets` (prometheus-operator's documented paths). */
export const OPERATOR_SECRET_DIRS = { prometheus: "/etc/prometheus/secrets", alertmanager: "/etc/alertmanager/secrets" } as const;

export const ADDITIONAL_SCRAPE_CONFIGS_KEY = "prometheus-additional.yaml";
export const ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml";

/** What sets each top-level key of prometheus.yml (and of its `global`) on the `Prometheus` resource instead. */
const PROMETHEUS_FIELDS: Record<string, string> = {
  global: "the Prometheus resource's global fields (spec.scrapeInterval, spec.evaluationInterval, spec.externalLabels, …)",
  "global.scrape_interval": "spec.scrapeInterval",
  "global.scrape_timeout": "spec.scrapeTimeout",
  "global.evaluation_interval": "spec.evaluationInterval",
  "global.external_labels": "spec.externalLabels",
  "global.query_log_file": "spec.queryLogFile",
  "global.scrape_protocols": "spec.scrapeProtocols",
  "global.body_size_limit": "spec.enforcedBodySizeLimit",
  "global.sample_limit": "spec.enforcedSampleLimit",
  "global.label_limit": "spec.enforcedLabelLimit",
  "global.target_limit": "spec.enforcedTargetLimit",
  rule_files: "spec.ruleSelector (promplate writes a PrometheusRule per rules output; --rule-labels sets the labels it selects)",
  alerting: "spec.alerting",
  remote_write: "spec.remoteWrite",
  remote_read: "spec.remoteRead",
  storage: "spec.tsdb and spec.exemplars",
  tracing: "spec.tracingConfig",
  otlp: "spec.otlp",
  runtime: "spec.runtime",
  scrape_config_files: "spec.scrapeConfigSelector (ScrapeConfig objects), or scrape_configs in prometheus.yml",
};

/** The template line of a key at the top of the rendered file (or of `global`), for the finding. */
function placeOf(file: RenderedFile, offset: number | undefined): { file: string; line: number; column: number } {
  const line = offset === undefined ? 1 : file.content.slice(0, offset).split("\n").length;
  return { file: file.source.templateName, line: file.lineMap[line - 1] ?? line, column: 1 };
}

/** The rendered prometheus.yml's scrape_configs, or the problems that keep it from being the operator's additional scrape configs. */
export function scrapeConfigsOf(file: RenderedFile, problems: Finding[]): unknown[] {
  const document = parseDocument(file.content);
  if (!isMap(document.contents)) return [];
  for (const pair of document.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (key === "scrape_configs") continue;
    const nested = key === "global" && isMap(pair.value) ? pair.value.items : undefined;
    const keys = nested
      ? nested.map((inner) => ({ name: `global.${isScalar(inner.key) ? String(inner.key.value) : ""}`, node: inner.key }))
      : [{ name: key, node: pair.key }];
    for (const { name, node } of keys) {
      const field = PROMETHEUS_FIELDS[name] ?? (name.startsWith("global.") ? "the Prometheus resource's spec" : undefined);
      problems.push({
        id: "kubernetes/operator-config-key",
        severity: "error",
        message: `${name} in ${file.path}: the operator keeps only scrape_configs from it (the additional scrape configs); ${
          field ? `set ${field} on the Prometheus resource instead` : "the Prometheus resource sets the rest"
        }`,
        hint: "render a prometheus.yml holding only scrape_configs for --operator, or deploy without --operator",
        ...placeOf(file, isScalar(node) ? node.range?.[0] : undefined),
      });
    }
  }
  const scrapeConfigs = document.toJS({ maxAliasCount: 100 })?.scrape_configs as unknown;
  return Array.isArray(scrapeConfigs) ? scrapeConfigs : [];
}

/** A rules file's groups, as PrometheusRule's spec holds them. */
export function ruleGroupsOf(file: RenderedFile, problems: Finding[]): unknown[] {
  const data = parseDocument(file.content).toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  const extra = Object.keys(data ?? {}).filter((key) => key !== "groups");
  if (extra.length > 0) {
    problems.push({
      id: "kubernetes/operator-rules-key",
      severity: "error",
      message: `${file.path}: a PrometheusRule holds only groups; ${extra.join(", ")} cannot go with it`,
      ...placeOf(file, undefined),
    });
  }
  return Array.isArray(data?.groups) ? data.groups : [];
}

/** A DNS-1123 name for an object made from a file name: `rules/node.yaml` → `node`. */
export function objectNameOf(...parts: string[]): string {
  return parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 253);
}

export function prometheusRule(name: string, namespace: string, labels: Record<string, string>, groups: unknown[]): Manifest {
  return { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name, namespace, labels }, spec: { groups } };
}

export function configSecret(name: string, namespace: string, labels: Record<string, string>, key: string, content: string): Manifest {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace, labels }, type: "Opaque", stringData: { [key]: content } };
}

export interface OperatorSnippetOptions {
  instance: string;
  namespace: string;
  prometheus?: { shards: number; secrets: string[]; additionalScrapeConfigs?: string; ruleLabels: Record<string, string> };
  alertmanager?: { secrets: string[]; configSecret: string };
}

/** The fields of the `Prometheus` and `Alertmanager` resources that wire in what promplate wrote (validated as such). */
export function operatorResources(options: OperatorSnippetOptions): Manifest[] {
  const resources: Manifest[] = [];
  const metadata = { name: options.instance, namespace: options.namespace };
  if (options.prometheus) {
    const { shards, secrets, additionalScrapeConfigs, ruleLabels } = options.prometheus;
    const spec: Record<string, unknown> = {};
    if (shards > 1) spec.shards = shards;
    if (secrets.length > 0) spec.secrets = secrets;
    if (additionalScrapeConfigs) spec.additionalScrapeConfigs = { name: additionalScrapeConfigs, key: ADDITIONAL_SCRAPE_CONFIGS_KEY };
    spec.ruleSelector = { matchLabels: ruleLabels };
    resources.push({ apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus", metadata, spec });
  }
  if (options.alertmanager) {
    const { secrets, configSecret } = options.alertmanager;
    resources.push({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Alertmanager",
      metadata,
      spec: { ...(secrets.length > 0 ? { secrets } : {}), configSecret },
    });
  }
  return resources;
}
