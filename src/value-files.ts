/**
 * Reads the files values come from (NAME_FILE, the secrets folder, --env-file): regular files only, after following
 * symlinks (Kubernetes mounts secrets as symlinks into `..data/`), and only up to a size limit. Reading a FIFO
 * would wait for a writer for ever, and a device such as /dev/urandom never ends.
 */
import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";

/** 1 MiB: far more than any credential or env file, far less than what would strain a container's memory. */
export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

/** The environment variable that raises (or lowers) the limit, in bytes or with a unit: `4MiB`, `512KiB`. */
export const MAX_FILE_SIZE_VARIABLE = "PROMPLATE_MAX_FILE_SIZE";

/** Why a value file was not read: it is not a regular file, or it is too large. */
export class ValueFileError extends Error {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {
    super(reason);
    this.name = "ValueFileError";
  }
}

/** The size limit set in `env`, or an error message when the setting is not a size. */
export function maxFileSize(env: Readonly<Record<string, string | undefined>>): number | { error: string } {
  const setting = env[MAX_FILE_SIZE_VARIABLE];
  if (setting === undefined || setting.trim() === "") return DEFAULT_MAX_FILE_SIZE;
  const match = /^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$/.exec(setting);
  if (!match) return { error: `${MAX_FILE_SIZE_VARIABLE} must be a size in bytes, or with KiB, MiB or GiB (e.g. 4MiB), not ${JSON.stringify(setting.slice(0, 40))}` };
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[match[2] ?? "B"]!;
  return Number(match[1]) * unit;
}

/** A size as people read it: `1 MiB`, `512 KiB`, `100 bytes`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

function describeType(stats: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function tooLarge(maxBytes: number): ValueFileError {
  return new ValueFileError(`it is larger than ${formatSize(maxBytes)}, the most promplate reads from a file`, `if the file is meant to be this large, raise the limit with ${MAX_FILE_SIZE_VARIABLE} (e.g. 4MiB)`);
}

function notRegular(stats: Parameters<typeof describeType>[0]): ValueFileError {
  return new ValueFileError(`it is ${describeType(stats)}; only regular files (or symlinks to them) are read`, "point it at a regular file holding the value");
}

/**
 * The text of a regular file of at most `maxBytes`. Throws ValueFileError for anything else, and the system's
 * error (ENOENT, EACCES, …) when the file cannot be opened.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  // stat first, so that a FIFO or a device is never opened; then open without blocking and check again on the open
  // file, in case the path was swapped for something else in between.
  const before = await stat(path);
  if (!before.isFile()) throw notRegular(before);
  if (before.size > maxBytes) throw tooLarge(maxBytes);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(stats);
    // Room for one byte more than allowed, so that a file that grew since stat() is caught too.
    let buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge(maxBytes);
        const larger = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(larger);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    await handle.close();
  }
}
