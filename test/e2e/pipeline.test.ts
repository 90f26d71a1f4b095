/**
 * The render pipeline (src/pipeline.ts): where each layout puts the outputs and their manifests, `exec` recording
 * and using the manifest like `render`, and `exec --watch` keeping the server's status its own whatever fails.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runProcess, startServer } from "../../src/process.js";
import { execService } from "../../src/exec.js";
import { outputRoots } from "../../src/pipeline.js";
import type { ProjectRender } from "../../src/render.js";
import { runWithTools, SERVERS_PATH, waitFor } from "../helpers.js";

/** A render of these outputs (only what outputRoots reads). */
function renderOf(outputs: { path: string; runtimePath?: string; folder?: string[] }[]): ProjectRender {
  const files = outputs.flatMap((output) => {
    const declaration = { service: "s", kind: "text" as const, template: output.path, path: output.path, runtimePath: output.runtimePath, line: 1 };
    const names = output.folder ?? [""];
    return names.map((name) => ({
      source: {
        output: declaration,
        templatePath: "",
        templateName: "",
        path: join(output.path, name),
        runtimePath: output.runtimePath && name ? join(output.runtimePath, name) : output.runtimePath,
      },
      service: "s",
      path: join(output.path, name),
      content: "",
      mode: 0o644 as const,
      secretLines: [],
      lineMap: [],
    }));
  });
  return { project: { dir: "/p", file: "/p/promplate.yaml", variables: new Map(), outputs: [], tests: [] }, files, variables: new Map(), secrets: [] };
}

const layout = (roots: { root: string; files: { path: string }[] }[]) => Object.fromEntries(roots.map((r) => [r.root, r.files.map((f) => f.path)]));

describe("output roots", () => {
  const rendered = renderOf([
    { path: "out/prometheus.yml", runtimePath: "/etc/prometheus/prometheus.yml" },
    { path: "out/rules/", runtimePath: "/etc/prometheus/rules/", folder: ["a.yml", "b.yml"] },
    { path: "out/alertmanager.yml", runtimePath: "/etc/alertmanager/alertmanager.yml" },
    { path: "out/targets.json" },
  ]);

  test("exec: each runtime folder is a root (a rules folder's parent included); an output without runtimePath stays in the project", () => {
    assert.deepEqual(layout(outputRoots(rendered, { layout: "runtime" })), {
      "/etc/prometheus": ["prometheus.yml", "rules/a.yml", "rules/b.yml"],
      "/etc/alertmanager": ["alertmanager.yml"],
      "/p": ["out/targets.json"],
    });
  });

  test("exec --out DIR: one root, runtime paths under it", () => {
    assert.deepEqual(layout(outputRoots(rendered, { layout: "runtime", out: "/tmp/rt" })), {
      "/tmp/rt": [
        "etc/prometheus/prometheus.yml",
        "etc/prometheus/rules/a.yml",
        "etc/prometheus/rules/b.yml",
        "etc/alertmanager/alertmanager.yml",
        "out/targets.json",
      ],
    });
  });

  test("render: the project folder, or --out DIR", () => {
    const paths = ["out/prometheus.yml", "out/rules/a.yml", "out/rules/b.yml", "out/alertmanager.yml", "out/targets.json"];
    assert.deepEqual(layout(outputRoots(rendered, { layout: "project" })), { "/p": paths });
    assert.deepEqual(layout(outputRoots(rendered, { layout: "project", root: "/o" })), { "/o": paths });
  });
});

async function ruleProject(rules: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "promplate-pipeline-"));
  await mkdir(join(dir, "rules"));
  for (const [name, text] of Object.entries(rules)) await writeFile(join(dir, "rules", name), text);
  await writeFile(join(dir, "p.yml"), "global:\n  scrape_interval: 15s\nrule_files: [rules/*.yml]\n");
  await writeFile(
    join(dir, "promplate.yaml"),
    "outputs:\n" +
      "  - { service: prometheus, kind: prometheus-config, template: p.yml, path: out/p.yml, runtimePath: /etc/prometheus/prometheus.yml }\n" +
      "  - { service: prometheus, kind: prometheus-rules, template: rules/, path: out/rules/, runtimePath: /etc/prometheus/rules/ }\n",
  );
  return dir;
}

