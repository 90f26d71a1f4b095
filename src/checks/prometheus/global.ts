/** The `global` section (the defaults scrape configs inherit), and the value checks other sections share. */
import { decodedDuration } from "../../go/duration.js";
import { parseBase2Bytes } from "../../go/units.js";
import type { Path, PrometheusContext, Scheme } from "./context.js";
import { forEachItem, isObj, isValidLabelName, scalar, wellFormed } from "./values.js";

export function checkGlobal(ctx: PrometheusContext, global: unknown): void {
  if (!isObj(global)) return;
  const path: Path = ["global"];
  if (global.metric_name_validation_scheme === "legacy") ctx.global.scheme = "legacy";
  ctx.global.escaping = scalar(global.metric_name_escaping_scheme) ?? "";
  checkLabelSet(ctx, global.external_labels, [...path, "external_labels"], ctx.global.scheme);
  const interval = decodedDuration(global.scrape_interval);
  const timeout = decodedDuration(global.scrape_timeout);
  if (interval !== undefined && interval > 0) ctx.global.interval = interval;
  if (timeout !== undefined && timeout > ctx.global.interval) {
    ctx.error("config/scrape-timeout", "global scrape timeout greater than scrape interval", [...path, "scrape_timeout"]);
  }
  ctx.global.timeout = timeout !== undefined && timeout > 0 ? timeout : Math.min(10_000, ctx.global.interval);
  if (global.scrape_protocols !== undefined) {
    ctx.global.protocolsSet = true;
    checkScrapeProtocols(ctx, global.scrape_protocols, [...path, "scrape_protocols"], "for global config");
  }
  checkSize(ctx, global.body_size_limit, [...path, "body_size_limit"]);
}

/** `rule_files` and `scrape_config_files`: a `*` only in the last path element (config.go patRulePath). */
export function checkFileGlobs(ctx: PrometheusContext, value: unknown, key: string, id: string, what: string): void {
  forEachItem(value, [key], (item, path) => {
    const text = scalar(item);
    if (text !== undefined && !FILE_GLOB.test(text)) ctx.error(id, `${what} "${text}"`, path);
  });
}

export const FILE_GLOB = /^[^*]*(\*[^/]*)?$/;

export function checkScrapeProtocols(ctx: PrometheusContext, value: unknown, path: Path, suffix: string): void {
  if (!Array.isArray(value)) return;
  if (value.length === 0) {
    ctx.error("config/scrape-protocols", `scrape_protocols cannot be empty ${suffix}`, path);
    return;
  }
  const seen = new Set<string>();
  value.forEach((protocol, index) => {
    const key = String(protocol).toLowerCase();
    if (seen.has(key)) ctx.error("config/scrape-protocols", `duplicated protocol in scrape_protocols, got [${value.join(" ")}] ${suffix}`, [...path, index]);
    seen.add(key);
  });
}

export function checkSize(ctx: PrometheusContext, value: unknown, path: Path): void {
  if (value === undefined) return;
  const parsed = parseBase2Bytes(scalar(value) ?? "");
  if (typeof parsed === "string") ctx.error("config/size", parsed, path);
  else if (parsed < 0) ctx.error("config/size", `must be greater than or equal to 0, got ${String(value)}`, path);
}

/** A `labels` map: names valid in the scheme, values valid UTF-8. */
export function checkLabelSet(ctx: PrometheusContext, value: unknown, path: Path, scheme: Scheme): void {
  if (!isObj(value)) return;
  for (const [name, labelValue] of Object.entries(value)) {
    if (!isValidLabelName(name, scheme)) ctx.error("config/label-name", `${JSON.stringify(name)} is not a valid label name`, [...path, name], true);
    const text = scalar(labelValue);
    if (text !== undefined && !wellFormed(text)) ctx.error("config/label-value", `${JSON.stringify(text)} is not a valid label value`, [...path, name]);
  }
}
