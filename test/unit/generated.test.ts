import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";
// @ts-expect-error: a plain ES module script without type declarations
import { writeAll } from "../../scripts/generate-validators.mjs";
// @ts-expect-error: a plain ES module script without type declarations
import { schemaTypes as untypedSchemaTypes } from "../../scripts/schema-types.mjs";

const schemaTypes = untypedSchemaTypes as (schema: unknown, rootName: string, schemaFile: string) => string;
const committedFolder = new URL("../../src/generated/", import.meta.url).pathname;

/** Runs `npm run generate`'s generator into a temporary folder, hands it to `use`, and removes it. */
function withRegenerated(use: (folder: string) => void): void {
  const folder = mkdtempSync(join(tmpdir(), "promplate-generated-"));
  try {
    (writeAll as (folder: string) => void)(folder);
    use(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test("src/generated/* is byte for byte what regenerating from schemas/ writes (run npm run generate)", () => {
  withRegenerated((folder) => {
    const regenerated = readdirSync(folder).sort();
    // Both the validators and their declarations; and no committed file that the generator no longer writes.
    assert.ok(regenerated.includes("project-validator.js") && regenerated.includes("project-validator.d.ts"), regenerated.join(", "));
    assert.deepEqual(readdirSync(committedFolder).sort(), regenerated);
    for (const name of regenerated) {
      assert.equal(readFileSync(join(committedFolder, name), "utf8"), readFileSync(join(folder, name), "utf8"), `src/generated/${name} has drifted`);
    }
  });
});

test("the generated declarations type-check on their own (skipLibCheck would hide an error in them)", () => {
  const files = readdirSync(committedFolder)
    .filter((name) => name.endsWith(".d.ts"))
    .map((name) => join(committedFolder, name));
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ["lib.es5.d.ts"],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((diagnostic) => diagnostic.file && files.includes(diagnostic.file.fileName));
  assert.deepEqual(
    diagnostics.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
    [],
  );
});

test("a schema becomes the type of the data its validator accepts", () => {
  const schema = {
    title: "Example",
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
      name: { type: "string", minLength: 1, description: "Shown */ escaped." },
      "x-mode": { type: ["string", "null"], enum: ["a", 1, null] },
      items: { type: "array", items: { $ref: "#/$defs/item_value" } },
      labels: { type: ["object", "null"], propertyNames: { pattern: "^[a-z]+$" }, additionalProperties: { type: "string" } },
      free: { type: "object" },
      none: { type: "object", additionalProperties: false },
    },
    $defs: { item_value: { type: ["string", "integer", "number"] } },
  };
  assert.equal(
    schemaTypes(schema, "Example", "example.json"),
    `/** Example */
export type Example = {
  /** Shown *\\/ escaped. */
  name: string;
  "x-mode"?: "a" | null;
  items?: ExampleItemValue[];
  labels?: {
    [key: string]: string;
  } | null;
  free?: {
    [key: string]: unknown;
  };
  none?: Record<string, never>;
};

export type ExampleItemValue = string | number;`,
  );
});

test("a union inside a list is parenthesised", () => {
  assert.equal(schemaTypes({ type: "array", items: { type: ["string", "null"] } }, "List", "list.json"), "export type List = (string | null)[];");
});

test("a keyword the converter cannot translate fails generation instead of yielding a wrong type", () => {
  const refused: [unknown, RegExp][] = [
    [{ oneOf: [{ type: "string" }, { type: "integer" }] }, /# uses "oneOf"/],
    [{ type: "object", properties: { a: { $ref: "#/$defs/missing" } } }, /#\/properties\/a refers to #\/\$defs\/missing/],
    [{ type: "object", properties: { a: { $ref: "other.json" } } }, /refers to other\.json/],
    [
      { type: "object", properties: { a: { type: "string" } }, additionalProperties: { type: "integer" } },
      /mixes properties with an additionalProperties schema/,
    ],
    [{ type: "object", required: ["a"] }, /requires a without declaring it/],
    [{ properties: { a: { type: "string" } } }, /without saying its type/],
    [{ type: "object", propertyNames: { enum: ["a"] } }, /restricts property names/],
    [{ $defs: { a_b: { type: "string" }, aB: { type: "string" } } }, /would be named RootAB twice/],
  ];
  for (const [schema, message] of refused) {
    assert.throws(() => schemaTypes(schema, "Root", "root.json"), message, JSON.stringify(schema));
  }
});
