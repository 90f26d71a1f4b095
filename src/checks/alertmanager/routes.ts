/** The routing tree (dispatch/route.go, config.go checks of `route`): receivers and time intervals that exist, matchers, timings. */
import { parseDuration } from "../../go/duration.js";
import type { AlertmanagerContext } from "./context.js";
import { checkLabelName, checkMatchers, checkMatchMap, checkMatchReMap } from "./label-matchers.js";
import { asObj, filled, given, isObj, list, q, text, type Obj, type Path } from "./values.js";

/** Default route timings (dispatch/route.go), in milliseconds. */
const DEFAULT_GROUP_INTERVAL = 5 * 60_000;
const DEFAULT_REPEAT_INTERVAL = 4 * 3_600_000;

export function checkRouteTree(ctx: AlertmanagerContext, receivers: Set<string>, timeIntervals: Set<string>): void {
  const root = ctx.config.route;
  if (!isObj(root)) {
    if (root === undefined || root === null) ctx.error("config/no-route", "route" in ctx.config ? ["route"] : [], "no route provided in config");
    return;
  }
  const path = ["route"];
  if (!filled(root.receiver))
    ctx.error("config/root-receiver", "receiver" in root ? [...path, "receiver"] : path, "root route must specify a default receiver");
  if (Object.keys(asObj(root.match)).length > 0 || Object.keys(asObj(root.match_re)).length > 0 || list(root.matchers).length > 0) {
    const key = ["matchers", "match", "match_re"].find((k) => (Array.isArray(root[k]) ? list(root[k]).length : Object.keys(asObj(root[k])).length) > 0)!;
    ctx.error("config/root-matchers", [...path, key], "root route must not have any matchers", true);
  }
  if (list(root.mute_time_intervals).length > 0)
    ctx.error("config/root-time-intervals", [...path, "mute_time_intervals"], "root route must not have any mute time intervals", true);
  if (list(root.active_time_intervals).length > 0)
    ctx.error("config/root-time-intervals", [...path, "active_time_intervals"], "root route must not have any active time intervals", true);
  if (root.continue === true) ctx.error("config/root-continue", [...path, "continue"], "cannot have continue in root route", true);
  checkRoute(ctx, root, path, receivers, timeIntervals, DEFAULT_GROUP_INTERVAL, DEFAULT_REPEAT_INTERVAL);
}

function checkRoute(
  ctx: AlertmanagerContext,
  r: Obj,
  path: Path,
  receivers: Set<string>,
  timeIntervals: Set<string>,
  parentGroupInterval: number,
  parentRepeatInterval: number,
): void {
  const receiver = text(r.receiver);
  if (receiver !== "" && !receivers.has(receiver)) {
    ctx.error("config/undefined-receiver", [...path, "receiver"], `undefined receiver ${q(receiver)} used in route`);
  }
  checkMatchMap(ctx, r.match, [...path, "match"]);
  checkMatchReMap(ctx, r.match_re, [...path, "match_re"]);
  checkMatchers(ctx, r.matchers, [...path, "matchers"]);
  for (const key of Object.keys(asObj(r.labels))) checkLabelName(ctx, key, [...path, "labels", key], "in route labels", true);
  const groupBy = list(r.group_by).map(text);
  const seen = new Set<string>();
  groupBy.forEach((label, i) => {
    if (label === "...") return;
    checkLabelName(ctx, label, [...path, "group_by", i], "in group_by list");
    if (seen.has(label)) ctx.error("config/duplicate-label", [...path, "group_by", i], `duplicated label ${q(label)} in group_by`);
    seen.add(label);
  });
  if (groupBy.includes("...") && groupBy.some((label) => label !== "...")) {
    ctx.error("config/group-by-wildcard", [...path, "group_by"], "cannot have wildcard group_by (`...`) and other labels at the same time");
  }
  for (const key of ["group_interval", "repeat_interval"]) {
    const ms = typeof r[key] === "string" ? parseDuration(r[key] as string) : undefined;
    if (ms === 0) ctx.error("config/zero-interval", [...path, key], `${key} cannot be zero`);
  }
  for (const key of ["mute_time_intervals", "active_time_intervals"]) {
    list(r[key]).forEach((name, i) => {
      if (!timeIntervals.has(text(name)))
        ctx.error("config/undefined-time-interval", [...path, key, i], `undefined time interval ${q(text(name))} used in route`);
    });
  }
  // Alertmanager warns at (re)load when a route repeats less often than it groups (app/reloader.go).
  const groupInterval = (typeof r.group_interval === "string" ? parseDuration(r.group_interval) : undefined) || parentGroupInterval;
  const repeatInterval = (typeof r.repeat_interval === "string" ? parseDuration(r.repeat_interval) : undefined) || parentRepeatInterval;
  if (repeatInterval < groupInterval && (given(r.group_interval) || given(r.repeat_interval))) {
    ctx.warn(
      "config/repeat-interval",
      [...path, given(r.repeat_interval) ? "repeat_interval" : "group_interval"],
      "repeat_interval is less than group_interval. Notifications will not repeat until the next group_interval.",
    );
  }
  list(r.routes).forEach((child, i) => {
    if (isObj(child)) checkRoute(ctx, child, [...path, "routes", i], receivers, timeIntervals, groupInterval, repeatInterval);
  });
}
