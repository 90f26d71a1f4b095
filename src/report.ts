/**
 * Turns problems into text for the terminal: `path:line:col: severity id: message`, the source line with a caret,
 * a hint, and a one-line summary last; or JSON, or GitHub annotations. Problems are redacted when they are made
 * (src/check.ts), so they hold no secret. What a reporter adds itself, the source line of a checked file (which may
 * be a rendered output holding secrets), goes through `redact` too, and so does every printed string: no reporter
 * can leak a secret it was told about.
 */
import type { Problem } from "./problems.js";
import type { Redactor } from "./redact.js";

export interface ReportOptions {
  /** Source text of a file named in a problem, to show the line; undefined when unavailable. */
  sourceOf?: (file: string) => string | undefined;
  color?: boolean;
  /** Masks secrets (src/redact.ts) in everything printed. */
  redact?: Redactor;
}

const asIs: Redactor = (text) => text;

/** The problem with its printed fields redacted. */
function redacted(problem: Problem, redact: Redactor): Problem {
  if (redact === asIs) return problem;
  return {
    ...problem,
    message: redact(problem.message),
    ...(problem.file !== undefined ? { file: redact(problem.file) } : {}),
    ...(problem.hint !== undefined ? { hint: redact(problem.hint) } : {}),
  };
}

export function formatProblems(problems: readonly Problem[], options: ReportOptions = {}): string {
  const paint = (style: "red" | "yellow" | "dim" | "bold", text: string) => {
    if (!options.color) return text;
    const codes = { red: [31, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] }[style];
    return `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m`;
  };
  const redact = options.redact ?? asIs;
  // Each file is read and split once: a template with thousands of problems must not be split once per problem.
  const linesOf = new Map<string, string[] | undefined>();
  const sourceLines = (file: string) => {
    if (!linesOf.has(file)) linesOf.set(file, options.sourceOf?.(file)?.split("\n"));
    return linesOf.get(file);
  };
  let out = "";
  for (const original of problems) {
    const problem = redacted(original, redact);
    const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ""}` : ""}: ` : "";
    const severity = problem.severity === "error" ? paint("red", "error") : paint("yellow", "warning");
    out += `${paint("bold", where)}${severity} ${paint("dim", problem.id)}: ${problem.message}\n`;
    const line = original.file && original.line ? sourceLines(original.file)?.[original.line - 1] : undefined;
    if (line !== undefined && line.length <= 400) {
      const shown = redact(line);
      out += `  ${shown}\n`;
      // A masked line is shorter than the source: the column no longer points anywhere.
      if (problem.column && shown === line) out += `  ${line.slice(0, problem.column - 1).replace(/[^\t]/g, " ")}${paint("red", "^")}\n`;
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
export function formatJson(problems: readonly Problem[], summary: ReportSummary, options: Pick<ReportOptions, "redact"> = {}): string {
  const findings = problems.map((original) => redacted(original, options.redact ?? asIs)).map((p) => ({
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
export function formatGithub(problems: readonly Problem[], summary: ReportSummary, options: Pick<ReportOptions, "redact"> = {}): string {
  // Workflow command values escape %, CR and LF; properties also escape : and ,.
  const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
  let out = "";
  for (const original of problems) {
    const problem = redacted(original, options.redact ?? asIs);
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
