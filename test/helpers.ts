/**
 * The test harness both tiers share: promplate run in-process (test/unit) or as the built program (test/e2e) with
 * one result shape, waiting for a server, finding a free port, and where the Prometheus and Alertmanager servers and
 * tools are.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { runCli } from "../src/cli.js";

export const ROOT = new URL("..", import.meta.url).pathname;
/** The bundle `npm run build` writes: what the package installs as `promplate`. */
export const BIN = join(ROOT, "dist", "promplate.js");

/**
 * The current line of the servers: prometheus, promtool, prometheus-alertmanager and amtool as
 * scripts/fetch-servers.sh unpacks them (`npm test` runs it first).
 */
export const CURRENT_SERVERS = join(process.env.PROMPLATE_SERVERS_CACHE ?? "/var/cache/promplate-servers", "current/usr/bin");
/** The old line: the machine's own packages (Debian bookworm: Prometheus 2.42, Alertmanager 0.25). */
export const OLD_SERVERS = "/usr/bin";
/** PATH with the current servers first: what the end-to-end tests and runPromplate give the CLI. */
export const SERVERS_PATH = [CURRENT_SERVERS, process.env.PATH ?? "/usr/bin:/bin"].join(delimiter);

export type Server = "prometheus" | "promtool" | "prometheus-alertmanager" | "amtool";

/** The current line's binary, or a clear failure naming the script that fetches it. */
export function serverPath(name: Server): string {
  const path = join(CURRENT_SERVERS, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: run scripts/fetch-servers.sh (npm test does)`);
  }
  return path;
}

/** `X.Y.Z` from a binary's `--version` (Debian's suffixes such as `+ds1` dropped). */
export function serverVersion(path: string): string {
  const output = execFileSync(path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const version = /version (\d+\.\d+\.\d+)/.exec(output)?.[1];
  if (!version) throw new Error(`no version in ${path} --version: ${output}`);
  return version;
}

/** True when version `a` (X.Y.Z) is at least `b` (X.Y). */
export function atLeast(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  return x![0]! > y![0]! || (x![0] === y![0] && x![1]! >= y![1]!);
}

export type Env = Record<string, string | undefined>;

/** What one run of promplate gave back, in-process or as the built program. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `promplate ARGV` in-process (runCli) with exactly the given environment, plus AWS_EC2_METADATA_DISABLED so no
 * test ever probes the real instance-metadata address. No PATH unless `env` gives one: what the CLI would start
 * (promtool, amtool, git, setpriv, a server) is not found, so a unit test starts no system tool.
 */
export async function runPromplate(argv: string[], env: Env = {}, cwd = ROOT, stdin = ""): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => stdin,
    env: { AWS_EC2_METADATA_DISABLED: "true", ...env },
    cwd,
  });
  return { code, stdout, stderr };
}

/** runPromplate with PATH = the current servers first, then this process's PATH: the end-to-end tier's runner. */
export function runWithTools(argv: string[], env: Env = {}, cwd = ROOT, stdin = ""): Promise<Run> {
  return runPromplate(argv, { PATH: SERVERS_PATH, ...env }, cwd, stdin);
}

/** The mark the tests' secret values carry: none may reach stdout or stderr. */
export const CANARY = /Leak-Canary/;

export function assertNoLeak(result: Run, label = ""): void {
  assert.doesNotMatch(result.stdout, CANARY, `${label}: stdout leaks a secret`);
  assert.doesNotMatch(result.stderr, CANARY, `${label}: stderr leaks a secret`);
}

export interface BuiltOptions {
  /** Standard input (default: empty). */
  stdin?: string | Buffer;
  /** Node's own options, before the bundle (e.g. `--import` of a module-load hook). */
  nodeArgs?: string[];
  /** Start this file through its shebang, as a user's shell does (the bundle itself, or an installed bin link). */
  executable?: string;
  /** Kill the run after this long (SIGKILL); the result then has code -1. */
  timeoutMs?: number;
}

/** Builds dist/ when it is missing (`npm test` builds it first; a single file run alone may not have). */
export function ensureBuilt(): void {
  if (!existsSync(BIN)) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
}

/**
 * Runs the built program, `node dist/promplate.js ARGV` (building it first when it is missing), with exactly the
 * given environment plus this process's PATH, AWS_EC2_METADATA_DISABLED and a compile cache in the temporary folder
 * (Node would put it under HOME, at times the checkout). Asynchronous, so endpoints this process serves can answer.
 */
export async function runBuilt(argv: string[], env: Env = {}, cwd = ROOT, options: BuiltOptions = {}): Promise<Run> {
  ensureBuilt();
  const [file, args] = options.executable ? [options.executable, argv] : [process.execPath, [...(options.nodeArgs ?? []), BIN, ...argv]];
  const child = spawn(file, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AWS_EC2_METADATA_DISABLED: "true", XDG_CACHE_HOME: join(tmpdir(), "promplate-test-cache"), ...env },
    stdio: ["pipe", "pipe", "pipe"],
    timeout: options.timeoutMs,
    killSignal: "SIGKILL",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  // A program that exits before reading all its input closes the pipe: that is its answer, not the test's failure.
  child.stdin.on("error", () => undefined);
  child.stdin.end(options.stdin ?? "");
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve(status ?? -1));
  });
  return { code, stdout, stderr };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` until it returns something other than undefined or false (errors count as "not yet"). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** The versions of the current line's servers and tools, to assert (≥ 3.0 / ≥ 0.28) and to name in the log. */
export function currentServerVersions(): Record<Server, string> {
  const names: Server[] = ["prometheus", "promtool", "prometheus-alertmanager", "amtool"];
  return Object.fromEntries(names.map((name) => [name, serverVersion(serverPath(name))])) as Record<Server, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Projects

/** A project folder in the temporary folder holding these files (a string is content; `{ link }` a symlink). */
export async function makeProject(files: Record<string, string | { link: string }>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-project-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    if (typeof content === "string") await writeFile(join(dir, path), content);
    else await symlink(content.link, join(dir, path));
  }
  return dir;
}

/** A project with a secret X and a plain Y (default "y"), rendered into a text output of the prometheus service. */
export const valueProject = () =>
  makeProject({
    "promplate.yaml":
      "variables:\n  X: { type: string, writeOnly: true }\n  Y: { type: string, default: y }\noutputs:\n  - { service: prometheus, kind: text, template: t.txt, path: out/t.txt }\n",
    "t.txt": "${X} ${Y}\n",
  });

// ---------------------------------------------------------------------------------------------------------------
// Golden cases

export interface ExpectedFinding {
  id: string;
  severity: "error" | "warning";
  file: string;
  line: number;
  column: number;
  /** A part of the message. */
  message: string;
}

/** A golden case's expected.json. */
export interface FixtureExpected {
  about: string;
  args: string[];
  exit: number;
  findings: ExpectedFinding[];
  /** The real tool's command line, run in the case's folder. */
  tool: ["promtool" | "amtool", ...string[]];
  /** What the current tool (Prometheus 3.x, Alertmanager 0.3x) decides. */
  toolVerdict: "good" | "bad";
  /** Where the old line (promtool 2.42, amtool 0.25) decides otherwise, and why. */
  oldToolVerdict?: "good" | "bad";
  oldToolWhy?: string;
}

/** Every folder of test/fixtures is a golden case; one without expected.json fails the loading. */
export function fixtureCases(): { name: string; dir: string; expected: FixtureExpected }[] {
  const folder = join(ROOT, "test/fixtures");
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ name, dir: join(folder, name), expected: JSON.parse(readFileSync(join(folder, name, "expected.json"), "utf8")) as FixtureExpected }));
}
