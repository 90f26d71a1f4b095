/**
 * The template size limit. Rendering costs time and memory in proportion to the template (about 1.5 s and 190 MB per
 * MiB for dense YAML), so a larger template is refused: files before they are read (value-files.ts reads every
 * user-named file bounded), strings from any other caller in scanTemplate.
 */
import { MAX_YAML_BYTES } from "../yaml-limits.js";

/** The largest template promplate renders (README "Limits"); the same as any YAML document's. */
export const MAX_TEMPLATE_BYTES = MAX_YAML_BYTES;

/** "is 20 MiB, over the 16 MiB template limit", or without the size when it is not known. */
export function tooLargeMessage(size?: number): string {
  return `is ${size === undefined ? "" : `${formatMiB(size)}, `}over the ${formatMiB(MAX_TEMPLATE_BYTES)} template limit`;
}

const formatMiB = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
