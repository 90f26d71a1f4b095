import { Option, type Command } from "commander";
import { addSourceOptions, collectValues, ExitCode, fromCwd, sourceOptions, type CommandContext, type SetExit, type SourceFlags } from "./options.js";

interface KubernetesFlags extends SourceFlags {
  out?: string;
  namespace: string;
  tag: string;
  instance?: string;
  examples?: boolean;
  secretStore?: string[];
  secretStoreKind: "SecretStore" | "ClusterSecretStore";
  inlineSecrets?: boolean;
  operator?: boolean;
  ruleLabels?: string;
  storage: string;
}

export function registerKubernetes(program: Command, context: CommandContext, setExit: SetExit): void {
  addSourceOptions(
    program
      .command("kubernetes")
      .description(
        "write Kubernetes manifests per instance: the promplate images (plain) or prometheus-operator objects (--operator); secrets as ExternalSecrets",
      )
      .option("--out <DIR>", "the folder to write DIR/{instance}/ in (default: deploy/kubernetes in the project)")
      .option("--namespace <NAME>", "the namespace of every object", "monitoring")
      .option("--tag <REF>", "image reference as promplate build tags it; {service} is replaced by the service", "promplate-{service}:latest")
      .option("--instance <NAME>", "only this instance")
      .option("--examples", "example values (no environment, files or stores): for CI")
      .option("--secret-store <NAME>", "the External Secrets store to read secrets from; KIND=NAME for one kind of x-source (repeatable)", collectValues)
      .addOption(
        new Option("--secret-store-kind <KIND>", "the kind of store --secret-store names")
          .choices(["SecretStore", "ClusterSecretStore"])
          .default("ClusterSecretStore"),
      )
      .option("--inline-secrets", "write secrets without x-source into Secret manifests (0600, kept out of git)")
      .option("--operator", "write prometheus-operator objects (PrometheusRule, the additional scrape configs and Alertmanager config Secrets)")
      .option("--rule-labels <K=V,...>", "labels of the PrometheusRule objects: what the Prometheus resource's ruleSelector matches")
      .option("--storage <SIZE>", "the volume each Prometheus asks for", "10Gi"),
  ).action(async (flags: KubernetesFlags) => {
    const { planKubernetes, writeKubernetes } = await import("../kubernetes/plan.js");
    const { runProcess, systemGit } = await import("../process.js");
    const { isAbsolute, join, relative } = await import("node:path");
    const { io } = context;
    const out = fromCwd(context, flags.out) ?? join(context.dir, "deploy/kubernetes");
    const plan = await planKubernetes({
      dir: context.dir,
      out,
      namespace: flags.namespace,
      tag: flags.tag,
      instance: flags.instance,
      examples: flags.examples,
      secretStores: flags.secretStore,
      secretStoreKind: flags.secretStoreKind,
      inlineSecrets: flags.inlineSecrets,
      operator: flags.operator,
      ruleLabels: flags.ruleLabels,
      storage: flags.storage,
      run: runProcess,
      ...sourceOptions(context, flags),
    });
    // Ignored and untracked before anything secret is written.
    const written = await writeKubernetes(plan, systemGit(io.env));
    const fromHere = relative(io.cwd, out);
    const shown = fromHere === "" ? "." : fromHere.startsWith("..") || isAbsolute(fromHere) ? out : fromHere;
    const secretNote = written.git.checked ? "0600, git-ignored" : "0600; not in a git work tree, so not checked against git";
    for (const file of plan.files)
      io.stdout.write(`wrote ${join(shown, file.path)} (${file.mode === 0o600 ? `secrets, ${secretNote}` : "0644, no secrets"})\n`);
    if (written.git.added.length > 0) io.stdout.write(`${join(shown, ".gitignore")}: added ${written.git.added.join(" ")}\n`);
    if (plan.resources) io.stdout.write(`# Set these fields on your Prometheus and Alertmanager resources:\n${plan.resources}`);
    for (const note of plan.notes) io.stderr.write(`promplate: ${note}\n`);
    setExit(ExitCode.ok);
  });
}
