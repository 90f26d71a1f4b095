/**
 * One writer at a time per output root, so two renders into one folder never leave a mix of both. The lock file
 * (`<root>/.promplate/lock`) holds the holder's pid and start time: a lock whose holder no longer runs (killed, or
 * its pid since reused) is taken over; a live holder is waited for, then exit 3 naming its pid.
 */
import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { systemHost, type Host, type ProcessIdentity } from "./host.js";
import { removeStaleTemporaries, temporaryPath } from "./output.js";
import { EnvironmentError, type PromplateError } from "./errors.js";

export const LOCK_FILE = ".promplate/lock";

export interface LockOptions {
  /** @default systemHost */
  host?: Host;
  /** How long to wait for a live holder before giving up (exit 3). @default 10_000 */
  waitMs?: number;
  /** Called once when another live process holds the lock, before waiting for it. */
  onWait?(holder: ProcessIdentity, waitMs: number): void;
}

interface LockRecord extends ProcessIdentity {
  /** Tells this acquisition from any other by the same process. */
  token: string;
}

const POLL_MS = 100;

/** Runs `apply` holding the lock on `root`; the lock is released however `apply` ends. */
export async function withOutputLock<T>(root: string, apply: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await lockOutputRoot(root, options);
  try {
    return await apply();
  } finally {
    await release();
  }
}

/** Takes the lock on `root`, waiting for a live holder; resolves with the function that releases it. */
export async function lockOutputRoot(root: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const host = options.host ?? systemHost;
  const waitMs = options.waitMs ?? 10_000;
  const path = join(root, LOCK_FILE);
  const mine: LockRecord = { ...host.self, token: randomBytes(8).toString("hex") };
  const text = `${JSON.stringify(mine)}\n`;
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw lockError(path, error);
  }
  const deadline = host.now() + waitMs;
  let announced = false;
  for (;;) {
    if (await tryCreate(path, text, host)) break;
    const held = await readLock(path);
    if (held === undefined) continue; // released meanwhile
    const holder = parseRecord(held);
    if (!holder || !host.isRunning(holder)) {
      await breakStaleLock(path, held, host);
      continue;
    }
    if (host.now() >= deadline) {
      throw new EnvironmentError([
        {
          id: "output/locked",
          severity: "error",
          message: `${root} is being written by promplate pid ${holder.pid}; waited ${Math.round(waitMs / 100) / 10} s for it`,
          hint: `run again once it has finished; if pid ${holder.pid} is not promplate, delete ${path}`,
        },
      ]);
    }
    if (!announced) options.onWait?.(holder, waitMs);
    announced = true;
    await host.sleep(POLL_MS);
  }
  await removeStaleTemporaries([dirname(path)], host);
  return async () => {
    // Only our own lock: never one a later holder took over.
    if ((await readFile(path, "utf8").catch(() => undefined)) === text) await rm(path, { force: true });
  };
}

/**
 * Creates the lock file whole or not at all: the record is written to a temporary first, then hard-linked to the
 * lock's name, which fails if the name exists. No reader ever sees a half-written lock.
 */
async function tryCreate(path: string, text: string, host: Host): Promise<boolean> {
  const temporary = temporaryPath(path, host);
  try {
    await writeFile(temporary, text, { mode: 0o644, flag: "wx" });
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw lockError(path, error);
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Removes a stale lock, but only the one judged stale: it is moved aside first and checked, and a lock another
 * process took in the meantime is put back. (Putting it back fails only if a third process took the free name in
 * that instant, right after a holder died.)
 */
async function breakStaleLock(path: string, staleText: string, host: Host): Promise<void> {
  // A temporary's name, so that a run killed right here leaves nothing the next one does not clean up.
  const aside = temporaryPath(path, host);
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readLock(aside).catch(() => undefined);
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

/**
 * The lock's text; undefined when there is none. A symlink is never a lock promplate made (it creates regular files),
 * so it is read as its own target's name, garbage that is taken over: read through, a dangling link would look
 * released forever while the name stays taken.
 */
async function readLock(path: string): Promise<string | undefined> {
  try {
    if ((await lstat(path)).isSymbolicLink()) return `symlink to ${await readlink(path)}`;
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw lockError(path, error);
  }
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<LockRecord>;
    if (typeof record.pid !== "number" || typeof record.token !== "string") return undefined;
    return { pid: record.pid, start: typeof record.start === "string" ? record.start : undefined, token: record.token };
  } catch {
    return undefined;
  }
}

function lockError(path: string, error: unknown): PromplateError {
  const code = (error as NodeJS.ErrnoException).code ?? "error";
  return new EnvironmentError([
    { id: "output/lock", severity: "error", message: `cannot create the lock ${path} (${code})`, hint: "the output folder must be writable" },
  ]);
}
