/**
 * `promplate ecs`: one ECS task definition per instance and server (a sharded instance's Prometheus: one per shard),
 * in the shape of the RegisterTaskDefinition input, running the images `promplate build` makes. The container renders
 * its config at start (the images' entrypoint is `promplate exec`), so the task definition carries only what that
 * needs: the non-secret values in `environment`, and every secret as a `secrets` entry that ECS fills from SSM
 * Parameter Store or Secrets Manager through the execution role. No secret value is ever read here, and none may
 * appear in a task definition.
 */
import { join } from "node:path";
import { BadInputError, EnvironmentError } from "./errors.js";
import { mergeInstanceFindings, type Finding } from "./finding.js";
import { imageTag, MIN_SECRET_LENGTH } from "./image.js";
import { expandSource, selectInstances, type Instance } from "./instances.js";
import { refuseProtectedPaths } from "./output.js";
import { applyPlainFiles, type PlainFile } from "./pipeline.js";
import { loadProject, protectedPaths, type Project, type VariableDeclaration } from "./project.js";
import { buildSources, serviceVariables, type SourceOptions } from "./render.js";
import { refuseUndeclaredSet, resolveVariables, type ResolvedVariable } from "./variables.js";

export interface EcsOptions extends SourceOptions {
  /** The project folder. */
  dir: string;
  /** Where the task definitions go, absolute. @default `<dir>/deploy/ecs` */
  out?: string;
  /** Example values, account 123456789012, and no call to AWS. */
  examples?: boolean;
  /** Only this instance. */
  instance?: string;
  /** Image references, as `promplate build --tag` names them. @default "promplate-{service}:latest" */
  tag?: string;
  /** `executionRoleArn`: the role ECS uses to read the secrets (an ARN, or a role name in the account). */
  executionRole?: string;
  /** `taskRoleArn`: the role the container runs as (x-aws credentials, EC2 discovery). */
  taskRole?: string;
  /** The region the secrets live in; else the instance's AWS_REGION value, else the credential chain's. */
  region?: string;
  /** The account the secrets live in; else STS GetCallerIdentity. */
  account?: string;
}

/** The subset of ECS RegisterTaskDefinition's input promplate writes. */
export interface TaskDefinition {
  family: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  containerDefinitions: ContainerDefinition[];
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential: true;
  entryPoint: string[];
  command: string[];
  portMappings: { containerPort: number; protocol: "tcp" }[];
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
}

export interface PlannedTaskDefinition {
  instance: string;
  service: string;
  /** Set for a sharded instance's Prometheus. */
  shard?: number;
  /** Relative to the output folder: `{instance}/{service}.json`. */
  path: string;
  definition: TaskDefinition;
}

export interface EcsPlan {
  /** The output folder, absolute. */
  root: string;
  definitions: PlannedTaskDefinition[];
  files: PlainFile[];
  notes: string[];
}

/** The account `--examples` names: AWS's documentation account. */
export const EXAMPLE_ACCOUNT = "123456789012";
/** The region `--examples` uses when neither --region nor the instance names one. */
export const EXAMPLE_REGION = "us-east-1";

/** What the images run (Dockerfile.prometheus / Dockerfile.alertmanager; a test keeps the two alike). */
export const IMAGE_ENTRYPOINTS: Record<EcsService, string[]> = {
  prometheus: ["tini", "--", "promplate", "exec", "--service", "prometheus", "--", "/bin/prometheus"],
  alertmanager: ["tini", "--", "promplate", "exec", "--service", "alertmanager", "--", "/bin/alertmanager"],
};
/**
 * The images' CMD, written out too: a container whose entrypoint is set does not inherit the image's CMD (Docker's
 * and ECS's rule), and the servers would start with their own defaults (a config and data folder relative to
 * /etc/promplate).
 */
