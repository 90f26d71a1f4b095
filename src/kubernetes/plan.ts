/**
 * `promplate kubernetes`: manifests per instance under DIR/{instance}/, plain (the promplate images, which render
 * at start) or for prometheus-operator (the rendered data in PrometheusRule objects and Secrets). Everything is
 * planned, validated strictly and checked for secret values in memory; only then is anything written, all or none.
 * Secrets are never inline: ExternalSecrets from each `x-source`, or (`--inline-secrets`) Secret manifests written
 * 0600 and kept out of git.
 */
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { ensureIgnored, type IgnoreResult } from "../compose.js";
import { BadInputError, CheckFailedError } from "../errors.js";
import type { Finding } from "../finding.js";
import { imageTag } from "../image.js";
import { DEFAULT_INSTANCE, type Instance } from "../instances.js";
import { refuseProtectedPaths } from "../output.js";
import { applyPlainFiles, prepare, type PlainFile } from "../pipeline.js";
import type { Git, ProcessRunner } from "../process.js";
import { listOutputFiles, loadProject, protectedPaths, type Project, type VariableDeclaration } from "../project.js";
import { buildSources, referencedVariables, scanOutputs, type ProjectRender, type RenderedFile, type SourceOptions } from "../render.js";
import { moveSecretsToFiles } from "../secret-files.js";
import { refuseUndeclaredSet, resolveVariables, type ResolvedVariable } from "../variables.js";
import { externalSecrets, parseStoreNames, secretReferences, type ExternalSecretEntry } from "./external-secrets.js";
import { checkNamespace, parseRuleLabels } from "./labels.js";
import { inlineSecret, serviceLabels, serviceManifests, type ServerService } from "./manifests.js";
import {
  ADDITIONAL_SCRAPE_CONFIGS_KEY,
  ALERTMANAGER_CONFIG_KEY,
  configSecret,
  objectNameOf,
  OPERATOR_SECRET_DIRS,
  operatorResources,
  prometheusRule,
  ruleGroupsOf,
  scrapeConfigsOf,
} from "./operator.js";
import { validateManifests, type Manifest } from "./validate.js";

export interface KubernetesOptions extends SourceOptions {
  /** The project folder. */
  dir: string;
  /** Where the instance folders go (absolute). */
  out: string;
  /** @default "monitoring" */
  namespace?: string;
  /** Image reference as `promplate build --tag` takes it. @default "promplate-{service}:latest" */
  tag?: string;
  /** Only this instance. */
  instance?: string;
  examples?: boolean;
  /** `--secret-store` values: NAME, or KIND=NAME. */
  secretStores?: string[];
  /** @default "ClusterSecretStore" */
  secretStoreKind?: "SecretStore" | "ClusterSecretStore";
  inlineSecrets?: boolean;
  operator?: boolean;
  /** `--rule-labels k=v,…` as given. */
  ruleLabels?: string;
  /** The volume each Prometheus asks for. @default "10Gi" */
  storage?: string;
  /** Runs nothing unless tools are asked for; the checks take it. */
  run: ProcessRunner;
}

export interface KubernetesFile extends PlainFile {
  instance: string;
}

export interface KubernetesPlan {
  out: string;
  files: KubernetesFile[];
  notes: string[];
  /** Operator mode: the Prometheus/Alertmanager resources' fields that wire in what was written, as YAML. */
  resources?: string;
}

const SERVERS: readonly ServerService[] = ["prometheus", "alertmanager"];

