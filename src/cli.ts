/**
 * The process boundary: parses arguments, calls the core, prints, and maps typed errors to exit codes. Only this
 * file and main.ts know about stdout, stderr and exit codes; commands import the core they need lazily.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { ExitCode, PromplateError } from "./problems.js";
import { formatProblems } from "./report.js";
import { registerRender } from "./commands/render.js";
import { registerVars } from "./commands/vars.js";
import { registerCheck } from "./commands/check.js";
import { registerExec } from "./commands/exec.js";
import { registerBuild } from "./commands/build.js";
import { registerCompose } from "./commands/compose.js";
import { registerInit } from "./commands/init.js";
import { registerScan } from "./commands/scan.js";

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Reads all of standard input (for `render -`). */
  readStdin(): Promise<string>;
  /** Standard input is a terminal: nothing is piped in. */
  stdinIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Colour diagnostics (a TTY without NO_COLOR). */
  color?: boolean;
}

/** What every command receives: the I/O and the options shared by all commands. */
export interface CommandContext {
  io: CliIo;
  /** The project folder: `-C DIR`, else the working folder. */
  dir: string;
}

export interface SourceFlags {
  set?: string[];
  envFile?: string;
  secretsDir?: string;
  awsProfile?: string;
}

/** Options every command that resolves variables takes. */
export function addSourceOptions(command: Command): Command {
  return command
    .option("--set <NAME=VALUE>", "set a variable (repeatable; highest precedence)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--env-file <FILE>", "read variables from a dotenv file")
    .option("--secrets-dir <DIR>", "read a variable from the file DIR/NAME (default /run/secrets when it exists)")
    .option("--aws-profile <NAME>", "the AWS profile for x-aws and x-source variables (default: AWS_PROFILE)");
}

export function parseSetFlags(values: string[] = []): Record<string, string> {
  const set: Record<string, string> = {};
  for (const pair of values) {
    const equals = pair.indexOf("=");
    if (equals <= 0) {
      throw new PromplateError([{ id: "input/flag", severity: "error", message: `--set expects NAME=VALUE, got \`${pair.slice(0, 40)}\`` }]);
    }
    set[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return set;
}

export function sourceOptions(context: CommandContext, flags: SourceFlags) {
  const resolvePath = (path: string | undefined) => (path === undefined || isAbsolute(path) ? path : join(context.io.cwd, path));
  return {
    env: context.io.env,
    set: parseSetFlags(flags.set),
    envFile: resolvePath(flags.envFile),
    secretsDir: resolvePath(flags.secretsDir),
    awsProfile: flags.awsProfile,
  };
}

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
    .hook("preAction", (command) => {
      const dir = command.opts<{ dir?: string }>().dir;
      if (dir) context.dir = isAbsolute(dir) ? dir : join(io.cwd, dir);
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
  registerInit(program, context, setExit);
  registerScan(program, context, setExit);

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    return reportError(error, context);
  }
  return exitCode;
}

function reportError(error: unknown, context: CommandContext): number {
  const { io } = context;
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return ExitCode.ok;
    return ExitCode.badInput;
  }
  if (error instanceof PromplateError) {
    const sourceOf = (file: string) => {
      try {
        return readFileSync(isAbsolute(file) ? file : join(context.dir, file), "utf8");
      } catch {
        return undefined;
      }
    };
    io.stderr.write(formatProblems(error.problems, { sourceOf, color: io.color }));
    return error.exitCode;
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  if (code && /^E[A-Z]+$/.test(code)) {
    io.stderr.write(`promplate: ${message}\n`);
    return ExitCode.environment;
  }
  io.stderr.write(`promplate: internal error: ${message}\n`);
  return ExitCode.checkFailed;
}
