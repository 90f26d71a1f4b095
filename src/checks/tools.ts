/**
 * promtool and amtool as checks. Planning (which tool, which arguments, which files) is pure data; running takes a
 * process runner, so the core never spawns anything itself and the plan can be tested as data.
 */
import type { Finding } from "../finding.js";
import { findExecutable, type ProcessRunner } from "../process.js";

export type { ProcessRunner } from "../process.js";

export type ToolName = "promtool" | "amtool";

export interface ToolInvocation {
  tool: ToolName;
  /** Finding id for what this invocation checks, e.g. `promtool/config`. */
  id: string;
  args: string[];
  /** The files the invocation checks (absolute), to attribute findings without a file name. */
  files: string[];
}

export interface Tool {
  name: ToolName;
  path: string;
  version: string;
}

export interface ProcessResult {
  exitCode: number;
  output: string;
}

export const INSTALL_HINT: Record<ToolName, string> = {
  promtool: "install it (Debian: apt-get install prometheus; or the promtool binary from prometheus.io/download) or pass --promtool PATH",
  amtool: "install it (Debian: apt-get install prometheus-alertmanager; or the amtool binary from prometheus.io/download) or pass --amtool PATH",
};

/** An explicit path (a file, even without a slash: never looked up on PATH), else the first on PATH; absolute. */
export async function findTool(name: ToolName, explicit: string | undefined, pathVariable: string | undefined): Promise<string | undefined> {
  if (explicit) return findExecutable(explicit.includes("/") ? explicit : `./${explicit}`, undefined);
  return findExecutable(name, pathVariable);
}

export async function toolVersion(path: string, run: ProcessRunner, env: Record<string, string | undefined>): Promise<string> {
  const result = await run(path, ["--version"], { cwd: "/", env });
  return /version (\S+)/.exec(result.output)?.[1] ?? "unknown";
}

/**
 * Turns a tool's output into findings: `FILE: L:C: message`, `line N: message`, or one finding for the file. Each
 * names the absolute path of the file the tool named (or the invocation's first file).
 * `redact` (src/redact.ts) runs on the whole output first, so no finding is ever made from a secret.
 */
export function parseToolOutput(
  invocation: ToolInvocation,
  tool: Tool,
  processResult: ProcessResult,
  redact: (text: string) => string = (text) => text,
): Finding[] {
  const result = { ...processResult, output: redact(processResult.output) };
  if (result.exitCode === 0) {
    return warningsOf(invocation, tool, result.output);
  }
  const findings: Finding[] = [];
  const label = `${tool.name} ${tool.version}`;
  const lines = result.output.split("\n").map((l) => l.trimEnd());
  let currentFile = invocation.files[0] ?? "";
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || /^(Checking|SUCCESS|amtool: error: failed to validate|Unit Testing:|Found \d+ valid templates?|FAILED:$)/.test(line)) {
      const checking = /^Checking '?(.+?)'?(\s+FAILED:.*)?$/.exec(line);
      if (checking) currentFile = checking[1]!;
      if (checking?.[2]) findings.push(locate(invocation, label, currentFile, checking[2].replace(/^\s+FAILED:\s*/, "")));
      continue;
    }
    const withFile = /^(\/[^:]+?): (\d+):(\d+): (.*)$/.exec(line);
    if (withFile) {
      findings.push({
        id: invocation.id,
        severity: "error",
        message: `${label}: ${withFile[4]}`,
        file: withFile[1]!,
        line: Number(withFile[2]),
        column: Number(withFile[3]),
      });
      continue;
    }
    findings.push(locate(invocation, label, currentFile, line.replace(/^FAILED:\s*/, "")));
  }
  if (findings.length === 0) {
    findings.push({ id: invocation.id, severity: "error", message: `${label} failed (exit ${result.exitCode})`, file: currentFile });
  }
  return findings;
}

function locate(invocation: ToolInvocation, label: string, file: string, message: string): Finding {
  const lineMatch = /\bline (\d+)(?::(\d+))?/.exec(message);
  return {
    id: invocation.id,
    severity: "error",
    message: `${label}: ${message}`,
    file,
    line: lineMatch ? Number(lineMatch[1]) : undefined,
    column: lineMatch?.[2] ? Number(lineMatch[2]) : undefined,
  };
}

/** promtool's lint output on success (e.g. duplicate rules) becomes warnings. */
function warningsOf(invocation: ToolInvocation, tool: Tool, output: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of output.split("\n")) {
    const warning = /^\s*(?:WARNING|Warning):?\s*(.*)$/i.exec(line);
    if (warning) {
      findings.push({ id: invocation.id, severity: "warning", message: `${tool.name} ${tool.version}: ${warning[1]}`, file: invocation.files[0] ?? "" });
    }
  }
  return findings;
}
