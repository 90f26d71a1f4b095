import type { Command } from "commander";
import { addSourceOptions, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";
import { ExitCode } from "../problems.js";

export function registerScan(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("scan")
      .argument("[PATHS...]", "files or folders to scan (default: tracked files, templates and rendered outputs)")
      .description("find literal credentials and the current values of secret variables; prints file:line: kind, never the secret"),
  ).action(async (paths: string[], flags: SourceFlags) => {
    const { scanForSecrets } = await import("../scan.js");
    const { io } = context;
    const result = await scanForSecrets({ dir: context.dir, paths: paths.length > 0 ? paths : undefined, ...sourceOptions(context, flags) });
    for (const finding of result.findings) {
      io.stdout.write(`${finding.file}${finding.line ? `:${finding.line}` : ""}: ${finding.kind}${finding.variable ? ` (${finding.variable})` : ""}\n`);
    }
    for (const note of result.notes) io.stderr.write(`promplate: ${note}\n`);
    io.stderr.write(`promplate: ${result.findings.length} finding${result.findings.length === 1 ? "" : "s"} in ${result.files} files\n`);
    setExit(result.findings.length > 0 ? ExitCode.checkFailed : ExitCode.ok);
  });
}
