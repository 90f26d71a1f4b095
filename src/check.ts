/**
 * The check job: render (real or example values) into memory, run the built-in checks on every output, the
 * cross-file checks, and promtool/amtool on a temporary container-like layout. Findings point at the template line
 * the problem comes from. Nothing is written in the project.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, posix, relative } from "node:path";
import { isScalar, isSeq, parseDocument } from "yaml";
import { checkDocument, inferKind, isConfigKind, locate } from "./checks/index.js";
import { crossFileFindings } from "./checks/cross-file.js";
import { globToRegExp, writeLayout, type LayoutInput } from "./checks/layout.js";
import { referencedFileFindings, type ReferencedFiles } from "./checks/referenced-files.js";
import { parseDocumentData, type ParsedDocument } from "./checks/document.js";
import { findTool, INSTALL_HINT, parseToolOutput, toolVersion, type ProcessRunner, type Tool, type ToolInvocation, type ToolName } from "./checks/tools.js";
import type { CheckOptions, ConfigKind } from "./checks/types.js";
import type { ExpressionAnalysis } from "./checks/promql.js";
import type { RulesDialect } from "./checks/rules-dialect.js";
import type { LintSettings } from "./checks/rule-lint.js";
import type { Locator } from "./checks/positions.js";
import { createFinding, type Finding } from "./finding.js";
import type { RunResult } from "./process.js";
import { BadInputError, EnvironmentError } from "./errors.js";
import { findProject, type OutputKind, type Project } from "./project.js";
import type { ProjectRender, RenderedFile, SourceOptions } from "./render.js";
import { createRedactor, type Redactor } from "./redact.js";
import { cannotRead, DOCUMENT_LIMIT_HINT, MAX_DOCUMENT_BYTES, readDocument, readRegularFile, readRegularFileSync } from "./value-files.js";

export interface ToolOptions {
  /** Run promtool/amtool when found. */
  tools: boolean;
  /** A missing tool is exit 3 instead of a warning. */
  requireTools?: boolean;
  promtool?: string;
  amtool?: string;
  run: ProcessRunner;
  /** PATH to search the tools in, and the environment they run with. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface CheckReport {
  /** Redacted when made: they hold no secret. */
  findings: Finding[];
  /** The tools that ran, with their versions. */
  tools: Tool[];
  /** One-line remarks (a tool skipped, a verdict that differs between promplate and an older tool). */
  notes: string[];
  /** Masks the secrets in use (src/redact.ts) in what a reporter adds, e.g. the source line of a checked file. */
  redact: Redactor;
}

/** A file under check: what it is, where it is checked, and how its lines map to the template. */
interface Subject {
  kind: OutputKind | "rule-test";
  /** Shown in findings: the template (project) or the path as given (plain files). */
  name: string;
  content: string;
  runtimePath: string;
  /** Template line of each output line; identity when absent. */
  lineMap?: number[];
  data?: unknown;
  /** The built-in checks' findings, in the checked text's own lines and with no file yet. */
  findings: Finding[];
  /** A rule file's dialect (rules-dialect.ts). */
  dialect?: RulesDialect;
  /** A rule file's PromQL analyses by rule, for the rule checks that know the config. */
  analyses?: Map<object, ExpressionAnalysis>;
}

export interface RenderedCheckOptions extends ToolOptions {
  /** Prometheus agent mode, as `promtool check config --agent`. */
  agent?: boolean;
  /** Parse and type-check PromQL (see CheckOptions), and run the rule checks that know the config. @default true */
  promql?: boolean;
  /** The dialect of rule files whose output does not set one. @default "prometheus" */
  rulesDialect?: RulesDialect;
}

