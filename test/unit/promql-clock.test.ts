/**
 * The PromQL checks must not depend on time: a process that is descheduled, or a machine under load, must get the
 * findings a quiet run gets. Here the clocks jump an hour at every read, from before the PromQL libraries load
 * (this file loads them first, in its own process) until every corpus expression is checked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { findingLines, readRecordedFindings } from "../promql-corpus.js";

const HOUR = 3_600_000;

/** Runs `work` with Date.now and performance.now each an hour later at every call, and puts them back after. */
async function withJumpingClocks<T>(work: () => Promise<T>): Promise<T> {
  const [dateNow, performanceNow] = [Date.now, performance.now];
  let jumped = 0;
  Date.now = () => dateNow() + (jumped += HOUR);
  performance.now = () => performanceNow.call(performance) + (jumped += HOUR);
  try {
    return await work();
  } finally {
    [Date.now, performance.now] = [dateNow, performanceNow];
  }
}

test("with clocks that jump at every read, every corpus expression gets the recorded findings", async () => {
  const found = await withJumpingClocks(async () => {
    const { checkExpression } = await import("../../src/checks/promql.js");
    return findingLines(checkExpression);
  });
  assert.deepEqual(found, readRecordedFindings());
});
