import { Option, type Command } from "commander";
import {
  addSourceOptions,
  formatOption,
  requireProject,
  serviceOption,
  instanceOption,
  rulesDialectOption,
  sourceOptions,
  type CommandContext,
  type ReportFormat,
  type SetExit,
  type SourceFlags,
} from "./options.js";

interface CheckFlags extends SourceFlags {
  examples?: boolean;
  service?: string[];
  instance?: string;
  kind?: "prometheus-config" | "prometheus-rules" | "alertmanager-config" | "web-config";
  agent?: boolean;
  syntaxOnly?: boolean;
  format: ReportFormat;
  requireTools?: boolean;
  tools: boolean;
  promtool?: string;
  amtool?: string;
  rulesDialect?: "prometheus" | "thanos" | "mimir";
}

export function registerCheck(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("check")
      .argument("[FILE...]", "check plain files instead of the project, as promtool and amtool do")
      .description("render into a temporary folder and run every check: built-in schemas, PromQL, promtool, amtool")
      .option("--examples", "use example values only (for CI: no environment, files or cloud)")
      .addOption(serviceOption("this service's outputs"))
      .addOption(instanceOption("this instance's outputs"))
      .addOption(
        new Option("--kind <KIND>", "what FILE is (default: inferred from its content)").choices([
          "prometheus-config",
          "prometheus-rules",
          "alertmanager-config",
          "web-config",
        ]),
      )
      .option("--agent", "Prometheus agent mode, as promtool check config --agent")
      .addOption(rulesDialectOption())
      .option("--syntax-only", "do not check that referenced files exist, as promtool check config --syntax-only")
      .addOption(formatOption())
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
      report = await checkFiles(files, {
        ...toolOptions,
        cwd: io.cwd,
        kind: flags.kind,
        agent: flags.agent,
        syntaxOnly: flags.syntaxOnly,
        secrets,
        rulesDialect: flags.rulesDialect,
      });
    } else {
      await requireProject(context, "run in a project folder (or -C DIR), or name the files to check");
      const { prepare } = await import("../pipeline.js");
      const prepared = await prepare({
        dir: context.dir,
        services: flags.service,
        instance: flags.instance,
        examples: flags.examples,
        ...sourceOptions(context, flags),
        checks: { ...toolOptions, agent: flags.agent, rulesDialect: flags.rulesDialect },
      });
      report = prepared.report;
    }
    const { printReport } = await import("./print.js");
    setExit(printReport(report, flags.format, context));
  });
}
