/**
 * The process boundary: parses arguments, calls the core, prints, and maps typed errors to exit codes. Only this
 * file and main.ts know about stdout, stderr and exit codes; commands import the core they need lazily.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { BadInputError, BUG_REPORT, CheckFailedError, EnvironmentError, PromplateError } from "./errors.js";
import type { Finding } from "./finding.js";
import { formatMachine, formatText } from "./report.js";
import { ExitCode, type CliIo, type CommandContext } from "./commands/options.js";
import { sourceReader } from "./commands/print.js";
import { registerRender } from "./commands/render.js";
import { registerVars } from "./commands/vars.js";
import { registerCheck } from "./commands/check.js";
import { registerExec } from "./commands/exec.js";
import { registerBuild } from "./commands/build.js";
import { registerCompose } from "./commands/compose.js";
import { registerEcs } from "./commands/ecs.js";
import { registerKubernetes } from "./commands/kubernetes.js";
import { registerInit } from "./commands/init.js";
import { registerScan } from "./commands/scan.js";

export type { CliIo } from "./commands/options.js";

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context: CommandContext = { io, dir: io.cwd };
  let exitCode: number = ExitCode.ok;
  const program = new Command("promplate")
    .description("Typed, validated templates for Prometheus and Alertmanager configuration")
    .version("0.1.0")
    .addOption(new Option("-C, --dir <DIR>", "run in the project folder DIR"))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError("(run promplate --help for usage)")
    .hook("preAction", async (command) => {
      const dir = command.opts<{ dir?: string }>().dir;
      if (dir !== undefined) context.dir = await projectFolder(dir, io.cwd);
    });
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerRender(program, context, setExit);
  registerVars(program, context, setExit);
  registerCheck(program, context, setExit);
  registerExec(program, context, setExit);
  registerBuild(program, context, setExit);
  registerCompose(program, context, setExit);
  registerEcs(program, context, setExit);
  registerKubernetes(program, context, setExit);
  registerInit(program, context, setExit);
  registerScan(program, context, setExit);

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    return reportError(error, context, requestedFormat(argv));
  }
  return exitCode;
}

/** `-C DIR` resolved against the working folder; a missing or non-folder DIR is bad input for every command. */
async function projectFolder(dir: string, cwd: string): Promise<string> {
  const path = isAbsolute(dir) ? dir : join(cwd, dir);
  const finding = (message: string): Finding[] => [
    {
      id: "input/dir",
      severity: "error",
      message: `-C ${dir}: ${message}`,
      hint: "give an existing project folder with -C DIR (promplate init DIR creates one)",
    },
  ];
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new EnvironmentError(finding("permission denied"));
    throw new BadInputError(finding(code === "ENOENT" ? "no such folder" : code === "ENOTDIR" ? "not a folder" : `cannot be read (${code ?? "error"})`));
  }
  if (!info.isDirectory()) throw new BadInputError(finding("not a folder"));
  return path;
}

/**
 * The report format asked for on the command line, read from the raw arguments because a bad flag stops commander
 * before it has parsed any option: `--format json` must give one JSON document whatever went wrong.
 */
export function requestedFormat(argv: readonly string[]): string | undefined {
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break; // the rest belongs to exec's server
    if (arg === "--format") format = argv[++i];
    else if (arg.startsWith("--format=")) format = arg.slice("--format=".length);
  }
  return format;
}

/** The exit code of each kind of failure: chosen here and nowhere else. */
export function exitCodeOf(error: PromplateError): number {
  if (error instanceof CheckFailedError) return ExitCode.checkFailed;
  if (error instanceof EnvironmentError) return ExitCode.environment;
  return ExitCode.badInput;
}

function reportError(error: unknown, context: CommandContext, format: string | undefined): number {
  const { io } = context;
  let findings: readonly Finding[];
  let exitCode: number;
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return ExitCode.ok;
    // commander has already printed the message and usage on stderr.
    findings = [{ id: "input/flag", severity: "error", message: error.message.replace(/^error: /, "") }];
    exitCode = ExitCode.badInput;
  } else if (error instanceof PromplateError) {
    io.stderr.write(formatText(error.findings, { sourceOf: sourceReader(context.dir), color: io.color, ...(error.redact ? { redact: error.redact } : {}) }));
    findings = error.findings;
    exitCode = exitCodeOf(error);
  } else {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
      // A system call failed where no finding was prepared for it: the environment's, as a missing folder is.
      io.stderr.write(`promplate: ${message}\n`);
      findings = [{ id: "environment/io", severity: "error", message }];
      exitCode = ExitCode.environment;
    } else {
      io.stderr.write(`promplate: internal error: ${message} (${BUG_REPORT})\n`);
      findings = [{ id: "internal", severity: "error", message: `internal error: ${message}`, hint: BUG_REPORT }];
      exitCode = ExitCode.internal;
    }
  }
  // Machine-readable formats get their one document on stdout too; the exit code stays the same.
  const machine = formatMachine(format, findings);
  if (machine !== undefined) io.stdout.write(machine);
  return exitCode;
}
