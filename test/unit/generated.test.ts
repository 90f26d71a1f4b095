import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
// @ts-expect-error: a plain ES module script without type declarations
import { existingValidators, generateValidator } from "../../scripts/generate-validators.mjs";

for (const [schemaFile, module] of (existingValidators as () => [string, string][])()) {
  test(`src/generated/${module} matches schemas/${schemaFile} (run npm run generate)`, () => {
    const committed = readFileSync(new URL(`../../src/generated/${module}`, import.meta.url), "utf8");
    assert.equal(committed, (generateValidator as (file: string) => string)(schemaFile));
  });
}
