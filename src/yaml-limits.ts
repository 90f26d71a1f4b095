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
import {
  Document,
  isAlias,
  isMap,
  isSeq,
  parseDocument,
  visit,
  YAMLParseError,
  type Alias,
  type DocumentOptions,
  type Node,
  type ParseOptions,
  type SchemaOptions,
} from "yaml";

/**
 * 16 MiB: a rule file that size holds about 75,000 rules and takes `check` about 10 s and 500 MB; the largest file
 * in the test corpus of real configs and rules (promtool's own rules_large.yml) is 1.1 MiB.
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

/** Go's decoder's counters: every decoded node, and those decoded inside an alias. */
class AliasBudget {
  private decodes = 0;
  private aliasDecodes = 0;

  /** Counts `nodes` decoded nodes; true when the document now exceeds the budget. */
  exceededBy(nodes: number, insideAlias: boolean): boolean {
    this.decodes += nodes;
    if (!insideAlias) return false;
    this.aliasDecodes += nodes;
    return this.aliasDecodes > 100 && this.decodes > 1000 && this.aliasDecodes / this.decodes > allowedAliasRatio(this.decodes);
  }
}

/**
 * Walks a parsed document as if its aliases were expanded (an alias's child is its target), in document order: the
 * first visit of a node is its definition, every later one comes through an alias and counts as an alias decode.
 * Stops as soon as the budget is exceeded, so a bomb costs at most a few million steps; iterative, so deep
 * documents cannot overflow the stack. Returns the problem and the path of nodes to where it was found.
 */
function walkExpanded<N>(root: N, children: (node: N) => readonly N[] | undefined): { message: string; path: N[] } | undefined {
  const budget = new AliasBudget();
  const seen = new Set<N>();
  const onPath = new Set<N>();
  const stack: { node: N; children: readonly N[]; next: number; shared: boolean }[] = [];
  const enter = (node: N, insideShared: boolean): string | undefined => {
    if (onPath.has(node)) return RECURSIVE_ALIAS;
    const shared = insideShared || seen.has(node);
    if (budget.exceededBy(1, shared)) return EXCESSIVE_ALIASING;
    seen.add(node);
    const kids = children(node);
    if (kids && kids.length > 0) {
      onPath.add(node);
      stack.push({ node, children: kids, next: 0, shared });
    }
    return undefined;
  };
  const failed = (message: string, node: N) => ({ message, path: [...stack.map((frame) => frame.node), node] });
  const first = enter(root, false);
  if (first) return failed(first, root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next === frame.children.length) {
      onPath.delete(frame.node);
      stack.pop();
      continue;
    }
    const node = frame.children[frame.next++]!;
    const problem = enter(node, frame.shared);
    if (problem) return failed(problem, node);
  }
  return undefined;
}

/**
 * An aliasing problem in plain data as js-yaml builds it (an alias is the same object once more), or undefined.
 * The same count as walkExpanded, kept lean: this runs on every checked document. A self-containing alias loops
 * until the budget runs out; documentAliasingProblem() then tells it apart.
 */
export function dataAliasingProblem(data: unknown): string | undefined {
  const budget = new AliasBudget();
  const seen = new Set<object>();
  const nodes: object[] = [];
  const shared: boolean[] = [];
  const push = (node: unknown, insideShared: boolean): boolean => {
    if (typeof node !== "object" || node === null) return budget.exceededBy(1, insideShared);
    nodes.push(node);
    shared.push(insideShared);
    return false;
  };
  if (push(data, false)) return EXCESSIVE_ALIASING;
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    let inside = shared.pop()!;
    if (seen.has(node)) {
      // Data has no alias nodes: count the one that led here, as Go does, then its target as alias decodes.
      if (budget.exceededBy(1, inside)) return EXCESSIVE_ALIASING;
      inside = true;
    } else {
      seen.add(node);
    }
    // Children are pushed last first, so that they are taken in document order.
    if (Array.isArray(node)) {
      if (budget.exceededBy(1, inside)) return EXCESSIVE_ALIASING;
      for (let i = node.length - 1; i >= 0; i--) if (push(node[i], inside)) return EXCESSIVE_ALIASING;
    } else {
      const keys = Object.keys(node);
      if (budget.exceededBy(1 + keys.length, inside)) return EXCESSIVE_ALIASING;
      for (let i = keys.length - 1; i >= 0; i--) if (push((node as Record<string, unknown>)[keys[i]!], inside)) return EXCESSIVE_ALIASING;
    }
  }
  return undefined;
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
  const problem = walkExpanded<Node | null>(document.contents as Node, children);
  if (!problem) return undefined;
  // Point at the alias being expanded: the outermost one for excessive aliasing, the innermost for recursion.
  const aliases = problem.path.filter((node) => isAlias(node));
  const at = problem.message === RECURSIVE_ALIAS ? aliases[aliases.length - 1] : aliases[0];
  return { message: problem.message, offset: at?.range?.[0] ?? 0 };
}

/** What and where a document's aliasing problem is, for a document parsed without positions (js-yaml). */
export function locateAliasingProblem(text: string): { message: string; offset: number } {
  return documentAliasingProblem(parseDocument(text, { uniqueKeys: false, strict: false, logLevel: "silent" })) ?? { message: EXCESSIVE_ALIASING, offset: 0 };
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
    if (aliasing)
      document.errors.push(new YAMLParseError([aliasing.offset, aliasing.offset + 1], "RESOURCE_EXHAUSTION", `${aliasing.message} (${ALIAS_HINT})`));
  }
  return document;
}
