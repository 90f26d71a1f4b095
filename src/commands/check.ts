import { Option, type Command } from "commander";
import { addSourceOptions, sourceOptions, type CommandContext, type SourceFlags } from "../cli.js";
import { ExitCode, PromplateError } from "../problems.js";

interface CheckFlags extends SourceFlags {
  examples?: boolean;
  service?: string[];
  kind?: "prometheus-config" | "prometheus-rules" | "alertmanager-config" | "web-config";
  agent?: boolean;
  syntaxOnly?: boolean;
  format: "text" | "json" | "github";
  requireTools?: boolean;
  tools: boolean;
  promtool?: string;
  amtool?: string;
}

export function registerCheck(program: Command, context: CommandContext, setExit: (code: number) => void): void {
  addSourceOptions(
    program
      .command("check")
      .argument("[FILE...]", "check plain files instead of the project, as promtool and amtool do")
      .description("render into a temporary folder and run every check: built-in schemas, PromQL, promtool, amtool")
      .option("--examples", "use example values only (for CI: no environment, files or cloud)")
      .option("--service <NAME>", "only this service's outputs (repeatable)", (value: string, previous: string[] = []) => [...previous, value])
      .addOption(new Option("--kind <KIND>", "what FILE is (default: inferred from its content)").choices(["prometheus-config", "prometheus-rules", "alertmanager-config", "web-config"]))
      .option("--agent", "Prometheus agent mode, as promtool check config --agent")
      .option("--syntax-only", "do not check that referenced files exist, as promtool check config --syntax-only")
      .addOption(new Option("--format <FORMAT>", "report format").choices(["text", "json", "github"]).default("text"))
      .option("--require-tools", "a missing promtool/amtool is an error (exit 3) instead of a warning")
      .option("--no-tools", "run only the built-in checks")
      .option("--promtool <PATH>", "the promtool to run (default: from PATH)")
      .option("--amtool <PATH>", "the amtool to run (default: from PATH)"),
  ).action(async (files: string[], flags: CheckFlags) => {
    const { io } = context;
    const { runProcess } = await import("../process.js");
    const toolOptions = { tools: flags.tools, requireTools: flags.requireTools, promtool: flags.promtool, amtool: flags.amtool, run: runProcess, env: io.env };
    let report;
    if (files.length > 0) {
      const { checkFiles, projectSecretValues } = await import("../check.js");
      const secrets = await projectSecretValues({ dir: context.dir, ...sourceOptions(context, flags) });
      report = await checkFiles(files, { ...toolOptions, cwd: io.cwd, kind: flags.kind, agent: flags.agent, syntaxOnly: flags.syntaxOnly, secrets });
    } else {
      const { findProject } = await import("../project.js");
      if (!(await findProject(context.dir))) {
        throw new PromplateError([{ id: "input/no-project", severity: "error", message: `no promplate.yaml in ${context.dir}`, hint: "run in a project folder (or -C DIR), or name the files to check" }]);
      }
      const { checkProject } = await import("../check.js");
      report = await checkProject({ dir: context.dir, services: flags.service, examples: flags.examples, agent: flags.agent, ...sourceOptions(context, flags), ...toolOptions, env: io.env });
    }
    setExit(await printReport(report, flags.format, context));
  });
}

/** Prints a report in the chosen format; returns 1 when there is an error finding. */
export async function printReport(report: import("../check.js").CheckReport, format: "text" | "json" | "github", context: CommandContext): Promise<number> {
  const { formatGithub, formatJson, formatProblems, summarize } = await import("../report.js");
  const { io } = context;
  const tools = report.tools.map((t) => `${t.name} ${t.version}`);
  const summary = summarize(report.problems, tools);
  for (const note of report.notes) io.stderr.write(`promplate: ${note}\n`);
  const redact = report.redact;
  if (format === "json") io.stdout.write(formatJson(report.problems, summary, { redact }));
  else if (format === "github") io.stdout.write(formatGithub(report.problems, summary, { redact }));
  else {
    const { readFileSync } = await import("node:fs");
    const { isAbsolute, join } = await import("node:path");
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
