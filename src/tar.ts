/**
 * A small tar reader for image archives and their layers: ustar, GNU long names and pax headers, which is what
 * docker, podman and buildah write. Hand-written (about 150 lines) rather than a dependency: only reading is
 * needed, and reading is the simple half of tar.
 *
 * - `indexTarFile` lists the entries of a tar file on disk with their offsets, reading only the headers (an image
 *   archive's blobs are then opened by offset, so the archive is never read twice).
 * - `readTarStream` reads a tar stream (a layer, gzip-compressed or not) entry by entry, holding one file at a time.
 */
import { open } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

const BLOCK = 512;

export interface TarHeader {
  name: string;
  /** `0` file, `1` hard link, `2` symlink, `5` folder, … (normalised: an old-style `\0` file is `0`). */
  type: string;
  size: number;
  linkName: string;
}

export interface TarFileEntry extends TarHeader {
  /** Byte offset of the entry's content in the file. */
  offset: number;
}

export interface TarStreamEntry extends TarHeader {
  /** The content of a regular file up to `maxFileSize`; undefined for other types and larger files. */
  content?: Buffer;
}

function readString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

function readNumber(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256, for sizes over 8 GiB.
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = readString(block, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** Parses a 512-byte header; undefined for the zero block that ends an archive. */
export function parseTarHeader(block: Buffer): TarHeader | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  const name = readString(block, 0, 100);
  const prefix = readString(block, 257, 6).startsWith("ustar") ? readString(block, 345, 155) : "";
  const type = String.fromCharCode(block[156]!);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    type: type === "\0" ? "0" : type,
    size: readNumber(block, 124, 12),
    linkName: readString(block, 157, 100),
  };
}

/** pax extended header records: `LEN key=value\n`. */
export function parsePax(content: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(content.subarray(at, space).toString("ascii"));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = content.subarray(space + 1, at + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/** Applies long-name and pax records that came before a header to it. */
function applyExtensions(header: TarHeader, longName: string | undefined, longLink: string | undefined, pax: Record<string, string>): TarHeader {
  const name = pax.path ?? longName ?? header.name;
  return {
    ...header,
    name: name.replace(/^\.\//, ""),
    linkName: pax.linkpath ?? longLink ?? header.linkName,
    size: pax.size !== undefined ? Number(pax.size) : header.size,
  };
}

/** Lists the entries of a tar file by reading its headers only. */
export async function indexTarFile(path: string): Promise<TarFileEntry[]> {
  const handle = await open(path, "r");
  try {
    const entries: TarFileEntry[] = [];
    const block = Buffer.alloc(BLOCK);
    let offset = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    const readAt = async (at: number, length: number) => {
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, at);
      return buffer;
    };
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, BLOCK, offset);
      if (bytesRead < BLOCK) break;
      const header = parseTarHeader(block);
      if (!header) break;
      const content = offset + BLOCK;
      offset = content + padded(header.size);
      if (header.type === "L") longName = readString(await readAt(content, header.size), 0, header.size);
      else if (header.type === "K") longLink = readString(await readAt(content, header.size), 0, header.size);
      else if (header.type === "x") pax = parsePax(await readAt(content, header.size));
      else if (header.type === "g") continue;
      else {
        entries.push({ ...applyExtensions(header, longName, longLink, pax), offset: content });
        longName = longLink = undefined;
        pax = {};
      }
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** Reads `length` bytes at `offset` of a file. */
export async function readFileRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** A stream of the bytes of one archive entry, gunzipped when they start with gzip's magic number. */
export async function openBlob(path: string, entry: { offset: number; size: number }): Promise<Readable> {
  const magic = entry.size >= 2 ? await readFileRange(path, entry.offset, 2) : Buffer.alloc(0);
  const raw = createReadStream(path, { start: entry.offset, end: entry.offset + entry.size - 1, highWaterMark: 1 << 20 });
  if (entry.size === 0) return Readable.from([]);
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(length: number): Promise<boolean> {
    while (this.buffered < length && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    return this.buffered >= length;
  }

  /** Exactly `length` bytes, or undefined at the end of the stream. */
  async read(length: number): Promise<Buffer | undefined> {
    if (!(await this.fill(length))) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  async skip(length: number): Promise<boolean> {
    let left = length;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) return false;
      const first = this.chunks[0]!;
      if (first.length <= left) {
        left -= first.length;
        this.buffered -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(left);
        this.buffered -= left;
        left = 0;
      }
    }
    return true;
  }
}

/** Reads a tar stream entry by entry; regular files up to `maxFileSize` come with their content. */
export async function* readTarStream(stream: AsyncIterable<Buffer>, options: { maxFileSize: number }): AsyncGenerator<TarStreamEntry> {
  const reader = new ByteReader(stream[Symbol.asyncIterator]());
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const block = await reader.read(BLOCK);
    if (!block) return;
    const raw = parseTarHeader(block);
    if (!raw) return;
    if (raw.type === "L" || raw.type === "K" || raw.type === "x" || raw.type === "g") {
      const content = (await reader.read(padded(raw.size)))?.subarray(0, raw.size);
      if (!content) return;
      if (raw.type === "L") longName = readString(content, 0, content.length);
      else if (raw.type === "K") longLink = readString(content, 0, content.length);
      else if (raw.type === "x") pax = parsePax(content);
      continue;
    }
    const header = applyExtensions(raw, longName, longLink, pax);
    longName = longLink = undefined;
    pax = {};
    const isFile = header.type === "0" || header.type === "7";
    if (isFile && header.size <= options.maxFileSize) {
      const content = await reader.read(padded(header.size));
      if (!content) return;
      yield { ...header, content: content.subarray(0, header.size) };
    } else {
      if (!(await reader.skip(padded(header.size)))) return;
      yield header;
    }
  }
}
