/**
 * Checks that span files: Prometheus' `rule_files` globs must match rendered rule outputs, and Alertmanager's
 * `templates:` globs should match files the project provides — resolved against where the files live at run time.
 */
import { posix } from "node:path";
import { globToRegExp } from "./layout.js";
import type { DocumentFinding } from "./types.js";

export interface CrossFileInput {
  kind: string;
  runtimePath: string;
  data?: unknown;
}

/** Findings per input index. */
export function crossFileFindings(inputs: readonly CrossFileInput[]): Map<number, DocumentFinding[]> {
  const result = new Map<number, DocumentFinding[]>();
  const add = (index: number, finding: DocumentFinding) => result.set(index, [...(result.get(index) ?? []), finding]);
  const ruleFiles = inputs.filter((i) => i.kind === "prometheus-rules").map((i) => posix.normalize(i.runtimePath));
  const allFiles = inputs.map((i) => posix.normalize(i.runtimePath));

  inputs.forEach((input, index) => {
    const data = input.data as Record<string, unknown> | undefined;
    if (!data || typeof data !== "object") return;
    const base = posix.dirname(input.runtimePath);
    if (input.kind === "prometheus-config" && Array.isArray(data.rule_files)) {
      data.rule_files.forEach((glob, position) => {
        if (typeof glob !== "string") return;
        const pattern = globToRegExp(posix.isAbsolute(glob) ? glob : posix.join(base, glob));
        if (!ruleFiles.some((file) => pattern.test(file))) {
          add(index, {
            id: "cross-file/rule-files",
            severity: "error",
            message: `rule_files entry "${glob}" matches no rule file of the project (at run time: ${ruleFiles.join(", ") || "none"})`,
            path: ["rule_files", position],
          });
        }
      });
    }
    if (input.kind === "alertmanager-config" && Array.isArray(data.templates)) {
      data.templates.forEach((glob, position) => {
        if (typeof glob !== "string") return;
        const pattern = globToRegExp(posix.isAbsolute(glob) ? glob : posix.join(base, glob));
        if (!allFiles.some((file) => pattern.test(file))) {
          // Alertmanager allows a glob that matches nothing, on purpose: a warning, which does not stop render or exec.
          add(index, {
            id: "cross-file/templates",
            severity: "warning",
            message: `templates entry "${glob}" matches no file of the project: Alertmanager allows that, and loads no template from it; add the template as an output (kind: text) if one is meant`,
            path: ["templates", position],
          });
        }
      });
    }
  });
  return result;
}