/** The checks of a rendered project, in memory and in a temporary container-like layout (src/pipeline.ts). */
export async function checkRendered(rendered: ProjectRender, options: RenderedCheckOptions): Promise<CheckReport> {
  const subjects = rendered.files.map((file) => subjectOf(file, options.rulesDialect));
  // The configs' data lays out the files they reference for the tools, before the built-in checks: parsed once here.
  const parses = new Map<Subject, ParsedDocument>();
  for (const subject of subjects) {
    if (subject.kind === "rule-test" || !isConfigKind(subject.kind)) continue;
    const parsed = parseDocumentData(subject.content);
    parses.set(subject, parsed);
    if ("data" in parsed) subject.data = parsed.data;
  }
  const checkBuiltIn = () => runBuiltInChecks(subjects, parses, { agent: options.agent, promql: options.promql }, rendered.project.lint);
  const redact = createRedactor(rendered.secrets);
  const report: CheckReport = { findings: [], tools: [], notes: [], redact };
  if (options.tools) await runToolsOnLayout(subjects, parses, rendered, options, report, checkBuiltIn);
  else await checkBuiltIn();
  report.findings.unshift(...subjects.flatMap((s) => findingsOf(s, redact)));
  return report;
}

function subjectOf(file: RenderedFile, rulesDialect: RulesDialect | undefined): Subject {
  const dialect = file.source.output.rulesDialect ?? rulesDialect;
  return {
    kind: file.source.output.kind,
    name: file.source.templateName,
    content: file.content,
    runtimePath: file.source.runtimePath ?? `/${file.path}`,
    lineMap: file.lineMap,
    findings: [],
    ...(file.source.output.kind === "prometheus-rules" && dialect ? { dialect } : {}),
  };
}

async function runBuiltInChecks(subjects: Subject[], parses: Map<Subject, ParsedDocument>, options: CheckOptions, lint?: LintSettings): Promise<void> {
  for (const subject of subjects) {
    if (subject.kind === "rule-test") continue;
    subject.analyses = new Map();
    const checkOptions = { ...options, rulesDialect: subject.dialect, ruleAnalyses: subject.analyses };
    const result = await checkDocument(subject.kind, subject.content, checkOptions, [], parses.get(subject));
    subject.data = result.data;
    subject.findings.push(...result.findings);
  }
  const cross = crossFileFindings(subjects.map((s) => ({ kind: s.kind, runtimePath: s.runtimePath, data: s.data })));
  for (const [index, findings] of cross) {
    const subject = subjects[index]!;
    subject.findings.push(...(await locate(subject.content, findings)));
  }
  // The rule checks that know the config read the PromQL analysis: they run where PromQL is checked.
  if (options.promql !== false) await lintRules(subjects, parses, { project: true });
  if (lint) {
    const { applyLintSettings } = await import("./checks/rule-lint.js");
    for (const subject of subjects) subject.findings = applyLintSettings(subject.findings, lint);
  }
}

/**
 * The rule checks that know the config (checks/rule-lint.ts), over the rule files among the subjects: each with the
 * Prometheus config that loads it (its rule_files match the file; else the only config there is).
 */
async function lintRules(subjects: Subject[], parses: Map<Subject, ParsedDocument>, options: { project: boolean }): Promise<void> {
  const rules = subjects.filter((s) => s.kind === "prometheus-rules" && s.data !== undefined);
  if (rules.length === 0) return;
  const { lintRuleFiles, withoutIgnored } = await import("./checks/rule-lint.js");
  const { createLocator } = await import("./checks/positions.js");
  const configs = subjects.filter((s) => s.kind === "prometheus-config" && s.data !== undefined);
  const results = lintRuleFiles(
    rules.map((subject) => ({ data: subject.data, analyses: subject.analyses, config: configFor(subject, configs)?.data })),
    options,
  );
  for (const [index, subject] of rules.entries()) {
    const parsed = parses.get(subject);
    const findings = withoutIgnored(results[index]!, subject.content, () =>
      ruleStarts(subject, createLocator(subject.content, parsed && "data" in parsed ? parsed : undefined)),
    );
    subject.findings.push(...(await locate(subject.content, findings, parsed)));
  }
}

/**
 * The config whose rule_files load the rule file, or the only config checked with it. A Thanos or Mimir rule file that
 * no config loads is its ruler's, whose external labels and flags the project does not show: it gets no config.
 */
