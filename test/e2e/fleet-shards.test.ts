/**
 * Shards, checked with the real current Prometheus: the fleet example's sharded instance (prod-us, two shards) is
 * rendered for both shards, each shard's server is started on 127.0.0.1 over one file_sd list of 20 targets, and
 * every target must be active in exactly one shard (the targets need not answer: they are listed as down).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { freePort, runPromplate, serverPath, waitFor } from "../helpers.js";

interface Target {
  labels: Record<string, string>;
  scrapePool: string;
}
interface TargetsResponse {
  data: { activeTargets: Target[]; droppedTargets: { discoveredLabels: Record<string, string> }[] };
}

const TARGETS = Array.from({ length: 20 }, (_, i) => `127.0.0.1:${20001 + i}`);

describe("shards of the fleet example, with the real Prometheus", () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  test("two shards of a hashmod config rendered for each scrape every target of a file_sd list exactly once", async () => {
    const work = mkdtempSync(join(tmpdir(), "promplate-shards-"));
    const project = join(work, "fleet");
    assert.equal((await runPromplate(["init", "--fleet", project])).code, 0);
    const closed = await freePort(); // remote_write goes nowhere: nothing listens there
    const render = await runPromplate(["-C", project, "render", "--instance", "prod-us", "--set", `REMOTE_WRITE_URL=http://127.0.0.1:${closed}/api/v1/push`], {
      REMOTE_WRITE_PASSWORD: "rw-example",
      SLACK_WEBHOOK: "https://hooks.example.com/services/T/B/X",
      PAGERDUTY_ROUTING_KEY: "pd-example",
    });
    assert.equal(render.code, 0, render.stderr);

    const targetsDir = join(work, "targets");
    mkdirSync(targetsDir);
    writeFileSync(join(targetsDir, "nodes.json"), JSON.stringify([{ targets: TARGETS, labels: { role: "node" } }]));

    const ports: number[] = [];
    for (const shard of [0, 1]) {
      const rendered = join(project, "out/prod-us", String(shard));
      // The config as rendered, with the container's folders moved to this test's.
      const config = readFileSync(join(rendered, "prometheus.yml"), "utf8")
        .replaceAll("/etc/prometheus/targets/", `${targetsDir}/`)
        .replaceAll("/etc/prometheus/rules/", `${rendered}/rules/`);
      writeFileSync(join(rendered, "local.yml"), config);
      const port = await freePort();
      ports.push(port);
      children.push(
        spawn(
          serverPath("prometheus"),
          [`--config.file=${join(rendered, "local.yml")}`, `--storage.tsdb.path=${join(work, `data-${shard}`)}`, `--web.listen-address=127.0.0.1:${port}`],
          { stdio: "ignore" },
        ),
      );
    }

    // Each server has read the whole list once its node targets, kept or dropped, number 20.
    const nodeTargets = async (port: number) => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as TargetsResponse;
      const active = body.data.activeTargets.filter((t) => t.scrapePool === "node").map((t) => t.labels.instance!);
      const dropped = body.data.droppedTargets.filter((t) => t.discoveredLabels.job === "node").length;
      return active.length + dropped === TARGETS.length ? active : undefined;
    };
    const [shard0, shard1] = await Promise.all(ports.map((port) => waitFor(`the node targets of 127.0.0.1:${port}`, () => nodeTargets(port), 60)));

    assert.ok(shard0!.length > 0 && shard1!.length > 0, `both shards scrape some: ${shard0!.length} and ${shard1!.length}`);
    assert.deepEqual(
      shard0!.filter((t) => shard1!.includes(t)),
      [],
      "no target in both shards",
    );
    assert.deepEqual([...shard0!, ...shard1!].sort(), [...TARGETS].sort(), "every target in one shard");
  });
});
