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
import { expandSource, selectInstances, targetsOf, type Instance } from "../instances.js";
import { refuseProtectedPaths } from "../output.js";
import { applyPlainFiles, prepare, type PlainFile } from "../pipeline.js";
import type { Git, ProcessRunner } from "../process.js";
import { loadProject, protectedPaths, type Project, type VariableDeclaration } from "../project.js";
import { buildSources, serviceVariables, type ProjectRender, type RenderedFile, type SourceOptions } from "../render.js";
import { moveSecretsToFiles } from "../secret-files.js";
import { lineIndex, type ScannedTemplate } from "../template/index.js";
import { refuseUndeclaredSet, resolveVariables, type ResolvedVariable } from "../variables.js";
import { externalSecrets, parseStoreNames, refuseStoreScopeClashes, secretReferences, type ExternalSecretEntry, type StoreScope } from "./external-secrets.js";
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
  // Plain manifests have no PrometheusRule: labels given for them would be dropped unnoticed.
  if (options.ruleLabels !== undefined && !options.operator) {
    throw new BadInputError([
      {
        id: "input/rule-labels",
        severity: "error",
        message: "--rule-labels labels the PrometheusRule objects, which only --operator writes",
        hint: "add --operator, or leave out --rule-labels (plain manifests mount the rule files into the promplate image)",
      },
    ]);
  }
  const project = await loadProject(options.dir);
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  const plan: KubernetesPlan = { out: options.out, files: [], notes: [] };
  const resources: Manifest[] = [];
  const written: { manifest: Manifest; file: string }[] = [];
  const storeScopes = new Map<string, StoreScope[]>();
  for (const instance of selectInstances(project, options.instance)) {
    const planned = await planInstance(project, instance, { ...options, namespace, ruleLabels });
    plan.files.push(...planned.files);
    plan.notes.push(...planned.notes.map((note) => `${instance.name}: ${note}`));
    resources.push(...planned.resources);
    written.push(...planned.manifests);
    storeScopes.set(instance.name, planned.storeScopes);
  }
  refuseStoreScopeClashes(storeScopes);
  refuseNameClashes(written);
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

/**
 * Two objects of one kind and name in one namespace would replace each other when applied. Names carry the
 * instance, so this is a file-name clash (two rules files named alike) or two names that happen to meet.
 */
