/**
 * Rule checks that know the config: the rendered prometheus.yml of the same render gives the scrape and evaluation
 * intervals per job, the external labels and the federation jobs, which a linter without a server cannot know. Without
 * a config (`check FILE` on a rule file alone) the intervals are Prometheus' defaults (1m) and no finding here is an
 * error. The PromQL facts come from the analysis the PromQL check made (the rules checker hands it over, promql.ts
 * caches it): no expression is parsed twice. Findings carry the rule they are about, so that an inline `# promplate: ignore ID` can drop them.
 */
import { parseDuration } from "../go/duration.js";
import type { Severity } from "../finding.js";
import { analyzeExpression, type ExpressionAnalysis } from "./promql.js";
import type { ExpressionFacts, MatcherFact, SelectorFact } from "./promql-facts.js";
import type { DocumentFinding } from "./types.js";

export type LintFinding = DocumentFinding & {
  /** The rule (group index, rule index) the finding is about. */
  rule?: [number, number];
};

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "");

const DEFAULT_INTERVAL = 60_000;
const LONGEST_GROUP_INTERVAL = 5 * 60_000;

/** What the rendered prometheus.yml tells about the rules it loads. */
export interface ConfigFacts {
  known: boolean;
  scrapeInterval: number;
  evaluationInterval: number;
  /** Scrape interval per job name. */
  jobs: Map<string, number>;
  /** The job scraped most often, when it is scraped more often than the global interval. */
  fastestJob?: { ms: number; source: string };
  externalLabels: Set<string>;
  /** What `/federate` jobs ask for: metric names and name regexes; `all` when one asks for any name. */
  federated: { names: Set<string>; patterns: RegExp[]; all: boolean };
}

export function configFacts(config: unknown): ConfigFacts {
  const facts: ConfigFacts = {
    known: isMapping(config),
    scrapeInterval: DEFAULT_INTERVAL,
    evaluationInterval: DEFAULT_INTERVAL,
    jobs: new Map(),
    externalLabels: new Set(),
    federated: { names: new Set(), patterns: [], all: false },
  };
  if (!isMapping(config)) return facts;
  const global = isMapping(config.global) ? config.global : {};
  facts.scrapeInterval = parseDuration(text(global.scrape_interval)) || DEFAULT_INTERVAL;
  facts.evaluationInterval = parseDuration(text(global.evaluation_interval)) || DEFAULT_INTERVAL;
  if (isMapping(global.external_labels)) for (const name of Object.keys(global.external_labels)) facts.externalLabels.add(name);
  for (const job of Array.isArray(config.scrape_configs) ? config.scrape_configs : []) {
    if (!isMapping(job)) continue;
    const name = text(job.job_name);
    if (name) facts.jobs.set(name, parseDuration(text(job.scrape_interval)) || facts.scrapeInterval);
    const ms = facts.jobs.get(name);
    if (name && ms !== undefined && ms < (facts.fastestJob ?? { ms: facts.scrapeInterval }).ms)
      facts.fastestJob = { ms, source: `scrape interval of job ${name}` };
    if (text(job.metrics_path) === "/federate") addFederated(facts.federated, isMapping(job.params) ? job.params["match[]"] : undefined);
  }
  return facts;
}

/** The names a `/federate` job's `match[]` selectors can return. */
function addFederated(federated: ConfigFacts["federated"], matches: unknown): void {
  for (const selector of Array.isArray(matches) ? matches : []) {
    if (typeof selector !== "string") continue;
    const name = /^\s*([A-Za-z_:][A-Za-z0-9_:]*)/.exec(selector)?.[1];
    const equal = /__name__\s*=\s*"([^"]*)"/.exec(selector)?.[1];
    const regex = /__name__\s*=~\s*"([^"]*)"/.exec(selector)?.[1];
    if (name ?? equal) federated.names.add((name ?? equal)!);
    else if (regex !== undefined) federated.patterns.push(anchored(regex) ?? /^/);
    else federated.all = true;
  }
}

function anchored(regex: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch {
    return undefined;
  }
}

