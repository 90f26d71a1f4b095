/**
 * `x-source` dispatch: each source goes to its store. `ssm:` and `secretsmanager:` (and `x-aws`) to src/aws.ts, which
 * shares the AWS credential chain; every other prefix to its module in this folder, imported only when a variable
 * names that store, so a run without such variables loads none of them. Called by the resolver render.ts hands to
 * resolveVariables: after the env file and before the default, never for `--examples`.
 *
 * Same rules for every store: each request bounded (PROMPLATE_STORE_TIMEOUT_MS), failures exit 3 naming the store,
 * the address, the HTTP status and the store's own message, a malformed reference exits 2 naming the variable.
 */
import { BadInputError, EnvironmentError, PromplateError } from "../errors.js";
import type { Finding } from "../finding.js";
import type { VariableDeclaration } from "../project.js";
import type { CloudValue } from "../variables.js";
import { StoreError, type SecretStore, type StoreContext } from "./store.js";

/** The stores behind `x-source` besides AWS's. */
export type StorePrefix = "vault" | "k8s" | "gcp" | "azure";

/** Prefixes src/aws.ts serves. */
const AWS_PREFIXES = new Set(["ssm", "secretsmanager"]);

/** Each store's module, loaded on first use. A new store is one line here (and its prefix in StorePrefix and the schema). */
const STORES: Record<StorePrefix, () => Promise<SecretStore<unknown>>> = {
  vault: async () => (await import("./vault.js")).store as SecretStore<unknown>,
  k8s: async () => (await import("./kubernetes-secret.js")).store as SecretStore<unknown>,
  gcp: async () => (await import("./gcp.js")).store as SecretStore<unknown>,
  azure: async () => (await import("./azure.js")).store as SecretStore<unknown>,
};

/** @default 5000 — override with PROMPLATE_STORE_TIMEOUT_MS. */
export const DEFAULT_STORE_TIMEOUT_MS = 5000;

export interface CloudSourceOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** `--aws-profile`, for the AWS sources. */
  awsProfile?: string;
  /** `--kube-context`, for `k8s:`. */
  kubeContext?: string;
}

/** A parsed `x-source` of a non-AWS store. */
interface StoreSource {
  declaration: VariableDeclaration;
  prefix: StorePrefix;
  store: SecretStore<unknown>;
  reference: unknown;
}

/** The prefix of an `x-source` (the text before the first colon). */
export function sourcePrefix(source: string): string {
  const colon = source.indexOf(":");
  return colon < 0 ? "" : source.slice(0, colon);
}

const isAws = (d: VariableDeclaration) => Boolean(d.aws) || (d.source !== undefined && AWS_PREFIXES.has(sourcePrefix(d.source)));

/**
 * Fills the `x-aws` and `x-source` variables no local source set (the CloudResolver of src/variables.ts). A value
 * that does not exist is left out (its default, if any, applies); anything else wrong is thrown: BadInputError for a
 * malformed reference, EnvironmentError for a store that cannot be read.
 */
export async function resolveCloudValues(declarations: VariableDeclaration[], options: CloudSourceOptions): Promise<Map<string, CloudValue>> {
  const aws = declarations.filter(isAws);
  const sources = await parseSources(declarations.filter((d) => !isAws(d) && d.source !== undefined));
  const values = new Map<string, CloudValue>();
  const problems: Finding[] = [];
  let badInput = false;
  const collect = (error: unknown) => {
    if (!(error instanceof PromplateError)) throw error;
    problems.push(...error.findings);
    if (error instanceof BadInputError) badInput = true;
  };
  const context: StoreContext | undefined =
    sources.length > 0
      ? {
          env: options.env,
          home: options.env.HOME || options.env.USERPROFILE || undefined,
          timeoutMs: storeTimeout(options.env),
          kubeContext: options.kubeContext,
        }
      : undefined;
  await Promise.all([
    aws.length > 0
      ? import("../aws.js")
          .then(({ resolveCloudValues: resolveAws }) => resolveAws(aws, { env: options.env, profile: options.awsProfile }))
          .then((found) => found.forEach((value, name) => values.set(name, value)), collect)
      : undefined,
    ...sources.map(async (source) => {
      const outcome = await fetchSource(source, context!);
      if (outcome.value !== undefined) values.set(source.declaration.name, outcome.value);
      if (outcome.problem) {
        problems.push(outcome.problem);
        if (outcome.badInput) badInput = true;
      }
    }),
  ]);
  if (problems.length > 0) throw badInput ? new BadInputError(problems) : new EnvironmentError(problems);
  return values;
}

