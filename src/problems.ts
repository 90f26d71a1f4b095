/** A problem found in the user's input, collected in full before anything is written. */
export interface Problem {
  /** Stable identifier, e.g. `template/undeclared-variable`, `variable/missing`. */
  id: string;
  severity: "error" | "warning";
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** What the user can do about it. */
  hint?: string;
}

/** Exit codes shared by every command (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  environment: 3,
} as const;

/** A failure the CLI turns into messages and an exit code; never carries a secret. */
export class PromplateError extends Error {
  constructor(
    readonly problems: Problem[],
    readonly exitCode: number = ExitCode.badInput,
  ) {
    super(problems.map((p) => p.message).join("\n"));
    this.name = "PromplateError";
  }
}

export function badInput(id: string, message: string, where: Partial<Problem> = {}): PromplateError {
  return new PromplateError([{ id, severity: "error", message, ...where }]);
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
