/**
 * The container entrypoint: render one service's outputs where the server reads them, check them, then run the
 * server as a child with the declared variables removed from its environment, forwarding signals and returning its
 * exit code. With `watch`, a changed secret, env file or template re-renders, and only a valid, different result
 * replaces the files and reloads the server.
 */
import { realpathSync, watch, type FSWatcher } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { BUG_REPORT, CheckFailedError, EnvironmentError, PromplateError } from "./errors.js";
import { apply, changedCount, prepare, type PrepareResult } from "./pipeline.js";
import { findExecutable, type ChildServer, type ProcessRunner, type ServerStarter } from "./process.js";
import type { Project } from "./project.js";
import type { RulesDialect } from "./checks/rules-dialect.js";
import type { ProjectRender, RenderProjectOptions } from "./render.js";
import { formatLine } from "./report.js";

/** Static AWS credentials never reach the server's environment, except through `--aws-env` (the deliberate pass-through). */
export const AWS_CREDENTIAL_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] as const;

export interface ExecOptions extends Omit<RenderProjectOptions, "services" | "examples"> {
  service: string;
  /** The instance (and shard) this server is, in a project with instances. */
  instance?: string;
  shard?: number;
  /** Write runtime paths under this folder instead of `/` (host tests, unprivileged runs). */
  out?: string;
  /** Variables to leave in the child's environment although declared. */
  keepEnv?: string[];
  /**
   * `--aws-env`: resolve AWS credentials with the SDK's chain and pass AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
   * AWS_SESSION_TOKEN to the child's environment (only there), for Prometheus' ec2_sd_configs without keys in the file.
   */
  awsEnv?: boolean;
  toolChecks?: boolean;
  /** The dialect of rule files whose output does not set one. */
  rulesDialect?: RulesDialect;
  watch?: boolean;
  /** POST here to reload instead of sending SIGHUP (e.g. http://127.0.0.1:9090/-/reload). */
  reloadUrl?: string;
  /** Secret-file mode: secrets go to 0600 files here and the configs reference them. */
  secretFilesDir?: string;
  command: string;
  args: string[];
  /** Log lines (redacted) go here: stderr in the CLI. */
  log(line: string): void;
  /** Runs promtool/amtool for `toolChecks` (src/process.ts `runProcess` in the CLI). */
  runTool: ProcessRunner;
  /** Starts the server (src/process.ts `startServer` in the CLI). */
  start: ServerStarter;
}

/** The child's environment: promplate's, minus every declared variable, its NAME_FILE and AWS credentials. */
export function childEnvironment(env: Readonly<Record<string, string | undefined>>, project: Project, keep: readonly string[] = []): Record<string, string> {
  const removed = new Set<string>(AWS_CREDENTIAL_VARIABLES);
  for (const name of project.variables.keys()) {
    removed.add(name);
    removed.add(`${name}_FILE`);
  }
  for (const name of keep) removed.delete(name);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !removed.has(name)) result[name] = value;
  return result;
}

/**
 * Renders, checks and plans the service's outputs at their runtime paths (src/pipeline.ts); throws CheckFailedError
 * when a check finds an error, and logs the warnings.
 */
async function prepareService(options: ExecOptions, toolChecks: boolean): Promise<PrepareResult> {
  const prepared = await prepare({
    ...options,
    services: [options.service],
    oneTarget: { instanceFlag: "--instance NAME (or PROMPLATE_INSTANCE)", shardFlag: "--shard N (or PROMPLATE_SHARD)" },
    checks: { promql: toolChecks, tools: toolChecks, requireTools: true, run: options.runTool, env: options.env, rulesDialect: options.rulesDialect },
    target: { layout: "runtime", out: options.out },
  });
  for (const { variable, output, field } of prepared.secretFiles?.inline ?? [])
    options.log(`${variable} stays inline in ${output} at ${field} (that field has no *_file form)`);
  if (prepared.failed) throw new CheckFailedError(prepared.report.findings);
  for (const warning of prepared.report.findings) options.log(formatLine(warning));
  return prepared;
}

/** Runs the whole entrypoint; resolves with the exit code to return (the child's, or 128 + its signal). */
export async function execService(options: ExecOptions): Promise<number> {
  const prepared = await prepareService(options, options.toolChecks === true);
  const { rendered } = prepared;
  const env = childEnvironment(options.env, rendered.project, options.keepEnv);
  if (options.awsEnv) Object.assign(env, await awsEnvironment(options));
  await apply(prepared, { leaveCurrentRoots: true });
  const child = await startChild(options, env);

  // From here on the exit status is the server's: a failure of promplate's own is logged, never returned.
  let watching: { close(): void } | undefined;
  try {
    if (options.watch) watching = startWatching(options, rendered, child);
  } catch (error) {
    options.log(`cannot watch for changes, the server runs without --watch: ${oneLine(error)}`);
  }
  try {
    return await child.exited;
  } finally {
    watching?.close();
  }
}

