/** `inhibit_rules`: source and target matchers, `equal` label names. */
import type { AlertmanagerContext } from "./context.js";
import { checkLabelName, checkMatchers, checkMatchMap, checkMatchReMap } from "./label-matchers.js";
import { isObj, list, text, type Path } from "./values.js";

export function checkInhibitRule(ctx: AlertmanagerContext, value: unknown, path: Path): void {
  if (!isObj(value)) return;
  for (const side of ["source", "target"]) {
    checkMatchMap(ctx, value[`${side}_match`], [...path, `${side}_match`]);
    checkMatchReMap(ctx, value[`${side}_match_re`], [...path, `${side}_match_re`]);
    checkMatchers(ctx, value[`${side}_matchers`], [...path, `${side}_matchers`]);
  }
  list(value.equal).forEach((label, i) => checkLabelName(ctx, text(label), [...path, "equal", i], "in equal list"));
}
