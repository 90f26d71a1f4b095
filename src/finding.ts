/**
 * The one shape of a problem promplate reports, from every command and every check: a stable id, a severity, where
 * (file, line, column), what is wrong and what to do. Findings are collected in full before anything is written and
 * rendered by src/report.ts. A finding made from text that may hold a secret (a rendered output, a tool's output)
 * is made with `createFinding`, which masks the secrets in it, so no reporter can print one.
 */
import type { Redactor } from "./redact.js";

/** `info` is a remark (a recording rule used nowhere): reported, never failing a check, never counted as a warning. */
export type Severity = "error" | "warning" | "info";

export interface Finding {
  /** Stable identifier, written as a literal where the finding is made: `template/undeclared-variable`, `promtool/config`. */
  id: string;
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** What the user can do about it. */
  hint?: string;
  /** The instance (or instances, `prod-eu, prod-us/1`) whose render it was found in, for a project with instances. */
  instance?: string;
}

/**
 * A finding while it is still placed by something other than a line: an offset in a text (a template, a PromQL
 * expression, a Go template) or a path into a parsed document. It becomes a `Finding` once its line is known.
 */
export type FindingAt<Place> = Omit<Finding, "file" | "line" | "column"> & Place;

/** Placed by an offset (UTF-16 code units) in the text being read; an error unless `severity` says otherwise. */
export type OffsetFinding = Omit<FindingAt<{ offset: number }>, "severity"> & {
  severity?: Severity;
  /** The variable the finding is about, when there is one. */
  name?: string;
};

/** The finding with its message, hint and file passed through the redactor: how a finding holding output text is made. */
export function createFinding(redact: Redactor, fields: Finding): Finding {
  return {
    ...fields,
    message: redact(fields.message),
    ...(fields.hint !== undefined ? { hint: redact(fields.hint) } : {}),
    ...(fields.file !== undefined ? { file: redact(fields.file) } : {}),
  };
}

/** One finding made by several instances' renders (a template's mistake, say) is reported once, naming them all. */
export function mergeInstanceFindings(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) {
    const key = JSON.stringify([finding.id, finding.severity, finding.file, finding.line, finding.column, finding.message, finding.hint]);
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...finding });
    else if (finding.instance && seen.instance) seen.instance = `${seen.instance}, ${finding.instance}`;
  }
  return [...byKey.values()];
}

export function countBySeverity(findings: readonly Finding[]): { errors: number; warnings: number; infos: number } {
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return { errors: count("error"), warnings: count("warning"), infos: count("info") };
}

/** 1-based line and column of `offset` in `text`. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest known name, if it is close enough to be a plausible typo. */
export function suggestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toUpperCase(), candidate.toUpperCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
