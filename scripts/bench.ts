/**
 * `npm run bench`: the speed targets (issue 12), each a ratio against a baseline measured in the same rounds, printed
 * with its target and `ok` / `MISSED`. Commands of a section run round-robin (the order rotates every round, after
 * one warm-up run each that also fills the compile cache), so both sides of a ratio see the same machine load. A
 * figure is the median wall time; a target is judged on the ratio of the medians; beside it the median of the
 * per-round ratios (`paired`) and the ratio of the median CPU times, steadier on a busy machine.
 * - start-up on Node 24 (scripts/node24.sh, as the tests): `render` of the example project and `exec` until its
 *   child runs, vs `node -e 0`; compile cache on (the default) and off;
 * - start-up on the machine's Node: the same, and `render FILE` without a project (the envsubst-like path);
 * - built-in checks vs the current promtool (scripts/fetch-servers.sh): three large generated rule files of the
 *   corpus (test/corpus/gitlab-runbooks), 20,000 synthetic rules from the corpus' expressions (scripts/bench-synthetic.ts),
 *   a config of 2,000 scrape jobs; `check` with promtool vs the larger of the built-in checks and promtool alone; what
 *   the rule checks that know the config add to the synthetic file's check (scripts/bench-rule-lint.ts);
 * - render scaling (200 and 2,000 scrape jobs; dense templates of 1, 2 and 4 MiB) and peak memory.
 * BENCH_ROUNDS scales the number of rounds (default 20 for start-up; the slower sections run fewer).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { corpusRuleExpressions, syntheticRules } from "./bench-synthetic.js";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "dist/promplate.js");
const usageHook = join(root, "scripts/bench-usage.cjs");
const corpus = join(root, "test/corpus");
const startupRounds = Number(process.env.BENCH_ROUNDS ?? 20);
const rounds = (share: number) => Math.max(3, Math.round(startupRounds * share));
const scratch = mkdtempSync(join(tmpdir(), "promplate-bench-"));
const began = Date.now();

interface Command {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  input?: string;
}

interface Series {
  wall: number[];
  /** CPU time (user + system) of the command and the processes it waited for, per round. */
  cpu: number[];
  /** Peak RSS (MiB) over the runs, when the command reports it (scripts/bench-usage.cjs). */
  rssMiB?: number;
}

/** Children start without the caller's compile-cache settings; promplate's own cache goes to a fresh folder. */
const baseEnv: Record<string, string> = { ...(process.env as Record<string, string>), XDG_CACHE_HOME: join(scratch, "cache") };
delete baseEnv.NODE_COMPILE_CACHE;
delete baseEnv.NODE_DISABLE_COMPILE_CACHE;
delete baseEnv.NODE_OPTIONS;

/**
 * Runs the command under bash, which times it: wall time from just before the start to just after the exit (bash's
 * EPOCHREALTIME, so bash's own start-up is not counted), CPU time of the command and of the processes it waited for
 * (`times`: getrusage of bash's children, to the millisecond; Node offers no rusage of a child).
 */
const TIMER =
  'start=$EPOCHREALTIME; "$@"; status=$?; end=$EPOCHREALTIME; printf "\\npromplate-bench-run=%s %s\\n" "$start" "$end" >&2; times >&2; exit $status';

