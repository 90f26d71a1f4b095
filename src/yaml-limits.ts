/**
 * Limits on every YAML document promplate parses (promplate.yaml, YAML templates, the configs and rules it checks),
 * so that hostile input fails at once with a clear message instead of exhausting time or memory.
 *
 * - Size: at most MAX_YAML_BYTES.
 * - Aliases: a few lines of anchors and aliases (`&a [*b, *b, …]`, a "billion laughs") stand for billions of nodes
 *   once expanded, and every walk over the data (schema checks, comparisons) expands them. Documents are held to the
 *   budget of Go's YAML decoder (gopkg.in/yaml.v2 and v3, `allowedAliasRatio`), which Prometheus, Alertmanager and
 *   promtool use: a document promplate accepts is one they accept, and a bomb fails after at most a few million
 *   steps. A node that contains an alias of itself is refused, as Go does.
 */
import { Document, isAlias, isMap, isSeq, parseDocument, visit, YAMLParseError, type Alias, type DocumentOptions, type Node, type ParseOptions, type SchemaOptions } from "yaml";

/**
 * 16 MiB: a rule file that size holds about 75,000 rules and takes `check` about 10 s; the largest real rule sets
 * and configs are well under it (the kube-prometheus rules are about 1 MiB in all).
 */
export const MAX_YAML_BYTES = 16 * 1024 * 1024;

/** Below this many decoded nodes, up to 99% may come from aliases (Go's alias_ratio_range_low). */
const ALIAS_RATIO_RANGE_LOW = 400_000;
/** From this many decoded nodes on, at most 10% may come from aliases (Go's alias_ratio_range_high). */
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;

/** The share of decoded nodes that may come from alias expansion, as Go's decoder allows it. */
function allowedAliasRatio(decodes: number): number {
  if (decodes <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decodes >= ALIAS_RATIO_RANGE_HIGH) return 0.1;
  return 0.99 - (0.89 * (decodes - ALIAS_RATIO_RANGE_LOW)) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW);
}

export const EXCESSIVE_ALIASING = "the document contains excessive aliasing: its anchors and aliases expand it far beyond its size";
export const RECURSIVE_ALIAS = "an alias refers to a node that contains it, so the document has no end";
export const ALIAS_HINT = "write the repeated parts out, or use fewer levels of aliases";

/** A problem with a document's size, or undefined. */
export function yamlSizeProblem(text: string): string | undefined {
  // A UTF-8 byte is at most one UTF-16 unit, and a unit at most 3 bytes: count bytes only when it can matter.
  if (text.length * 3 <= MAX_YAML_BYTES || Buffer.byteLength(text) <= MAX_YAML_BYTES) return undefined;
  return `the document is larger than ${MAX_YAML_BYTES / 1024 / 1024} MiB, the most promplate reads as YAML`;
}

interface AliasWalkResult<N> {
  message: string;
  /** The nodes from the root to where the budget ran out. */
  path: N[];
}

/**
 * Walks the document as if its aliases were expanded (children() of an alias gives its target), counting as Go's
 * decoder does: every node visited again (so reached through an alias) counts as an alias decode. Stops as soon as
 * the budget is exceeded, so a bomb costs at most a few million steps. Iterative: deep documents cannot overflow.
 */
