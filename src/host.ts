/**
 * The one place the core learns about processes and time: its own pid, when a process started, whether it still
 * runs, and the clock. The lock and the temporary-file cleanup take a `Host`, so tests can pass their own.
 */
import { readFileSync } from "node:fs";
import { currentPid, pidExists } from "./process.js";

/** A process as recorded in a lock or a temporary file's name: a pid alone is reused, a pid + start time is not. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22); undefined where /proc is not available. */
  start?: string;
}

export interface Host {
  /** This process. */
  self: ProcessIdentity;
  /** Whether that process still runs (a dead pid, or one reused by a process started later, does not). */
  isRunning(process: ProcessIdentity): boolean;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * State (field 3) and start time (field 22) from /proc/PID/stat; the command name (field 2) may hold spaces and
 * parentheses, so fields are counted from its closing parenthesis. Undefined without /proc or without the process.
 */
function readProcStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", start: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

export function processStartTime(pid: number): string | undefined {
  return readProcStat(pid)?.start;
}

let self: ProcessIdentity | undefined;

export const systemHost: Host = {
  // Read on first use, not when the module loads.
  get self() {
    return (self ??= { pid: currentPid(), start: processStartTime(currentPid()) });
  },
  isRunning({ pid, start }) {
    if (!Number.isInteger(pid) || pid <= 0 || !pidExists(pid)) return false;
    const stat = readProcStat(pid);
    if (stat === undefined) return true; // no /proc here: the pid is all we can go by
    // A zombie (killed, not yet reaped) holds nothing; a different start time is a reused pid.
    if (stat.state === "Z" || stat.state === "X") return false;
    return start === undefined || stat.start === start;
  },
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
