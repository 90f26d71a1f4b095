/**
 * Bounded reads of every file a user names: the files values come from (NAME_FILE, the secrets folder, --env-file)
 * and the documents promplate reads (promplate.yaml, templates — one piped in too —, files to check, rule test files,
 * .gitignore). Regular files only, after following symlinks (Kubernetes mounts secrets as symlinks into `..data/`),
 * and only up to a size limit: reading a FIFO would wait for a writer for ever, a device such as /dev/urandom never
 * ends, and a huge file would take the memory before any check could refuse it.
 */
import { isUtf8 } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { BadInputError, EnvironmentError, type PromplateError } from "./errors.js";
import type { Finding } from "./finding.js";
import { MAX_YAML_BYTES } from "./yaml-limits.js";

/** 1 MiB: far more than any credential or env file, far less than what would strain a container's memory. */
export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

/**
 * The most promplate reads of a document (promplate.yaml, a template, a file to check, a rule test file,
 * .gitignore): as much as it parses of one as YAML, 16 MiB (src/yaml-limits.ts says why that much and no more).
 */
export const MAX_DOCUMENT_BYTES = MAX_YAML_BYTES;

/** The environment variable that raises (or lowers) the limit, in bytes or with a unit: `4MiB`, `512KiB`. */
export const MAX_FILE_SIZE_VARIABLE = "PROMPLATE_MAX_FILE_SIZE";

const VALUE_FILE_LIMIT_HINT = `if the file is meant to be this large, raise the limit with ${MAX_FILE_SIZE_VARIABLE} (e.g. 4MiB)`;
export const DOCUMENT_LIMIT_HINT = "split it into smaller files";

/** Why a file was not read: it is not a regular file, or it is too large. */
export class RefusedFileError extends Error {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {
    super(reason);
    this.name = "RefusedFileError";
  }
}

/** The size limit set in `env`, or an error message when the setting is not a size. */
export function maxFileSize(env: Readonly<Record<string, string | undefined>>): number | { error: string } {
  const setting = env[MAX_FILE_SIZE_VARIABLE];
  if (setting === undefined || setting.trim() === "") return DEFAULT_MAX_FILE_SIZE;
  const match = /^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$/.exec(setting);
  if (!match)
    return { error: `${MAX_FILE_SIZE_VARIABLE} must be a size in bytes, or with KiB, MiB or GiB (e.g. 4MiB), not ${JSON.stringify(setting.slice(0, 40))}` };
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[match[2] ?? "B"]!;
  return Number(match[1]) * unit;
}

/** A size as people read it: `1 MiB`, `512 KiB`, `100 bytes`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

interface FileType {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

function describeType(stats: FileType): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function tooLarge(maxBytes: number, hint: string): RefusedFileError {
  return new RefusedFileError(`it is larger than ${formatSize(maxBytes)}, the most promplate reads from a file`, hint);
}

/** A full read buffer, twice as large, up to one byte over the limit: reaching that byte means the file is too large. */
function grow(buffer: Buffer, maxBytes: number, hint: string): Buffer {
  if (buffer.length > maxBytes) throw tooLarge(maxBytes, hint);
  const larger = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
  buffer.copy(larger);
  return larger;
}

function refuseIrregular(stats: FileType): void {
  if (!stats.isFile()) throw new RefusedFileError(`it is ${describeType(stats)}; only regular files (or symlinks to them) are read`, "name a regular file");
}

/**
 * The bytes of a regular file of at most `maxBytes`. Throws RefusedFileError for anything else, and the system's
 * error (ENOENT, EACCES, …) when the file cannot be opened.
 */