const RULE = (name: string) => `groups:\n  - name: ${name}\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n`;

describe("exec records a manifest like render", () => {
  test("a rule file whose template is gone is deleted at the next start; an edited one is kept", async () => {
    const dir = await ruleProject({ "a.yml": RULE("a"), "b.yml": RULE("b"), "c.yml": RULE("c") });
    const out = join(dir, "runtime");
    const exec = () => runWithTools(["-C", dir, "exec", "--service", "prometheus", "--out", out, "--", "true"], {}, dir);
    assert.equal((await exec()).code, 0);
    const manifest = JSON.parse(await readFile(join(out, ".promplate/manifest.json"), "utf8")) as { files: Record<string, { service: string }> };
    assert.deepEqual(Object.keys(manifest.files).sort(), [
      "etc/prometheus/prometheus.yml",
      "etc/prometheus/rules/a.yml",
      "etc/prometheus/rules/b.yml",
      "etc/prometheus/rules/c.yml",
    ]);

    const unchanged = join(out, ".promplate/manifest.json");
    const written = (await stat(unchanged)).mtimeMs;
    assert.equal((await exec()).code, 0);
    assert.equal((await stat(unchanged)).mtimeMs, written, "a start with nothing to change leaves the manifest alone");

    await rm(join(dir, "rules", "b.yml"));
    await rm(join(dir, "rules", "c.yml"));
    await writeFile(join(out, "etc/prometheus/rules/c.yml"), "# edited by hand\n");
    const second = await exec();
    assert.equal(second.code, 0, second.stderr);
    assert.ok(existsSync(join(out, "etc/prometheus/rules/a.yml")));
    assert.ok(!existsSync(join(out, "etc/prometheus/rules/b.yml")), "the stale output promplate wrote is deleted");
    assert.equal(await readFile(join(out, "etc/prometheus/rules/c.yml"), "utf8"), "# edited by hand\n", "a changed one is kept");
    assert.ok(!existsSync(join(out, ".promplate/lock")), "no lock is held while the server runs");
  });
});

describe("exec --watch: after the server started, its status is the only one", () => {
  test("an unexpected exception while re-rendering is one log line; the server keeps running and its exit code is returned", { timeout: 60_000 }, async () => {
    const dir = await ruleProject({ "a.yml": RULE("a") });
    // The server's signals live outside the watched folders: only the template's change re-renders.
    const signals = await mkdtemp(join(tmpdir(), "promplate-server-"));
    const started = join(signals, "started");
    const done = join(signals, "done");
    let broken = false;
    // Reading the environment fails once `broken` is set: no input can do that, so it stands for a bug.
    const env = new Proxy({ PATH: SERVERS_PATH } as Record<string, string | undefined>, {
      get: (target, name) => {
        if (broken) throw new TypeError("the environment broke");
        return Reflect.get(target, name);
      },
    });
    const log: string[] = [];
    const script = `touch ${started}; while [ ! -e ${done} ]; do sleep 0.1; done; exit 7`;
    const running = execService({
      dir,
      service: "prometheus",
      out: join(dir, "runtime"),
      watch: true,
      command: "sh",
      args: ["-c", script],
      env,
      log: (line) => log.push(line),
      runTool: runProcess,
      start: startServer,
    });
    await waitFor("the server to start", async () => existsSync(started));
    broken = true;
    await writeFile(join(dir, "rules", "a.yml"), RULE("changed"));
    const line = await waitFor("the failure to be logged", async () => log.find((l) => l.startsWith("re-render failed")));
    assert.equal(
      line,
      "re-render failed, keeping the running configuration: internal error: the environment broke (a bug in promplate: please report it with the command you ran and this message)",
    );
    await writeFile(done, "");
    assert.equal(await running, 7, "the server's exit code");
    assert.equal(log.filter((l) => l.startsWith("re-render failed")).length, 1);
  });
});
