/**
 * The reporters: one per format, used by every command that reports findings. Text: `path:line:col: severity id:
 * message`, the source line with a caret, a hint, and a one-line summary last (or, for `scan` and `build`, one
 * `path:line: message` line per finding). JSON: one document. GitHub: workflow annotations.
 *
 * Findings hold no secret: they are redacted when they are made (src/finding.ts). What a reporter adds itself, the
 * source line of a checked file (which may be a rendered output holding secrets), goes through `redact`.
 */
import { countBySeverity, type Finding } from "./finding.js";
import type { Redactor } from "./redact.js";

export type ReportFormat = "text" | "json" | "github";

export interface ReportSummary {
  errors: number;
  warnings: number;
  /** Remarks that are neither errors nor warnings. */
  infos: number;
  /** e.g. `promtool 2.42.0`, the tools that ran. */
  tools: string[];
}

export interface TextOptions {
  /** Source text of a file named in a finding, to show the line; undefined when unavailable. */
  sourceOf?: (file: string) => string | undefined;
  color?: boolean;
  /** Masks secrets (src/redact.ts) in the source lines shown. */
  redact?: Redactor;
}

export function summarize(findings: readonly Finding[], tools: string[] = []): ReportSummary {
  return { ...countBySeverity(findings), tools };
}

/** `path:line:col`, as much of it as is known. */
function locationOf(finding: Finding): string {
  if (!finding.file) return "";
  return `${finding.file}${finding.line ? `:${finding.line}${finding.column ? `:${finding.column}` : ""}` : ""}`;
}

/** The first line of a finding in the text format: `path:line:col: severity id: message`. */
export function formatLine(finding: Finding): string {
  const where = locationOf(finding);
  return `${where ? `${where}: ` : ""}${finding.severity} ${finding.id}: ${instancePrefix(finding)}${finding.message}`;
}

/** One `path:line: message` line per finding: for `scan` and `build`, whose message says what was found. */
export function formatBrief(findings: readonly Finding[]): string {
  return findings.map((finding) => `${locationOf(finding) || finding.id}: ${finding.message}\n`).join("");
}

export function formatText(findings: readonly Finding[], options: TextOptions = {}): string {
  const paint = (style: "red" | "yellow" | "dim" | "bold", text: string) => {
    if (!options.color) return text;
    const codes = { red: [31, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] }[style];
    return `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m`;
  };
  const redact = options.redact ?? ((text: string) => text);
  // Each file is read and split once: a template with thousands of findings must not be split once per finding.
  const linesOf = new Map<string, string[] | undefined>();
  const sourceLines = (file: string) => {
    if (!linesOf.has(file)) linesOf.set(file, options.sourceOf?.(file)?.split("\n"));
    return linesOf.get(file);
  };
  let out = "";
  for (const finding of findings) {
    const where = locationOf(finding);
    const severity = finding.severity === "error" ? paint("red", "error") : finding.severity === "warning" ? paint("yellow", "warning") : paint("dim", "info");
    out += `${paint("bold", where ? `${where}: ` : "")}${severity} ${paint("dim", finding.id)}: ${instancePrefix(finding)}${finding.message}\n`;
    const line = finding.file && finding.line ? sourceLines(finding.file)?.[finding.line - 1] : undefined;
    if (line !== undefined && line.length <= 400) {
      const shown = redact(line);
      out += `  ${shown}\n`;
      // A masked line is shorter than the source: the column no longer points anywhere.
      if (finding.column && shown === line) out += `  ${line.slice(0, finding.column - 1).replace(/[^\t]/g, " ")}${paint("red", "^")}\n`;
    }
    if (finding.hint) out += `  ${paint("dim", `hint: ${finding.hint}`)}\n`;
  }
  const { errors, warnings, infos } = countBySeverity(findings);
  const parts = [`${errors} error${errors === 1 ? "" : "s"}`];
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  if (infos > 0) parts.push(`${infos} info`);
  out += `${parts.join(", ")}\n`;
  return out;
}

/** The message with its hint, for formats that have no field for the hint. */
function messageWithHint(finding: Finding): string {
  return finding.hint ? `${finding.message} (${finding.hint})` : finding.message;
}

/** `(instance prod-eu) `: which instance's render a finding is from, in a project with instances. */
function instancePrefix(finding: Finding): string {
  return finding.instance ? `(instance ${finding.instance}) ` : "";
}

/** `--format json`: one document with every finding and a summary. */
export function formatJson(findings: readonly Finding[], summary: ReportSummary): string {
  const shown = findings.map((f) => ({
    id: f.id,
    severity: f.severity,
    file: f.file ?? null,
    line: f.line ?? null,
    column: f.column ?? null,
    ...(f.instance ? { instance: f.instance } : {}),
    message: messageWithHint(f),
  }));
  return `${JSON.stringify({ findings: shown, summary }, null, 2)}\n`;
}

/** `--format github`: workflow commands that annotate the pull request's files. */
export function formatGithub(findings: readonly Finding[], summary: ReportSummary): string {
  // Workflow command values escape %, CR and LF; properties also escape : and ,.
  const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
  let out = "";
  for (const finding of findings) {
    const properties = [
      finding.file ? `file=${escapeProperty(finding.file)}` : undefined,
      finding.line ? `line=${finding.line}` : undefined,
      finding.column ? `col=${finding.column}` : undefined,
      `title=${escapeProperty(finding.id)}`,
    ].filter(Boolean);
    out += `::${finding.severity === "info" ? "notice" : finding.severity} ${properties.join(",")}::${escapeData(instancePrefix(finding) + messageWithHint(finding))}\n`;
  }
  out += `${summary.errors} error${summary.errors === 1 ? "" : "s"}, ${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}${summary.tools.length ? ` (${summary.tools.join(", ")})` : ""}\n`;
  return out;
}

/** The machine-readable formats; undefined for text, which each command lays out around its own output. */
export function formatMachine(
  format: ReportFormat | string | undefined,
  findings: readonly Finding[],
  summary: ReportSummary = summarize(findings),
): string | undefined {
  if (format === "json") return formatJson(findings, summary);
  if (format === "github") return formatGithub(findings, summary);
  return undefined;
}
