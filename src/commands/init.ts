import type { Command } from "commander";
import { ExitCode, fromCwd, type CommandContext, type SetExit } from "./options.js";

export function registerInit(program: Command, context: CommandContext, setExit: SetExit): void {
  program
    .command("init")
    .argument("[DIR]", "where to create the project (default: -C DIR, else the working folder)")
    .description("scaffold a project from the embedded example: templates, promplate.yaml, Dockerfiles, ignore files")
    .action(async (dir: string | undefined) => {
      const { initProject } = await import("../init.js");
      const target = fromCwd(context, dir) ?? context.dir;
      const result = await initProject(target);
      for (const file of result.written) context.io.stdout.write(`created ${file}\n`);
      if (result.gitignoreAdded.length > 0) context.io.stdout.write(`.gitignore: added ${result.gitignoreAdded.filter((l) => !l.startsWith("#")).join(" ")}\n`);
      context.io.stderr.write("promplate: next: promplate check --examples, then promplate compose --examples\n");
      setExit(ExitCode.ok);
    });
}
