/**
 * The one module that starts child processes and reads Node's `process` for the core: running a command for its
 * output, streaming a long one line by line, starting the server `exec` supervises, asking git, and PATH lookup.
 * The core receives the runner it needs as an argument, so it never spawns anything or reads the process itself,
 * and tests pass their own.
 *
 * node:child_process, loaded on the first spawn, rather than execa: its bundle chunk (245 KB, 22 packages) took
 * 63 ms to load (median; 7 ms for node:child_process), and what promplate used of it (interleaved output, a time
 * limit, lines as they come) is short.
 */
import type { ChildProcess } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { delimiter, join, resolve } from "node:path";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface RunOptions {
  /** @default the working folder of promplate */
  cwd?: string;
  /** The child's whole environment: nothing is added to it. */
  env: Environment;
  /** Killed (SIGKILL) after this many milliseconds (Infinity: never). @default 120_000 */
  timeoutMs?: number;
  /** Killed (SIGKILL) once stdout and stderr together pass this many bytes. @default no limit */
  maxOutputBytes?: number;
}

export interface RunResult {
  /** The child's exit code; 128 + the signal's number when a signal ended it, as a shell reports it. */
  exitCode: number;
  /** The signal that ended the child, if one did. */
  signal?: NodeJS.Signals;
  /** stdout and stderr interleaved as the child printed them, without the final newline. */
  output: string;
  stdout: string;
  stderr: string;
  /** Why promplate killed the child, if it did. */
  killed?: "timeout" | "output-limit";
}

/** Runs a command to its end and collects what it prints; rejects only when it cannot start (error.code, e.g. ENOENT). */
export type ProcessRunner = (command: string, args: readonly string[], options: RunOptions) => Promise<RunResult>;

export interface StreamOptions {
  env: Environment;
  /** Each line the child prints on stdout or stderr, as it prints it. */
  onLine?: (line: string) => void;
}

/** Runs a long command (no time limit), passing its lines on as they come; rejects only when it cannot start. */
export type StreamingRunner = (command: string, args: readonly string[], options: StreamOptions) => Promise<{ exitCode: number; output: string }>;

/** A long-lived child with promplate's stdio, which promplate's signals reach. */
export interface ChildServer {
  /** Sends the child a signal (SIGHUP to reload). */
  kill(signal: NodeJS.Signals): void;
  /** Its exit code once it ends; 128 + the signal's number when a signal ended it. */
  exited: Promise<number>;
}

export interface StartOptions {
  /** The child's whole environment; its PATH finds `command`. */
  env: Record<string, string>;
  /** The PATH promplate searches for `setpriv`. */
  path: string | undefined;
}

/**
 * Starts a server as promplate's child: stdio passed through, the signals a supervisor receives (SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2) forwarded to it until it ends. Rejects when it cannot start.
 */
export type ServerStarter = (command: string, args: readonly string[], options: StartOptions) => Promise<ChildServer>;

/** What promplate asks git about a folder; every answer is "no" (or undefined) without git or outside a work tree. */
export interface Git {
  /**
   * Whether `dir` is inside a git work tree: false without git or outside a repository; throws GitRefusedError when
   * git cannot read the repository (another user's: "dubious ownership"), which its owner still commits to.
   */
  isWorkTree(dir: string): Promise<boolean>;
  /** The files git tracks or has staged among `paths` (literal, relative to `dir`), as git names them; undefined when git fails. */
  listFiles(dir: string, paths: readonly string[]): Promise<string[] | undefined>;
  /** Whether .gitignore and the other exclude files ignore `path` (relative to `dir`), tracked or not. */
  isIgnored(dir: string, path: string): Promise<boolean>;
}

const DEFAULT_TIMEOUT_MS = 120_000;

const FORWARDED_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

const { signals } = osConstants;

/** The shell's convention for a child's end: its exit code, or 128 + the number of the signal that killed it. */
export function childExitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (signals[signal] ?? 0);
  return code ?? 0;
}

/**
 * Where `command` runs from, as the shell finds it: a name with a slash is that file (made absolute), any other name
 * the first executable of that name in a PATH folder. A relative PATH folder counts from promplate's working folder,
 * as it does for the kernel.
 */
export async function findExecutable(command: string, pathVariable: string | undefined): Promise<string | undefined> {
  const candidates = command.includes("/")
    ? [command]
    : (pathVariable ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return resolve(candidate);
    } catch {
      // not here; try the next folder
    }
  }
  return undefined;
}

/** Resolves once the child has started; rejects with the spawn error (ENOENT, EACCES) when it cannot. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
}

/** Splits a stream's text into lines across chunks; `flush` passes on the last line when it has no newline. */
function lineSplitter(onLine: (line: string) => void) {
  let partial = "";
  return {
    push(text: string) {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) onLine(line.replace(/\r$/, ""));
    },
    flush() {
      if (partial !== "") onLine(partial.replace(/\r$/, ""));
      partial = "";
    },
  };
}

