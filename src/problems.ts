import type { Finding } from "./finding.js";

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
    readonly findings: Finding[],
    readonly exitCode: number = ExitCode.badInput,
  ) {
    super(findings.map((p) => p.message).join("\n"));
    this.name = "PromplateError";
  }
}

export function badInput(id: string, message: string, where: Partial<Finding> = {}): PromplateError {
  return new PromplateError([{ id, severity: "error", message, ...where }]);
}