export interface RuleFileInput {
  data: unknown;
  /** The PromQL analysis of each rule, made by the rules checker (CheckOptions.ruleAnalyses). */
  analyses?: Map<object, ExpressionAnalysis>;
  /** The prometheus.yml data of the same render that loads this file, when there is one. */
  config?: unknown;
}

interface ParsedRule {
  group: number;
  index: number;
  rule: Mapping;
  expr: string;
  facts?: ExpressionFacts;
}

/**
 * The findings of every rule file of a render (or of the files of a `check FILE…`), by file index. A recording rule
 * used nowhere is reported for a project's render only: files checked alone are seldom all the rules there are.
 */
export function lintRuleFiles(files: readonly RuleFileInput[], options: { project: boolean }): LintFinding[][] {
  const parsed = files.map((file) => rulesOf(file.data, file.analyses));
  const configs = files.map((file) => configFacts(file.config));
  // A project's rules, all files together: what they record, what their expressions read, and at what interval.
  const recorded = new Map<string, number>();
  const used = new Set<string>();
  files.forEach((file, i) => {
    for (const { rule, group } of parsed[i]!) {
      const record = text(rule.record);
      if (record) recorded.set(record, groupInterval(file.data, group) ?? configs[i]!.evaluationInterval);
    }
  });
  if (options.project) {
    for (const rules of parsed) {
      for (const { expr, facts } of rules) if (facts) for (const selector of facts.selectors) for (const name of metricNames(expr, selector)) used.add(name);
    }
  }
  return files.map((file, i) => lintFile(file, parsed[i]!, configs[i]!, recorded, options.project ? used : undefined));
}

function rulesOf(data: unknown, analyses: Map<object, ExpressionAnalysis> | undefined): ParsedRule[] {
  const rules: ParsedRule[] = [];
  if (!isMapping(data) || !Array.isArray(data.groups)) return rules;
  data.groups.forEach((group: unknown, g) => {
    if (!isMapping(group) || !Array.isArray(group.rules)) return;
    group.rules.forEach((rule: unknown, r) => {
      if (!isMapping(rule)) return;
      const expr = text(rule.expr);
      // The PromQL check analysed this expression already: its analysis is kept with the rule (or cached by shape).
      const facts = expr ? (analyses?.get(rule) ?? analyzeExpression(expr)).facts : undefined;
      rules.push({ group: g, index: r, rule, expr, facts });
    });
  });
  return rules;
}

function groupInterval(data: unknown, group: number): number | undefined {
  const groups = isMapping(data) && Array.isArray(data.groups) ? data.groups : [];
  const value = isMapping(groups[group]) ? (groups[group] as Mapping).interval : undefined;
  return typeof value === "string" ? parseDuration(value) : undefined;
}

function lintFile(file: RuleFileInput, rules: ParsedRule[], config: ConfigFacts, recorded: Map<string, number>, used: Set<string> | undefined): LintFinding[] {
  const findings: LintFinding[] = [];
  // Without the config, nothing here is sure enough to fail a check.
  const severe: Severity = config.known ? "error" : "warning";
  const add = (finding: LintFinding) => findings.push(finding);
  const groups = isMapping(file.data) && Array.isArray(file.data.groups) ? file.data.groups : [];

  groups.forEach((group: unknown, g) => {
    if (!isMapping(group)) return;
    const interval = typeof group.interval === "string" ? parseDuration(group.interval) : undefined;
    if (interval !== undefined && interval > LONGEST_GROUP_INTERVAL) {
      add({
        id: "rules/group-interval",
        severity: "warning",
        message: `group interval ${group.interval} is longer than 5m: Prometheus considers a series stale after 5m without a sample, so what this group records flaps in and out of existence`,
        path: ["groups", g, "interval"],
      });
    } else if (interval !== undefined && interval > 0 && interval < config.evaluationInterval) {
      add({
        id: "rules/group-interval",
        severity: "warning",
        message: `group interval ${group.interval} is shorter than the global evaluation_interval (${formatDuration(config.evaluationInterval)}${config.known ? "" : "; the default, no config is known"})`,
        path: ["groups", g, "interval"],
      });
    }
    if (config.known && isMapping(group.labels)) externalLabelConflicts(group.labels, ["groups", g, "labels"], config, add);
  });

  for (const parsed of rules) {
    const { rule, facts } = parsed;
    const alert = text(rule.alert);
    if (config.known) {
      const addForRule = (finding: LintFinding) => findings.push({ ...finding, rule: [parsed.group, parsed.index] });
      const path = rulePath(parsed);
      if (isMapping(rule.labels)) externalLabelConflicts(rule.labels, [...path, "labels"], config, addForRule);
      if (alert) externalLabelReferences(rule, path, config, addForRule);
    }
    if (!facts) continue;
    checkRanges(parsed, facts, config, recorded, severe, findings);
    checkSelectors(parsed, facts, config, recorded, findings);
    const record = text(rule.record);
    if (record && used && !used.has(record)) {
      findings.push({
        id: "rules/dependency",
        severity: "info",
        message: `recording rule ${record} is used by no expression of the project (dashboards or other servers may read it)`,
        path: [...rulePath(parsed), "record"],
        rule: [parsed.group, parsed.index],
      });
    }
    if (alert) checkAlert(parsed, facts, config, recorded, findings);
  }
  return findings;
}

