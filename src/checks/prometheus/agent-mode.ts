/** Agent mode (`--agent`): the sections an agent refuses, and those it accepts without effect. */
import type { Obj, PrometheusContext } from "./context.js";
import { isObj } from "./values.js";

export function checkAgentMode(ctx: PrometheusContext, config: Obj): void {
  const alerting = isObj(config.alerting) ? config.alerting : {};
  const nonEmptyList = (value: unknown) => Array.isArray(value) && value.length > 0;
  if (nonEmptyList(alerting.alertmanagers) || nonEmptyList(alerting.alert_relabel_configs))
    ctx.error("config/agent-mode", "field alerting is not allowed in agent mode", ["alerting"], true);
  if (nonEmptyList(config.rule_files)) ctx.error("config/agent-mode", "field rule_files is not allowed in agent mode", ["rule_files"], true);
  if (nonEmptyList(config.remote_read)) ctx.error("config/agent-mode", "field remote_read is not allowed in agent mode", ["remote_read"], true);
  // Accepted by the agent but without effect there.
  if (isObj(config.global)) {
    for (const key of ["evaluation_interval", "rule_query_offset", "query_log_file"]) {
      if (config.global[key] !== undefined) ctx.warn("config/agent-mode", `global.${key} has no effect in agent mode`, ["global", key]);
    }
  }
  if (isObj(config.storage) && isObj(config.storage.tsdb) && config.storage.tsdb.retention !== undefined) {
    ctx.warn("config/agent-mode", "storage.tsdb.retention has no effect in agent mode (use --storage.agent.retention.*)", ["storage", "tsdb", "retention"]);
  }
}
