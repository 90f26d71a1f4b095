/**
 * Example values for `--examples` (CI without secrets): a variable's `examples`, else its `default`, else a
 * deterministic value synthesized from its schema. Never the environment, files or AWS.
 */
import type { VariableDeclaration } from "./project.js";

/** Well-known fake AWS values (from AWS' own documentation), so templates using x-aws render in CI. */
const AWS_EXAMPLES: Record<string, string> = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "example-session-token",
  region: "us-east-1",
};

const FORMAT_EXAMPLES: Record<string, string> = {
  uri: "https://example.com/",
  hostname: "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  email: "user@example.com",
  uuid: "00000000-0000-4000-8000-000000000000",
  "prometheus-duration": "1m",
  "prometheus-label-name": "example",
};

/** Strings tried, in order, against a `pattern` when nothing better is known. */
const STRING_CANDIDATES = ["example", "example-1", "example.com", "Example", "EXAMPLE", "a", "1", "example_1", "ab-cd-1", "aa-bbbb-1", "1m", "x"];

export type ExampleSource = "example" | "default" | "synthesized";

/**
 * Candidate values, best first; the caller keeps the first that passes the schema. `digits`: an integer beyond 2^53
 * as written in promplate.yaml, to insert instead of the rounded `value`.
 */
export function exampleCandidates(declaration: VariableDeclaration): { value: unknown; source: ExampleSource; digits?: string }[] {
  if (declaration.examples.length > 0)
    return declaration.examples.map((value, index) => ({ value, source: "example" as const, digits: declaration.exampleDigits?.[index] }));
  if (declaration.default !== undefined) return [{ value: declaration.default, source: "default", digits: declaration.defaultDigits }];
  if (declaration.aws) return [{ value: AWS_EXAMPLES[declaration.aws], source: "synthesized" }];
  return synthesize(declaration.schema).map((value) => ({ value, source: "synthesized" as const }));
}

function synthesize(schema: Record<string, unknown>): unknown[] {
  if (Array.isArray(schema.enum)) return schema.enum.slice(0, 1);
  if ("const" in schema) return [schema.const];
  switch (schema.type) {
    case "boolean":
      return [false, true];
    case "integer":
    case "number": {
      const minimum =
        typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? Math.floor(schema.exclusiveMinimum) + 1 : 1;
      const step = typeof schema.multipleOf === "number" ? schema.multipleOf : 1;
      const first = Math.ceil(minimum / step) * step;
      return [first, first + step];
    }
    case "array": {
      const count = typeof schema.minItems === "number" ? schema.minItems : 1;
      const items = synthesize((schema.items ?? { type: "string" }) as Record<string, unknown>);
      return items.map((item) => Array.from({ length: count }, () => item));
    }
    case "object":
      return [{}];
    default: {
      const candidates = typeof schema.format === "string" && FORMAT_EXAMPLES[schema.format] ? [FORMAT_EXAMPLES[schema.format]!] : [...STRING_CANDIDATES];
      const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
      return candidates.map((text) => (text.length < minLength ? text.padEnd(minLength, "x") : text));
    }
  }
}
