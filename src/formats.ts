/**
 * The string formats a variable may declare: ajv-formats' standard ones promplate documents, plus Prometheus'.
 * Shared by the fast validator and ajv so both accept exactly the same values.
 */
import formatsModule from "ajv-formats/dist/formats.js";

/** Prometheus' duration syntax: units from y to ms, largest first, each at most once, e.g. `1h30m`, `15s`, `0`. */
export const PROMETHEUS_DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;

type FormatCheck = RegExp | ((text: string) => boolean);

const standard = (formatsModule as unknown as { fullFormats: Record<string, unknown> }).fullFormats;
const STANDARD_NAMES = ["uri", "hostname", "ipv4", "ipv6", "email", "uuid"] as const;

export const FORMATS: Record<string, FormatCheck> = {
  ...Object.fromEntries(
    STANDARD_NAMES.map((name) => {
      const format = standard[name];
      const check = format instanceof RegExp || typeof format === "function" ? format : (format as { validate: FormatCheck }).validate;
      return [name, check];
    }),
  ),
  "prometheus-duration": (text: string) => text !== "" && PROMETHEUS_DURATION.test(text),
  "prometheus-label-name": /^[a-zA-Z_][a-zA-Z0-9_]*$/,
};

export function checkFormat(name: string, text: string): boolean {
  const check = FORMATS[name];
  if (!check) return false;
  return check instanceof RegExp ? check.test(text) : check(text);
}
