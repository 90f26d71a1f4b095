import type { Command } from "commander";
import {
  addSourceOptions,
  ExitCode,
  formatOption,
  logTo,
  sourceOptions,
  type CommandContext,
  type ReportFormat,
  type SetExit,
  type SourceFlags,
} from "./options.js";

interface ScanFlags extends SourceFlags {
  format: ReportFormat;
}

export function registerScan(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("scan")
      .argument("[PATHS...]", "files or folders to scan (default: tracked files, templates and rendered outputs)")
      .description("find literal credentials and the current values of secret variables; prints file:line: kind, never the secret")
      .addOption(formatOption()),
  ).action(async (paths: string[], flags: ScanFlags) => {
    const { scanForSecrets } = await import("../scan.js");
    const { formatBrief, formatMachine } = await import("../report.js");
    const { systemGit } = await import("../process.js");
    const { io } = context;
    const result = await scanForSecrets({
      dir: context.dir,
      paths: paths.length > 0 ? paths : undefined,
      git: systemGit(io.env),
      ...sourceOptions(context, flags),
    });
    io.stdout.write(formatMachine(flags.format, result.findings) ?? formatBrief(result.findings));
    const log = logTo(io);
    for (const note of result.notes) log(note);
    log(`${result.findings.length} finding${result.findings.length === 1 ? "" : "s"} in ${result.files} files`);
    setExit(result.findings.length > 0 ? ExitCode.checkFailed : ExitCode.ok);
  });
}