const rulePath = (parsed: ParsedRule) => ["groups", parsed.group, "rules", parsed.index];

/** A finding at `offset` in the rule's expression. */
function exprFinding(parsed: ParsedRule, fields: Pick<LintFinding, "id" | "severity" | "message" | "hint">, offset: number): LintFinding {
  return {
    ...fields,
    path: [...rulePath(parsed), "expr"],
    ...(typeof parsed.rule.expr === "string" ? { offsetInValue: offset } : {}),
    rule: [parsed.group, parsed.index],
  };
}

function checkRanges(
  parsed: ParsedRule,
  facts: ExpressionFacts,
  config: ConfigFacts,
  recorded: Map<string, number>,
  severe: Severity,
  findings: LintFinding[],
): void {
  for (const call of facts.rangeCalls) {
    const range = rangeDuration(call.range);
    if (range === undefined) continue;
    const interval = selectorInterval(parsed.expr, facts.selectors[call.selector], config, recorded);
    if (range >= 2 * interval.ms) continue;
    // A selector naming no job may read a faster job's series: it surely returns nothing only under the fastest.
    const fastest = interval.fastest ?? interval;
    const never = range < fastest.ms;
    const message = never
      ? `${call.fn}() over [${call.range}] is shorter than the ${fastest.source} (${formatDuration(fastest.ms)}${interval.note ?? ""}): it never holds two samples and always returns nothing`
      : `${call.fn}() over [${call.range}] is shorter than twice the ${interval.source} (${formatDuration(interval.ms)}${interval.note ?? ""}): one missed scrape and it returns nothing`;
    const hint = `use a range of at least ${formatDuration(interval.ms * 4)} (4× the interval)`;
    findings.push(exprFinding(parsed, { id: "promql/rate-range", severity: never ? severe : "warning", message, hint }, call.offset));
  }
}

