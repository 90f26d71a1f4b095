/** Config values as Prometheus' Go decoder reads them: scalars into string fields, YAML 1.1 booleans, merge keys, names. */
import { PATTERNS } from "../schema-findings.js";
import type { Obj, Path, Scheme } from "./context.js";

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A YAML scalar as Go's decoder gives it to a string field; undefined for anything else. */
export function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

export function nonEmpty(value: unknown): boolean {
  const text = scalar(value);
  return text !== undefined && text !== "";
}

export function count(owner: Obj, ...keys: string[]): number {
  return keys.filter((key) => nonEmpty(owner[key])).length;
}

export function asBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  if (/^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(value)) return true;
  if (/^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(value)) return false;
  return undefined;
}

export function forEachItem(value: unknown, path: Path, visit: (item: unknown, path: Path, index: number) => void): void {
  if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index], index));
}

export function pathText(path: Path): string {
  if (path.length === 0) return "";
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("") + ": ";
}

/**
 * Go's YAML decoder leaves a field at its zero value for `key:` with no value (null), and resolves `<<` merge keys;
 * the checks see the same: null mapping values become undefined (null list items stay: Prometheus rejects those), merges applied.
 */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isObj(value)) return value;
  const result: Obj = {};
  const merge = value["<<"];
  if (merge !== undefined) {
    const sources = Array.isArray(merge) ? merge : [merge];
    for (const source of sources) {
      if (isObj(source)) for (const [key, item] of Object.entries(normalize(source) as Obj)) if (result[key] === undefined) result[key] = item;
    }
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === "<<" && (isObj(item) || Array.isArray(item))) continue;
    // Kept as an undefined property: the schema still sees an unknown key, but a known one counts as absent.
    result[key] = item === null ? undefined : normalize(item);
  }
  return result;
}

/** Valid UTF-8 when encoded: no lone surrogates. */
export function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

const LEGACY_LABEL_NAME = new RegExp(PATTERNS.labelName);

export function isValidLabelName(name: string, scheme: Scheme): boolean {
  if (scheme === "legacy") return LEGACY_LABEL_NAME.test(name);
  return name.length > 0 && wellFormed(name);
}