/** The credentials `--aws-env` passes to the child; EnvironmentError when none resolve. */
async function awsEnvironment(options: ExecOptions): Promise<Record<string, string>> {
  const { resolveAwsEnvironment } = await import("./aws.js");
  const aws = await resolveAwsEnvironment({ env: options.env, profile: options.awsProfile });
  const expires = aws.expires ? `; they expire at ${aws.expires.toISOString()} and are not renewed while the server runs` : "";
  options.log(`--aws-env: passing AWS credentials from ${aws.origin} to the server's environment${expires}`);
  return aws.env;
}

/** Starts the server with the environment given; EnvironmentError (exit 3) when it cannot. */
async function startChild(options: ExecOptions, env: Record<string, string>): Promise<ChildServer> {
  const { command, args } = options;
  const cannotRun = (reason: string) => new EnvironmentError([{ id: "exec/command", severity: "error", message: `cannot run ${command}: ${reason}` }]);
  if (!(await findExecutable(command, options.env.PATH))) throw cannotRun("not found or not executable");
  try {
    return await options.start(command, args, { env, path: options.env.PATH });
  } catch (error) {
    throw cannotRun((error as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// --watch

/** Folders whose changes can change the rendered output: templates, the env file, secret files. */
export function watchedFolders(options: ExecOptions, rendered: ProjectRender): string[] {
  const folders = new Set<string>();
  for (const file of rendered.files) folders.add(dirname(file.source.templatePath));
  folders.add(rendered.project.dir); // promplate.yaml
  if (options.envFile) folders.add(dirname(options.envFile));
  const secretsDir = options.secretsDir ?? options.defaultSecretsDir ?? "/run/secrets";
  folders.add(secretsDir);
  for (const name of rendered.project.variables.keys()) {
    const file = options.env[`${name}_FILE`];
    if (!file) continue;
    const path = isAbsolute(file) ? file : join(options.dir, file);
    // Watch the folder, not the file: Kubernetes updates secret volumes by swapping a `..data` symlink. Also the
    // folder the symlink leads to now, where a plain write to the file lands.
    folders.add(dirname(path));
    try {
      folders.add(dirname(realpathSync(path)));
    } catch {
      // not there (yet): the folder watch sees it appear
    }
  }
  return [...folders];
}

function startWatching(options: ExecOptions, initial: ProjectRender, child: ChildServer): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  // After a `..data` swap the symlinks lead to a new folder: watch it too.
  let afterRender: (rendered: ProjectRender) => void = () => undefined;
  const rerender = async () => {
    try {
      const prepared = await prepareService(options, false);
      afterRender(prepared.rendered);
      const changed = changedCount(await apply(prepared, { leaveCurrentRoots: true }));
      if (changed === 0) return;
      await reload(options, child);
      options.log(`configuration changed (${changed} file${changed === 1 ? "" : "s"}); reloaded`);
    } catch (error) {
      // The server keeps running with the configuration it has, whatever went wrong: one line, redacted by
      // construction (findings never hold values). The server's exit status stays the only one promplate returns.
      if (!(error instanceof PromplateError)) {
        options.log(`re-render failed, keeping the running configuration: internal error: ${oneLine(error)} (${BUG_REPORT})`);
        return;
      }
      const first = error.findings.find((p) => p.severity === "error") ?? error.findings[0];
      const more = error.findings.length > 1 ? ` (and ${error.findings.length - 1} more)` : "";
      options.log(`re-render failed, keeping the running configuration: ${first ? formatLine(first) : "error"}${more}`);
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    // Debounce: an editor or a secret volume update is several events.
    timer = setTimeout(() => {
      running = running.then(rerender);
    }, 150);
  };
  const watchers = new Map<string, FSWatcher>();
  const watchFolders = (rendered: ProjectRender) => {
    for (const folder of watchedFolders(options, rendered)) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, { persistent: false }, schedule);
        watcher.on("error", () => undefined);
        watchers.set(folder, watcher);
      } catch {
        // A folder that does not exist (no /run/secrets) has nothing to watch.
      }
    }
  };
  watchFolders(initial);
  afterRender = watchFolders;
  return { close: () => watchers.forEach((w) => w.close()) };
}

async function reload(options: ExecOptions, child: ChildServer): Promise<void> {
  if (!options.reloadUrl) {
    child.kill("SIGHUP");
    return;
  }
  const failed = (reason: string) => new EnvironmentError([{ id: "exec/reload", severity: "error", message: `reload at ${options.reloadUrl} ${reason}` }]);
  let response: Response;
  try {
    response = await fetch(options.reloadUrl, { method: "POST" });
  } catch (error) {
    throw failed(`failed: ${oneLine(error)}`);
  }
  if (!response.ok) throw failed(`answered ${response.status}`);
}

function oneLine(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
