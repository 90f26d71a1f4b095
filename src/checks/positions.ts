/**
 * Finds the line and column of a path in a YAML text, for the findings that get reported. Uses `yaml`'s document
 * API with source ranges, parsed once per file and only when that file has findings, on the text as go-yaml reads it.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { readAsGoYaml, sourceColumn } from "./go-yaml.js";
import type { DocumentFinding } from "./types.js";

export interface Located {
  line: number;
  column: number;
}

export function createLocator(source: string): (finding: Pick<DocumentFinding, "path" | "atKey" | "offsetInValue">) => Located {
  const reading = readAsGoYaml(source);
  const text = reading.text;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true, uniqueKeys: false, strict: false, logLevel: "silent" });
  const at = (offset: number): Located => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: sourceColumn(reading, line, col) };
  };
  return ({ path, atKey, offsetInValue }) => {
    let node: unknown = document.contents;
    let keyNode: Node | undefined;
    let deepest: Node | undefined = document.contents ?? undefined;
    for (const part of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(part));
        if (!pair) break;
        keyNode = isScalar(pair.key) ? pair.key : undefined;
        node = pair.value;
        deepest = (pair.value as Node | null) ?? keyNode ?? deepest;
        if (!pair.value && keyNode) deepest = keyNode;
      } else if (isSeq(node) && typeof part === "number") {
        node = node.items[part];
        if (!node) break;
        deepest = node as Node;
      } else {
        break;
      }
    }
    if (atKey && keyNode?.range) return at(keyNode.range[0]);
    if (!deepest?.range) return { line: 1, column: 1 };
    if (offsetInValue !== undefined && isScalar(deepest) && typeof deepest.value === "string") {
      return offsetInScalar(text, deepest, offsetInValue, at);
    }
    return at(deepest.range[0]);
  };
}

/** Maps an offset inside a scalar's value to the source: exact for plain and block scalars, close for quoted. */
function offsetInScalar(text: string, node: Node & { type?: string | null }, offset: number, at: (o: number) => Located): Located {
  const start = node.range![0];
  const source = text.slice(start, node.range![1]);
  if (node.type === "PLAIN" && !source.includes("\n")) return at(start + offset);
  if (node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE") {
    if (!source.includes("\n") && !source.includes("\\") && !source.includes("''")) return at(start + 1 + offset);
    return at(start);
  }
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") {
    const value = String((node as { value: unknown }).value);
    const before = value.slice(0, offset);
    const lineIndex = before.split("\n").length - 1;
    const columnInLine = before.length - before.lastIndexOf("\n") - 1;
    const contentStart = text.indexOf("\n", start) + 1;
    const lines = text.slice(contentStart).split("\n");
    const indent = /^ */.exec(lines.find((l) => l.trim() !== "") ?? "")![0].length;
    let position = contentStart;
    for (let i = 0; i < lineIndex && i < lines.length; i++) position += lines[i]!.length + 1;
    return at(position + indent + columnInLine);
  }
  return at(start);
}
