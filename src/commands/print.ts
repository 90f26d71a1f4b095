/** How commands print findings: through src/report.ts, notes on stderr, a report on stdout. */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { CheckReport } from "../check.js";
import { countBySeverity, type Finding } from "../finding.js";
import { formatMachine, formatText, summarize, type ReportFormat } from "../report.js";
import type { Redactor } from "../redact.js";
import { ExitCode, type CliIo, type CommandContext } from "./options.js";

/** Reads a file named in a finding (relative to the project folder), to show its line. */
export function sourceReader(dir: string): (file: string) => string | undefined {
  return (file) => {
    try {
      return readFileSync(isAbsolute(file) ? file : join(dir, file), "utf8");
    } catch {
      return undefined;
    }
  };
}

/** Findings in the text format on `stream`, source lines masked with `redact`. */
export function printText(stream: CliIo["stdout"], findings: readonly Finding[], context: CommandContext, redact?: Redactor): void {
  stream.write(formatText(findings, { sourceOf: sourceReader(context.dir), color: context.io.color, redact }));
}

/** Prints a check report in the chosen format on stdout; returns 1 when there is an error finding. */
export function printReport(report: CheckReport, format: ReportFormat, context: CommandContext): number {
  const { io } = context;
  const tools = report.tools.map((t) => `${t.name} ${t.version}`);
  for (const note of report.notes) io.stderr.write(`promplate: ${note}\n`);
  const machine = formatMachine(format, report.findings, summarize(report.findings, tools));
  if (machine !== undefined) io.stdout.write(machine);
  else {
    const text =
      report.findings.length > 0 ? formatText(report.findings, { sourceOf: sourceReader(context.dir), color: io.color, redact: report.redact }) : "0 errors\n";
    io.stdout.write(text.replace(/\n$/, tools.length ? ` (checked with promplate's built-in checks, ${tools.join(", ")})\n` : " (built-in checks only)\n"));
  }
  return countBySeverity(report.findings).errors > 0 ? ExitCode.checkFailed : ExitCode.ok;
}
