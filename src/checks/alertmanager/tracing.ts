/** `tracing` and `event_recorder` outputs (file, webhook, kafka). */
import { parseDuration } from "../../go/duration.js";
import type { AlertmanagerContext } from "./context.js";
import { httpURLProblem } from "./fields.js";
import { checkHttpConfig, checkHttpHeaders, checkTlsConfig } from "./http-config.js";
import { asObj, filled, given, isObj, list, SECRET_TOKEN, text } from "./values.js";

export function checkTracing(ctx: AlertmanagerContext): void {
  if (!isObj(ctx.config.tracing)) return;
  const t = ctx.config.tracing;
  if (!filled(t.endpoint)) ctx.error("config/missing-field", ["tracing"], "tracing endpoint must be set");
  checkTlsConfig(ctx, t.tls_config, ["tracing", "tls_config"]);
  checkHttpHeaders(ctx, t.headers, ["tracing", "headers"]);
}

export function checkEventRecorder(ctx: AlertmanagerContext): void {
  const e = asObj(ctx.config.event_recorder);
  list(e.file_outputs).forEach((output, i) => {
    if (!filled(asObj(output).path)) ctx.error("config/missing-field", ["event_recorder", "file_outputs", i], "event_recorder file output requires a path");
  });
  list(e.webhook_outputs).forEach((output, i) => {
    const o = asObj(output);
    const path = ["event_recorder", "webhook_outputs", i];
    if (!given(o.url)) ctx.error("config/missing-field", path, "event_recorder webhook output requires a url");
    else if (text(o.url) !== SECRET_TOKEN && httpURLProblem(text(o.url))) {
      ctx.error("config/invalid-url", [...path, "url"], "event_recorder webhook output requires an absolute http(s) url");
    }
    const batch = ["batch_max_events", "batch_max_bytes"].filter((key) => typeof o[key] === "number");
    if (batch.some((key) => (o[key] as number) < 0)) ctx.error("config/invalid-value", path, "event_recorder webhook batch settings cannot be negative");
    else if (
      (batch.some((key) => (o[key] as number) > 0) || (typeof o.batch_flush_interval === "string" && parseDuration(o.batch_flush_interval))) &&
      o.batch !== true
    ) {
      ctx.error("config/invalid-value", path, "event_recorder webhook batch settings require batch: true");
    }
    checkHttpConfig(ctx, o.http_config, [...path, "http_config"]);
  });
  list(e.kafka_outputs).forEach((output, i) => {
    const o = asObj(output);
    const path = ["event_recorder", "kafka_outputs", i];
    if (list(o.brokers).length === 0) ctx.error("config/missing-field", path, "event_recorder kafka output requires at least one broker");
    if (!filled(o.topic)) ctx.error("config/missing-field", path, "event_recorder kafka output requires a topic");
    checkTlsConfig(ctx, o.tls_config, [...path, "tls_config"]);
  });
}
