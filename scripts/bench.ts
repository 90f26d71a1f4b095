/**
 * `npm run bench`: start-up and scaling figures, each against a baseline measured in the same run.
 * - `promplate render` on the example project vs `node -e 0` (target ratio ≤ 1.3), GNU envsubst for reference;
 * - render time and peak memory for generated projects of 200 and 2,000 scrape jobs (target: 10× input ≤ 11× time);
 * - the built-in checks vs promtool on 20,000 rules and on a config of 2,000 scrape jobs (target: faster);
 * - `promplate exec` from start until its child has run (`true`), vs `node -e 0` (target ratio ≤ 1.4);
 * - render time and peak memory for one dense template (six references per scrape job) of 1, 2 and 4 MiB
 *   (target: 2× template ≤ 2.2× time).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "dist/promplate.js");
const rssHook = join(root, "scripts/bench-rss.mjs");
const runs = Number(process.env.BENCH_RUNS ?? 15);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall time (ms) of a command over `count` runs, after one warm-up; peak RSS (MiB) when reported. */
function measure(command: string, args: string[], input?: string, count = runs): { ms: number; rssMiB?: number } {
  const times: number[] = [];
  let rss: number | undefined;
  for (let i = 0; i <= count; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { input, encoding: "utf8" });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
    const reported = /promplate-bench-maxrss=(\d+)/.exec(result.stderr ?? "");
    if (reported) rss = Math.max(rss ?? 0, Number(reported[1]) / 1024);
    if (i > 0) times.push(elapsed);
  }
  return { ms: median(times), rssMiB: rss };
}

function generatedRules(count: number): string {
  let text = "groups:\n";
  for (let group = 0; group < count / 100; group++) {
    text += `  - name: group-${group}\n    rules:\n`;
    for (let i = group * 100; i < (group + 1) * 100; i++) {
      text += i % 2 === 0
        ? `      - record: job:http_requests:rate5m_${i}\n        expr: sum by (job) (rate(http_requests_total{job="api-${i}"}[5m]))\n`
        : `      - alert: HighErrorRate${i}\n        expr: sum(rate(http_errors_total{job="api-${i}"}[5m])) / sum(rate(http_requests_total{job="api-${i}"}[5m])) > 0.05\n        for: 10m\n        labels:\n          severity: page\n        annotations:\n          summary: "{{ $labels.job }} error rate {{ humanizePercentage $value }}"\n`;
    }
  }
  const path = join(mkdtempSync(join(tmpdir(), "promplate-bench-rules-")), "rules.yml");
  writeFileSync(path, text);
  return path;
}

function generatedConfig(jobs: number): string {
  let text = "global:\n  scrape_interval: 15s\nscrape_configs:\n";
  for (let i = 0; i < jobs; i++) {
    text += `  - job_name: job-${i}\n    scrape_interval: 30s\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['host-${i}.example.internal:9100']\n        labels:\n          team: team-${i % 7}\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: '(.*):9100'\n        target_label: instance\n        replacement: '$1'\n`;
  }
  const path = join(mkdtempSync(join(tmpdir(), "promplate-bench-config-")), "prometheus.yml");
  writeFileSync(path, text);
  return path;
}

