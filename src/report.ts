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
  // Each file is read and split once: a template with thousands of problems must not be split once per problem.
  const linesOf = new Map<string, string[] | undefined>();
  const sourceLines = (file: string) => {
    if (!linesOf.has(file)) linesOf.set(file, options.sourceOf?.(file)?.split("\n"));
    return linesOf.get(file);
  };
  let out = "";
  for (const problem of problems) {
    const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ""}` : ""}: ` : "";
    const severity = problem.severity === "error" ? paint("red", "error") : paint("yellow", "warning");
    out += `${paint("bold", where)}${severity} ${paint("dim", problem.id)}: ${problem.message}\n`;
    const line = problem.file && problem.line ? sourceLines(problem.file)?.[problem.line - 1] : undefined;
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

export interface ReportSummary {
  errors: number;
  warnings: number;
  /** e.g. `promtool 2.42.0`, the tools that ran. */
  tools: string[];
}

export function summarize(problems: readonly Problem[], tools: string[] = []): ReportSummary {
  const errors = problems.filter((p) => p.severity === "error").length;
  return { errors, warnings: problems.length - errors, tools };
}

/** `--format json`: one document with every finding and a summary. */
export function formatJson(problems: readonly Problem[], summary: ReportSummary): string {
  const findings = problems.map((p) => ({
    id: p.id,
    severity: p.severity,
    file: p.file ?? null,
    line: p.line ?? null,
    column: p.column ?? null,
    message: p.hint ? `${p.message} (${p.hint})` : p.message,
  }));
  return `${JSON.stringify({ findings, summary }, null, 2)}\n`;
}

/** `--format github`: workflow commands that annotate the pull request's files. */
export function formatGithub(problems: readonly Problem[], summary: ReportSummary): string {
  // Workflow command values escape %, CR and LF; properties also escape : and ,.
  const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
  let out = "";
  for (const problem of problems) {
    const properties = [
      problem.file ? `file=${escapeProperty(problem.file)}` : undefined,
      problem.line ? `line=${problem.line}` : undefined,
      problem.column ? `col=${problem.column}` : undefined,
      `title=${escapeProperty(problem.id)}`,
    ].filter(Boolean);
    const message = problem.hint ? `${problem.message} (${problem.hint})` : problem.message;
    out += `::${problem.severity === "error" ? "error" : "warning"} ${properties.join(",")}::${escapeData(message)}\n`;
  }
  out += `${summary.errors} error${summary.errors === 1 ? "" : "s"}, ${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}${summary.tools.length ? ` (${summary.tools.join(", ")})` : ""}\n`;
  return out;
}
