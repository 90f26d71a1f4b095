import assert from "node:assert/strict";
import { test } from "node:test";
import { compileSimpleValidator } from "../../src/value-validator.js";
import { createAjv } from "../../src/variables.js";

const schemas: Record<string, unknown>[] = [
  { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-\\d$" },
  { type: "string", format: "uri" },
  { type: "string", format: "hostname" },
  { type: "string", format: "prometheus-duration" },
  { type: "string", format: "ipv4" },
  { type: "string", minLength: 2, maxLength: 4 },
  { type: "string", enum: ["a", "b"] },
  { type: "integer", minimum: 1, maximum: 65535 },
  { type: "number", exclusiveMinimum: 0, multipleOf: 0.5 },
  { type: "boolean" },
  { type: "array", items: { type: "string", format: "hostname" }, minItems: 1, uniqueItems: true },
  { const: "fixed" },
  { type: "string", writeOnly: true, "x-aws": "region", "x-optional": true, examples: ["x"] },
];
const values: unknown[] = [
  "",
  "a",
  "ab",
  "abcde",
  "ap-northeast-1",
  "us-east-1",
  "AP-1",
  "https://hooks.example.com/x?a=1&b=2",
  "not a uri",
  "host.example",
  "-bad-.host",
  "15s",
  "1h30m",
  "15 s",
  "1.5s",
  "0",
  "10.0.0.1",
  "999.1.1.1",
  "fixed",
  "ünïcödé",
  0,
  1,
  80,
  65535,
  65536,
  -1,
  0.5,
  0.7,
  2.5,
  true,
  false,
  null,
  [],
  ["a.example"],
  ["a.example", "a.example"],
  ["bad host"],
  {},
];

test("the fast validator gives ajv's verdict and keywords for every schema and value", async () => {
  const ajv = await createAjv();
  let compared = 0;
  for (const schema of schemas) {
    const fast = compileSimpleValidator(schema);
    if (!fast) throw new Error(`expected a fast validator for ${JSON.stringify(schema)}`);
    const reference = ajv.compile(schema);
    for (const value of values) {
      const expected = reference(value) ? [] : (reference.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`).sort();
      const actual = fast(value)
        .map((e) => `${e.instancePath} ${e.keyword}`)
        .sort();
      assert.deepEqual(actual, expected, `${JSON.stringify(schema)} on ${JSON.stringify(value)}`);
      compared++;
    }
  }
  assert.equal(compared, schemas.length * values.length);
});

test("schemas the fast validator does not handle are left to ajv", () => {
  for (const schema of [
    { type: "string", patern: "x" },
    { oneOf: [{ type: "string" }] },
    { type: "string", format: "no-such-format" },
    { minLength: "3" },
    { pattern: "(" },
  ]) {
    assert.equal(compileSimpleValidator(schema), undefined, JSON.stringify(schema));
  }
});
