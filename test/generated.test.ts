import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
// @ts-expect-error: a plain ES module script without type declarations
import { generateProjectValidator } from "../scripts/generate-validators.mjs";

test("the committed project validator matches schemas/promplate.schema.json (run npm run generate)", () => {
  const committed = readFileSync(new URL("../src/generated/project-validator.js", import.meta.url), "utf8");
  assert.equal(committed, (generateProjectValidator as () => string)());
});
