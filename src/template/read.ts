/**
 * Reading a template, bounded. Rendering costs time and memory in proportion to the template (about 2 s and 170 MB
 * per MiB for dense YAML), so a template over the limit is refused before it is read: its size comes from stat,
 * and a file that grows between stat and read is still read only up to the limit.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

/** The largest template promplate renders (README "Limits"). */
export const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

/** A template that cannot be rendered as it stands; `id` is the problem id, `message` says why. */
export class TemplateReadError extends Error {
  constructor(
    readonly id: "template/too-large" | "template/not-a-file",
    message: string,
  ) {
    super(message);
    this.name = "TemplateReadError";
  }
}

/** "is 20 MiB, over the 16 MiB template limit", or without the size when it is not known. */
export function tooLargeMessage(size?: number): string {
  return `is ${size === undefined ? "" : `${formatMiB(size)}, `}over the ${formatMiB(MAX_TEMPLATE_BYTES)} template limit`;
}

const formatMiB = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;

/**
 * The template at `path`, as bytes (the caller checks they are UTF-8), with its permission bits. Throws
 * TemplateReadError for a file over MAX_TEMPLATE_BYTES or one that is not a regular file (a FIFO would block, a
 * device may never end); file-system errors (ENOENT, EACCES) pass through.
 */
export async function readTemplate(path: string): Promise<{ bytes: Buffer; mode: number }> {
  const info = await stat(path);
  if (!info.isFile()) throw new TemplateReadError("template/not-a-file", "is not a regular file");
  if (info.size > MAX_TEMPLATE_BYTES) throw new TemplateReadError("template/too-large", tooLargeMessage(info.size));
  // `end` is inclusive: at most one byte past the limit is read, which is enough to know a grown file is too large.
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of createReadStream(path, { end: MAX_TEMPLATE_BYTES })) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  if (length > MAX_TEMPLATE_BYTES) throw new TemplateReadError("template/too-large", tooLargeMessage());
  return { bytes: Buffer.concat(chunks, length), mode: info.mode & 0o777 };
}
