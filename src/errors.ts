/**
 * The failures promplate expects, as types: the CLI alone turns each into its exit code (src/cli.ts). The core says
 * what kind of failure it met by the class it throws; anything else that escapes is a bug (exit 70).
 */
import type { Finding } from "./finding.js";
import type { Redactor } from "./redact.js";

/** A failure the CLI reports with its findings; it never carries a secret. */
export abstract class PromplateError extends Error {
  /**
   * `redact` masks, in the source lines shown with the findings, a secret the input itself holds where it must not
   * (a secret's value written in promplate.yaml): the findings say where it is without printing it.
   */
  constructor(
    readonly findings: readonly Finding[],
    readonly redact?: Redactor,
  ) {
    super(findings.map((f) => f.message).join("\n"));
    this.name = new.target.name;
  }
}

/** The user's input is wrong: flags, promplate.yaml, a template, a variable's value (exit 2). */
export class BadInputError extends PromplateError {}

/** The input is well-formed, but a check found an error in what it renders (exit 1). */
export class CheckFailedError extends PromplateError {}

/** Something promplate needs from its surroundings is unavailable: a tool, a credential, an endpoint, a permission, disk space (exit 3). */
export class EnvironmentError extends PromplateError {}

/** What promplate says after an unexpected exception, which is a bug: one line, asking for a report. */
export const BUG_REPORT = "a bug in promplate: please report it with the command you ran and this message";
