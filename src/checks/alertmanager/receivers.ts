/** `receivers`: unique names, labels, and each integration's config (see integrations.ts). */
import type { AlertmanagerContext } from "./context.js";
import { checkHttpConfig } from "./http-config.js";
import { INTEGRATIONS } from "./integrations.js";
import { asObj, isObj, list, q, text, type Path } from "./values.js";

export function checkReceivers(ctx: AlertmanagerContext): Set<string> {
  const names = new Set<string>();
  list(ctx.config.receivers).forEach((receiver, i) => {
    const path: Path = ["receivers", i];
    if (!isObj(receiver)) return;
    const name = text(receiver.name);
    if (name === "") {
      if ("name" in receiver) ctx.error("config/missing-name", [...path, "name"], "missing name in receiver");
    } else if (names.has(name)) {
      ctx.error("config/duplicate-receiver", [...path, "name"], `notification config name ${q(name)} is not unique`);
    }
    const labels = asObj(receiver.labels);
    if ("name" in labels && text(labels.name) !== name) {
      ctx.error(
        "config/receiver-labels",
        [...path, "labels", "name"],
        `receiver label "name" must match receiver name ${q(name)}, got ${q(text(labels.name))}`,
      );
    }
    for (const [key, check] of Object.entries(INTEGRATIONS)) {
      list(receiver[key]).forEach((item, j) => {
        const itemPath = [...path, key, j];
        const kind = key.replace(/_configs$/, "");
        if (item === null || item === undefined) {
          // Go leaves a nil entry; slack, opsgenie, wechat and rocketchat then apply the global defaults to an
          // empty config, every other integration refuses it.
          if (!["slack", "opsgenie", "wechat", "rocketchat"].includes(kind)) {
            ctx.error("config/missing-integration", itemPath, `missing ${kind} config`);
            return;
          }
        } else if (!isObj(item)) return;
        const config = asObj(item);
        if (kind !== "email") checkHttpConfig(ctx, config.http_config, [...itemPath, "http_config"]);
        check(ctx, config, itemPath);
      });
    }
    if (name !== "") names.add(name);
  });
  return names;
}
