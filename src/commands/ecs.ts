import type { Command } from "commander";
import { addSourceOptions, ExitCode, fromCwd, logTo, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";

interface EcsFlags extends SourceFlags {
  out?: string;
  examples?: boolean;
  instance?: string;
  tag: string;
  executionRole?: string;
  taskRole?: string;
  region?: string;
  account?: string;
}

export function registerEcs(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("ecs")
      .description("write an ECS task definition (RegisterTaskDefinition input) per instance and server: DIR/{instance}/{service}.json")
      .option("--out <DIR>", "the folder to write to (default: deploy/ecs in the project folder)")
      .option("--examples", "example values, account 123456789012, and no call to AWS")
      .option("--instance <NAME>", "only this instance")
      .option("--tag <REF>", "the images, as promplate build --tag names them", "promplate-{service}:latest")
      .option("--execution-role <ARN>", "executionRoleArn: the role ECS reads the secrets with (needed when there are secrets)")
      .option("--task-role <ARN>", "taskRoleArn: the role the container runs as (x-aws credentials, EC2 discovery)")
      .option("--region <REGION>", "the region of the secrets (default: the instance's AWS_REGION value, else the credential chain's)")
      .option("--account <ID>", "the account of the secrets (default: STS GetCallerIdentity)"),
  ).action(async (flags: EcsFlags) => {
    const { planEcs, writeEcs } = await import("../ecs.js");
    const { io } = context;
    const plan = await planEcs({
      dir: context.dir,
      out: fromCwd(context, flags.out),
      examples: flags.examples,
      instance: flags.instance,
      tag: flags.tag,
      executionRole: flags.executionRole,
      taskRole: flags.taskRole,
      region: flags.region,
      account: flags.account,
      ...sourceOptions(context, flags),
    });
    await writeEcs(plan);
    for (const planned of plan.definitions) {
      const container = planned.definition.containerDefinitions[0]!;
      io.stdout.write(
        `wrote ${fromCwdRelative(context, plan.root, planned.path)} (family ${planned.definition.family}, ${container.environment.length} environment, ${container.secrets.length} secret${container.secrets.length === 1 ? "" : "s"})\n`,
      );
    }
    const log = logTo(io);
    for (const note of plan.notes) log(note);
    setExit(ExitCode.ok);
  });
}

/** The written file as the user would type it: relative to the working folder when it is inside it. */
function fromCwdRelative(context: CommandContext, root: string, path: string): string {
  const full = `${root}/${path}`;
  return full.startsWith(`${context.io.cwd}/`) ? full.slice(context.io.cwd.length + 1) : full;
}
