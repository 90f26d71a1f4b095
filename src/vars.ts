/**
 * `promplate vars`: every declared variable with its type, the services whose templates use it, the source that
 * supplied its value (for AWS values, the provider and when they expire), the value (secrets as `***`) and whether it
 * is missing or invalid.
 */
import { listOutputFiles, loadProject, type Project } from "./project.js";
import { expandSource, selectInstances, type Instance } from "./instances.js";
import type { Finding } from "./finding.js";
import { buildSources, scanOutputs, type SourceOptions } from "./render.js";
import { displayValue, refuseUndeclaredSet, resolveVariables } from "./variables.js";

export interface VariableRow {
  /** The instance whose value this is (a project with instances lists each variable once per instance). */
  instance?: string;
  name: string;
  type: string;
  secret: boolean;
  services: string[];
  source?: string;
  /** Which AWS provider, parameter or secret supplied a cloud value, e.g. `ini profile "dev" (credential_process)`. */
  origin?: string;
  /** When a temporary AWS credential expires (ISO 8601). */
  expires?: string;
  value: string;
  status: "ok" | "missing" | "invalid" | "no-example" | "unset" | "unused";
  /** Why it is missing or invalid; never holds a secret. */
  errors: string[];
  /** For a secret: the fields with no *_file form where it stands (it stays inline with --write-secret-files). */
  inline: string[];
}

export interface ListVariablesOptions extends SourceOptions {
  dir: string;
  services?: string[];
  /** Show the values `--examples` would use instead of the real sources. */
  examples?: boolean;
  /** `--instance NAME`: only this instance's values; else every instance's. */
  instance?: string;
}

export async function listVariables(options: ListVariablesOptions): Promise<VariableRow[]> {
  const project = await loadProject(options.dir);
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  if (!project.instances) return listInstanceVariables(project, options);
  const rows: VariableRow[] = [];
  for (const instance of selectInstances(project, options.instance)) rows.push(...(await listInstanceVariables(project, options, instance)));
  return rows;
}

async function listInstanceVariables(project: Project, options: ListVariablesOptions, instance?: Instance): Promise<VariableRow[]> {
  const files = await listOutputFiles(project, options.services, instance ? { instance, shard: 0 } : undefined);
  const scanProblems: Finding[] = [];
  const scanned = await scanOutputs(project, files, scanProblems);
  const servicesOf = new Map<string, Set<string>>();
  const required = new Set<string>();
  for (const [file, template] of scanned) {
    for (const [name, reference] of template.references) {
      if (!servicesOf.has(name)) servicesOf.set(name, new Set());
      servicesOf.get(name)!.add(file.output.service);
      if (reference.required) required.add(name);
    }
  }
  const declarations = [...project.variables.values()]
    .filter((d) => !options.services || servicesOf.has(d.name))
    .map((d) => (d.source ? { ...d, source: expandSource(d.source, instance) } : d));
  const instanceValues = instance ? { instance } : {};
  const sources = options.examples
    ? { examples: true as const, set: options.set ?? {}, ...instanceValues }
    : { ...(await buildSources(options, project.dir)), ...instanceValues };
  const { variables, problems } = await resolveVariables(declarations, sources, required);
  const inline = problems.length === 0 ? await inlineSecretFields(project, scanned, variables) : new Map<string, string[]>();
  return declarations.map((declaration) => {
    const resolved = variables.get(declaration.name)!;
    const used = servicesOf.has(declaration.name);
    const status = resolved.status === "optional-unset" ? (used ? "unset" : "unused") : !used && resolved.status === "ok" ? "unused" : resolved.status;
    const errors =
      resolved.status === "missing" && (declaration.aws || declaration.source) && problems.some(isCloudProblem)
        ? problems
            .filter((p) => isCloudProblem(p) && (p.message.startsWith(declaration.name) || p.id === "aws/credentials" || p.id === "aws/no-credentials"))
            .map((p) => withoutName(p.message.split("\n")[0]!, declaration.name))
        : resolved.status === "missing"
          ? ["required but not set"]
          : resolved.status === "no-example"
            ? ["has no example value that passes its schema: add examples"]
            : problems
                .filter(
                  (p) =>
                    (p.id !== "variable/missing" && p.message.startsWith(`${declaration.name} `)) || p.message.startsWith(`variables.${declaration.name}:`),
                )
                .map((p) => withoutName(p.message, declaration.name));
    return {
      ...(instance ? { instance: instance.name } : {}),
      name: declaration.name,
      type: `${declaration.type ?? "any"}${declaration.secret ? " (secret)" : ""}`,
      secret: declaration.secret,
      services: [...(servicesOf.get(declaration.name) ?? [])].sort(),
      source: resolved.source,
      // Only cloud origins are shown: a NAME_FILE or secrets-folder path stays as before.
      origin: resolved.source !== undefined && CLOUD_SOURCES.has(resolved.source) ? resolved.origin : undefined,
      expires: resolved.expires?.toISOString(),
      value: displayValue(resolved),
      status,
      errors,
      inline: inline.get(declaration.name) ?? [],
    };
  });
}

/** Sources whose origin (provider, parameter, secret reference) `vars` shows. */
const CLOUD_SOURCES = new Set<string>(["aws", "ssm", "secretsmanager", "vault", "k8s", "gcp", "azure"]);

/** A problem from an AWS source or a secret store (src/stores/index.ts). */
const isCloudProblem = (p: Finding) => p.id.startsWith("aws/") || p.id.startsWith("store/");

/**
 * A problem's message as a row's error: without the variable's name it starts with (`X cannot be read from …`,
 * `X: cannot read ssm:…`, `variables.X: …`), since the row (and `promplate: X: …`) names it already.
 */
function withoutName(message: string, name: string): string {
  const prefix = [`variables.${name}: `, `${name}: `, `${name} `].find((p) => message.startsWith(p));
  return prefix ? message.slice(prefix.length) : message;
}

/** Renders in memory and asks secret-file mode which secrets would stay inline, and where. */
async function inlineSecretFields(
  project: import("./project.js").Project,
  scanned: Awaited<ReturnType<typeof scanOutputs>>,
  variables: Map<string, import("./variables.js").ResolvedVariable>,
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (![...variables.values()].some((v) => v.declaration.secret && v.value !== undefined)) return result;
  const { renderScanned } = await import("./render.js");
  const { applySecretFiles } = await import("./secret-files.js");
  const { secretStrings } = await import("./variables.js");
  try {
    const files = await renderScanned(project, scanned, variables);
    const moved = applySecretFiles({ project, files, variables, secrets: secretStrings(variables.values()) }, "/secrets");
    for (const { variable, output, field } of moved.inline) result.set(variable, [...(result.get(variable) ?? []), `${output} ${field}`]);
  } catch {
    // A template that cannot render is reported by render and check; vars still lists the variables.
  }
  return result;
}

const FINDING_ID = { missing: "variable/missing", invalid: "variable/invalid", "no-example": "variable/no-example" } as const;

/** What is wrong with the listed variables (missing, invalid, no example), one finding per reason. */
export function variableFindings(rows: readonly VariableRow[]): Finding[] {
  return rows.flatMap((row) => {
    if (row.status !== "missing" && row.status !== "invalid" && row.status !== "no-example") return [];
    const id = FINDING_ID[row.status];
    return row.errors.map(
      (error): Finding => ({ id, severity: "error", message: `${row.name}: ${error}`, ...(row.instance ? { instance: row.instance } : {}) }),
    );
  });
}