export const IMAGE_COMMANDS: Record<EcsService, string[]> = {
  prometheus: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=:9090"],
  alertmanager: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", "--web.listen-address=:9093", "--cluster.listen-address="],
};
const PORTS: Record<EcsService, number> = { prometheus: 9090, alertmanager: 9093 };
const ECS_SERVICES = ["prometheus", "alertmanager"] as const;
type EcsService = (typeof ECS_SERVICES)[number];

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export async function planEcs(options: EcsOptions): Promise<EcsPlan> {
  refuseBadFlags(options);
  const project = await loadProject(options.dir);
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  const services = ECS_SERVICES.filter((s) => project.outputs.some((o) => o.service === s));
  if (services.length === 0) {
    throw new BadInputError([
      { id: "ecs/services", severity: "error", message: "the project has no prometheus or alertmanager outputs: no image to run", file: project.file },
    ]);
  }
  const notes: string[] = [];
  const others = [...new Set(project.outputs.map((o) => o.service))].filter((s) => !(ECS_SERVICES as readonly string[]).includes(s));
  if (others.length > 0) notes.push(`no image runs ${others.join(", ")}: no task definition for ${others.length === 1 ? "it" : "them"}`);
  const identity = identityResolver(options);
  const definitions: PlannedTaskDefinition[] = [];
  const problems: Finding[] = [];
  for (const instance of selectInstances(project, options.instance)) {
    const found: Finding[] = [];
    for (const need of await serviceNeeds(project, services, instance)) {
      const built = await containerFor(need, instance, options, identity, found);
      if (!built) continue;
      const shards = need.service === "prometheus" && instance.shards > 1 ? [...Array(instance.shards).keys()] : [undefined];
      for (const shard of shards) {
        const environment = [...built.environment];
        if (shard !== undefined) environment.push({ name: "PROMPLATE_SHARD", value: String(shard) });
        const suffix = shard === undefined ? "" : `-${shard}`;
        const definition: TaskDefinition = {
          family: `${instance.name}-${need.service}${suffix}`,
          ...(built.executionRoleArn ? { executionRoleArn: built.executionRoleArn } : {}),
          ...(built.taskRoleArn ? { taskRoleArn: built.taskRoleArn } : {}),
          containerDefinitions: [
            {
              name: need.service,
              image: imageTag(options.tag, need.service),
              essential: true,
              entryPoint: IMAGE_ENTRYPOINTS[need.service],
              command: IMAGE_COMMANDS[need.service],
              portMappings: [{ containerPort: PORTS[need.service], protocol: "tcp" }],
              environment: environment.sort((a, b) => a.name.localeCompare(b.name)),
              secrets: built.secrets,
            },
          ],
        };
        definitions.push({ instance: instance.name, service: need.service, shard, path: `${instance.name}/${need.service}${suffix}.json`, definition });
      }
      if (built.note && !notes.includes(built.note)) notes.push(built.note);
    }
    problems.push(...(project.instances ? found.map((finding) => ({ ...finding, instance: instance.name })) : found));
  }
  if (problems.length > 0) throw new BadInputError(mergeInstanceFindings(problems));

  const root = options.out ?? join(project.dir, "deploy", "ecs");
  const files = definitions.map((d) => ({ path: d.path, content: `${JSON.stringify(d.definition, null, 2)}\n`, mode: 0o644 }));
  refuseProtectedPaths(
    files.map((f) => ({ name: f.path, path: join(root, f.path) })),
    protectedPaths(project),
  );
  refuseSecretValues(files, secretCandidates(project, options));
  return { root, definitions, files, notes };
}

/** Writes the task definitions atomically, all or none; returns how many changed. */
export async function writeEcs(plan: EcsPlan): Promise<number> {
  return applyPlainFiles(plan.root, plan.files);
}

// ---------------------------------------------------------------------------------------------------------------
// What each service's container needs

interface ServiceNeeds {
  service: EcsService;
  declarations: VariableDeclaration[];
  required: Set<string>;
}

