/**
 * Peak memory of the built program on a large render (issue 12: under 200 MiB for a 2,000-job Prometheus config):
 * the project the benchmark renders, measured by the process itself at exit.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runBuilt } from "../helpers.js";

/** Loaded with --require: the peak RSS and the young generation's size (V8's new space) at exit, on stderr. */
const USAGE_HOOK = `process.on("exit", () => {
  const newSpace = require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  require("node:fs").writeSync(2, "\\nusage " + process.resourceUsage().maxRSS + " " + newSpace.space_size + "\\n");
});
`;

async function jobsProject(jobs: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-memory-"));
  await mkdir(join(dir, "templates"));
  await writeFile(
    join(dir, "promplate.yaml"),
    [
      "variables:",
      "  SCRAPE_INTERVAL: { type: string, format: prometheus-duration, default: 15s }",
      "  TARGET_DOMAIN: { type: string, format: hostname, default: example.internal }",
      "  SCRAPE_PASSWORD: { type: string, writeOnly: true }",
      "outputs:",
      "  - { service: prometheus, kind: prometheus-config, template: templates/prometheus.yml, path: out/prometheus.yml }",
      "",
    ].join("\n"),
  );
  const parts = ["global:\n  scrape_interval: ${SCRAPE_INTERVAL}\nscrape_configs:\n"];
  for (let i = 0; i < jobs; i++) {
    parts.push(
      `  - job_name: 'job-${i}'\n    scrape_interval: \${SCRAPE_INTERVAL}\n    basic_auth:\n      username: scraper\n      password: '\${SCRAPE_PASSWORD}'\n    static_configs:\n      - targets: ['host-${i}.\${TARGET_DOMAIN}:9100']\n        labels:\n          team: "{{ not-a-variable }}"\n`,
    );
  }
  await writeFile(join(dir, "templates/prometheus.yml"), parts.join(""));
  await writeFile(join(dir, "usage.cjs"), USAGE_HOOK);
  return dir;
}

test("render of a 2,000-job config: peak memory under 200 MiB, the young generation kept small", async () => {
  const dir = await jobsProject(2000);
  const result = await runBuilt(["render", "--set", "SCRAPE_PASSWORD=p@ss #w'rd"], { HOME: dir }, dir, { nodeArgs: ["--require", join(dir, "usage.cjs")] });
  assert.equal(result.code, 0, result.stderr);
  const usage = /\nusage (\d+) (\d+)\n/.exec(result.stderr);
  assert.ok(usage, result.stderr);
  const [peakMiB, newSpaceMiB] = [Number(usage[1]) / 1024, Number(usage[2]) / 1024 / 1024];
  // V8's default doubles the young generation up to 2 x 32 MB on a render this size (270 MiB peak on Node 24).
  assert.ok(newSpaceMiB <= 8, `young generation ${newSpaceMiB.toFixed(1)} MiB`);
  assert.ok(peakMiB < 200, `peak RSS ${peakMiB.toFixed(0)} MiB`);
});
