/**
 * One spelling per file: `./out/o.yml`, `out//o.yml`, `x/../out/o.yml` and `link/o.yml` (link → out) name the same
 * file, so output, template and manifest paths are compared only after going through here.
 */
import { readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";

/** A relative path without `.` segments, doubled or trailing `/`, and with `..` folded; `.` for the folder itself. */
export function normalizeRelative(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** A relative path that stays inside its folder once normalized (`a/../b` does, `../b` and `/b` do not). */
export function staysInside(path: string): boolean {
  const normalized = normalizeRelative(path);
  return !posix.isAbsolute(normalized) && normalized !== ".." && !normalized.startsWith("../");
}

/**
 * The absolute path with every symlink resolved: the real path of the deepest ancestor that exists, plus the rest
 * as written (a file not written yet still resolves through its symlinked folders). A dangling symlink is resolved
 * to where it points: `link → out` names the folder `out` even before a render creates it.
 */
export function resolveReal(path: string, depth = 0): string {
  const rest: string[] = [];
  let existing = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(existing), ...rest.reverse());
    } catch {
      const target = depth < 40 ? readLinkIfAny(existing) : undefined; // 40: the kernel's own limit (ELOOP)
      if (target !== undefined) return resolveReal(join(resolve(dirname(existing), target), ...rest.reverse()), depth + 1);
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      rest.push(basename(existing));
      existing = parent;
    }
  }
}

function readLinkIfAny(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined; // not a symlink, or not there
  }
}

/** `path` is `folder` or lies under it (both absolute). A name such as `..data` is inside, not a way out. */
export function isWithin(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/** The deepest folder holding every one of these absolute paths. */
export function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return sep;
  let common = resolve(paths[0]!);
  for (const path of paths.slice(1)) {
    while (!isWithin(resolve(path), common)) common = dirname(common);
  }
  return common;
}
