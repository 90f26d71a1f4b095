/**
 * What several test files share: running the CLI in-process, waiting for a server, finding a free port, and where the
 * Prometheus and Alertmanager servers and tools are.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { runCli } from "../src/cli.js";

export const ROOT = new URL("..", import.meta.url).pathname;

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

/**
 * Runs `promplate ARGV` in-process with exactly the given environment (plus PATH, the current servers first, and,
 * so no test ever probes the real instance-metadata address, AWS_EC2_METADATA_DISABLED).
 */
export async function runPromplate(argv: string[], env: Record<string, string | undefined> = {}, cwd = ROOT) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => "",
    env: { PATH: SERVERS_PATH, AWS_EC2_METADATA_DISABLED: "true", ...env },
    cwd,
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
