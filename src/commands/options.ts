/**
 * What the commands share: the I/O they are given, the options several of them take, and how flags become the
 * core's options. Commands import this file, never cli.ts, so the CLI and its commands form no import cycle.
 */
import { isAbsolute, join } from "node:path";
import { Option, type Command } from "commander";
import { BadInputError } from "../errors.js";

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

/** How a command hands its exit code back to the CLI. */
export type SetExit = (code: number) => void;

/** Exit codes shared by every command (README's table). Only the CLI and its commands choose one. */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  environment: 3,
  /** An unexpected exception: a bug in promplate. */
  internal: 70,
} as const;

export interface SourceFlags {
  set?: string[];
  envFile?: string;
  secretsDir?: string;
  awsProfile?: string;
  kubeContext?: string;
}

export type { ReportFormat } from "../report.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Options every command that resolves variables takes. */
export function addSourceOptions(command: Command): Command {
  return command
    .option("--set <NAME=VALUE>", "set a variable (repeatable; highest precedence)", collect)
    .option("--env-file <FILE>", "read variables from a dotenv file")
    .option("--secrets-dir <DIR>", "read a variable from the file DIR/NAME (default /run/secrets when it exists)")
    .option("--aws-profile <NAME>", "the AWS profile for x-aws and x-source variables (default: AWS_PROFILE)")
    .option("--kube-context <NAME>", "the kubeconfig context for k8s: x-source variables (default: its current-context)");
}

/** `--service NAME`, repeatable; `what` says what it narrows. */
export function serviceOption(what: string): Option {
  return new Option("--service <NAME>", `only ${what} (repeatable)`).argParser(collect);
}

/** `--rules-dialect`: the ruler rule files are for, when their output does not say. */
export function rulesDialectOption(): Option {
  return new Option("--rules-dialect <DIALECT>", "the ruler rule files are for: thanos and mimir accept their own fields (default: prometheus)").choices([
    "prometheus",
    "thanos",
    "mimir",
  ]);
}

/** `--instance NAME`: one instance of a project with `instances:`; `what` says what it narrows. */
export function instanceOption(what: string): Option {
  return new Option("--instance <NAME>", `only ${what} (a project with instances; default: every instance)`);
}

/** `--instance`/`--shard` (or their environment variables) as the pipeline takes them; a shard must be a number. */
export function instanceSelection(instance: string | undefined, shard: string | undefined): { instance?: string; shard?: number } {
  if (shard !== undefined && !/^(0|[1-9][0-9]{0,5})$/.test(shard)) {
    throw new BadInputError([{ id: "input/shard", severity: "error", message: `the shard must be a number from 0, got \`${shard.slice(0, 20)}\`` }]);
  }
  return { ...(instance !== undefined && instance !== "" ? { instance } : {}), ...(shard !== undefined ? { shard: Number(shard) } : {}) };
}

/** `--format text|json|github`: how findings are reported. */
export function formatOption(): Option {
  return new Option("--format <FORMAT>", "report format").choices(["text", "json", "github"]).default("text");
}

/** A repeatable `NAME=VALUE` option's collector. */
export const collectValues = collect;

export function parseSetFlags(values: string[] = []): Record<string, string> {
  const set: Record<string, string> = {};
  for (const pair of values) {
    const equals = pair.indexOf("=");
    if (equals <= 0) {
      throw new BadInputError([{ id: "input/flag", severity: "error", message: `--set expects NAME=VALUE, got \`${pair.slice(0, 40)}\`` }]);
    }
    set[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return set;
}

/** A path given on the command line, resolved against the working folder. */
export function fromCwd(context: CommandContext, path: string): string;
export function fromCwd(context: CommandContext, path: string | undefined): string | undefined;
export function fromCwd(context: CommandContext, path: string | undefined): string | undefined {
  return path === undefined || isAbsolute(path) ? path : join(context.io.cwd, path);
}

/** The core's value-source options from the shared flags. */
export function sourceOptions(context: CommandContext, flags: SourceFlags) {
  return {
    env: context.io.env,
    set: parseSetFlags(flags.set),
    envFile: fromCwd(context, flags.envFile),
    secretsDir: fromCwd(context, flags.secretsDir),
    awsProfile: flags.awsProfile,
    kubeContext: flags.kubeContext,
  };
}

/** Exit 2 when the project folder has no promplate.yaml; `hint` says what the command can do instead. */
export async function requireProject(context: CommandContext, hint: string): Promise<void> {
  const { findProject } = await import("../project.js");
  if (!(await findProject(context.dir))) {
    throw new BadInputError([{ id: "input/no-project", severity: "error", message: `no promplate.yaml in ${context.dir}`, hint }]);
  }
}

/** Writes `promplate: LINE` on stderr: progress and notes, never findings (those go through src/report.ts). */
export function logTo(io: CliIo): (line: string) => void {
  return (line) => io.stderr.write(`promplate: ${line}\n`);
}