function configFor(rules: Subject, configs: Subject[]): Subject | undefined {
  const loading = configs.filter((config) => {
    const globs = (config.data as { rule_files?: unknown } | null)?.rule_files;
    const base = posix.dirname(config.runtimePath);
    return (
      Array.isArray(globs) &&
      globs.some(
        (glob) => typeof glob === "string" && globToRegExp(posix.isAbsolute(glob) ? glob : posix.join(base, glob)).test(posix.normalize(rules.runtimePath)),
      )
    );
  });
  if (loading.length === 1) return loading[0];
  const ruler = rules.dialect !== undefined && rules.dialect !== "prometheus";
  return loading.length === 0 && configs.length === 1 && !ruler ? configs[0] : undefined;
}

/** Each rule's first line, for inline ignore comments. */
function ruleStarts(subject: Subject, locator: Locator): { line: number; rule: [number, number] }[] {
  const groups = (subject.data as { groups?: unknown } | null)?.groups;
  const starts: { line: number; rule: [number, number] }[] = [];
  (Array.isArray(groups) ? groups : []).forEach((group: { rules?: unknown } | null, g) => {
    const rules = group?.rules;
    (Array.isArray(rules) ? rules : []).forEach((_, r) => {
      starts.push({ line: locator({ path: ["groups", g, "rules", r] }).line, rule: [g, r] });
    });
  });
  return starts;
}

/** The subject's findings as reported: in the template's lines (a rendered output's line maps to one), redacted. */
function findingsOf(subject: Subject, redact: Redactor): Finding[] {
  return subject.findings.map((finding) => createFinding(redact, { ...finding, file: subject.name, line: templateLine(subject, finding.line) }));
}

function templateLine(subject: Subject, line: number | undefined): number | undefined {
  return line !== undefined && subject.lineMap ? (subject.lineMap[line - 1] ?? line) : line;
}

// ---------------------------------------------------------------------------------------------------------------
// Tools

/** A tool found, its version being asked for. */
interface FoundTool {
  name: ToolName;
  path: string;
  version: Promise<string>;
}

/** Finds the tools and starts asking their versions; a missing tool is a note, or (required) the error returned. */
async function findTools(options: ToolOptions, needed: Set<ToolName>, report: CheckReport): Promise<{ found: FoundTool[]; error?: EnvironmentError }> {
  const found: FoundTool[] = [];
  const missing: Finding[] = [];
  for (const name of needed) {
    const path = await findTool(name, name === "promtool" ? options.promtool : options.amtool, options.env.PATH);
    if (!path) {
      const problem: Finding = {
        id: "tool/missing",
        severity: options.requireTools ? "error" : "warning",
        message: `${name} not found: its checks were skipped`,
        hint: INSTALL_HINT[name],
      };
      if (options.requireTools) missing.push(problem);
      else report.notes.push(`${name} not found on PATH: its checks were skipped (${INSTALL_HINT[name]})`);
      continue;
    }
    found.push({ name, path, version: started(toolVersion(path, options.run, toolEnv(options.env))) });
  }
  return { found, ...(missing.length > 0 ? { error: new EnvironmentError(missing) } : {}) };
}

/** A promise awaited later: its rejection is handled where it is awaited, not reported as unhandled meanwhile. */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Tools get PATH and HOME only: never the variables' values. */
function toolEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return { PATH: env.PATH, HOME: env.HOME, LANG: "C" };
}

export function planToolInvocations(
  laidOut: { subject: Subject; checkedPath: string }[],
  tests: string[],
  context: { syntaxOnly?: boolean; agent?: boolean },
): ToolInvocation[] {
  const plan: ToolInvocation[] = [];
  const configFlags = [...(context.syntaxOnly ? ["--syntax-only"] : []), ...(context.agent ? ["--agent"] : [])];
  for (const { subject, checkedPath } of laidOut) {
    if (subject.kind === "prometheus-config")
      plan.push({ tool: "promtool", id: "promtool/config", args: ["check", "config", ...configFlags, checkedPath], files: [checkedPath] });
    if (subject.kind === "web-config")
      plan.push({ tool: "promtool", id: "promtool/web-config", args: ["check", "web-config", checkedPath], files: [checkedPath] });
    if (subject.kind === "alertmanager-config") plan.push({ tool: "amtool", id: "amtool/config", args: ["check-config", checkedPath], files: [checkedPath] });
  }
  const rules = laidOut.filter((l) => l.subject.kind === "prometheus-rules").map((l) => l.checkedPath);
  if (rules.length > 0) plan.push({ tool: "promtool", id: "promtool/rules", args: ["check", "rules", ...rules], files: rules });
  if (tests.length > 0) plan.push({ tool: "promtool", id: "promtool/test-rules", args: ["test", "rules", ...tests], files: tests });
  return plan;
}

