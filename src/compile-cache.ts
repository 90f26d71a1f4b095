/**
 * Node's on-disk compile cache (Node 22.1+: `module.enableCompileCache`): later starts skip compiling the bundle,
 * roughly halving start-up. Where it cannot be used (older Node, no HOME, a cache folder that cannot be created)
 * promplate runs as before, only without it.
 */
import { mkdirSync } from "node:fs";
import module from "node:module";
import { dirname, isAbsolute, join } from "node:path";

type EnableCompileCache = (directory: string) => unknown;

/**
 * Enables the cache in `$XDG_CACHE_HOME/promplate`, else `$HOME/.cache/promplate`. When NODE_COMPILE_CACHE is set,
 * Node has already enabled it there at start (the images set it), so nothing is done; NODE_DISABLE_COMPILE_CACHE
 * is Node's own off switch.
 */
export function enableCompileCache(env: Record<string, string | undefined>): void {
  const enable = (module as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== "function" || env.NODE_COMPILE_CACHE) return;
  const base =
    env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : env.HOME && isAbsolute(env.HOME) ? join(env.HOME, ".cache") : undefined;
  if (!base) return;
  const directory = join(base, "promplate");
  try {
    makeDirectory(directory);
    enable(directory);
  } catch {
    // No cache: promplate only starts a little slower.
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir (which enableCompileCache uses) loops forever where
 * mkdir answers ENOENT under a parent that exists, as it does under /proc; this one gives up instead.
 */
function makeDirectory(directory: string): void {
  try {
    mkdirSync(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(directory) === directory) throw error;
    makeDirectory(dirname(directory));
    mkdirSync(directory);
  }
}
