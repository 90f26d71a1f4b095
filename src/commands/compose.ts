import { Option, type Command } from "commander";
import { addSourceOptions, ExitCode, instanceSelection, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";

interface ComposeFlags extends SourceFlags {
  examples?: boolean;
  composeFile: string;
  engine: "docker" | "podman";
  pushgateway?: boolean;
  instance?: string;
  shard?: string;
}

export function registerCompose(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("compose")
      .description("write docker-compose.yml and one 0600, git-ignored env file per service (prometheus, alertmanager, node-exporter)")
      .option("--examples", "fill the env files with example values (no environment, files or AWS)")
      .option("--compose-file <FILE>", "the compose file to write", "docker-compose.yml")
      .addOption(new Option("--engine <ENGINE>", "how Prometheus reaches node-exporter on the host").choices(["docker", "podman"]).default("docker"))
      .option("--pushgateway", "add a Pushgateway service")
      .option("--instance <NAME>", "the instance to run, in a project with instances (required there)")
      .option("--shard <N>", "the shard to run, for a sharded instance (required there)"),
  ).action(async (flags: ComposeFlags) => {
    const { planCompose, writeCompose } = await import("../compose.js");
    const { currentUid, systemGit } = await import("../process.js");
    const { io } = context;
    const plan = await planCompose({
      dir: context.dir,
      examples: flags.examples,
      composeFile: flags.composeFile,
      engine: flags.engine,
      pushgateway: flags.pushgateway,
      ...instanceSelection(flags.instance, flags.shard),
      home: io.env.HOME,
      uid: currentUid(),
      ...sourceOptions(context, flags),
    });
    // Ignored and untracked before anything secret is written.
    const git = await writeCompose(context.dir, plan, systemGit(io.env));
    const secretNote = git.checked ? "0600, git-ignored" : "0600; not in a git work tree, so not checked against git";
    for (const file of plan.files) io.stdout.write(`wrote ${file.path} (${file.mode === 0o600 ? secretNote : "0644, no secrets"})\n`);
    if (git.added.length > 0) io.stdout.write(`.gitignore: added ${git.added.join(" ")}\n`);
    for (const note of plan.notes) io.stderr.write(`promplate: ${note}\n`);
    setExit(ExitCode.ok);
  });
}