/** The variables each service's templates use: the container is given those and no others. */
async function serviceNeeds(project: Project, services: readonly EcsService[], instance: Instance): Promise<ServiceNeeds[]> {
  const problems: Finding[] = [];
  const needs: ServiceNeeds[] = [];
  const target = project.instances ? { instance, shard: 0 } : undefined;
  for (const service of services) {
    const { declarations, required } = await serviceVariables(project, service, target, problems);
    needs.push({ service, declarations, required });
  }
  if (problems.length > 0) throw new BadInputError(problems);
  return needs;
}

/** x-aws credentials come from the task role in the container: never from a secret. */
const isAwsCredential = (d: VariableDeclaration) => d.aws !== undefined && d.aws !== "region";

/** Goes to `secrets[]`: every secret, and any variable ECS can fetch itself. */
const fromStore = (d: VariableDeclaration) => !isAwsCredential(d) && (d.secret || d.source !== undefined);

interface BuiltContainer {
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  executionRoleArn?: string;
  taskRoleArn?: string;
  note?: string;
}

async function containerFor(
  need: ServiceNeeds,
  instance: Instance,
  options: EcsOptions,
  identity: IdentityResolver,
  problems: Finding[],
): Promise<BuiltContainer | undefined> {
  const stored = need.declarations.filter(fromStore);
  const found = secretProblems(need.service, stored, options.executionRole);
  problems.push(...found);
  if (found.length > 0) return undefined;

  const region = stored.length > 0 || need.declarations.some((d) => d.aws === "region") ? await identity.region(instance) : undefined;
  const account = stored.length > 0 ? await identity.account(region) : undefined;
  const secrets = stored
    .map((d) => ({ name: d.name, valueFrom: secretValueFrom(expandSource(d.source!, instance), region!, account!) }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const local = need.declarations.filter((d) => !fromStore(d) && !isAwsCredential(d));
  const environment = await localValues(local, need.required, instance, region, options, problems);
  environment.push({ name: "PROMPLATE_INSTANCE", value: instance.name });
  const credentials = need.declarations.filter(isAwsCredential);
  // The task role's keys are temporary, which render refuses in ec2_sd_configs (no session-token field there).
  const note =
    credentials.length > 0
      ? `${need.service}: ${credentials.map((d) => d.name).join(", ")} (x-aws) come from the task role at start${options.taskRole ? "" : " (pass --task-role ARN)"}; its keys are temporary, so ec2_sd_configs must leave access_key/secret_key out and let Prometheus use the role itself`
      : undefined;
  return {
    environment,
    secrets,
    ...(stored.length > 0 ? { executionRoleArn: await roleArn(options.executionRole!, identity, region) } : {}),
    ...(options.taskRole ? { taskRoleArn: await roleArn(options.taskRole, identity, region) } : {}),
    note,
  };
}

/**
 * Why a service's secrets cannot reach its ECS container: a secret with no x-source, or one from a store ECS cannot
 * read (only SSM Parameter Store and Secrets Manager), or secrets and no execution role to read them with.
 */
export function secretProblems(service: string, stored: readonly VariableDeclaration[], executionRole: string | undefined): Finding[] {
  const where = (d: VariableDeclaration) => ({ file: "promplate.yaml", line: d.line, column: d.column });
  const found: Finding[] = [];
  for (const declaration of stored) {
    if (declaration.source === undefined) {
      found.push({
        id: "ecs/no-source",
        severity: "error",
        message: `${declaration.name} (${service}) is a secret with no x-source: ECS passes secrets to a container only from SSM Parameter Store or Secrets Manager`,
        hint: `give ${declaration.name} x-source: "ssm:/PATH" or "secretsmanager:NAME#KEY"`,
        ...where(declaration),
      });
    } else if (!/^(ssm|secretsmanager):/.test(declaration.source)) {
      found.push({
        id: "ecs/source-store",
        severity: "error",
        message: `${declaration.name} (${service}): x-source \`${declaration.source}\` is not an AWS store; ECS takes secrets only from SSM Parameter Store (ssm:) and Secrets Manager (secretsmanager:)`,
        hint: `keep ${declaration.name} in SSM or Secrets Manager for ECS, or deploy it with promplate kubernetes`,
        ...where(declaration),
      });
    }
  }
  if (stored.length > 0 && !executionRole) {
    found.push({
      id: "ecs/execution-role",
      severity: "error",
      message: `${service} needs ${stored.map((d) => d.name).join(", ")} from ${stored.length === 1 ? "a secret" : "secrets"}, and ECS reads secrets only through an execution role`,
      hint: "pass --execution-role ARN: a role ECS tasks may assume, allowed ssm:GetParameters / secretsmanager:GetSecretValue (and kms:Decrypt) on them",
    });
  }
  return found;
}

/**
 * The non-secret values, resolved as `render` would but never from a store: --set, the environment, files, the env
 * file; with --examples, examples only. A default or an instance's value is left to the image, which holds the same
 * promplate.yaml and is told its instance (PROMPLATE_INSTANCE).
 */
async function localValues(
  declarations: VariableDeclaration[],
  referencedRequired: ReadonlySet<string>,
  instance: Instance,
  region: string | undefined,
  options: EcsOptions,
  problems: Finding[],
): Promise<{ name: string; value: string }[]> {
  const set = { ...(options.set ?? {}) };
  // x-aws: region is the region the task runs in.
  for (const d of declarations) if (d.aws === "region" && region !== undefined && !(d.name in set)) set[d.name] = region;
  const values = { instance };
  const sources = options.examples
    ? { examples: true as const, set, ...values }
    : { ...(await buildSources({ ...options, set }, options.dir)), cloud: undefined, ...values };
  const required = new Set(declarations.filter((d) => referencedRequired.has(d.name)).map((d) => d.name));
  const resolved = await resolveVariables(declarations, sources, required);
  problems.push(...resolved.problems);
  return [...resolved.variables.values()]
    .filter((v) => v.value !== undefined && v.source !== "default" && v.source !== "instance" && v.status === "ok")
    .map((v) => ({ name: v.declaration.name, value: environmentText(v) }));
}

/** A value as the container reads it back from its environment. */
function environmentText(variable: ResolvedVariable): string {
  if (variable.raw !== undefined) return variable.raw;
  return typeof variable.value === "string" ? variable.value : typeof variable.value === "object" ? JSON.stringify(variable.value) : String(variable.value);
}

// ---------------------------------------------------------------------------------------------------------------
// ARNs

/** The partition of a region: its ARNs start arn:PARTITION. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * The `valueFrom` of an `x-source`: `ssm:/P` → `arn:aws:ssm:R:A:parameter/P` (one `/`), `secretsmanager:N#K` →
 * `arn:aws:secretsmanager:R:A:secret:N:K::` (ECS's JSON-key form), `secretsmanager:N` → `…:secret:N`. A source that
 * is already an ARN is kept (with the key appended for Secrets Manager).
 */
export function secretValueFrom(source: string, region: string, account: string): string {
  const partition = partitionOf(region);
  const ssm = /^ssm:(.+)$/.exec(source);
  if (ssm) {
    const name = ssm[1]!;
    return name.startsWith("arn:") ? name : `arn:${partition}:ssm:${region}:${account}:parameter/${name.replace(/^\/+/, "")}`;
  }
  const secret = /^secretsmanager:([^#]+)(?:#(.+))?$/.exec(source);
  if (!secret) throw new Error(`not an AWS x-source: ${source}`);
  const [, name, key] = secret;
  const arn = name!.startsWith("arn:") ? name! : `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`;
  return key === undefined ? arn : `${arn}:${key}::`;
}

async function roleArn(role: string, identity: IdentityResolver, region: string | undefined): Promise<string> {
  if (role.startsWith("arn:")) return role;
  const resolvedRegion = region ?? (await identity.regionOrUndefined());
  return `arn:${partitionOf(resolvedRegion ?? EXAMPLE_REGION)}:iam::${await identity.account(resolvedRegion)}:role/${role}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Region and account: flags, the instance, then the credential chain (asked once, only when needed)

interface IdentityResolver {
  region(instance: Instance): Promise<string>;
  regionOrUndefined(): Promise<string | undefined>;
  account(region: string | undefined): Promise<string>;
}

function identityResolver(options: EcsOptions): IdentityResolver {
  const cloud = { env: options.env, profile: options.awsProfile };
  let chainRegion: Promise<string | undefined> | undefined;
  let account: Promise<string> | undefined;
  const fromChain = () => {
    if (options.examples) return Promise.resolve(undefined);
    chainRegion ??= import("./aws.js").then((aws) => aws.chainRegion(cloud));
    return chainRegion;
  };
  return {
    async region(instance) {
      if (options.region) return options.region;
      const value = instance.values.AWS_REGION;
      if (typeof value === "string" && REGION.test(value)) return value;
      if (options.examples) return EXAMPLE_REGION;
      const region = await fromChain();
      if (region) return region;
      throw new EnvironmentError([
        {
          id: "ecs/no-region",
          severity: "error",
          message: `instance ${instance.name}: no region for its secrets' ARNs: no --region, no AWS_REGION in its values, and the credential chain names none`,
          hint: "pass --region REGION, or set AWS_REGION",
        },
      ]);
    },
    async regionOrUndefined() {
      return options.region ?? (options.examples ? EXAMPLE_REGION : await fromChain());
    },
    account(region) {
      if (options.account) return Promise.resolve(options.account);
      if (options.examples) return Promise.resolve(EXAMPLE_ACCOUNT);
      account ??= import("./aws.js").then((aws) => aws.callerAccount({ ...cloud, region }));
      return account;
    },
  };
}

