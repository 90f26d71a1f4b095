/**
 * Prometheus durations (prometheus/common model.ParseDuration and Duration.String): `0`, or units from y to ms, largest
 * first, each at most once, e.g. `1h30m`, `15s`. Used by the variable format `prometheus-duration` and by the config
 * checkers of Prometheus, its rules and Alertmanager.
 */

const UNITS: [string, number][] = [
  ["y", 365 * 24 * 3_600_000],
  ["w", 7 * 24 * 3_600_000],
  ["d", 24 * 3_600_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** Milliseconds of a Prometheus duration; undefined when the text is not one (the empty string is not). */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  const term = /([0-9]+)(ms|y|w|d|h|m|s)/y;
  let total = 0;
  let lastUnit = -1;
  let match: RegExpExecArray | null;
  while ((match = term.exec(text)) !== null) {
    const unit = UNITS.findIndex(([name]) => name === match![2]);
    if (unit <= lastUnit) return undefined;
    lastUnit = unit;
    total += Number(match[1]) * UNITS[unit]![1];
    if (term.lastIndex === text.length) return total;
  }
  return undefined;
}

/** A duration field's value as Go's YAML decoder reads it: a string, or a bare 0 (other numbers are refused). */
export function decodedDuration(value: unknown): number | undefined {
  if (value === 0) return 0;
  return typeof value === "string" ? parseDuration(value) : undefined;
}

/** model.Duration.String: `1h30m`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let text = "";
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}