function generatedProject(jobs: number): string {
  const dir = mkdtempSync(join(tmpdir(), `promplate-bench-${jobs}-`));
  mkdirSync(join(dir, "templates"));
  writeFileSync(
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
  let template = "global:\n  scrape_interval: ${SCRAPE_INTERVAL}\nscrape_configs:\n";
  for (let i = 0; i < jobs; i++) {
    template += `  - job_name: 'job-${i}'\n    scrape_interval: \${SCRAPE_INTERVAL}\n    basic_auth:\n      username: scraper\n      password: '\${SCRAPE_PASSWORD}'\n    static_configs:\n      - targets: ['host-${i}.\${TARGET_DOMAIN}:9100']\n        labels:\n          team: "{{ not-a-variable }}"\n`;
  }
  writeFileSync(join(dir, "templates/prometheus.yml"), template);
  return dir;
}

/** A project whose one template is about `bytes` of Prometheus config with six references per scrape job. */
function denseTemplateProject(bytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), `promplate-bench-dense-${bytes}-`));
  writeFileSync(
    join(dir, "promplate.yaml"),
    [
      "variables:",
      "  SCRAPE_INTERVAL: { type: string, format: prometheus-duration, default: 15s }",
      "  TARGET_DOMAIN: { type: string, default: example.internal }",
      "  TEAM: { type: string, default: 'a: b #c' }",
      "  PASSWORD: { type: string, writeOnly: true, default: \"p@ss #w'rd\" }",
      "outputs:",
      "  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml }",
      "",
    ].join("\n"),
  );
  const parts = ["global:\n  scrape_interval: ${SCRAPE_INTERVAL}\nscrape_configs:\n"];
  let length = parts[0]!.length;
  for (let i = 0; length < bytes; i++) {
    const job = `  - job_name: 'job-${i}'\n    scrape_interval: \${SCRAPE_INTERVAL}\n    basic_auth:\n      username: scraper\n      password: '\${PASSWORD}'\n    static_configs:\n      - targets: ['h${i}.\${TARGET_DOMAIN}:9100', 'g${i}.\${TARGET_DOMAIN}:9100']\n        labels:\n          team: \${TEAM}\n          other: "\${TEAM}"\n`;
    parts.push(job);
    length += job.length;
  }
  writeFileSync(join(dir, "prometheus.yml"), parts.join(""));
  return dir;
}

const out = mkdtempSync(join(tmpdir(), "promplate-bench-out-"));
const example = join(root, "templates");
const baseline = measure(process.execPath, ["-e", "0"]);
const render = measure(process.execPath, ["--import", rssHook, cli, "-C", example, "render", "--env-file", join(example, "demo.env"), "--out", out]);
const envsubst = measure("envsubst", [], readFileSync(join(example, "prometheus.yml"), "utf8"));

const small = generatedProject(200);
const large = generatedProject(2000);
const secret = ["--set", "SCRAPE_PASSWORD=p@ss #w'rd"];
const renderSmall = measure(process.execPath, ["--import", rssHook, cli, "-C", small, "render", ...secret, "--out", join(out, "200")]);
const renderLarge = measure(process.execPath, ["--import", rssHook, cli, "-C", large, "render", ...secret, "--out", join(out, "2000")]);

const execOut = mkdtempSync(join(tmpdir(), "promplate-bench-exec-"));
const execToChild = measure(process.execPath, [cli, "-C", example, "exec", "--service", "prometheus", "--env-file", join(example, "demo.env"), "--out", execOut, "--", "true"]);
const ratio = render.ms / baseline.ms;
const scaling = (renderLarge.ms - baseline.ms) / (renderSmall.ms - baseline.ms);
const row = (label: string, value: string) => console.log(`${label.padEnd(48)} ${value}`);
console.log(`median of ${runs} runs each`);
row("node -e 0 (baseline)", `${baseline.ms.toFixed(1)} ms`);
row("promplate render, example project", `${render.ms.toFixed(1)} ms, peak ${render.rssMiB?.toFixed(0)} MiB`);
row("  ratio to node -e 0 (target <= 1.3)", `${ratio.toFixed(2)}x ${ratio <= 1.3 ? "ok" : "MISSED"}`);
row("GNU envsubst, example prometheus.yml (reference)", `${envsubst.ms.toFixed(1)} ms`);
row("promplate exec until its child (true) has run", `${execToChild.ms.toFixed(1)} ms`);
row("  ratio to node -e 0 (target <= 1.4)", `${(execToChild.ms / baseline.ms).toFixed(2)}x ${execToChild.ms / baseline.ms <= 1.4 ? "ok" : "MISSED"}`);
row("render, 200 scrape jobs", `${renderSmall.ms.toFixed(1)} ms, peak ${renderSmall.rssMiB?.toFixed(0)} MiB`);
row("render, 2,000 scrape jobs", `${renderLarge.ms.toFixed(1)} ms, peak ${renderLarge.rssMiB?.toFixed(0)} MiB`);
row("  10x input costs (excluding node start-up; target <= 11x)", `${scaling.toFixed(2)}x ${scaling <= 11 ? "ok" : "MISSED"}`);
row("  memory growth 200 -> 2,000 jobs", `${((renderLarge.rssMiB ?? 0) / (renderSmall.rssMiB ?? 1)).toFixed(2)}x`);

