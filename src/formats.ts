/**
 * The string formats a variable may declare: ajv-formats' standard ones promplate documents, plus Prometheus'.
 * Shared by the fast validator and ajv so both accept exactly the same values.
 */
import formatsModule from "ajv-formats/dist/formats.js";
import { parseDuration } from "./go/duration.js";

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
  "prometheus-duration": (text: string) => parseDuration(text) !== undefined,
  "prometheus-label-name": /^[a-zA-Z_][a-zA-Z0-9_]*$/,
};

export function checkFormat(name: string, text: string): boolean {
  const check = FORMATS[name];
  if (!check) return false;
  return check instanceof RegExp ? check.test(text) : check(text);
}