/** A file laid out for the tools: where they read it, and the subject its findings belong to. */
interface CheckedFile {
  subject: Subject;
  checkedPath: string;
}

interface ToolRun {
  configs: CheckedFile[];
  tests: CheckedFile[];
  /** The folder the tools run in when an invocation names no file. */
  cwd: string;
  syntaxOnly?: boolean;
  agent?: boolean;
  /**
   * The temporary layout the files were copied to, when they were (a rendered project): its path is dropped from the
   * tools' messages, and where a tool and the built-in checks disagree, the report says which is older.
   */
  layout?: string;
}

/**
 * Rendered outputs are checked in a temporary folder laid out like the container, then the folder is removed. The
 * built-in checks (`checkBuiltIn`) run while the tools do.
 */
async function runToolsOnLayout(
  subjects: Subject[],
  parses: Map<Subject, ParsedDocument>,
  rendered: ProjectRender,
  options: ToolOptions & { agent?: boolean },
  report: CheckReport,
  checkBuiltIn: () => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(options.env.TMPDIR ?? tmpdir(), "promplate-check-"));
  try {
    const inputs: LayoutInput[] = [];
    for (const s of subjects) inputs.push({ kind: s.kind as OutputKind, runtimePath: s.runtimePath, content: await toolCopy(s, parses.get(s)), data: s.data });
    const written = await writeLayout(root, inputs);
    const configs = written.map((w, i) => ({ subject: subjects[i]!, checkedPath: w.checkedPath }));
    const tests = await layOutTests(root, rendered.project, rendered.files, configs);
    const finishTools = await startToolChecks({ configs, tests, cwd: root, agent: options.agent, layout: root }, options, report);
    await whileToolsRun(checkBuiltIn, finishTools);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The text promtool reads: a rule file of another dialect without that dialect's fields, line for line (rules-dialect.ts). */
async function toolCopy(subject: Subject, parsed: ParsedDocument | undefined): Promise<string> {
  if (subject.kind !== "prometheus-rules" || !subject.dialect || subject.dialect === "prometheus" || subject.data === undefined) return subject.content;
  const { withoutDialectFields } = await import("./checks/rules-dialect.js");
  const { createLocator } = await import("./checks/positions.js");
  const locator = createLocator(subject.content, parsed && "data" in parsed ? parsed : undefined);
  return withoutDialectFields(subject.content, subject.data, subject.dialect, (path) => locator({ path, atKey: true }));
}

/**
 * Starts the planned promtool/amtool invocations, all at once, and returns what adds their findings, in the
 * subjects' own terms, to the report once they end. The caller runs the built-in checks in between, so that the
 * tools and the built-in checks run at the same time; the findings are read and added in the plan's order, after
 * the built-in checks, as if the tools had run after them.
 */
async function startToolChecks(run: ToolRun, options: ToolOptions, report: CheckReport): Promise<() => Promise<void>> {
  const plan = planToolInvocations(
    run.configs,
    run.tests.map((t) => t.checkedPath),
    run,
  );
  const { found, error } = await findTools(options, new Set(plan.map((p) => p.tool)), report);
  const runs = error
    ? []
    : plan.flatMap((invocation) => {
        const tool = found.find((t) => t.name === invocation.tool);
        if (!tool) return [];
        const result = started(options.run(tool.path, invocation.args, { cwd: dirname(invocation.files[0] ?? run.cwd), env: toolEnv(options.env) }));
        return [{ invocation, result }];
      });
  return async () => {
    if (error) throw error;
    const tools = new Map<ToolName, Tool>();
    for (const { name, path, version } of found) {
      const tool: Tool = { name, path, version: await version };
      tools.set(name, tool);
      report.tools.push(tool);
    }
    for (const { invocation, result } of runs) addToolFindings(run, invocation, tools.get(invocation.tool)!, await result, report);
  };
}

/** Runs the built-in checks, then waits for the tools started before them and adds their findings. */
async function whileToolsRun(checkBuiltIn: () => Promise<void>, finishTools: () => Promise<void>): Promise<void> {
  try {
    await checkBuiltIn();
  } catch (error) {
    // The tools' children end before the error is reported; their findings no longer matter.
    await finishTools().catch(() => {});
    throw error;
  }
  await finishTools();
}

/** Adds an invocation's findings to the report, in the subjects' own terms. */
function addToolFindings(run: ToolRun, invocation: ToolInvocation, tool: Tool, result: RunResult, report: CheckReport): void {
  const byCheckedPath = new Map<string, Subject>([...run.configs, ...run.tests].map((c) => [c.checkedPath, c.subject]));
  for (const finding of mergeTestFailures(invocation, parseToolOutput(invocation, tool, result, report.redact))) {
    const subject = byCheckedPath.get(finding.file ?? "") ?? byCheckedPath.get(invocation.files[0] ?? "");
    const builtInAccepts = subject && !subject.findings.some((f) => f.severity === "error");
    const differs =
      run.layout !== undefined && finding.severity === "error" && builtInAccepts && invocation.id !== "promtool/test-rules"
        ? ` (promplate's built-in checks, which follow current Prometheus and Alertmanager, accept this file: ${tool.name} ${tool.version} may be older)`
        : "";
    let message = run.layout === undefined ? finding.message : finding.message.split(run.layout).join("");
    // A plain file checked as a copy (a rule file of another dialect) is named as given, not by the copy's path.
    for (const [checkedPath, checked] of byCheckedPath) if (checkedPath !== checked.runtimePath) message = message.split(checkedPath).join(checked.name);
    const file = subject?.name ?? (run.layout === undefined ? finding.file : relative(run.layout, finding.file ?? ""));
    const line = subject ? templateLine(subject, finding.line) : finding.line;
    report.findings.push(createFinding(report.redact, { ...finding, message: `${message}${differs}`, file, line }));
  }
  if (run.layout === undefined || result.exitCode !== 0) return;
  for (const file of invocation.files) {
    const subject = byCheckedPath.get(file);
    if (subject?.findings.some((f) => f.severity === "error" && !f.id.startsWith("cross-file/"))) {
      report.notes.push(
        report.redact(`${tool.name} ${tool.version} accepts ${subject.name}, which promplate's built-in checks reject (they follow current upstream)`),
      );
    }
  }
}

/** A failing unit test prints many lines; keep them as one finding per test file. */
function mergeTestFailures(invocation: ToolInvocation, findings: Finding[]): Finding[] {
  if (invocation.id !== "promtool/test-rules" || findings.length <= 1) return findings;
  const first = findings[0]!;
  return [{ ...first, message: findings.map((f, i) => (i === 0 ? f.message : f.message.replace(/^\S+ \S+: /, ""))).join("\n    ") }];
}

/**
 * Copies the project's rule unit tests into the layout with their `rule_files` pointing at the rendered rules,
 * so the tests run against what will be deployed rather than the templates.
 */
async function layOutTests(root: string, project: Project, files: RenderedFile[], laidOut: CheckedFile[]): Promise<CheckedFile[]> {
  const checkedByTemplate = new Map<string, string>();
  files.forEach((file) => {
    const match = laidOut.find((l) => l.subject.name === file.source.templateName);
    if (match) checkedByTemplate.set(file.source.templatePath, match.checkedPath);
  });
  const result: CheckedFile[] = [];
  for (const test of project.tests) {
    const source = join(project.dir, test);
    let text: string;
    try {
      text = await readRegularFile(source, MAX_DOCUMENT_BYTES, DOCUMENT_LIMIT_HINT);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new BadInputError([{ id: "project/test-missing", severity: "error", message: `rule test file ${test} not found`, file: project.file }]);
      }
      throw cannotRead(error, `rule test file ${test}`, "project/test-unreadable");
    }
    const document = parseDocument(text, { keepSourceTokens: true, logLevel: "silent" });
    const ruleFiles = document.get("rule_files", true);
    const edits: { from: number; to: number; text: string }[] = [];
    if (isSeq(ruleFiles)) {
      for (const item of ruleFiles.items) {
        if (!isScalar(item) || typeof item.value !== "string" || !item.range) continue;
        const target = checkedByTemplate.get(isAbsolute(item.value) ? item.value : join(dirname(source), item.value));
        if (target) edits.push({ from: item.range[0], to: item.range[1], text: JSON.stringify(target) });
      }
    }
    let copy = text;
    for (const edit of edits.sort((a, b) => b.from - a.from)) copy = copy.slice(0, edit.from) + edit.text + copy.slice(edit.to);
    const checkedPath = join(root, ".promplate-tests", posix.normalize(test).replace(/^(\.\.\/)+/, ""));
    await mkdir(dirname(checkedPath), { recursive: true });
    await writeFile(checkedPath, copy);
    result.push({ checkedPath, subject: { kind: "rule-test", name: test, content: text, runtimePath: checkedPath, findings: [] } });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Plain files

export interface CheckFilesOptions extends ToolOptions {
  cwd: string;
  kind?: ConfigKind;
  agent?: boolean;
  /** As promtool's --syntax-only: do not check that referenced files exist. */
  syntaxOnly?: boolean;
  /** Secret values to mask in the report (in a project, its secret variables' values: the files may hold them). */
  secrets?: readonly string[];
  /** The dialect of the rule files. @default "prometheus" */
  rulesDialect?: RulesDialect;
}

/** `check FILE…`: plain files, no project, checked where they are. */
export async function checkFiles(paths: string[], options: CheckFilesOptions): Promise<CheckReport> {
  const redact = createRedactor(options.secrets ?? []);
  const report: CheckReport = { findings: [], tools: [], notes: [], redact };
  const subjects: Subject[] = [];
  const parses = new Map<Subject, ParsedDocument>();
  for (const path of paths) {
    const absolute = isAbsolute(path) ? path : join(options.cwd, path);
    const content = await readDocument(absolute, path, "input/file");
    const parsed = parseDocumentData(content);
    const kind = options.kind ?? ("data" in parsed ? inferKind(parsed.data) : undefined) ?? kindFromName(path);
    if (!kind && "error" in parsed) {
      // What a file is cannot be told when it does not parse: its YAML error is the finding.
      const { message, line, column } = parsed.error;
      subjects.push({ kind: "yaml", name: path, content, runtimePath: absolute, findings: [{ id: "yaml/syntax", severity: "error", message, line, column }] });
      continue;
    }
    if (!kind) {
      throw new BadInputError([
        {
          id: "input/kind",
          severity: "error",
          message: `cannot tell what ${path} is`,
          hint: "pass --kind prometheus-config|prometheus-rules|alertmanager-config|web-config",
        },
      ]);
    }
    const subject: Subject = { kind, name: path, content, runtimePath: absolute, findings: [] };
    if (kind === "prometheus-rules" && options.rulesDialect) subject.dialect = options.rulesDialect;
    if ("data" in parsed) subject.data = parsed.data;
    subjects.push(subject);
    parses.set(subject, parsed);
  }
  let finishTools = async () => {};
  // Rule files of another dialect are given to promtool as copies without the dialect's fields, in a temporary folder.
  let copies: string | undefined;
  const checkedPaths = new Map<Subject, string>();
  if (options.tools) {
    for (const subject of subjects) {
      const copy = await toolCopy(subject, parses.get(subject));
      if (copy === subject.content) continue;
      copies ??= await mkdtemp(join(options.env.TMPDIR ?? tmpdir(), "promplate-check-"));
      const checkedPath = join(copies, String(checkedPaths.size), basename(subject.runtimePath));
      await mkdir(dirname(checkedPath), { recursive: true });
      await writeFile(checkedPath, copy, { mode: 0o600 });
      checkedPaths.set(subject, checkedPath);
    }
  }
  if (options.tools) {
    // Plain files are checked where they are: their references resolve as the tools would resolve them.
    const checked = (kind: (k: Subject["kind"]) => boolean) =>
      subjects.filter((s) => kind(s.kind)).map((subject) => ({ subject, checkedPath: checkedPaths.get(subject) ?? subject.runtimePath }));
    const run = {
      configs: checked((k) => k !== "rule-test"),
      tests: checked((k) => k === "rule-test"),
      cwd: options.cwd,
      syntaxOnly: options.syntaxOnly,
      agent: options.agent,
    };
    finishTools = await startToolChecks(run, options, report);
  }
  const checkBuiltIn = async () => {
    for (const subject of subjects) {
      const parsed = parses.get(subject);
      if (!parsed || subject.kind === "rule-test" || !isConfigKind(subject.kind)) continue;
      const kind = subject.kind;
      const base = dirname(subject.runtimePath);
      // A config kind is parsed as a single document, as the kind was guessed from: that parse serves the checks.
      subject.analyses = new Map();
      const checkOptions = {
        agent: options.agent,
        scrapeConfigFiles: includedScrapeConfigs(base),
        rulesDialect: subject.dialect,
        ruleAnalyses: subject.analyses,
      };
      const result = await checkDocument(kind, subject.content, checkOptions, [], parsed);
      subject.data = result.data;
      subject.findings.push(...result.findings);
      if (!options.syntaxOnly && result.data !== undefined) {
        subject.findings.push(...(await locate(subject.content, referencedFileFindings(kind, result.data, filesFrom(base)))));
      }
    }
    await lintRules(subjects, parses, { project: false });
  };
  try {
    await whileToolsRun(checkBuiltIn, finishTools);
  } finally {
    if (copies) await rm(copies, { recursive: true, force: true });
  }
  report.findings.unshift(...subjects.flatMap((s) => findingsOf(s, redact)));
  return report;
}

/**
 * `check FILE` in a project: the values its secret variables have here (local sources only, as `scan` looks for
 * them), so that a rendered output's secrets are masked in the report. Outside a project, or when the project
 * cannot be read, there is nothing known to mask.
 */
export async function projectSecretValues(options: SourceOptions & { dir: string }): Promise<string[]> {
  try {
    if ((await findProject(options.dir)) === undefined) return [];
    const { resolveScanSecrets } = await import("./image.js");
    return (await resolveScanSecrets(options)).secrets.map((secret) => secret.value);
  } catch {
    return [];
  }
}

/** Reads the files a plain config includes with `scrape_config_files`, as Prometheus would at load. */
function includedScrapeConfigs(base: string) {
  return (glob: string) =>
    filesFrom(base)
      .glob(glob)
      .map((file) => {
        try {
          const parsed = parseDocumentData(readRegularFileSync(file, MAX_DOCUMENT_BYTES).toString("utf8"));
          return "data" in parsed ? { file, data: parsed.data } : { file, error: parsed.error.message };
        } catch (error) {
          return { file, error: (error as Error).message };
        }
      });
}

/** The file system as a server whose config sits in `base` sees it (Go's filepath.Glob: patterns in the last element). */
function filesFrom(base: string): ReferencedFiles {
  const resolve = (name: string) => (isAbsolute(name) ? name : join(base, name));
  return {
    exists: (file) => existsSync(resolve(file)),
    glob: (glob) => {
      const pattern = resolve(glob);
      const matcher = globToRegExp(pattern);
      let names: string[] = [];
      try {
        names = readdirSync(dirname(pattern));
      } catch {
        return [];
      }
      return names.map((name) => join(dirname(pattern), name)).filter((file) => matcher.test(file));
    },
  };
}

function kindFromName(path: string): ConfigKind | undefined {
  const name = basename(path).toLowerCase();
  if (name.includes("alertmanager")) return "alertmanager-config";
  if (name.includes("prometheus")) return "prometheus-config";
  if (name.includes("rule")) return "prometheus-rules";
  return undefined;
}
