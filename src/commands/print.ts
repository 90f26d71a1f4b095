/** How commands print a check report: notes on stderr, the findings in the chosen format on stdout. */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { CheckReport } from "../check.js";
import { ExitCode } from "../problems.js";
import { formatGithub, formatJson, formatProblems, summarize } from "../report.js";
import type { CommandContext, ReportFormat } from "./options.js";

/** Prints a report in the chosen format; returns 1 when there is an error finding. */
export async function printReport(report: CheckReport, format: ReportFormat, context: CommandContext): Promise<number> {
  const { io } = context;
  const tools = report.tools.map((t) => `${t.name} ${t.version}`);
  const summary = summarize(report.problems, tools);
  for (const note of report.notes) io.stderr.write(`promplate: ${note}\n`);
  const redact = report.redact;
  if (format === "json") io.stdout.write(formatJson(report.problems, summary, { redact }));
  else if (format === "github") io.stdout.write(formatGithub(report.problems, summary, { redact }));
  else {
    const sourceOf = (file: string) => {
      try {
        return readFileSync(isAbsolute(file) ? file : join(context.dir, file), "utf8");
      } catch {
        return undefined;
      }
    };
    const text = report.problems.length > 0 ? formatProblems(report.problems, { sourceOf, color: io.color, redact }) : "0 errors\n";
    io.stdout.write(text.replace(/\n$/, tools.length ? ` (checked with promplate's built-in checks, ${tools.join(", ")})\n` : " (built-in checks only)\n"));
  }
  return summary.errors > 0 ? ExitCode.checkFailed : ExitCode.ok;
}
