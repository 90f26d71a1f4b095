/**
 * Built-in check of an Alertmanager configuration (`alertmanager.yml`), following current upstream (0.3x): the
 * precompiled structural schema (schemas/alertmanager-config.schema.json), then the checks Alertmanager's loader makes
 * after decoding (config/config.go, config/notifiers.go, notify/<integration>/config.go, prometheus/common's HTTP and
 * TLS settings): global defaults for secrets and URLs, conflicting `x` / `x_file` pairs, the routing tree, receiver and
 * time interval references, matchers, RE2 regexes, label names and time intervals, one file per section in
 * alertmanager/. Messages use Alertmanager's words where it has them; unlike Alertmanager, which stops at the first
 * problem, every problem is reported.
 */
import validate from "../generated/alertmanager-config-validator.js";
import { AlertmanagerContext } from "./alertmanager/context.js";
import { checkGlobal } from "./alertmanager/global.js";
import { checkInhibitRule } from "./alertmanager/inhibition.js";
import { checkReceivers } from "./alertmanager/receivers.js";
import { checkRouteTree } from "./alertmanager/routes.js";
import { checkTimeIntervals } from "./alertmanager/time-intervals.js";
import { checkEventRecorder, checkTracing } from "./alertmanager/tracing.js";
import { isObj, list } from "./alertmanager/values.js";
import { schemaFindings, type SchemaError } from "./schema-findings.js";
import type { CheckOptions, Finding } from "./types.js";

export { parseMatchers, type MatchersResult } from "./alertmanager/matchers.js";

export function checkAlertmanagerConfig(data: unknown, _options: CheckOptions = {}): Finding[] {
  const valid = validate(data);
  const errors = (valid ? [] : (validate.errors ?? [])) as unknown as (SchemaError & { propertyName?: string })[];
  // Label names used as keys (match, source_match, …) are reported below with Alertmanager's message and the key.
  const findings = schemaFindings(errors.filter((e) => e.keyword !== "propertyNames" && e.propertyName === undefined));
  if (!isObj(data)) return findings;
  const ctx = new AlertmanagerContext(data, findings);
  checkGlobal(ctx);
  const receivers = checkReceivers(ctx);
  const timeIntervals = checkTimeIntervals(ctx);
  checkRouteTree(ctx, receivers, timeIntervals);
  list(data.inhibit_rules).forEach((rule, i) => checkInhibitRule(ctx, rule, ["inhibit_rules", i]));
  checkTracing(ctx);
  checkEventRecorder(ctx);
  return findings;
}