export async function readRegularFileBytes(path: string, maxBytes: number, limitHint = VALUE_FILE_LIMIT_HINT): Promise<Buffer> {
  // stat first, so that a FIFO or a device is never opened; then open without blocking and check again on the open
  // file, in case the path was swapped for something else in between.
  const before = await stat(path);
  refuseIrregular(before);
  if (before.size > maxBytes) throw tooLarge(maxBytes, limitHint);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    refuseIrregular(stats);
    // Room for one byte more than allowed, so that a file that grew since stat() is caught too.
    let buffer: Buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) buffer = grow(buffer, maxBytes, limitHint);
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** The text of a regular file of at most `maxBytes` (see readRegularFileBytes). */
export async function readRegularFile(path: string, maxBytes: number, limitHint = VALUE_FILE_LIMIT_HINT): Promise<string> {
  return (await readRegularFileBytes(path, maxBytes, limitHint)).toString("utf8");
}

/** readRegularFileBytes for the few callers that must answer at once (a checked config's included files). */
export function readRegularFileSync(path: string, maxBytes: number, limitHint = DOCUMENT_LIMIT_HINT): Buffer {
  const before = statSync(path);
  refuseIrregular(before);
  if (before.size > maxBytes) throw tooLarge(maxBytes, limitHint);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    refuseIrregular(stats);
    let buffer: Buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) buffer = grow(buffer, maxBytes, limitHint);
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The UTF-8 text of a stream (a template on standard input) of at most `maxBytes`; throws RefusedFileError as soon as
 * it holds more, and when it is not UTF-8 (decoding would silently turn a stray byte into U+FFFD).
 */
export async function readStream(stream: AsyncIterable<Buffer | string>, maxBytes = MAX_DOCUMENT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    length += bytes.length;
    if (length > maxBytes) throw new RefusedFileError(`it is larger than ${formatSize(maxBytes)}, the most promplate reads`, DOCUMENT_LIMIT_HINT);
    chunks.push(bytes);
  }
  const bytes = Buffer.concat(chunks);
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8(bytes);
    throw new RefusedFileError(
      `it is not valid UTF-8: byte ${offset} (0x${bytes[offset]!.toString(16).padStart(2, "0")}) starts no UTF-8 character`,
      "save the template as UTF-8",
    );
  }
  return bytes.toString("utf8");
}

/** Offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return bytes.length;
}

/**
 * Why a file could not be read, in words, and what that means: a file promplate may not read is the environment's
 * problem (EnvironmentError, exit 3), anything else bad input (BadInputError, exit 2).
 */
export function describeReadFailure(error: unknown): { reason: string; hint?: string; environment: boolean } {
  if (error instanceof RefusedFileError) return { reason: error.reason, hint: error.hint, environment: false };
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "EACCES" || code === "EPERM") {
    return { reason: `promplate is not allowed to read it (${code})`, hint: "give the user promplate runs as read access to the file", environment: true };
  }
  if (code === "ENOENT") return { reason: "there is no such file", environment: false };
  if (code === "ENOTDIR") return { reason: "a part of its path is not a folder", environment: false };
  if (code === "ELOOP") return { reason: "its symlinks form a loop", environment: false };
  return { reason: `it cannot be read (${code ?? (error instanceof Error ? error.message : "error")})`, environment: false };
}

/** A file that could not be read, as the error to throw: `cannot read NAME: REASON`, exit 2 or 3. */
export function cannotRead(error: unknown, name: string, id: string, where: Partial<Finding> = {}): PromplateError {
  const { reason, hint, environment } = describeReadFailure(error);
  const findings: Finding[] = [{ id, severity: "error", message: `cannot read ${name}: ${reason}`, ...(hint ? { hint } : {}), ...where }];
  return environment ? new EnvironmentError(findings) : new BadInputError(findings);
}

/** A document the user named (a file to check, a rule test file, .gitignore), within MAX_DOCUMENT_BYTES. */
export async function readDocument(path: string, name: string, id: string, where: Partial<Finding> = {}): Promise<string> {
  try {
    return await readRegularFile(path, MAX_DOCUMENT_BYTES, DOCUMENT_LIMIT_HINT);
  } catch (error) {
    throw cannotRead(error, name, id, where);
  }
}
