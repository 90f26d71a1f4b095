/** `tracing` (TracingConfig) and `otlp` (OTLPConfig) sections. */
import type { Obj, Path, PrometheusContext } from "./context.js";
import { checkTls } from "./http-client.js";
import { checkHeaders } from "./remote.js";
import { asBool, isObj, nonEmpty, scalar } from "./values.js";

export function checkTracing(ctx: PrometheusContext, tracing: Obj): void {
  const path: Path = ["tracing"];
  checkHeaders(ctx, tracing.headers, [...path, "headers"], "tracing");
  if (!nonEmpty(tracing.endpoint)) ctx.error("config/tracing", "tracing endpoint must be set", tracing.endpoint === undefined ? path : [...path, "endpoint"]);
  const compression = scalar(tracing.compression);
  if (compression !== undefined && compression !== "" && compression !== "gzip") {
    ctx.error("config/tracing", `invalid compression type ${compression} provided, valid options: gzip`, [...path, "compression"]);
  }
  if (isObj(tracing.tls_config)) checkTls(ctx, tracing.tls_config, [...path, "tls_config"]);
}

export function checkOtlp(ctx: PrometheusContext, otlp: Obj): void {
  const path: Path = ["otlp"];
  const promoteAll = asBool(otlp.promote_all_resource_attributes) === true;
  const promote = Array.isArray(otlp.promote_resource_attributes) ? otlp.promote_resource_attributes : [];
  const ignore = Array.isArray(otlp.ignore_resource_attributes) ? otlp.ignore_resource_attributes : [];
  const attributeProblems = (attributes: unknown[], adjective: string): string[] => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const attribute of attributes) {
      const text = (scalar(attribute) ?? "").trim();
      if (text === "") problems.push(`empty ${adjective} OTel resource attribute`);
      else if (seen.has(text)) problems.push(`duplicated ${adjective} OTel resource attribute ${JSON.stringify(text)}`);
      seen.add(text);
    }
    return problems;
  };
  if (promoteAll) {
    if (promote.length > 0)
      ctx.error("config/otlp", "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously", [
        ...path,
        "promote_resource_attributes",
      ]);
    const problems = attributeProblems(ignore, "ignored");
    if (problems.length > 0) ctx.error("config/otlp", `invalid 'ignore_resource_attributes': ${problems.join("; ")}`, [...path, "ignore_resource_attributes"]);
  } else {
    if (ignore.length > 0)
      ctx.error("config/otlp", "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true", [
        ...path,
        "ignore_resource_attributes",
      ]);
    const problems = attributeProblems(promote, "promoted");
    if (problems.length > 0)
      ctx.error("config/otlp", `invalid 'promote_resource_attributes': ${problems.join("; ")}`, [...path, "promote_resource_attributes"]);
  }
  const strategy = scalar(otlp.translation_strategy);
  if ((strategy === "NoTranslation" || strategy === "NoUTF8EscapingWithSuffixes") && ctx.global.scheme === "legacy") {
    ctx.error("config/otlp", `OTLP translation strategy ${JSON.stringify(strategy)} is not allowed when UTF8 is disabled`, [...path, "translation_strategy"]);
  }
}
