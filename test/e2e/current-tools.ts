/**
 * The current promtool and amtool the conformance and fixture tests compare with: from the cache
 * scripts/fetch-servers.sh fills (Prometheus 3.x, Alertmanager 0.3x), else from PATH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CURRENT_SERVERS } from "../helpers.js";

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
  const path = existsSync(cached)
    ? cached
    : (process.env.PATH ?? "")
        .split(":")
        .map((dir) => join(dir, name))
        .find((file) => existsSync(file));
  if (!path) return undefined;
  const version = /version (\S+)/.exec(execFileSync(path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }))?.[1] ?? "unknown";
  const [major = 0, minor = 0] = version.split(".").map((part) => parseInt(part, 10));
  return { name, path, version, oldLine: name === "promtool" ? major < 3 : major === 0 && minor < 28 };
}

/** Runs the tool in `cwd`: good when it exits 0. Its output and errors come in the order it wrote them. */
export function toolVerdict(tool: ServerTool, args: string[], cwd: string): { verdict: "good" | "bad"; output: string } {
  const result = spawnSync("sh", ["-c", '"$0" "$@" 2>&1', tool.path, ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C" },
  });
  return { verdict: result.status === 0 ? "good" : "bad", output: result.stdout };
}

export interface ToolReport {
  verdict: "good" | "bad";
  /** The tool's first complaint, on one line ("" when it accepts the file). */
  detail: string;
}

/**
 * Runs the tool once on many files (`promtool check config|rules` and `amtool check-config` take several) from
 * `cwd`, and splits its report per file: a file's section starts with `Checking FILE` and fails with `FAILED` (but
 * for lint findings).
 */
export function toolReports(tool: ServerTool, args: string[], files: string[], cwd: string): Map<string, ToolReport> {
  const reports = new Map<string, ToolReport>();
  if (files.length === 0) return reports;
  const { output } = toolVerdict(tool, [...args, ...files], cwd);
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split("\n")) {
    const start = /^Checking '?(.+?)'?(?:  (?:SUCCESS|FAILED.*))?$/.exec(line);
    if (start && files.includes(start[1]!)) {
      current = [line];
      sections.set(start[1]!, current);
    } else current?.push(line);
  }
  for (const file of files) {
    const section = sections.get(file);
    if (!section) {
      reports.set(file, { verdict: "bad", detail: `${tool.name} printed no report for it` });
      continue;
    }
    // promtool check rules reports lint findings (duplicate rules) as "FAILED:" + "lint error …" and still exits 0.
    const lint = (index: number) => /lint error/.test(`${section[index]} ${section[index + 1] ?? ""}`);
    const failed = section.findIndex((line, index) => line.includes("FAILED") && !lint(index));
    const detail =
      failed < 0
        ? ""
        : section
            .slice(failed, failed + 3)
            .map((line) => line.trim())
            .filter(Boolean)
            .join(" ")
            .replace(/\s+/g, " ")
            .slice(0, 240);
    reports.set(file, { verdict: failed < 0 ? "good" : "bad", detail });
  }
  return reports;
}

/** A third column's cell: agreement with upstream out of the files judged. */
export function agreementCell(agree: number, total: number): string {
  return `${agree}/${total} (${((100 * agree) / Math.max(total, 1)).toFixed(1)}%)`;
}