/** Each non-AWS source parsed by its store (loaded here); every malformed one reported at once (exit 2). */
async function parseSources(declarations: VariableDeclaration[]): Promise<StoreSource[]> {
  const problems: Finding[] = [];
  const sources: StoreSource[] = [];
  for (const declaration of declarations) {
    const text = declaration.source!;
    const prefix = sourcePrefix(text) as StorePrefix;
    const where = { file: "promplate.yaml", line: declaration.line, column: declaration.column };
    const load = Object.hasOwn(STORES, prefix) ? STORES[prefix] : undefined;
    if (!load) {
      const known = [...AWS_PREFIXES, ...Object.keys(STORES)].map((p) => `${p}:`).join(", ");
      problems.push({
        id: "project/x-source",
        severity: "error",
        message: `${declaration.name}: x-source \`${text.slice(0, 120)}\` names no store promplate reads (${known})`,
        ...where,
      });
      continue;
    }
    const store = await load();
    const reference = store.parse(text.slice(prefix.length + 1));
    if (reference && typeof reference === "object" && "error" in reference && typeof reference.error === "string") {
      problems.push({
        id: "project/x-source",
        severity: "error",
        message: `${declaration.name}: x-source \`${text.slice(0, 120)}\` ${reference.error}`,
        ...where,
      });
      continue;
    }
    sources.push({ declaration, prefix, store, reference });
  }
  if (problems.length > 0) throw new BadInputError(problems);
  return sources;
}

interface Outcome {
  value?: CloudValue;
  problem?: Finding;
  badInput?: boolean;
}

/** One source read, its failure as a finding; the whole read bounded as a backstop to each request's own limit. */
async function fetchSource(source: StoreSource, context: StoreContext): Promise<Outcome> {
  const { declaration, store, reference } = source;
  const described = store.describe(reference);
  const where = { file: "promplate.yaml", line: declaration.line, column: declaration.column };
  const limit = context.timeoutMs * 3;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), limit);
  });
  try {
    const value = await Promise.race([store.fetch(reference, context), timeout]);
    if (value === "timeout") {
      return {
        problem: {
          id: "store/timeout",
          severity: "error",
          message: `${declaration.name}: cannot read ${described}: no answer within ${limit} ms`,
          hint: store.hint,
          ...where,
        },
      };
    }
    if (value !== undefined) return { value: { value, source: source.prefix, origin: described } };
    if (!declaration.required || declaration.default !== undefined) return {};
    return {
      problem: {
        id: "store/not-found",
        severity: "error",
        message: `${declaration.name}: ${described} does not exist`,
        hint: `create it, or give ${declaration.name} a default`,
        ...where,
      },
    };
  } catch (error) {
    // Anything but a StoreError is a bug in promplate (exit 70), not the store's failure.
    if (!(error instanceof StoreError)) throw error;
    return {
      problem: {
        id: "store/unreadable",
        severity: "error",
        message: `${declaration.name}: cannot read ${described}: ${error.message}`,
        hint: store.hint,
        ...where,
      },
      badInput: error.badInput,
    };
  } finally {
    clearTimeout(timer);
  }
}

function storeTimeout(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.PROMPLATE_STORE_TIMEOUT_MS;
  if (text === undefined || text === "") return DEFAULT_STORE_TIMEOUT_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new BadInputError([
      {
        id: "input/store-timeout",
        severity: "error",
        message: `PROMPLATE_STORE_TIMEOUT_MS must be a positive number of milliseconds, got \`${text.slice(0, 20)}\``,
      },
    ]);
  }
  return value;
}