const denseRuns = Math.max(3, Math.floor(runs / 5));
const dense = [1, 2, 4].map((mib) => {
  const dir = denseTemplateProject(mib * 1024 * 1024);
  return { mib, ...measure(process.execPath, ["--import", rssHook, cli, "-C", dir, "render", "--out", join(out, `dense-${mib}`)], undefined, denseRuns) };
});
console.log(`dense templates, median of ${denseRuns} runs each`);
for (const d of dense) row(`render, one template of ${d.mib} MiB (six \${} per job)`, `${d.ms.toFixed(0)} ms, peak ${d.rssMiB?.toFixed(0)} MiB`);
for (let k = 1; k < dense.length; k++) {
  const [small, large] = [dense[k - 1]!, dense[k]!];
  const ratio = (large.ms - baseline.ms) / (small.ms - baseline.ms);
  row(`  2x template (${small.mib} -> ${large.mib} MiB) costs (target <= 2.2x)`, `${ratio.toFixed(2)}x ${ratio <= 2.2 ? "ok" : "MISSED"}, memory ${((large.rssMiB ?? 0) / (small.rssMiB ?? 1)).toFixed(2)}x`);
}

const rules = generatedRules(20000);
const config = generatedConfig(2000);
const checkRuns = Math.max(3, Math.floor(runs / 3));
const timed = (command: string, args: string[]) => {
  const times: number[] = [];
  for (let i = 0; i < checkRuns; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { encoding: "utf8" });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stdout}${result.stderr}`);
  }
  return median(times);
};
const promtoolRules = timed("promtool", ["check", "rules", rules]);
const builtInRules = timed(process.execPath, [cli, "check", "--no-tools", "--kind", "prometheus-rules", rules]);
const promtoolConfig = timed("promtool", ["check", "config", "--syntax-only", config]);
const builtInConfig = timed(process.execPath, [cli, "check", "--no-tools", "--syntax-only", "--kind", "prometheus-config", config]);
console.log(`checks, median of ${checkRuns} runs each`);
row("promtool check rules, 20,000 rules", `${promtoolRules.toFixed(0)} ms`);
row("promplate check (built-in), 20,000 rules", `${builtInRules.toFixed(0)} ms, ${(builtInRules / promtoolRules).toFixed(2)}x promtool ${builtInRules < promtoolRules ? "ok" : "MISSED"}`);
row("promtool check config, 2,000 scrape jobs", `${promtoolConfig.toFixed(0)} ms`);
row("promplate check (built-in), 2,000 scrape jobs", `${builtInConfig.toFixed(0)} ms, ${(builtInConfig / promtoolConfig).toFixed(2)}x promtool ${builtInConfig < promtoolConfig ? "ok" : "MISSED"}`);

// Start-up on Node 24 with and without its on-disk compile cache (a fresh cache folder, filled by the warm-up run).
const node24 = spawnSync("bash", [join(root, "scripts/node24.sh")], { encoding: "utf8" });
if (node24.status === 0) {
  const node = node24.stdout.trim();
  const startup = (env: Record<string, string>, args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const start = process.hrtime.bigint();
      const result = spawnSync(node, args, { env: { ...process.env, ...env }, encoding: "utf8" });
      if (result.status !== 0) throw new Error(`${node} ${args.join(" ")} failed: ${result.stderr}`);
      if (i > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(times);
  };
  const cache = mkdtempSync(join(tmpdir(), "promplate-bench-compile-cache-"));
  const renderArgs = [cli, "-C", example, "render", "--env-file", join(example, "demo.env"), "--out", out];
  const bare = startup({}, ["-e", "0"]);
  console.log(`start-up on Node ${spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()}, median of ${runs} runs each`);
  row("node -e 0", `${bare.toFixed(1)} ms`);
  for (const [label, args] of [["promplate --help", [cli, "--help"]], ["promplate render, example project", renderArgs]] as const) {
    const without = startup({ NODE_DISABLE_COMPILE_CACHE: "1" }, [...args]);
    const withCache = startup({ NODE_COMPILE_CACHE: cache }, [...args]);
    row(`${label}, no compile cache`, `${without.toFixed(1)} ms, ${(without / bare).toFixed(2)}x node -e 0`);
    row(`${label}, compile cache`, `${withCache.toFixed(1)} ms, ${(withCache / bare).toFixed(2)}x node -e 0`);
  }
} else {
  console.log(`start-up on Node 24: not measured (${node24.stderr.trim()})`);
}
