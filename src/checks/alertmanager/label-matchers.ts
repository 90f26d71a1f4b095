/** Label names and matchers in routes and inhibit rules: `match`, `match_re`, `matchers`, `group_by`, `equal`. */
import { re2Problem } from "../../go/re2.js";
import type { AlertmanagerContext } from "./context.js";
import { parseMatchers } from "./matchers.js";
import { asObj, list, q, text, type Path } from "./values.js";

const CLASSIC_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Deprecated `match` maps: keys must be classic label names. */
export function checkMatchMap(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  for (const key of Object.keys(asObj(value))) {
    if (!CLASSIC_LABEL_NAME.test(key)) ctx.error("config/invalid-label-name", [...path, key], `invalid label name ${q(key)}`, true);
  }
}

/** Deprecated `match_re` maps: classic label names, RE2 regexes (anchored). */
export function checkMatchReMap(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  checkMatchMap(ctx, value, path);
  for (const [key, regex] of Object.entries(asObj(value))) {
    if (regex === null || typeof regex === "object") {
      ctx.error("config/invalid-regexp", [...path, key], `invalid regexp value for ${q(key)}`);
      continue;
    }
    const problem = re2Problem(text(regex));
    if (problem) ctx.error("config/invalid-regexp", [...path, key], problem);
  }
}

export function checkMatchers(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  list(value).forEach((line, i) => {
    const input = text(line);
    const result = parseMatchers(input);
    if (result.error) ctx.error("config/invalid-matcher", [...path, i], result.error);
    else if (result.classicOnly) {
      ctx.warn(
        "config/matcher-syntax",
        [...path, i],
        `${q(input)} is only accepted by the classic matchers parser (Alertmanager falls back to it and logs a warning; it is an error with --enable-feature=utf8-strict-mode): double-quote values and regexes and escape backslashes`,
      );
    }
  });
}

/**
 * Label names in group_by, equal and route labels: Alertmanager's default mode (since 0.28) accepts any non-empty
 * UTF-8 name; a name outside [a-zA-Z_][a-zA-Z0-9_]* is refused in classic mode and by older Alertmanagers.
 */
export function checkLabelName(ctx: AlertmanagerContext, name: string, path: Path, where: string, atKey = false): void {
  if (name === "") ctx.error("config/invalid-label-name", path, `invalid label name "" ${where}`, atKey);
  else if (!CLASSIC_LABEL_NAME.test(name)) {
    ctx.warn(
      "config/label-name-utf8",
      path,
      `label name ${q(name)} ${where} is only valid in Alertmanager's UTF-8 mode (the default since 0.28; refused with --enable-feature=classic-mode and by older versions)`,
      atKey,
    );
  }
}
