/**
 * The lint rule that keeps Node's `process` out of the core (biome.jsonc): a use anywhere in src/ fails
 * `npm run lint`, except in main.ts, cli.ts and process.ts; tests and scripts may use it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BIOME = join(ROOT, "node_modules", ".bin", "biome");

test("`process` in the core fails the lint; in main.ts, cli.ts, process.ts and tests it does not", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promplate-lint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(ROOT, "biome.jsonc"), join(dir, "biome.jsonc"));
  const files = ["src/render.ts", "src/commands/check.ts", "src/checks/tools.ts", "src/main.ts", "src/cli.ts", "src/process.ts", "test/render.test.ts"];
  for (const file of files) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), "export const here = (): string => process.cwd();\n");
  }
  const result = spawnSync(BIOME, ["lint", "--reporter=github", "."], { cwd: dir, encoding: "utf8" });
  const flagged = [...result.stdout.matchAll(/^::error title=lint\/style\/noRestrictedGlobals,file=([^,]+),/gm)].map((m) => m[1]!.slice(dir.length + 1));
  assert.deepEqual(flagged.sort(), ["src/checks/tools.ts", "src/commands/check.ts", "src/render.ts"], result.stdout + result.stderr);
  assert.equal(result.status, 1);
});