function checkSelectors(parsed: ParsedRule, facts: ExpressionFacts, config: ConfigFacts, recorded: Map<string, number>, findings: LintFinding[]): void {
  const { expr } = parsed;
  for (const selector of facts.selectors) {
    for (const matcher of selector.matchers) {
      if (matcher.op !== "=~" && matcher.op !== "!~") continue;
      const value = unquote(expr, matcher.valueFrom, matcher.valueTo);
      const label = labelName(expr, matcher);
      let message: string | undefined;
      const anchors = [value.startsWith("^") ? "^" : "", value.endsWith("$") && !value.endsWith("\\$") ? "$" : ""].filter(Boolean);
      if (anchors.length > 0) {
        const which = anchors.length === 2 ? "the ^ and $ are" : `the ${anchors[0]} is`;
        message = `${label}${matcher.op}${JSON.stringify(value)}: PromQL regexes are fully anchored already; ${which} redundant`;
      } else if (!/[.+*?()[\]{}|\\^$]/.test(value)) {
        message = `${label}${matcher.op}${JSON.stringify(value)} needs no regex: write ${label}${matcher.op === "=~" ? "=" : "!="}${JSON.stringify(value)}`;
      }
      if (message) findings.push(exprFinding(parsed, { id: "promql/regexp", severity: "warning", message }, matcher.valueFrom));
    }
    if (selector.matchers.length > 1) {
      const contradiction = contradictoryMatchers(expr, selector);
      if (contradiction) findings.push(exprFinding(parsed, { id: "promql/impossible", severity: "warning", message: contradiction }, selector.offset));
    }
    // Without the config, the /federate jobs that may bring a name in are unknown: nothing to say.
    if (!config.known) continue;
    for (const name of metricNames(expr, selector)) {
      if (!name.includes(":") || recorded.has(name) || isFederated(name, config)) continue;
      const message = `${name} looks like a recording rule's name, but no rule of the project records it and no /federate job scrapes it`;
      const hint = "check the name, or ignore this if the series comes from elsewhere (remote write, another Prometheus)";
      findings.push(exprFinding(parsed, { id: "rules/dependency", severity: "warning", message, hint }, selector.offset));
    }
  }
  for (const { message, offset } of facts.impossible) findings.push(exprFinding(parsed, { id: "promql/impossible", severity: "warning", message }, offset));
}

function checkAlert(parsed: ParsedRule, facts: ExpressionFacts, config: ConfigFacts, recorded: Map<string, number>, findings: LintFinding[]): void {
  const { rule } = parsed;
  for (const { op, offset } of facts.fragile) {
    const message = `${op} in an alert: which series it keeps can change at every evaluation, so the alert flaps (resolves and fires again)`;
    const hint = "alert on a threshold of each series instead, and use topk in the dashboard";
    findings.push(exprFinding(parsed, { id: "promql/fragile", severity: "warning", message, hint }, offset));
  }
  if (facts.comparison === "no") {
    const message = "this alert's expression has no comparison (a `bool` one filters nothing): it fires for every series it returns";
    const hint = "compare with a threshold, e.g. `> 0.9`; absent(…) and vector(…) alerts are exempt";
    findings.push(exprFinding(parsed, { id: "alerts/comparison", severity: "warning", message, hint }, 0));
  }
  if (!facts.absent) return;
  const watched = facts.absent.selector !== undefined ? facts.selectors[facts.absent.selector] : undefined;
  const interval = selectorInterval(parsed.expr, watched, config, recorded);
  const forValue = typeof rule.for === "string" ? (parseDuration(rule.for) ?? 0) : 0;
  if (forValue >= 2 * interval.ms) return;
  findings.push({
    id: "alerts/absent-for",
    severity: "warning",
    message: `absent() alert with for: ${forValue === 0 ? "0 (none)" : text(rule.for)}, shorter than twice the ${interval.source} (${formatDuration(interval.ms)}${interval.note ?? ""}): one late scrape or a restart fires it`,
    hint: `set for: ${formatDuration(interval.ms * 2)} or more`,
    path: [...rulePath(parsed), "for" in rule ? "for" : "alert"],
    rule: [parsed.group, parsed.index],
  });
}

function externalLabelConflicts(labels: Mapping, path: (string | number)[], config: ConfigFacts, add: (finding: LintFinding) => void): void {
  for (const name of Object.keys(labels)) {
    if (!config.externalLabels.has(name)) continue;
    add({
      id: "rules/external-label-conflict",
      severity: "warning",
      message: `label ${name} is also an external label of this Prometheus: the rule's value wins over the external one on what it sends out, so the series or alert no longer says where it comes from`,
      hint: `rename the rule's label, or drop it and rely on the external label`,
      path: [...path, name],
      atKey: true,
    });
  }
}

const EXTERNAL_LABEL_REFERENCE = /\$externalLabels\.([A-Za-z_][A-Za-z0-9_]*)|index\s+\$externalLabels\s+"([^"]*)"/g;

