/**
 * Turns problems into text for the terminal: `path:line:col: severity id: message`, the source line with a caret,
 * a hint, and a one-line summary last. Problems never hold secret values, so this cannot leak one.
 */
import type { Problem } from "./problems.js";

export interface ReportOptions {
  /** Source text of a file named in a problem, to show the line; undefined when unavailable. */
  sourceOf?: (file: string) => string | undefined;
  color?: boolean;
}

export function formatProblems(problems: readonly Problem[], options: ReportOptions = {}): string {
  const paint = (style: "red" | "yellow" | "dim" | "bold", text: string) => {
    if (!options.color) return text;
    const codes = { red: [31, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] }[style];
    return `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m`;
  };
  let out = "";
  for (const problem of problems) {
    const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ""}` : ""}: ` : "";
    const severity = problem.severity === "error" ? paint("red", "error") : paint("yellow", "warning");
    out += `${paint("bold", where)}${severity} ${paint("dim", problem.id)}: ${problem.message}\n`;
    const source = problem.file && problem.line ? options.sourceOf?.(problem.file) : undefined;
    const line = source?.split("\n")[problem.line! - 1];
    if (line !== undefined && line.length <= 400) {
      out += `  ${line}\n`;
      if (problem.column) out += `  ${line.slice(0, problem.column - 1).replace(/[^\t]/g, " ")}${paint("red", "^")}\n`;
    }
    if (problem.hint) out += `  ${paint("dim", `hint: ${problem.hint}`)}\n`;
  }
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  const parts = [`${errors} error${errors === 1 ? "" : "s"}`];
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  out += `${parts.join(", ")}\n`;
  return out;
}
