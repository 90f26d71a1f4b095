import type { Command } from "commander";
import {
  addSourceOptions,
  fromCwd,
  instanceSelection,
  logTo,
  rulesDialectOption,
  sourceOptions,
  type CommandContext,
  type SetExit,
  type SourceFlags,
} from "./options.js";

interface ExecFlags extends SourceFlags {
  service: string;
  instance?: string;
  shard?: string;
  out?: string;
  keepEnv?: string[];
  awsEnv?: boolean;
  toolChecks?: boolean;
  watch?: boolean;
  reloadUrl?: string;
  writeSecretFiles?: string;
  rulesDialect?: "prometheus" | "thanos" | "mimir";
}

export function registerExec(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("exec")
      .argument("<command...>", "the server to run, after --, with its flags")
      .description("render a service's outputs to their runtimePath, check them, then run the server as a child")
      .requiredOption("--service <NAME>", "the service whose outputs and variables to use")
      .option("--instance <NAME>", "the instance this server is, in a project with instances (default: PROMPLATE_INSTANCE)")
      .option("--shard <N>", "the shard this server is, for a sharded instance (default: PROMPLATE_SHARD)")
      .option("--out <DIR>", "write runtime paths under DIR instead of /")
      .option("--keep-env <NAME>", "leave a declared variable in the child's environment (repeatable)", (value: string, previous: string[] = []) => [
        ...previous,
        value,
      ])
      .option(
        "--aws-env",
        "pass AWS credentials from the AWS credential chain to the server's environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
      )
      .option("--tool-checks", "also run promtool/amtool before starting (slower start)")
      .addOption(rulesDialectOption())
      .option("--watch", "re-render when a secret file, the env file or a template changes, and reload the server")
      .option("--write-secret-files <DIR>", "put each secret in its own 0600 file under DIR and reference it with the *_file field")
      .option("--reload-url <URL>", "reload with a POST to URL (e.g. http://127.0.0.1:9090/-/reload) instead of SIGHUP"),
  ).action(async (command: string[], flags: ExecFlags) => {
    const { io } = context;
    const { execService } = await import("../exec.js");
    const { runProcess, startServer } = await import("../process.js");
    const [file, ...args] = command;
    const log = logTo(io);
    const code = await execService({
      dir: context.dir,
      service: flags.service,
      ...instanceSelection(flags.instance ?? io.env.PROMPLATE_INSTANCE, flags.shard ?? io.env.PROMPLATE_SHARD),
      out: fromCwd(context, flags.out),
      keepEnv: flags.keepEnv,
      awsEnv: flags.awsEnv,
      toolChecks: flags.toolChecks,
      rulesDialect: flags.rulesDialect,
      watch: flags.watch,
      reloadUrl: flags.reloadUrl,
      secretFilesDir: fromCwd(context, flags.writeSecretFiles),
      command: file!,
      args,
      log,
      runTool: runProcess,
      start: startServer,
      ...sourceOptions(context, flags),
    });
    setExit(code);
  });
}
