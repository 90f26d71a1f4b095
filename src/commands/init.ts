import type { Command } from "commander";
import { BadInputError } from "../errors.js";
import { ExitCode, fromCwd, type CommandContext, type SetExit } from "./options.js";

export function registerInit(program: Command, context: CommandContext, setExit: SetExit): void {
  program
    .command("init")
    .argument("[DIR]", "where to create the project (default: -C DIR, else the working folder)")
    .description("scaffold a project from the embedded example: templates, promplate.yaml, Dockerfiles, ignore files")
    .option("--fleet", "the fleet example: three instances (two production regions, one sharded in two, and staging), secrets from SSM and Secrets Manager")
    .option("--operator", "with --fleet: its prometheus-operator variant (prometheus.yml holds only scrape jobs; the operator shards)")
    .action(async (dir: string | undefined, flags: { fleet?: boolean; operator?: boolean }) => {
      if (flags.operator && !flags.fleet) {
        throw new BadInputError([
          { id: "input/flag", severity: "error", message: "--operator goes with --fleet", hint: "promplate init --fleet --operator [DIR]" },
        ]);
      }
      const { initProject } = await import("../init.js");
      const target = fromCwd(context, dir) ?? context.dir;
      const result = await initProject(target, { fleet: flags.fleet, operator: flags.operator });
      for (const file of result.written) context.io.stdout.write(`created ${file}\n`);
      if (result.gitignoreAdded.length > 0) context.io.stdout.write(`.gitignore: added ${result.gitignoreAdded.filter((l) => !l.startsWith("#")).join(" ")}\n`);
      const next = flags.operator
        ? "promplate check --examples, then promplate kubernetes --examples --operator --rule-labels K=V --secret-store ssm=parameters-{instance} --secret-store secretsmanager=secrets-{instance}"
        : flags.fleet
          ? "promplate check --examples, then promplate kubernetes --examples --secret-store ssm=parameters-{instance} --secret-store secretsmanager=secrets-{instance} (or promplate ecs --examples --execution-role ROLE)"
          : "promplate check --examples, then promplate compose --examples";
      context.io.stderr.write(`promplate: next: ${next}\n`);
      setExit(ExitCode.ok);
    });
}
