/**
 * The template module: scan a template (the template rule, references, problems), then render it with values.
 * Scanning is separate so a service can resolve only the variables its own templates use.
 */
import type { Finding, OffsetFinding } from "../finding.js";
import { assemble, type DeclaredType, type InsertionKind } from "./assemble.js";
import { expandTokens, type ValuePiece, type Values } from "./expand.js";
import { MAX_TEMPLATE_BYTES, tooLargeMessage } from "./read.js";
import { isUpperSnake, tokenize, type Token } from "./tokenize.js";
import { limitYoungGenerationFor } from "../young-generation.js";

export type { DeclaredType, InsertionKind } from "./assemble.js";
export type { Values } from "./expand.js";

export interface ScannedTemplate {
  file: string;
  source: string;
  tokens: Token[];
  needsHandlebars: boolean;
  /** Declared variables the template reads, each with whether some reference has no `:-` fallback. */
  references: Map<string, { required: boolean }>;
  problems: Finding[];
}

export interface ScanOptions {
  /** The project's variable names; undefined without a project (each UPPER_SNAKE `${NAME}` is then a variable). */
  declared?: ReadonlySet<string>;
}

export function scanTemplate(file: string, source: string, options: ScanOptions = {}): ScannedTemplate {
  limitYoungGenerationFor(source.length);
  // Readers refuse a large file before reading it; this holds for a template from anywhere else too.
  if (source.length > MAX_TEMPLATE_BYTES / 4 && Buffer.byteLength(source) > MAX_TEMPLATE_BYTES) {
    const problem: Finding = {
      id: "template/too-large",
      severity: "error",
      message: `${file} ${tooLargeMessage(Buffer.byteLength(source))}`,
      file,
      line: 1,
      column: 1,
    };
    return { file, source: "", tokens: [], needsHandlebars: false, references: new Map(), problems: [problem] };
  }
  let declared = options.declared;
  if (!declared) {
    // Without a project, the variables are the UPPER_SNAKE names written as ${NAME} (escapes excluded).
    const firstPass = tokenize(source, { isDeclared: isUpperSnake, project: false });
    declared = new Set(firstPass.tokens.flatMap((t) => (t.type === "reference" && source[t.start] === "$" ? [t.name] : [])));
  }
  const known = declared;
  const result = tokenize(source, {
    isDeclared: (name) => known.has(name),
    knownNames: [...known],
    project: options.declared !== undefined,
  });
  const references = new Map<string, { required: boolean }>();
  for (const token of result.tokens) {
    if (token.type === "reference") {
      const previous = references.get(token.name);
      references.set(token.name, { required: (previous?.required ?? false) || token.fallback === undefined });
    } else if (token.type === "handlebars") {
      // A variable only tested or read through `default` is not required; one printed by a helper is.
      const required = token.role === "expression" && !token.content.startsWith("default");
      for (const name of token.names) {
        references.set(name, { required: (references.get(name)?.required ?? false) || required });
      }
    }
  }
  const positionOf = result.problems.length > 0 ? lineIndex(source).positionOf : () => ({ line: 1, column: 1 });
  const problems = placeProblems(result.problems, file, positionOf);
  return { file, source, tokens: result.tokens, needsHandlebars: result.needsHandlebars, references, problems };
}

export interface RenderedTemplate {
  text: string;
  /** Template line (1-based) of each output line (index 0 = output line 1). */
  lineMap: number[];
  /** Output lines (1-based) holding a secret value. */
  secretLines: number[];
  /** Whether any inserted value is a secret. */
  holdsSecret: boolean;
  problems: Finding[];
}

export interface RenderTemplateOptions {
  kind: InsertionKind;
  values: Values;
  declaredType?: (name: string) => DeclaredType;
  /** Secret variable names; a value from them (or equal to one of `secretValues`) is a secret. */
  secretNames?: ReadonlySet<string>;
  secretValues?: readonly string[];
}

export async function renderTemplate(template: ScannedTemplate, options: RenderTemplateOptions): Promise<RenderedTemplate> {
  let pieces;
  try {
    pieces = await expandTokens(template.tokens, options.values, template.needsHandlebars);
  } catch (error) {
    // Handlebars reports misuse (e.g. {{#each}} over a string) as an exception without a position we can trust.
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    return {
      text: "",
      lineMap: [],
      secretLines: [],
      holdsSecret: false,
      problems: [{ id: "template/handlebars", severity: "error", message, file: template.file, line: 1, column: 1 }],
    };
  }
  const secretValues = new Set(options.secretValues ?? []);
  const isSecret = (piece: ValuePiece) =>
    piece.names.some((name) => options.secretNames?.has(name)) || (typeof piece.value === "string" && secretValues.has(piece.value));
  const holdsSecret = pieces.some((piece) => piece.kind === "value" && isSecret(piece));
  const toml = options.kind === "toml" ? await import("./toml.js") : undefined;
  const result = assemble(pieces, { kind: options.kind, declaredType: options.declaredType ?? (() => undefined), isSecret, toml });
  const { lineOf, positionOf } = lineIndex(template.source);
  const problems = placeProblems(result.problems, template.file, positionOf);
  return { text: result.text, lineMap: result.lineOrigins.map(lineOf), secretLines: result.secretLines, holdsSecret, problems };
}

/**
 * Line and column of template offsets from one table of line starts: a binary search per lookup, so a template
 * with many problems or lines costs n log n, not a scan from the start for each.
 */
export function lineIndex(source: string) {
  const lineStarts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  const positionOf = (offset: number) => {
    const line = lineOf(offset);
    return { line, column: offset - lineStarts[line - 1]! + 1 };
  };
  return { lineOf, positionOf };
}

/** A template's problems, found at offsets in its text, as findings at the template's line and column. */
function placeProblems(problems: readonly OffsetFinding[], file: string, positionOf: (offset: number) => { line: number; column: number }): Finding[] {
  return problems.map((p) => ({ id: p.id, severity: "error", message: p.message, hint: p.hint, file, ...positionOf(p.offset) }));
}