function externalLabelReferences(rule: Mapping, path: (string | number)[], config: ConfigFacts, add: (finding: LintFinding) => void): void {
  for (const field of ["labels", "annotations"]) {
    const values = rule[field];
    if (!isMapping(values)) continue;
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== "string" || !value.includes("$externalLabels")) continue;
      for (const match of value.matchAll(EXTERNAL_LABEL_REFERENCE)) {
        const label = match[1] ?? match[2]!;
        if (config.externalLabels.has(label)) continue;
        const known = [...config.externalLabels].join(", ");
        add({
          id: "alerts/external-labels",
          severity: "error",
          message: `$externalLabels.${label}: this Prometheus has no external label ${label} (${known ? `it has ${known}` : "it has none"}), so the template prints nothing`,
          hint: `add ${label} to global.external_labels in the Prometheus config, or use one it has`,
          path: [...path, field, name],
          offsetInValue: match.index,
        });
      }
    }
  }
}

const IGNORE_COMMENT = /#\s*promplate:\s*ignore\s+([^#]+)/;

/**
 * Drops the findings that a `# promplate: ignore ID[, ID…]` comment on their rule names. A comment on a line of its
 * own is on the rule that starts on the next line holding something else, or else on the rule it sits in; a comment
 * after something on a line is on the rule that line belongs to. `ruleStarts` gives each rule's first line (1-based).
 */
export function withoutIgnored(findings: LintFinding[], content: string, ruleStarts: () => { line: number; rule: [number, number] }[]): LintFinding[] {
  if (!content.includes("promplate:") || findings.every((finding) => !finding.rule)) return findings;
  const lines = content.split("\n");
  const starts = ruleStarts().sort((a, b) => a.line - b.line);
  const ruleContaining = (line: number) => {
    let found: [number, number] | undefined;
    for (const start of starts) if (start.line <= line) found = start.rule;
    return found;
  };
  const ignored = new Map<string, Set<string>>();
  lines.forEach((line, index) => {
    const match = IGNORE_COMMENT.exec(line);
    if (!match) return;
    let rule = ruleContaining(index + 1);
    if (line.trimStart().startsWith("#")) {
      let next = index + 1;
      while (next < lines.length && (lines[next]!.trim() === "" || lines[next]!.trimStart().startsWith("#"))) next++;
      rule = starts.find((start) => start.line === next + 1)?.rule ?? rule;
    }
    if (!rule) return;
    const key = rule.join(",");
    const ids = ignored.get(key) ?? new Set<string>();
    for (const id of match[1]!.split(/[\s,]+/)) if (id) ids.add(id);
    ignored.set(key, ids);
  });
  return findings.filter((finding) => !finding.rule || !ignored.get(finding.rule.join(","))?.has(finding.id));
}

/** A project's `lint:` settings: a check's id and `off`, or the severity its findings get. */
export type LintSettings = Readonly<Record<string, "off" | Severity>>;

/** The findings as the project's `lint:` block wants them: a check turned off drops its findings, else sets their severity. */
export function applyLintSettings<T extends { id: string; severity: Severity }>(findings: T[], settings: LintSettings | undefined): T[] {
  if (!settings) return findings;
  return findings.flatMap((finding) => {
    const setting = settings[finding.id];
    if (setting === undefined) return [finding];
    return setting === "off" ? [] : [{ ...finding, severity: setting }];
  });
}

/** The interval a selector's series arrive at: its job's scrape interval, a recorded series' group interval, else the global. */
function selectorInterval(
  expr: string,
  selector: SelectorFact | undefined,
  config: ConfigFacts,
  recorded: Map<string, number>,
): { ms: number; source: string; note?: string; fastest?: { ms: number; source: string } } {
  const fallback = {
    ms: config.scrapeInterval,
    source: config.known ? "global scrape interval" : "default scrape interval",
    ...(config.known ? {} : { note: "; no config is known" }),
    ...(config.fastestJob ? { fastest: config.fastestJob } : {}),
  };
  if (!selector) return fallback;
  for (const name of metricNames(expr, selector)) {
    const interval = recorded.get(name);
    if (interval !== undefined) return { ms: interval, source: `evaluation interval of the group recording ${name}` };
  }
  const jobs = jobsOf(expr, selector);
  const intervals = jobs.flatMap((job) => {
    const interval = config.jobs.get(job);
    return interval === undefined ? [] : [{ job, interval }];
  });
  if (intervals.length === 0) return fallback;
  const slowest = intervals.reduce((a, b) => (b.interval > a.interval ? b : a));
  return { ms: slowest.interval, source: `scrape interval of job ${slowest.job}` };
}

