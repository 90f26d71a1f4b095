/**
 * V8 doubles its young generation (up to 2 x 32 MB on Node 24) each time many young objects survive a scavenge, as
 * the YAML trees of a large document do: that was most of the peak memory of a 2,000-job render. Once promplate
 * knows it reads a large text, growth is turned off (V8 reads the flag each time it would grow, so this works after
 * start-up); a small render keeps V8's default, which costs it fewer collections. Only a render limits it: `check`
 * of a large rule file would pay for it in wall time (20,000 rules: 2.3 → 2.9 s, more scavenges) for memory no
 * target asks of it (420 → 295 MB).
 */
import { createRequire } from "node:module";

/** Texts from this size on (the 2,000-job config is 540 KB; the example's largest file 4 KB). */
const LARGE_TEXT = 128 * 1024;

let limited = false;

/** Stops the young generation from growing when `length` (of a text about to be read) is large. */
export function limitYoungGenerationFor(length: number): void {
  if (limited || length < LARGE_TEXT) return;
  limited = true;
  // A synchronous load of a built-in, only here: most runs never need node:v8.
  const { setFlagsFromString } = createRequire(import.meta.url)("node:v8") as typeof import("node:v8");
  setFlagsFromString("--semi-space-growth-factor=1");
}