async function runChild(command: string, args: readonly string[], options: RunOptions & { onLine?: (line: string) => void }): Promise<RunResult> {
  const { spawn } = await import("node:child_process");
  const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = spawn(command, [...args], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  await started(child);

  const chunks = { all: [] as string[], stdout: [] as string[], stderr: [] as string[] };
  let bytes = 0;
  let killed: RunResult["killed"];
  const kill = (reason: NonNullable<RunResult["killed"]>) => {
    killed ??= reason;
    // Closed too, as a grandchild (the command of `sh -c`) may hold them open after the child is gone.
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.kill("SIGKILL");
  };
  const timer = options.timeoutMs === Infinity ? undefined : setTimeout(() => kill("timeout"), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const collect = (name: "stdout" | "stderr") => {
    const stream = child[name]!;
    const lines = options.onLine ? lineSplitter(options.onLine) : undefined;
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      chunks[name].push(text);
      chunks.all.push(text);
      lines?.push(text);
      bytes += Buffer.byteLength(text);
      if (options.maxOutputBytes !== undefined && bytes > options.maxOutputBytes) kill("output-limit");
    });
    return new Promise<void>((resolve) =>
      stream.once("close", () => {
        lines?.flush();
        resolve();
      }),
    );
  };
  const outputs = Promise.all([collect("stdout"), collect("stderr")]);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("close", (...end) => resolve(end)));
  await outputs;
  clearTimeout(timer);
  return {
    exitCode: childExitCode(code, signal),
    ...(signal ? { signal } : {}),
    output: chunks.all.join("").replace(/\r?\n$/, ""),
    stdout: chunks.stdout.join(""),
    stderr: chunks.stderr.join(""),
    ...(killed ? { killed } : {}),
  };
}

export const runProcess: ProcessRunner = (command, args, options) => runChild(command, args, options);

export const streamProcess: StreamingRunner = (command, args, options) =>
  runChild(command, args, { env: options.env, onLine: options.onLine, timeoutMs: Infinity });

/**
 * When `setpriv` is on PATH, the kernel kills the child if promplate dies (even by SIGKILL), so a killed entrypoint
 * never leaves a server running without its supervisor.
 */
export const startServer: ServerStarter = async (command, args, options) => {
  const { spawn } = await import("node:child_process");
  const setpriv = await findExecutable("setpriv", options.path);
  const [file, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", command, ...args]] : [command, [...args]];
  const child = spawn(file, argv, { stdio: "inherit", env: options.env });
  await started(child);
  const forward = (signal: NodeJS.Signals) => {
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => {
      for (const name of FORWARDED_SIGNALS) process.off(name, forward);
      resolve(childExitCode(code, signal));
    });
  });
  return { kill: (signal) => void child.kill(signal), exited };
};

/** Asks git in `dir`, with `env` (its PATH finds git, its HOME the user's excludes file); undefined when git cannot run. */
function askGit(dir: string, args: readonly string[], env: Environment): Promise<RunResult | undefined> {
  // Past 256 MiB of file names git's answer counts as unknown: no scan should walk such a tree through git.
  return runProcess("git", args, { cwd: dir, env, maxOutputBytes: 256 * 1024 * 1024 }).catch(() => undefined);
}

/** git ran but would not answer about a repository; `message` is git's first line. */
export class GitRefusedError extends Error {
  override name = "GitRefusedError";
}

/** git as installed, run with `env` (promplate's environment in the CLI). */
export function systemGit(env: Environment): Git {
  return {
    async isWorkTree(dir) {
      const result = await askGit(dir, ["rev-parse", "--is-inside-work-tree"], env);
      if (result === undefined) return false; // no git
      if (result.exitCode === 0) return result.stdout.trim() === "true";
      const said = result.stderr.trim().split("\n")[0] ?? "";
      if (/not a git repository/i.test(said)) return false;
      throw new GitRefusedError(said || `git exited with ${result.exitCode}`);
    },
    async listFiles(dir, paths) {
      const result = await askGit(dir, ["--literal-pathspecs", "ls-files", "-z", "--", ...paths], env);
      if (result?.exitCode !== 0 || result.killed) return undefined;
      return result.stdout.split("\0").filter(Boolean);
    },
    async isIgnored(dir, path) {
      const result = await askGit(dir, ["check-ignore", "-q", "--no-index", path], env);
      return result?.exitCode === 0;
    },
  };
}

/** This process's id. */
export function currentPid(): number {
  return process.pid;
}

/** The user id promplate runs as; undefined where the platform has none. */
export function currentUid(): number | undefined {
  return process.getuid?.();
}

/** Whether a process with this id exists: signal 0 tests without sending; EPERM means it exists, as another user's. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