function walkExpanded<N>(root: N, children: (node: N) => readonly N[] | undefined, implicitAliases: boolean): AliasWalkResult<N> | undefined {
  let decodes = 0;
  let aliasDecodes = 0;
  const seen = new Set<unknown>();
  const onPath = new Set<unknown>();
  const stack: { node: N; children: readonly N[]; next: number; shared: boolean }[] = [];
  const enter = (node: N, insideShared: boolean): AliasWalkResult<N> | undefined => {
    const path = () => [...stack.map((frame) => frame.node), node];
    if (onPath.has(node)) return { message: RECURSIVE_ALIAS, path: path() };
    const tracked = typeof node === "object" && node !== null;
    const revisited = tracked && seen.has(node);
    // Plain data has no alias nodes: count the one that led here, as Go counts it (outside the alias it starts).
    if (implicitAliases && revisited) {
      decodes++;
      if (insideShared) aliasDecodes++;
    }
    const shared = insideShared || revisited;
    decodes++;
    if (shared) aliasDecodes++;
    if (aliasDecodes > 100 && decodes > 1000 && aliasDecodes / decodes > allowedAliasRatio(decodes)) return { message: EXCESSIVE_ALIASING, path: path() };
    if (tracked) seen.add(node);
    const kids = children(node);
    if (kids && kids.length > 0) {
      onPath.add(node);
      stack.push({ node, children: kids, next: 0, shared });
    }
    return undefined;
  };
  const first = enter(root, false);
  if (first) return first;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.children.length) {
      onPath.delete(frame.node);
      stack.pop();
      continue;
    }
    const problem = enter(frame.children[frame.next++]!, frame.shared);
    if (problem) return problem;
  }
  return undefined;
}

/** An aliasing problem in plain data (as js-yaml builds it: an alias is the same object again), or undefined. */
export function dataAliasingProblem(data: unknown): string | undefined {
  const children = (node: unknown): unknown[] | undefined => {
    if (Array.isArray(node)) return node;
    if (typeof node === "object" && node !== null) return Object.entries(node).flat();
    return undefined;
  };
  return walkExpanded(data, children, true)?.message;
}

/** An aliasing problem in a parsed document, with the source offset of the alias where it starts, or undefined. */
export function documentAliasingProblem(document: Document.Parsed | Document): { message: string; offset: number } | undefined {
  if (!document.contents) return undefined;
  // Each alias's target, found once: yaml's own Alias.resolve() searches the whole document on every call.
  const targets = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  visit(document, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  if (targets.size === 0) return undefined;
  const children = (node: Node | null): (Node | null)[] | undefined => {
    if (isAlias(node)) {
      const target = targets.get(node);
      return target ? [target] : undefined;
    }
    if (isMap(node)) return node.items.flatMap((pair) => [pair.key as Node | null, pair.value as Node | null]);
    if (isSeq(node)) return node.items as (Node | null)[];
    return undefined;
  };
  const problem = walkExpanded<Node | null>(document.contents as Node, children, false);
  if (!problem) return undefined;
  // Point at the alias being expanded: the outermost one for excessive aliasing, the innermost for recursion.
  const aliases = problem.path.filter((node) => isAlias(node));
  const at = problem.message === RECURSIVE_ALIAS ? aliases[aliases.length - 1] : aliases[0];
  return { message: problem.message, offset: at?.range?.[0] ?? 0 };
}

/** Where a document's aliasing problem is, for a document parsed without positions (js-yaml). */
export function locateAliasingProblem(text: string): number {
  return documentAliasingProblem(parseDocument(text, { uniqueKeys: false, strict: false, logLevel: "silent" }))?.offset ?? 0;
}

/**
 * `parseDocument` held to the limits: a document that is too large is not parsed, and a limit exceeded is one more
 * entry in `document.errors` (code RESOURCE_EXHAUSTION), reported like any syntax error. A document without errors
 * can then be turned into data with `toJS({ maxAliasCount: -1 })`: its aliases are within the budget already.
 */
export function parseDocumentWithinLimits(text: string, options: ParseOptions & DocumentOptions & SchemaOptions = {}): Document.Parsed {
  const sizeProblem = yamlSizeProblem(text);
  const document = parseDocument(sizeProblem ? "" : text, options);
  if (sizeProblem) {
    document.errors.push(new YAMLParseError([0, 0], "RESOURCE_EXHAUSTION", sizeProblem));
  } else if (document.errors.length === 0) {
    const aliasing = documentAliasingProblem(document);
    if (aliasing) document.errors.push(new YAMLParseError([aliasing.offset, aliasing.offset + 1], "RESOURCE_EXHAUSTION", `${aliasing.message} (${ALIAS_HINT})`));
  }
  return document;
}