function refuseBadFlags(options: EcsOptions): void {
  const problems: Finding[] = [];
  const bad = (flag: string, value: string, expected: string) =>
    problems.push({ id: "input/flag", severity: "error", message: `${flag} ${value.slice(0, 80)}: expected ${expected}` });
  if (options.region !== undefined && !REGION.test(options.region)) bad("--region", options.region, "a region such as eu-west-1");
  if (options.account !== undefined && !ACCOUNT.test(options.account)) bad("--account", options.account, "a 12-digit account id");
  for (const [flag, role] of [
    ["--execution-role", options.executionRole],
    ["--task-role", options.taskRole],
  ] as const) {
    if (role !== undefined && !ROLE_ARN.test(role) && !ROLE_NAME.test(role)) bad(flag, role, "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) or a role name");
  }
  if (problems.length > 0) throw new BadInputError(problems);
}

// ---------------------------------------------------------------------------------------------------------------
// No secret value in a task definition

/** The values of the secret variables that could be at hand here (--set, the environment, the env file). */
function secretCandidates(project: Project, options: EcsOptions): { name: string; value: string }[] {
  const candidates: { name: string; value: string }[] = [];
  for (const declaration of project.variables.values()) {
    if (!declaration.secret) continue;
    for (const value of [options.set?.[declaration.name], options.env[declaration.name]]) {
      if (value !== undefined && value.length >= MIN_SECRET_LENGTH) candidates.push({ name: declaration.name, value });
    }
  }
  return candidates;
}

/** A task definition holding a secret's value is refused (exit 2), naming the secret, never its value. */
export function refuseSecretValues(files: readonly PlainFile[], secrets: readonly { name: string; value: string }[]): void {
  const problems: Finding[] = [];
  for (const file of files) {
    for (const secret of secrets) {
      const forms = [secret.value, JSON.stringify(secret.value).slice(1, -1)];
      if (forms.some((form) => file.content.includes(form))) {
        problems.push({
          id: "ecs/secret-value",
          severity: "error",
          message: `${file.path} would hold the value of the secret ${secret.name}; nothing was written`,
          hint: `another variable has the same value as ${secret.name}: give it its own value`,
        });
      }
    }
  }
  if (problems.length > 0) throw new BadInputError(problems);
}
