/**
 * Relabel configs (model/relabel Config.Validate), and applying them to a label set (model/relabel.ProcessBuilder), as
 * promtool does to check static targets' addresses.
 */
import { createHash } from "node:crypto";
import { anchoredRegex, re2Problem, type Re2Match } from "../../go/re2.js";
import type { Obj, Path, PrometheusContext, Scheme } from "./context.js";
import { forEachItem, isObj, isValidLabelName, scalar, wellFormed } from "./values.js";

export function checkRelabelConfigs(ctx: PrometheusContext, value: unknown, path: Path, scheme: Scheme, nullMessage: string): void {
  forEachItem(value, path, (item, itemPath) => {
    if (item === null) {
      ctx.error("config/null-section", nullMessage, itemPath);
      return;
    }
    if (isObj(item)) checkRelabelConfig(ctx, item, itemPath, scheme);
  });
}

function checkRelabelConfig(ctx: PrometheusContext, config: Obj, path: Path, scheme: Scheme): void {
  const fail = (message: string, key?: string) => ctx.error("config/relabel", message, key ? [...path, key] : path);
  let action = "replace";
  if ("action" in config && config.action === undefined) {
    // `action:` with no value: Go's decoder leaves the zero value, an empty action.
    fail("relabel action cannot be empty", "action");
    return;
  }
  if (config.action !== undefined) {
    const text = (scalar(config.action) ?? "").toLowerCase();
    if (!RELABEL_ACTIONS.includes(text)) {
      if (text === "") fail("relabel action cannot be empty", "action");
      else fail(`unknown relabel action ${JSON.stringify(scalar(config.action))}`, "action");
      return;
    }
    action = text;
  }
  if (config.regex !== undefined) {
    const regex = scalar(config.regex);
    if (regex !== undefined) {
      const problem = re2Problem(regex);
      if (problem) fail(problem, "regex");
    }
  }
  forEachItem(config.source_labels, [...path, "source_labels"], (name, namePath) => {
    const text = scalar(name);
    if (text !== undefined && !isValidLabelName(text, "utf8")) ctx.error("config/label-name", `${JSON.stringify(text)} is not a valid label name`, namePath);
  });
  const target = config.target_label === undefined ? "" : (scalar(config.target_label) ?? "");
  const replacement = config.replacement === undefined ? "$1" : (scalar(config.replacement) ?? "");
  const modulus = typeof config.modulus === "number" ? config.modulus : 0;
  if (action === "hashmod" && modulus === 0)
    fail("relabel configuration for hashmod requires non-zero modulus", config.modulus === undefined ? undefined : "modulus");
  if (["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"].includes(action) && target === "") {
    fail(`relabel configuration for ${action} action requires 'target_label' value`, config.target_label === undefined ? undefined : "target_label");
    return;
  }
  const targetHasVariable = target.includes("$");
  const validWithVariables = (value: string) => (scheme === "utf8" ? isValidLabelName(value, "utf8") : RELABEL_TARGET_LEGACY.test(value));
  if (action === "replace") {
    if (!targetHasVariable && !isValidLabelName(target, scheme))
      fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, "target_label");
    if (targetHasVariable && !validWithVariables(target)) fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, "target_label");
  }
  if (["lowercase", "uppercase", "keepequal", "dropequal", "hashmod"].includes(action) && !isValidLabelName(target, scheme)) {
    fail(`${JSON.stringify(target)} is invalid 'target_label' for ${action} action`, "target_label");
  }
  if (["lowercase", "uppercase", "keepequal", "dropequal"].includes(action) && replacement !== "$1") {
    fail(`'replacement' can not be set for ${action} action`, "replacement");
  }
  if (action === "labelmap" && !validWithVariables(replacement))
    fail(`${JSON.stringify(replacement)} is invalid 'replacement' for ${action} action`, "replacement");
  const separator = config.separator === undefined ? ";" : scalar(config.separator);
  if (action === "keepequal" || action === "dropequal") {
    if (config.regex !== undefined || modulus !== 0 || separator !== ";" || replacement !== "$1") {
      fail(`${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
    }
  }
  if (action === "labeldrop" || action === "labelkeep") {
    if (config.source_labels !== undefined || target !== "" || modulus !== 0 || separator !== ";" || replacement !== "$1") {
      fail(`${action} action requires only 'regex', and no other fields`);
    }
  }
}

const RELABEL_TARGET_LEGACY = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

const RELABEL_ACTIONS = ["replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"];

/** Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, match: Re2Match): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all: string, braced?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const name = braced ?? bare ?? "";
    if (/^[0-9]+$/.test(name)) return match.groups[Number(name)] ?? "";
    return match.named[name] ?? "";
  });
}

/**
 * Applies relabel configs to a label set (model/relabel.ProcessBuilder). "dropped" when a rule drops the target,
 * "unknown" when a rule cannot be evaluated here (invalid, or a regex without a JavaScript equivalent).
 */
export function relabelProcess(input: Map<string, string>, configs: unknown): Map<string, string> | "dropped" | "unknown" {
  const labels = new Map(input);
  if (!Array.isArray(configs)) return labels;
  for (const config of configs) {
    if (!isObj(config)) return "unknown";
    const action = config.action === undefined ? "replace" : (scalar(config.action) ?? "").toLowerCase();
    const regex = anchoredRegex(config.regex === undefined ? "(.*)" : (scalar(config.regex) ?? ""));
    if (regex === undefined) return "unknown";
    const separator = config.separator === undefined ? ";" : (scalar(config.separator) ?? "");
    const sources = Array.isArray(config.source_labels) ? config.source_labels.map((name) => labels.get(scalar(name) ?? "") ?? "") : [];
    const value = sources.join(separator);
    const target = scalar(config.target_label) ?? "";
    const replacement = config.replacement === undefined ? "$1" : (scalar(config.replacement) ?? "");
    switch (action) {
      case "drop":
        if (regex.test(value)) return "dropped";
        break;
      case "keep":
        if (!regex.test(value)) return "dropped";
        break;
      case "dropequal":
        if ((labels.get(target) ?? "") === value) return "dropped";
        break;
      case "keepequal":
        if ((labels.get(target) ?? "") !== value) return "dropped";
        break;
      case "replace": {
        const match = regex.exec(value);
        if (!match) break;
        const name = expand(target, match);
        if (name === "" || !wellFormed(name)) break;
        const result = expand(replacement, match);
        if (result === "") labels.delete(name);
        else labels.set(name, result);
        break;
      }
      case "lowercase":
        labels.set(target, value.toLowerCase());
        break;
      case "uppercase":
        labels.set(target, value.toUpperCase());
        break;
      case "hashmod": {
        const modulus = typeof config.modulus === "number" ? BigInt(config.modulus) : 0n;
        if (modulus === 0n) return "unknown";
        const digest = createHash("md5").update(value).digest();
        labels.set(target, String(digest.readBigUInt64BE(8) % modulus));
        break;
      }
      case "labelmap":
        for (const [name, labelValue] of [...labels]) {
          const match = regex.exec(name);
          if (match) labels.set(expand(replacement, match), labelValue);
        }
        break;
      case "labeldrop":
        for (const name of [...labels.keys()]) if (regex.test(name)) labels.delete(name);
        break;
      case "labelkeep":
        for (const name of [...labels.keys()]) if (!regex.test(name)) labels.delete(name);
        break;
      default:
        return "unknown";
    }
  }
  return labels;
}
