/**
 * The current promtool and amtool the conformance and fixture tests compare with: from the cache
 * scripts/fetch-servers.sh fills (Prometheus 3.x, Alertmanager 0.3x), else from PATH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const CURRENT_SERVERS = join(process.env.PROMPLATE_SERVERS_CACHE ?? "/var/cache/promplate-servers", "current/usr/bin");

export interface ServerTool {
  name: "promtool" | "amtool";
  path: string;
  /** As the tool prints it, e.g. `3.5.3+ds1`. */
  version: string;
  /** The tool's line is older than the servers promplate follows (promtool 2.x, amtool before 0.28). */
  oldLine: boolean;
}

export function currentTool(name: ServerTool["name"]): ServerTool | undefined {
  const cached = join(CURRENT_SERVERS, name);
  const path = existsSync(cached) ? cached : (process.env.PATH ?? "").split(":").map((dir) => join(dir, name)).find((file) => existsSync(file));
  if (!path) return undefined;
  const version = /version (\S+)/.exec(execFileSync(path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }))?.[1] ?? "unknown";
  const [major = 0, minor = 0] = version.split(".").map((part) => parseInt(part, 10));
  return { name, path, version, oldLine: name === "promtool" ? major < 3 : major === 0 && minor < 28 };
}

/** Runs the tool in `cwd`: good when it exits 0. */
export function toolVerdict(tool: ServerTool, args: string[], cwd: string): { verdict: "good" | "bad"; output: string } {
  const result = spawnSync(tool.path, args, { cwd, encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C" } });
  return { verdict: result.status === 0 ? "good" : "bad", output: `${result.stdout}${result.stderr}` };
}
