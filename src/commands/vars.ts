import type { Command } from "commander";
import { addSourceOptions, ExitCode, instanceOption, serviceOption, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";

interface VarsFlags extends SourceFlags {
  service?: string[];
  instance?: string;
  examples?: boolean;
  format?: "text" | "json";
}

export function registerVars(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("vars")
      .description("list variables: type, services using them, the source that supplied each, value (secrets as ***)")
      .addOption(serviceOption("variables this service uses"))
      .addOption(instanceOption("this instance's values"))
      .option("--examples", "show the example values check --examples uses (no environment, files or cloud)")
      .option("--format <FORMAT>", "text or json", "text"),
  ).action(async (flags: VarsFlags) => {
    const { listVariables, variableFindings } = await import("../vars.js");
    const rows = await listVariables({
      dir: context.dir,
      services: flags.service,
      examples: flags.examples,
      instance: flags.instance,
      ...sourceOptions(context, flags),
    });
    if (flags.format === "json") {
      context.io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      const header = {
        instance: "INSTANCE",
        name: "NAME",
        type: "TYPE",
        services: "SERVICES",
        source: "SOURCE",
        value: "VALUE",
        status: "STATUS",
        expires: "EXPIRES",
      };
      const table = [
        header,
        ...rows.map((r) => ({
          ...r,
          instance: r.instance ?? "-",
          services: r.services.join(",") || "-",
          // A store's origin names it already (`vault: secret/monitoring#webhook`).
          source: r.origin ? (r.origin.startsWith(`${r.source}: `) ? r.origin : `${r.source}: ${r.origin}`) : (r.source ?? "-"),
          value: r.value,
          expires: r.expires ?? "-",
        })),
      ];
      // INSTANCE only for a project with instances; EXPIRES only when a temporary AWS credential is in the table.
      const keys = [
        ...(rows.some((r) => r.instance) ? (["instance"] as const) : []),
        ...(["name", "type", "services", "source", "value", "status"] as const),
        ...(rows.some((r) => r.expires) ? (["expires"] as const) : []),
      ];
      const widths = keys.map((k) => Math.min(k === "source" ? 72 : 48, Math.max(...table.map((row) => String(row[k]).length))));
      const cell = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
      for (const row of table) {
        context.io.stdout.write(
          `${keys
            .map((k, i) => cell(String(row[k]), widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      }
    }
    if (flags.format !== "json") {
      for (const row of rows) {
        for (const place of row.inline)
          context.io.stdout.write(`note: ${row.name} stands in ${place}, which has no *_file form: with --write-secret-files it stays inline\n`);
      }
    }
    const findings = variableFindings(rows);
    if (findings.length > 0) {
      const { printText } = await import("./print.js");
      printText(context.io.stderr, findings, context);
    }
    setExit(findings.length > 0 ? ExitCode.badInput : ExitCode.ok);
  });
}