function runOnce(c: Command): { wall: number; cpu: number; rssMiB?: number } {
  const result = spawnSync("bash", ["-c", TIMER, "bench", c.command, ...c.args], {
    env: { ...baseEnv, ...c.env },
    input: c.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${c.name}: ${c.command} ${c.args.join(" ")} exited ${result.status ?? result.signal}: ${(result.stderr || result.stdout || "").slice(-800)}`,
    );
  }
  const timing = /promplate-bench-run=(\S+) (\S+)\n\S+ \S+\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(result.stderr);
  if (!timing) throw new Error(`${c.name}: no timing in ${result.stderr.slice(-300)}`);
  const [start, end, userMin, userSec, sysMin, sysSec] = timing.slice(1).map(Number) as [number, number, number, number, number, number];
  const usage = /promplate-bench-usage=\d+ (\d+)/.exec(result.stderr);
  return {
    wall: (end - start) * 1000,
    cpu: (userMin * 60 + userSec + sysMin * 60 + sysSec) * 1000,
    rssMiB: usage ? Number(usage[1]) / 1024 : undefined,
  };
}

/**
 * Every command once to warm up (fills the compile cache; left out for the long runs, after the cache is warm), then
 * `count` rounds of all of them, the starting command rotating each round.
 */
function interleave(commands: Command[], count: number, warmUp = true): Map<string, Series> {
  const series = new Map(commands.map((c) => [c.name, { wall: [], cpu: [] } as Series]));
  if (warmUp) for (const c of commands) runOnce(c);
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < commands.length; k++) {
      const c = commands[(r + k) % commands.length]!;
      const { wall, cpu, rssMiB } = runOnce(c);
      const s = series.get(c.name)!;
      s.wall[r] = wall;
      s.cpu[r] = cpu;
      if (rssMiB !== undefined) s.rssMiB = Math.max(s.rssMiB ?? 0, rssMiB);
    }
  }
  return series;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (value: number) => `${value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
const verdict = (value: number, limit: number, strict = false) => ((strict ? value < limit : value <= limit) ? "ok" : "MISSED");
const line = (label: string, value: string, note = "") => console.log(`  ${label.padEnd(52)} ${value.padEnd(46)} ${note}`.trimEnd());
/** A baseline's line: its median wall and CPU time. */
const baselineLine = (label: string, s: Series) => line(label, `${ms(median(s.wall))}  (cpu ${ms(median(s.cpu))})`);

/**
 * One command against the section's baseline: its median, the ratio of the medians and the verdict when it has a
 * target (`limit`).
 */
function ratioLine(results: Map<string, Series>, name: string, baseline: string, label: string, limit?: number): number {
  const s = results.get(name)!;
  const b = results.get(baseline)!;
  const ratio = median(s.wall) / median(b.wall);
  const paired = median(s.wall.map((w, r) => w / b.wall[r]!));
  const cpu = median(s.cpu) / median(b.cpu);
  line(
    label,
    `${ms(median(s.wall))}  ${ratio.toFixed(2)}x  paired ${paired.toFixed(2)}x  cpu ${cpu.toFixed(2)}x`,
    limit === undefined ? "" : `target <= ${limit.toFixed(1)}x  ${verdict(ratio, limit)}`,
  );
  return ratio;
}

function section(title: string, count: number) {
  const [one, five] = loadavg();
  console.log(`\n${title}; ${count} rounds, medians; load average ${one!.toFixed(1)} (5 min ${five!.toFixed(1)})`);
}

// --- Inputs -------------------------------------------------------------------------------------------------

const servers = spawnSync("bash", [join(root, "scripts/fetch-servers.sh"), "current"], { encoding: "utf8" });
if (servers.status !== 0) {
  console.error(`bench: the current promtool is needed (scripts/fetch-servers.sh current): ${servers.stderr.trim()}`);
  process.exit(3);
}
const promtool = join(process.env.PROMPLATE_SERVERS_CACHE ?? "/var/cache/promplate-servers", "current/usr/bin/promtool");
const promtoolVersion = /version (\S+)/.exec(spawnSync(promtool, ["--version"], { encoding: "utf8" }).stdout)?.[1] ?? "unknown";

const found24 = spawnSync("bash", [join(root, "scripts/node24.sh")], { encoding: "utf8" });
const machineNode = process.execPath;
const node24 = found24.status === 0 ? found24.stdout.trim() : undefined;
const versionOf = (node: string) => spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
const node = node24 ?? machineNode;
const sameNode = versionOf(node) === versionOf(machineNode);

const example = join(root, "templates");
const demoEnv = join(example, "demo.env");
/** The example's prometheus.yml rendered alone takes its values from the environment, as with envsubst. */
const plainValues = {
  SCRAPE_INTERVAL: "15s",
  ALERTMANAGER_TARGET: "alertmanager:9093",
  NODE_EXPORTER_TARGET: "node-exporter:9100",
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const out = (name: string) => join(scratch, "out", name);

function startupCommands(nodePath: string, tag: string): Command[] {
  return [
    { name: `${tag} node -e 0`, command: nodePath, args: ["-e", "0"] },
    { name: `${tag} render`, command: nodePath, args: [cli, "-C", example, "render", "--env-file", demoEnv, "--out", out(`${tag}-render`)] },
    {
      name: `${tag} exec`,
      command: nodePath,
      args: [cli, "-C", example, "exec", "--service", "prometheus", "--env-file", demoEnv, "--out", out(`${tag}-exec`), "--", "true"],
    },
    { name: `${tag} render FILE`, command: nodePath, args: [cli, "render", join(example, "prometheus.yml")], env: plainValues },
  ];
}

function generatedConfig(jobs: number): string {
  let text = "global:\n  scrape_interval: 15s\nscrape_configs:\n";
  for (let i = 0; i < jobs; i++) {
    text += `  - job_name: job-${i}\n    scrape_interval: 30s\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['host-${i}.example.internal:9100']\n        labels:\n          team: team-${i % 7}\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: '(.*):9100'\n        target_label: instance\n        replacement: '$1'\n`;
  }
  const path = join(mkdtempSync(join(scratch, "config-")), "prometheus.yml");
  writeFileSync(path, text);
  return path;
}

function generatedProject(jobs: number): string {
  const dir = mkdtempSync(join(scratch, `project-${jobs}-`));
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
  const dir = mkdtempSync(join(scratch, `dense-${bytes}-`));
  writeFileSync(
    join(dir, "promplate.yaml"),
    [
      "variables:",
      "  SCRAPE_INTERVAL: { type: string, format: prometheus-duration, default: 15s }",
      "  TARGET_DOMAIN: { type: string, default: example.internal }",
      "  TEAM: { type: string, default: 'a: b #c' }",
      '  PASSWORD: { type: string, writeOnly: true, default: "p@ss #w\'rd" }',
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

// --- Start-up on Node 24 --------------------------------------------------------------------------------------

console.log(`promplate bench: ${cli}; promtool ${promtoolVersion} (${promtool})`);
{
  const count = startupRounds;
  const commands = [
    ...startupCommands(node, "n24"),
    {
      name: "n24 render, no cache",
      command: node,
      args: [cli, "-C", example, "render", "--env-file", demoEnv, "--out", out("n24-nocache")],
      env: { NODE_DISABLE_COMPILE_CACHE: "1" },
    },
    { name: "n24 --help", command: node, args: [cli, "--help"] },
    { name: "n24 --help, no cache", command: node, args: [cli, "--help"], env: { NODE_DISABLE_COMPILE_CACHE: "1" } },
  ];
  section(`Start-up on Node ${versionOf(node)}${node24 ? "" : " (no Node 24 found: the machine's Node)"}, vs node -e 0 (compile cache on unless said)`, count);
  const r = interleave(commands, count);
  baselineLine("node -e 0 (baseline)", r.get("n24 node -e 0")!);
  const render = ratioLine(r, "n24 render", "n24 node -e 0", "render, example project", 3.0);
  line("  stretch", `${render.toFixed(2)}x`, `target <= 2.0x  ${verdict(render, 2.0)}`);
  ratioLine(r, "n24 exec", "n24 node -e 0", "exec until its child (true) runs", 3.0);
  ratioLine(r, "n24 render FILE", "n24 node -e 0", "render FILE, no project", sameNode ? 1.5 : undefined);
  ratioLine(r, "n24 render, no cache", "n24 node -e 0", "render, example project, no compile cache");
  ratioLine(r, "n24 --help", "n24 node -e 0", "--help");
  ratioLine(r, "n24 --help, no cache", "n24 node -e 0", "--help, no compile cache");
}

// --- Start-up on the machine's Node -----------------------------------------------------------------------------

if (!sameNode) {
  const count = startupRounds;
  const commands: Command[] = [
    ...startupCommands(machineNode, "own"),
    { name: "own envsubst", command: "envsubst", args: [], input: readFileSync(join(example, "prometheus.yml"), "utf8"), env: plainValues },
  ];
  section(`Start-up on the machine's Node ${versionOf(machineNode)} (${machineNode}), vs node -e 0`, count);
  const r = interleave(commands, count);
  baselineLine("node -e 0 (baseline)", r.get("own node -e 0")!);
  ratioLine(r, "own render", "own node -e 0", "render, example project");
  ratioLine(r, "own exec", "own node -e 0", "exec until its child (true) runs");
  ratioLine(r, "own render FILE", "own node -e 0", "render FILE, no project (envsubst-like)", 1.5);
  baselineLine("GNU envsubst, same file and values (reference)", r.get("own envsubst")!);
} else {
  console.log(`\nStart-up on the machine's Node: the same Node as above (${versionOf(machineNode)}), render FILE judged there`);
}

// --- Built-in checks vs promtool ------------------------------------------------------------------------------

const check = (file: string, kind: string, ...flags: string[]) => [cli, "check", "--no-tools", ...flags, "--kind", kind, file];
{
  const count = rounds(0.4);
  const gitlab = ["autogenerated-saturation.yml", "autogenerated-key-metrics-monitoring.yml", "autogenerated-key-metrics-sidekiq.yml"];
  const config = generatedConfig(2000);
  const commands: Command[] = [];
  for (const name of gitlab) {
    const file = join(corpus, "gitlab-runbooks/rules", name);
    commands.push({ name: `promtool ${name}`, command: promtool, args: ["check", "rules", file] });
    commands.push({ name: `built-in ${name}`, command: node, args: check(file, "prometheus-rules") });
  }
  commands.push({ name: "promtool config", command: promtool, args: ["check", "config", "--syntax-only", config] });
  commands.push({ name: "built-in config", command: node, args: check(config, "prometheus-config", "--syntax-only") });
  section(`Built-in checks (check --no-tools, Node ${versionOf(node)}) vs promtool ${promtoolVersion}`, count);
  const r = interleave(commands, count);
  for (const name of gitlab) {
    const size = Math.round(readFileSync(join(corpus, "gitlab-runbooks/rules", name)).length / 1024);
    baselineLine(`promtool check rules ${name.replace("autogenerated-", "").replace(".yml", "")} (${size} KB)`, r.get(`promtool ${name}`)!);
    ratioLine(r, `built-in ${name}`, `promtool ${name}`, "  built-in check of the same file", 1.0);
  }
  baselineLine("promtool check config --syntax-only, 2,000 jobs", r.get("promtool config")!);
  ratioLine(r, "built-in config", "promtool config", "  built-in check --syntax-only of the same file", 1.0);
}

// --- 20,000 synthetic rules, and check with promtool ------------------------------------------------------------

{
  const count = rounds(0.25);
  const expressions = corpusRuleExpressions(corpus);
  const rules = join(scratch, "synthetic-20000.yml");
  writeFileSync(rules, syntheticRules(expressions, 20000));
  const commands: Command[] = [
    { name: "promtool", command: promtool, args: ["check", "rules", rules] },
    { name: "built-in", command: node, args: check(rules, "prometheus-rules") },
    { name: "with promtool", command: node, args: [cli, "check", "--kind", "prometheus-rules", "--promtool", promtool, "--require-tools", rules] },
  ];
  section(`20,000 synthetic rules (${expressions.length} corpus expressions, names renamed per rule), Node ${versionOf(node)}`, count);
  const r = interleave(commands, count, false);
  baselineLine("promtool check rules", r.get("promtool")!);
  ratioLine(r, "built-in", "promtool", "  built-in check of the same file", 0.5);
  const [builtIn, tool, both] = ["built-in", "promtool", "with promtool"].map((name) => r.get(name)!.wall) as [number[], number[], number[]];
  const larger = Math.max(median(builtIn), median(tool));
  const ratio = median(both) / larger;
  const paired = median(both.map((w, i) => w / Math.max(builtIn[i]!, tool[i]!)));
  const sum = (median(builtIn) + median(tool)) / larger;
  line(
    "check with promtool, vs max(built-in, promtool)",
    `${ms(median(both))}  ${ratio.toFixed(2)}x  paired ${paired.toFixed(2)}x`,
    `target <= 1.1x  ${verdict(ratio, 1.1)}`,
  );
  line("  (built-in and promtool one after the other)", `${sum.toFixed(2)}x`);
  ruleLintLines(rules, median(builtIn), count);
}

/**
 * What the rule checks that know the config add to the built-in check of the file (scripts/bench-rule-lint.ts, a
 * fresh process per round): gathering the PromQL facts, the checks, and the text report of their findings.
 */
function ruleLintLines(rules: string, builtIn: number, count: number): void {
  const runs = Array.from({ length: count }, () => {
    const run = spawnSync(node, ["--import", "tsx", join(root, "scripts/bench-rule-lint.ts"), rules], { cwd: root, encoding: "utf8", env: baseEnv });
    if (run.status !== 0) throw new Error(`bench-rule-lint: ${run.stderr.slice(-800)}`);
    return JSON.parse(run.stdout) as { facts: number; checks: number; report: number; findings: number };
  });
  const [facts, checks, report] = (["facts", "checks", "report"] as const).map((part) => median(runs.map((run) => run[part])));
  const added = facts! + checks! + report!;
  line(`rule checks that know the config (${runs[0]!.findings} findings)`, `facts ${ms(facts!)} + checks ${ms(checks!)} + report ${ms(report!)}`);
  line("  added to the built-in check", `${ms(added)}  ${((100 * added) / builtIn).toFixed(1)}%`, `target < 10%  ${verdict(added / builtIn, 0.1, true)}`);
}

// --- Render scaling and memory --------------------------------------------------------------------------------

{
  const count = rounds(0.35);
  const secret = ["--set", "SCRAPE_PASSWORD=p@ss #w'rd"];
  const render = (nodePath: string, dir: string, name: string): Command => ({
    name,
    command: nodePath,
    args: ["--require", usageHook, cli, "-C", dir, "render", ...secret, "--out", out(name)],
  });
  const small = generatedProject(200);
  const large = generatedProject(2000);
  const commands: Command[] = [
    { name: "node -e 0", command: node, args: ["--require", usageHook, "-e", "0"] },
    render(node, small, "200 jobs"),
    render(node, large, "2,000 jobs"),
  ];
  section(`Render scaling and peak memory, Node ${versionOf(node)}`, count);
  const r = interleave(commands, count);
  const [base, t200, t2000] = ["node -e 0", "200 jobs", "2,000 jobs"].map((name) => median(r.get(name)!.wall)) as [number, number, number];
  const peak = r.get("2,000 jobs")!.rssMiB ?? Number.NaN;
  line("render, 200 scrape jobs", `${ms(t200)}, peak ${r.get("200 jobs")!.rssMiB?.toFixed(0)} MiB`);
  line("render, 2,000 scrape jobs", `${ms(t2000)}, peak ${peak.toFixed(0)} MiB`);
  const scaling = (t2000 - base) / (t200 - base);
  line("  10x input costs (less node -e 0)", `${scaling.toFixed(2)}x`, `target <= 11.0x  ${verdict(scaling, 11)}`);
  line("  peak memory, 2,000 scrape jobs", `${peak.toFixed(0)} MiB`, `target < 200 MiB  ${verdict(peak, 200, true)}`);
  if (!sameNode) {
    const own = runOnce(render(machineNode, large, "2,000 jobs, machine's Node"));
    line(`  on Node ${versionOf(machineNode)}, one run (reference)`, `${ms(own.wall)}, peak ${own.rssMiB?.toFixed(0)} MiB`);
  }
}

{
  const count = 3;
  const sizes = [1, 2, 4];
  const commands: Command[] = [
    { name: "node -e 0", command: node, args: ["--require", usageHook, "-e", "0"] },
    ...sizes.map((mib) => ({
      name: `${mib} MiB`,
      command: node,
      args: ["--require", usageHook, cli, "-C", denseTemplateProject(mib * 1024 * 1024), "render", "--out", out(`dense-${mib}`)],
    })),
  ];
  section(`Dense templates (six \${} per scrape job), Node ${versionOf(node)}`, count);
  const r = interleave(commands, count, false);
  const base = median(r.get("node -e 0")!.wall);
  for (const mib of sizes)
    line(`render, one template of ${mib} MiB`, `${ms(median(r.get(`${mib} MiB`)!.wall))}, peak ${r.get(`${mib} MiB`)!.rssMiB?.toFixed(0)} MiB`);
  for (let k = 1; k < sizes.length; k++) {
    const [small, large] = [r.get(`${sizes[k - 1]} MiB`)!, r.get(`${sizes[k]} MiB`)!];
    const ratio = (median(large.wall) - base) / (median(small.wall) - base);
    const memory = (large.rssMiB ?? 0) / (small.rssMiB ?? 1);
    line(
      `  2x template (${sizes[k - 1]} -> ${sizes[k]} MiB) costs (less node -e 0)`,
      `${ratio.toFixed(2)}x, memory ${memory.toFixed(2)}x`,
      `target <= 2.2x  ${verdict(ratio, 2.2)}`,
    );
  }
}

rmSync(scratch, { recursive: true, force: true });
console.log(`\nbench took ${((Date.now() - began) / 1000).toFixed(0)} s`);