function refuseNameClashes(manifests: readonly { manifest: Manifest; file: string }[]): void {
  const seen = new Map<string, string>();
  const problems: Finding[] = [];
  for (const { manifest, file } of manifests) {
    const key = `${manifest.kind}/${manifest.metadata.name}`;
    const other = seen.get(key);
    if (other === undefined) seen.set(key, file);
    else {
      problems.push({
        id: "kubernetes/name-clash",
        severity: "error",
        message: `${key} is written twice (${other === file ? `in ${file}` : `in ${other} and ${file}`}): one would replace the other`,
        hint:
          manifest.kind === "PrometheusRule"
            ? "give the rules files of an instance different names (the object is named after the instance and the file)"
            : "rename an instance so that its objects' names differ",
      });
    }
  }
  if (problems.length > 0) throw new BadInputError(problems);
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
): Promise<{ files: KubernetesFile[]; notes: string[]; resources: Manifest[]; manifests: { manifest: Manifest; file: string }[]; storeScopes: StoreScope[] }> {
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
    const { scanned, declarations } = await serviceVariables(project, service, undefined, problems);
    if (options.operator) problems.push(...shardReferences(scanned.values()));
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
  // ESO's aws stores read one region: the instance's, when its values name one.
  const region = typeof instance.values.AWS_REGION === "string" ? instance.values.AWS_REGION : undefined;
  const expand = (source: string) => expandSource(source, instance);
  const references = secretReferences([...allExternal.values()], { expand, ...(region ? { region } : {}) }, stores, problems);
  for (const entry of perService) entry.external = references.entries.filter((e) => entry.declarations.includes(e.variable));
  if (problems.length > 0) throw new BadInputError(problems);
  notes.push(...references.notes);

  // Operator mode renders one config for every shard (SHARD is refused there); plain mode renders each shard, so
  // each one's config is checked and the manifests describe what each pod renders at start.
  const { renders, values } = await renderForDeployment(project, instance, perService, options);
  const rendered = renders[0]!;
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
        // Defaults and instance values are the image's own (it holds the same promplate.yaml and is told its
        // instance); secrets never go into env.
        if (d.secret || !resolved || resolved.value === undefined || resolved.source === "default" || resolved.source === "instance") continue;
        env[d.name] = textOf(resolved.value);
      }
      // The image's entrypoint (promplate exec) renders this instance; a sharded instance also needs a shard, and
      // its one Alertmanager is shard 0 (each Prometheus StatefulSet sets its own).
      if (project.instances) {
        env.PROMPLATE_INSTANCE = instance.name;
        if (instance.shards > 1 && service === "alertmanager") env.PROMPLATE_SHARD = "0";
      }
      const manifests = serviceManifests({
        service,
        instance: instance.name,
        namespace: options.namespace,
        image: imageTag(options.tag, service),
        env,
        secretNames: secretNamesOf(service),
        shards: instance.shards,
        kubernetesDiscovery: service === "prometheus" && renders.some(usesKubernetesDiscovery),
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

  const manifests = files.flatMap((f) => f.manifests.map((manifest) => ({ manifest, file: `${instance.name}/${f.path}` })));
  const invalid = await validateManifests([...manifests, ...resources.map((manifest) => ({ manifest, file: "(the resources to edit)" }))]);
  if (invalid.length > 0) throw new BadInputError(invalid);

  const written = files.map(
    (f): KubernetesFile => ({
      instance: instance.name,
      path: `${instance.name}/${f.path}`,
      content: documents(f.manifests, f.secret === true, instance.name, options),
      mode: f.secret ? 0o600 : 0o644,
    }),
  );
  refuseSecretValues(written, [
    ...renders.flatMap((render) => render.secrets),
    ...[...values.values()].filter((v) => v.declaration.secret).map((v) => textOf(v.value)),
  ]);
  return { files: written, notes, resources, manifests, storeScopes: references.scopes };
}

/**
 * `--operator`: the operator shards by itself (Prometheus.spec.shards and its own hashmod) and gives every shard the
 * same config, so a template reading SHARD cannot know its shard: exit 2 at the first such reference of each template.
 */
function shardReferences(templates: Iterable<ScannedTemplate>): Finding[] {
  const problems: Finding[] = [];
  for (const template of templates) {
    if (!template.references.has("SHARD")) continue;
    const token = template.tokens.find((t) => (t.type === "reference" && t.name === "SHARD") || (t.type === "handlebars" && t.names.includes("SHARD")));
    const { line, column } = token ? lineIndex(template.source).positionOf(token.start) : { line: 1, column: 1 };
    problems.push({
      id: "kubernetes/operator-shard",
      severity: "error",
      message: `SHARD in ${template.file}: with --operator, Prometheus.spec.shards shards the scrape targets and every shard gets the same config`,
      hint: "drop the SHARD relabelling from the templates for --operator (the operator adds its own hashmod), or deploy without --operator",
      file: template.file,
      line,
      column,
    });
  }
  return problems;
}

/**
 * The project rendered for this deployment: non-secret values as `render` resolves them (examples with --examples),
 * secrets always with example values (no store is read: the cluster's ExternalSecrets fetch them), except the
 * `--inline-secrets` ones, which are resolved here as they are written into a Secret.
 */
async function renderForDeployment(
  project: Project,
  instance: Instance,
  perService: ServiceSecrets[],
  options: InstanceOptions,
): Promise<{ renders: ProjectRender[]; values: Map<string, ResolvedVariable> }> {
  const checks = { tools: false, run: options.run, env: options.env };
  const targets = options.operator ? [{ instance, shard: 0 }] : targetsOf(instance);
  const render = async (set: Record<string, string>) => {
    const renders: ProjectRender[] = [];
    for (const instanceTarget of targets) {
      const services = perService.map((s) => s.service);
      const prepared = await prepare({ dir: project.dir, services, examples: true, set, env: options.env, checks, instanceTarget });
      if (prepared.failed) throw new CheckFailedError(prepared.report.findings);
      renders.push(prepared.rendered);
    }
    return renders;
  };
  if (options.examples) {
    const renders = await render(options.set ?? {});
    return { renders, values: renders[0]!.variables };
  }
  const declarations = [...new Map(perService.flatMap((s) => s.declarations).map((d) => [d.name, d])).values()];
  const local = declarations
    .filter((d) => !d.secret || perService.some((s) => s.inline.includes(d)))
    .map((d) => (d.source ? { ...d, source: expandSource(d.source, instance) } : d));
  const sources = {
    ...(await buildSources(options, project.dir)),
    instance,
  };
  const required = new Set(local.filter((d) => d.required).map((d) => d.name));
  const resolved = await resolveVariables(local, sources, required);
  if (resolved.problems.length > 0) throw new BadInputError(resolved.problems);
  const set: Record<string, string> = { ...(options.set ?? {}) };
  for (const [name, variable] of resolved.variables) {
    // An instance value is the render's own (ranked as it is there), not pinned as if given with --set.
    if (variable.value !== undefined && !variable.declaration.secret && variable.source !== "instance") set[name] = textOf(variable.value);
  }
  const renders = await render(set);
  return { renders, values: resolved.variables };
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