/** The jobs a selector's `job` matcher names: `job="a"`, or a regex that is an alternation of plain names. */
function jobsOf(expr: string, selector: SelectorFact): string[] {
  for (const matcher of selector.matchers) {
    if (labelName(expr, matcher) !== "job") continue;
    const value = unquote(expr, matcher.valueFrom, matcher.valueTo);
    if (matcher.op === "=") return [value];
    if (matcher.op === "=~" && /^[A-Za-z0-9_\-.:/|]+$/.test(value) && !value.includes(".")) return value.split("|");
  }
  return [];
}

/** The metric names a selector can read, when it names them: its name, or `__name__="…"`. */
function metricNames(expr: string, selector: SelectorFact): string[] {
  const names: string[] = [];
  if (selector.nameFrom >= 0)
    names.push(selector.nameQuoted ? unquote(expr, selector.nameFrom, selector.nameTo) : expr.slice(selector.nameFrom, selector.nameTo));
  for (const matcher of selector.matchers)
    if (matcher.op === "=" && labelName(expr, matcher) === "__name__") names.push(unquote(expr, matcher.valueFrom, matcher.valueTo));
  return names;
}

function isFederated(name: string, config: ConfigFacts): boolean {
  const { names, patterns, all } = config.federated;
  return all || names.has(name) || patterns.some((pattern) => pattern.test(name));
}

/** Two matchers on one label that no series can satisfy together: `a="x", a="y"` or `a="x", a!="x"`. */
function contradictoryMatchers(expr: string, selector: SelectorFact): string | undefined {
  // Most selectors match each label once: values are read only for a label matched twice.
  const equality = selector.matchers.filter((matcher) => matcher.op === "=" || matcher.op === "!=");
  if (equality.length < 2) return undefined;
  const labels = equality.map((matcher) => labelName(expr, matcher));
  for (let i = 0; i < equality.length; i++) {
    for (let j = i + 1; j < equality.length; j++) {
      if (labels[i] !== labels[j]) continue;
      const [a, b] = [equality[i]!, equality[j]!];
      if (a.op === "!=" && b.op === "!=") continue;
      const [first, second] = [unquote(expr, a.valueFrom, a.valueTo), unquote(expr, b.valueFrom, b.valueTo)];
      const label = labels[i]!;
      if (a.op === "=" && b.op === "=" && first !== second) {
        return `${label}=${JSON.stringify(first)} and ${label}=${JSON.stringify(second)} in one selector: no series has both, it never returns anything`;
      }
      if (a.op !== b.op && first === second) {
        return `${label}=${JSON.stringify(first)} and ${label}!=${JSON.stringify(first)} in one selector: no series has both, it never returns anything`;
      }
    }
  }
  return undefined;
}

function labelName(expr: string, matcher: MatcherFact): string {
  const { labelFrom, labelTo } = matcher;
  return matcher.labelQuoted ? unquote(expr, labelFrom, labelTo) : expr.slice(labelFrom, labelTo);
}

/** A PromQL string literal's value: Go's escapes in "…" and '…', none in `…`. */
function unquote(expr: string, from: number, to: number): string {
  const literal = expr.slice(from, to);
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === "`" || !body.includes("\\")) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, escape: string) => {
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
    if (escape.length === 1) return simple[escape] ?? escape;
    if (/^[0-7]{3}$/.test(escape)) return String.fromCodePoint(Number.parseInt(escape, 8));
    return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
  });
}

/** A range's length: a duration (`5m`), or a number of seconds (`300`); undefined for a duration expression. */
function rangeDuration(range: string): number | undefined {
  const trimmed = range.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  return parseDuration(trimmed);
}

/** Milliseconds as Prometheus writes a duration: `1m30s`. */
function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const units: [string, number][] = [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  let rest = ms;
  let out = "";
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}
