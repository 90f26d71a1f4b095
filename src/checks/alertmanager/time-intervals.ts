/** `time_intervals` and `mute_time_intervals` (timeinterval/timeinterval.go): unique names, times, ranges, locations. */
import type { AlertmanagerContext } from "./context.js";
import { asObj, filled, given, isObj, list, q, text, type Path } from "./values.js";

export function checkTimeIntervals(ctx: AlertmanagerContext): Set<string> {
  const names = new Set<string>();
  for (const [section, what] of [
    ["mute_time_intervals", "mute time interval"],
    ["time_intervals", "time interval"],
  ] as const) {
    list(ctx.config[section]).forEach((entry, i) => {
      if (!isObj(entry)) return;
      const path: Path = [section, i];
      const name = text(entry.name);
      if (name === "") ctx.error("config/missing-name", "name" in entry ? [...path, "name"] : path, `missing name in ${what}`);
      else if (names.has(name)) ctx.error("config/duplicate-time-interval", [...path, "name"], `${what} ${q(name)} is not unique`);
      names.add(name);
      list(entry.time_intervals).forEach((interval, j) => checkTimeInterval(ctx, interval, [...path, "time_intervals", j]));
    });
  }
  return names;
}

function checkTimeInterval(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  if (!isObj(value)) return;
  list(value.times).forEach((range, i) => {
    const r = asObj(range);
    const at = [...path, "times", i];
    if (!filled(r.start_time) || !filled(r.end_time)) return ctx.error("config/invalid-time", at, "both start and end times must be provided");
    const start = parseClock(text(r.start_time));
    const end = parseClock(text(r.end_time));
    if (typeof start === "string") return ctx.error("config/invalid-time", [...at, "start_time"], start);
    if (typeof end === "string") return ctx.error("config/invalid-time", [...at, "end_time"], end);
    if (start >= end) ctx.error("config/invalid-time", at, "start time cannot be equal or greater than end time");
  });
  const ranges = (key: string, check: (value: string) => string | undefined) =>
    list(value[key]).forEach((item, i) => {
      const problem = check(text(item));
      if (problem) ctx.error("config/invalid-time", [...path, key, i], problem);
    });
  ranges("weekdays", weekdayRangeProblem);
  ranges("days_of_month", dayOfMonthRangeProblem);
  ranges("months", monthRangeProblem);
  ranges("years", yearRangeProblem);
  if (given(value.location)) {
    const problem = locationProblem(text(value.location));
    if (problem) ctx.error("config/invalid-location", [...path, "location"], problem);
  }
}

function parseClock(value: string): number | string {
  if (!/^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/.test(value)) return `couldn't parse timestamp ${value}, invalid format`;
  const [hours, minutes] = value.split(":").map(Number) as [number, number];
  return hours * 60 + minutes;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

function atoi(value: string): number | string {
  return /^[+-]?[0-9]+$/.test(value) ? Number(value) : `strconv.Atoi: parsing ${q(value)}: invalid syntax`;
}

function parseRange(input: string, member: (value: string) => number | string): [number, number] | string {
  const value = input.toLowerCase();
  const parts = value.split(":");
  if (parts.length > 2) return `couldn't parse range ${value}, invalid format`;
  const begin = member(parts[0]!);
  if (typeof begin === "string") return begin;
  const end = parts.length === 2 ? member(parts[1]!) : begin;
  if (typeof end === "string") return end;
  return [begin, end];
}

function weekdayRangeProblem(input: string): string | undefined {
  const range = parseRange(input, (v) => (WEEKDAYS.includes(v) ? WEEKDAYS.indexOf(v) : `${v} is not a valid weekday`));
  if (typeof range === "string") return range;
  if (range[0] > range[1]) return "start day cannot be before end day";
  return undefined;
}

function dayOfMonthRangeProblem(input: string): string | undefined {
  const range = parseRange(input, atoi);
  if (typeof range === "string") return range;
  const [begin, end] = range;
  if (begin === 0 || begin < -31 || begin > 31) return `${begin} is not a valid day of the month: out of range`;
  if (end === 0 || end < -31 || end > 31) return `${end} is not a valid day of the month: out of range`;
  if (begin < 0 && end > 0) return "end day must be negative if start day is negative";
  if ((begin < 0 ? 28 + begin : begin) > (end < 0 ? 28 + end : end)) return `end day ${end} is always before start day ${begin}`;
  return undefined;
}

function monthRangeProblem(input: string): string | undefined {
  const range = parseRange(input, (v) => (MONTHS.includes(v) ? MONTHS.indexOf(v) + 1 : /^[+-]?[0-9]+$/.test(v) ? Number(v) : `${v} is not a valid month`));
  if (typeof range === "string") return range;
  if (range[0] > range[1]) return `end month ${MONTHS[range[1] - 1] ?? ""} is before start month ${MONTHS[range[0] - 1] ?? ""}`;
  return undefined;
}

function yearRangeProblem(input: string): string | undefined {
  const range = parseRange(input, atoi);
  if (typeof range === "string") return range;
  if (range[0] > range[1]) return `end year ${range[1]} is before start year ${range[0]}`;
  return undefined;
}

function locationProblem(name: string): string | undefined {
  if (name === "" || name === "UTC" || name === "Local") return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) ? undefined : `unknown time zone ${name}`;
  } catch {
    return `unknown time zone ${name}`;
  }
}