export async function planKubernetes(options: KubernetesOptions): Promise<KubernetesPlan> {
  const namespace = options.namespace ?? "monitoring";
  checkNamespace(namespace);
  const ruleLabels = parseRuleLabels(options.ruleLabels);
  const project = await loadProject(options.dir);
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  const plan: KubernetesPlan = { out: options.out, files: [], notes: [] };
  const resources: Manifest[] = [];
  for (const instance of instancesToDeploy(project, options.instance)) {
    const planned = await planInstance(project, instance, { ...options, namespace, ruleLabels });
    plan.files.push(...planned.files);
    plan.notes.push(...planned.notes.map((note) => `${instance.name}: ${note}`));
    resources.push(...planned.resources);
  }
  refuseProtectedPaths(
    plan.files.map((file) => ({ name: relative(options.dir, join(options.out, file.path)), path: join(options.out, file.path) })),
    protectedPaths(project),
  );
  if (options.operator) plan.resources = resources.map((r) => stringify(r, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  if (options.operator && Object.keys(ruleLabels).length === 0) {
    plan.notes.push("no --rule-labels: the PrometheusRule objects have no labels, so only a Prometheus whose ruleSelector is {} selects them");
  }
  return plan;
}

/** The instances to deploy; a project without `instances:` is one, named DEFAULT_INSTANCE. */
function instancesToDeploy(project: Project, name: string | undefined): Instance[] {
  const only: Instance = { name: DEFAULT_INSTANCE, values: {}, shards: 1 };
  if (name !== undefined && name !== DEFAULT_INSTANCE) {
    throw new BadInputError([
      {
        id: "input/instance",
        severity: "error",
        message: `--instance ${name}: ${project.file} declares no instances`,
        hint: `a project without instances: is the one instance ${DEFAULT_INSTANCE}`,
      },
    ]);
  }
  return [only];
}

interface InstanceOptions extends Omit<KubernetesOptions, "ruleLabels"> {
  namespace: string;
  ruleLabels: Record<string, string>;
}

interface ServiceSecrets {
  service: ServerService;
  declarations: VariableDeclaration[];
  /** From a store, through ExternalSecrets. */
  external: ExternalSecretEntry[];
  /** `--inline-secrets`: written into a Secret manifest. */
  inline: VariableDeclaration[];
  /** `x-aws` credentials: the pod's own AWS credentials supply them. */
  credentialChain: VariableDeclaration[];
}

async function planInstance(
  project: Project,
  instance: Instance,
  options: InstanceOptions,
): Promise<{ files: KubernetesFile[]; notes: string[]; resources: Manifest[] }> {
  const services = SERVERS.filter((service) => project.outputs.some((o) => o.service === service));
  if (services.length === 0) {
    throw new BadInputError([
      { id: "kubernetes/services", severity: "error", message: "the project has no prometheus or alertmanager outputs", file: project.file },
    ]);
  }
  const notes: string[] = [];
  const others = [...new Set(project.outputs.map((o) => o.service))].filter((s) => !(SERVERS as readonly string[]).includes(s));
  if (others.length > 0) notes.push(`not deployed (no image runs them): service ${others.join(", ")}`);
  const problems: Finding[] = [];
  const stores = parseStoreNames(options.secretStores ?? []);

  // What each service reads, and where each of its secrets is to come from.
  const perService: ServiceSecrets[] = [];
  const allExternal = new Map<string, VariableDeclaration>();
  for (const service of services) {
    const scanned = await scanOutputs(project, await listOutputFiles(project, [service]), problems);
    const { all } = referencedVariables(scanned.values());
    if (options.operator && all.has("SHARD")) {
      // The operator shards by itself (spec.shards and its own hashmod): a template cannot know its shard.
      problems.push({
        id: "kubernetes/operator-shard",
        severity: "error",
        message: `the ${service} templates use SHARD: with --operator, Prometheus.spec.shards shards the scrape targets and every shard gets the same config`,
        hint: "drop the SHARD relabelling from the templates for --operator (the operator adds its own hashmod), or deploy without --operator",
        file: project.file,
      });
    }
    const declarations = [...all].flatMap((name) => project.variables.get(name) ?? []);
    const secrets = declarations.filter((d) => d.secret);
    for (const d of secrets.filter((d) => d.source)) allExternal.set(d.name, d);
    const inline = secrets.filter((d) => !d.source && !d.aws);
    if (!options.inlineSecrets) {
      for (const d of inline) {
        problems.push({
          id: "kubernetes/secret-without-source",
          severity: "error",
          message: `${d.name} is a secret with no x-source: promplate writes no secret value into manifests, so it cannot reach the ${service} pods`,
          hint: `give ${d.name} an x-source (ssm:/…, secretsmanager:…, vault:…, k8s:…, gcp:…, azure:…) for an ExternalSecret, or pass --inline-secrets to write it into a 0600 Secret manifest kept out of git`,
          file: "promplate.yaml",
          line: d.line,
          column: d.column,
        });
      }
    }
    perService.push({ service, declarations, external: [], inline, credentialChain: secrets.filter((d) => !d.source && d.aws) });
  }
  const expand = (source: string) => source.replaceAll("{instance}", instance.name);
  const references = secretReferences([...allExternal.values()], expand, stores, problems);
  for (const entry of perService) entry.external = references.entries.filter((e) => entry.declarations.includes(e.variable));
  if (problems.length > 0) throw new BadInputError(problems);
  notes.push(...references.notes);

  const { rendered, values } = await renderForDeployment(project, perService, options);
  const labelsOf = (service: string) => serviceLabels(service, instance.name);

  // Secrets: ExternalSecrets, and the inline ones' Secrets; which Secret holds each variable, by service.
  const secretManifests: Manifest[] = [];
  const inlineManifests: Manifest[] = [];
  const holders = new Map<ServerService, Map<string, string>>();
  for (const { service, external, inline } of perService) {
    const held = new Map<string, string>();
    const made = externalSecrets(external, {
      name: `${instance.name}-${service}-secrets`,
      namespace: options.namespace,
      labels: labelsOf(service),
      storeKind: options.secretStoreKind ?? "ClusterSecretStore",
      storeOf: references.storeOf,
    });
    secretManifests.push(...made.manifests);
    for (const [name, holder] of made.holders) held.set(name, holder);
    if (options.inlineSecrets && inline.length > 0) {
      const name = `${instance.name}-${service}-inline-secrets`;
      const inlineValues = Object.fromEntries(inline.flatMap((d) => (values.has(d.name) ? [[d.name, textOf(values.get(d.name)!.value)]] : [])));
      inlineManifests.push(inlineSecret(name, options.namespace, labelsOf(service), inlineValues));
      for (const d of inline) held.set(d.name, name);
    }
    holders.set(service, held);
  }
  const secretNamesOf = (service: ServerService) => [...new Set(holders.get(service)!.values())];

  const files: { path: string; manifests: Manifest[]; secret?: boolean }[] = [];
  const resources: Manifest[] = [];
  if (options.operator) {
    const made = operatorManifests(rendered, holders, instance, options, problems, notes);
    files.push(...made.files);
    resources.push(
      ...operatorResources({
        instance: instance.name,
        namespace: options.namespace,
        ...(services.includes("prometheus")
          ? {
              prometheus: {
                shards: instance.shards,
                secrets: secretNamesOf("prometheus"),
                additionalScrapeConfigs: made.scrapeSecret,
                ruleLabels: options.ruleLabels,
              },
            }
          : {}),
        ...(made.alertmanagerSecret ? { alertmanager: { secrets: secretNamesOf("alertmanager"), configSecret: made.alertmanagerSecret } } : {}),
      }),
    );
  } else {
    for (const { service, declarations, credentialChain } of perService) {
      const env: Record<string, string> = {};
      for (const d of declarations) {
        const resolved = values.get(d.name);
        // Defaults are the image's own (it holds the same promplate.yaml); secrets never go into env.
        if (d.secret || !resolved || resolved.value === undefined || resolved.source === "default") continue;
        env[d.name] = textOf(resolved.value);
      }
      const manifests = serviceManifests({
        service,
        instance: instance.name,
        namespace: options.namespace,
        image: imageTag(options.tag, service),
        env,
        secretNames: secretNamesOf(service),
        shards: instance.shards,
        kubernetesDiscovery: service === "prometheus" && usesKubernetesDiscovery(rendered),
        storage: options.storage ?? "10Gi",
      });
      files.push({ path: `${service}.yaml`, manifests });
      if (credentialChain.length > 0) {
        notes.push(
          `${service}: ${credentialChain.map((d) => d.name).join(", ")} come from the pod's AWS credentials (x-aws): give ServiceAccount ${instance.name}-${service} an IAM role (IRSA or EKS Pod Identity)`,
        );
      }
    }
  }
  if (problems.length > 0) throw new BadInputError(problems);
  if (secretManifests.length > 0) files.push({ path: "external-secrets.yaml", manifests: secretManifests });
  if (inlineManifests.length > 0) files.push({ path: "secrets.yaml", manifests: inlineManifests, secret: true });

  const invalid = await validateManifests([
    ...files.flatMap((f) => f.manifests.map((manifest) => ({ manifest, file: `${instance.name}/${f.path}` }))),
    ...resources.map((manifest) => ({ manifest, file: "(the resources to edit)" })),
  ]);
  if (invalid.length > 0) throw new BadInputError(invalid);

  const written = files.map(
    (f): KubernetesFile => ({
      instance: instance.name,
      path: `${instance.name}/${f.path}`,
      content: documents(f.manifests, f.secret === true, instance.name, options),
      mode: f.secret ? 0o600 : 0o644,
    }),
  );
  refuseSecretValues(written, [...rendered.secrets, ...[...values.values()].filter((v) => v.declaration.secret).map((v) => textOf(v.value))]);
  return { files: written, notes, resources };
}

/**
 * The project rendered for this deployment: non-secret values as `render` resolves them (examples with --examples),
 * secrets always with example values (no store is read: the cluster's ExternalSecrets fetch them), except the
 * `--inline-secrets` ones, which are resolved here as they are written into a Secret.
 */
async function renderForDeployment(
  project: Project,
  perService: ServiceSecrets[],
  options: InstanceOptions,
): Promise<{ rendered: ProjectRender; values: Map<string, ResolvedVariable> }> {
  const checks = { tools: false, run: options.run, env: options.env };
  const render = async (set: Record<string, string>) => {
    const prepared = await prepare({ dir: project.dir, services: perService.map((s) => s.service), examples: true, set, env: options.env, checks });
    if (prepared.failed) throw new CheckFailedError(prepared.report.findings);
    return prepared.rendered;
  };
  if (options.examples) {
    const rendered = await render(options.set ?? {});
    return { rendered, values: rendered.variables };
  }
  const declarations = [...new Map(perService.flatMap((s) => s.declarations).map((d) => [d.name, d])).values()];
  const local = declarations.filter((d) => !d.secret || perService.some((s) => s.inline.includes(d)));
  const sources = await buildSources(options, project.dir);
  const required = new Set(local.filter((d) => d.required).map((d) => d.name));
  const resolved = await resolveVariables(local, sources, required);
  if (resolved.problems.length > 0) throw new BadInputError(resolved.problems);
  const set: Record<string, string> = { ...(options.set ?? {}) };
  for (const [name, variable] of resolved.variables) if (variable.value !== undefined && !variable.declaration.secret) set[name] = textOf(variable.value);
  const rendered = await render(set);
  return { rendered, values: resolved.variables };
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Whether a rendered Prometheus config discovers Kubernetes objects (its ServiceAccount then needs read access). */
function usesKubernetesDiscovery(rendered: ProjectRender): boolean {
  return rendered.files.some((file) => file.source.output.kind === "prometheus-config" && /^\s*-?\s*kubernetes_sd_configs\s*:/m.test(file.content));
}

function operatorManifests(
  rendered: ProjectRender,
  holders: Map<ServerService, Map<string, string>>,
  instance: Instance,
  options: InstanceOptions,
  problems: Finding[],
  notes: string[],
): { files: { path: string; manifests: Manifest[] }[]; scrapeSecret?: string; alertmanagerSecret?: string } {
  const rules: Manifest[] = [];
  const scrape: Manifest[] = [];
  const alertmanager: Manifest[] = [];
  let scrapeSecret: string | undefined;
  let alertmanagerSecret: string | undefined;
  const secretVariables = [...rendered.variables.values()].filter((v) => v.declaration.secret && v.value !== undefined);
  refuseSharedSecretValues(secretVariables, problems);
  for (const file of rendered.files) {
    const service = file.source.output.service as ServerService;
    const kind = file.source.output.kind;
    if (!["prometheus-config", "prometheus-rules", "alertmanager-config"].includes(kind)) {
      notes.push(`not deployed with --operator: ${file.path} (${kind}); the operator takes only the configs and rules`);
      continue;
    }
    // Each secret the operator mounts is a file of its own: the config names it instead of holding the value.
    const held = holders.get(service) ?? new Map<string, string>();
    const mounted = rendered.secrets.map((secret) => {
      const variable = secretVariables.find((v) => textOf(v.value) === secret && held.has(v.declaration.name));
      return variable ? `${OPERATOR_SECRET_DIRS[service]}/${held.get(variable.declaration.name)}/${variable.declaration.name}` : undefined;
    });
    const moved = moveSecretsToFiles(kind, file.content, rendered.secrets, "", "", mounted);
    for (const { field, secret } of moved.inline) {
      const variable = secretVariables.find((v) => textOf(v.value) === rendered.secrets[secret] || JSON.stringify(v.value) === rendered.secrets[secret]);
      const name = variable?.declaration.name ?? "a secret";
      const credential = variable?.declaration.aws !== undefined && variable.declaration.source === undefined;
      problems.push({
        id: "kubernetes/operator-inline-secret",
        severity: "error",
        message: `${name} in ${file.path} at ${field}: the operator's ${service} would hold it in its config, which promplate writes into a Secret manifest with no secret value`,
        hint: credential
          ? "leave the AWS keys out of the config for --operator: Prometheus then uses the pod's own AWS credentials (IRSA or EKS Pod Identity)"
          : `use it whole in a field with a *_file form (e.g. password, bearer_token, slack_api_url), which then names ${OPERATOR_SECRET_DIRS[service]}/<secret>/${name}`,
        ...templatePlace(file, file.content.indexOf(rendered.secrets[secret]!)),
      });
    }
    for (const { line, reason } of moved.unmovable) {
      problems.push({
        id: "kubernetes/operator-inline-secret",
        severity: "error",
        message: `${file.path} line ${line}: ${reason}`,
        file: file.source.templateName,
        line: file.lineMap[line - 1] ?? line,
        column: 1,
      });
    }
    const movedFile = { ...file, content: moved.text, lineMap: moved.lineOrigin.map((origin) => file.lineMap[origin] ?? origin + 1) };
    const labels = serviceLabels(service, instance.name);
    if (kind === "prometheus-rules") {
      const name = objectNameOf(instance.name, file.path.replace(/^.*\//, "").replace(/\.(ya?ml)$/, ""));
      rules.push(prometheusRule(name, options.namespace, options.ruleLabels, ruleGroupsOf(movedFile, problems)));
    } else if (kind === "prometheus-config") {
      if (instance.shards > 1) notes.push(`Prometheus.spec.shards: ${instance.shards} (the operator adds its own hashmod relabelling)`);
      scrapeSecret = `${instance.name}-additional-scrape-configs`;
      const list = scrapeConfigsOf(movedFile, problems);
      scrape.push(
        configSecret(scrapeSecret, options.namespace, labels, ADDITIONAL_SCRAPE_CONFIGS_KEY, stringify(list, { lineWidth: 0, aliasDuplicateObjects: false })),
      );
    } else {
      alertmanagerSecret = `${instance.name}-alertmanager-config`;
      alertmanager.push(configSecret(alertmanagerSecret, options.namespace, labels, ALERTMANAGER_CONFIG_KEY, movedFile.content));
    }
  }
  const files: { path: string; manifests: Manifest[] }[] = [];
  if (rules.length > 0) files.push({ path: "prometheus-rules.yaml", manifests: rules });
  if (scrape.length > 0) files.push({ path: "additional-scrape-configs.yaml", manifests: scrape });
  if (alertmanager.length > 0) files.push({ path: "alertmanager-config.yaml", manifests: alertmanager });
  return { files, ...(scrapeSecret ? { scrapeSecret } : {}), ...(alertmanagerSecret ? { alertmanagerSecret } : {}) };
}

/** The template line of an offset in a rendered file. */
function templatePlace(file: RenderedFile, offset: number): { file: string; line: number; column: number } {
  const line = offset < 0 ? 1 : file.content.slice(0, offset).split("\n").length;
  return { file: file.source.templateName, line: file.lineMap[line - 1] ?? line, column: 1 };
}

/** Two secrets with one value could not be told apart in the configs (which mounted file names which): exit 2. */
function refuseSharedSecretValues(variables: ResolvedVariable[], problems: Finding[]): void {
  const seen = new Map<string, string>();
  for (const variable of variables) {
    const text = textOf(variable.value);
    const other = seen.get(text);
    if (other) {
      problems.push({
        id: "kubernetes/secret-values",
        severity: "error",
        message: `${other} and ${variable.declaration.name} have the same value here, so the configs cannot tell which mounted file to name`,
        hint: "give them different examples (or values)",
      });
    }
    seen.set(text, variable.declaration.name);
  }
}

function documents(manifests: Manifest[], secret: boolean, instance: string, options: InstanceOptions): string {
  const header = secret
    ? `# Generated by promplate kubernetes (instance ${instance}). Holds secrets: mode 0600, kept out of git. Do not commit.\n`
    : `# Generated by promplate kubernetes (instance ${instance}, ${options.examples ? "example values" : "real values"}). Holds no secret value.\n`;
  return header + manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
}

/**
 * No file but the inline Secrets may hold a secret value, in any form: as is, JSON-escaped, or base64 (as a Secret's
 * `data` would). Reaching this is a bug in promplate: the checks above refuse every case they know of.
 */
function refuseSecretValues(files: readonly KubernetesFile[], secrets: readonly string[]): void {
  const forms = secrets.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1), Buffer.from(s).toString("base64").replace(/=+$/, "")]);
  for (const file of files) {
    if (file.mode === 0o600) continue;
    if (forms.some((form) => file.content.includes(form))) throw new Error(`${file.path} would hold a secret value; nothing was written`);
  }
}

export interface KubernetesWriteResult {
  changed: number;
  git: IgnoreResult;
}

/** Writes a plan: the Secret manifests are checked against git first (ignored, not tracked), then every file, all or none. */
export async function writeKubernetes(plan: KubernetesPlan, git: Git): Promise<KubernetesWriteResult> {
  await mkdir(plan.out, { recursive: true });
  const secretFiles = plan.files.filter((f) => f.mode === 0o600).map((f) => f.path);
  const ignored = secretFiles.length > 0 ? await ensureIgnored(plan.out, secretFiles, git) : { added: [], checked: false };
  const changed = await applyPlainFiles(
    plan.out,
    plan.files.map(({ path, content, mode }) => ({ path, content, mode })),
  );
  return { changed, git: ignored };
}
