/**
 * What each golden case (test/fixtures/<case>/expected.json) records the real tool deciding, confirmed against
 * the current promtool or amtool (and the old line where the case says it differs).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixtureCases } from "../helpers.js";
import { currentTool, toolVerdict } from "./current-tools.js";

const cases = fixtureCases();

describe("the real tool agrees with each case's recorded verdict", () => {
  for (const { name, dir, expected } of cases) {
    const [toolName, ...args] = expected.tool;
    test(`${name}: ${expected.tool.join(" ")}`, (context) => {
      const tool = currentTool(toolName);
      assert.ok(tool, `${toolName} is neither in the servers' cache nor on PATH (install prometheus / prometheus-alertmanager)`);
      const want = tool.oldLine ? (expected.oldToolVerdict ?? expected.toolVerdict) : expected.toolVerdict;
      const { verdict, output } = toolVerdict(tool, args, dir);
      context.diagnostic(`${toolName} ${tool.version}: ${verdict}`);
      assert.equal(verdict, want, `${toolName} ${tool.version}${tool.oldLine && expected.oldToolWhy ? ` (${expected.oldToolWhy})` : ""}:\n${output}`);
    });
  }
});
