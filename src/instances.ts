/**
 * Instances: one project serving many Prometheus/Alertmanager instances (`instances:` in promplate.yaml), each
 * with its own non-secret values and, optionally, shards. A project without `instances` is one instance.
 */
import { BadInputError } from "./errors.js";
import { suggestName } from "./finding.js";
import type { Project } from "./project.js";

/** The name a project without `instances:` uses where one is needed (the kubernetes and ecs folders). */
export const DEFAULT_INSTANCE = "default";

/** The template variables every instance provides; declaring one of these names is an error. */
export const INSTANCE_VARIABLES = ["INSTANCE", "SHARD", "SHARDS"] as const;

export interface Instance {
  name: string;
  /** Non-secret values of declared variables; they rank just above `default`. */
  values: Record<string, unknown>;
  /** 1 when unsharded. */
  shards: number;
  /** Where the instance is declared in promplate.yaml (absent for a project without instances). */
  line?: number;
  /** Where each value is written in promplate.yaml, for a problem with it. */
  valuePositions?: Record<string, { line: number; column: number }>;
}

/** One rendering of a project: an instance and one of its shards. */
export interface InstanceTarget {
  instance: Instance;
  /** 0 … shards-1; 0 when unsharded. */
  shard: number;
}

/** Every shard of an instance (one target when unsharded). */
export function targetsOf(instance: Instance): InstanceTarget[] {
  return Array.from({ length: instance.shards }, (_, shard) => ({ instance, shard }));
}

/** An output path with `{instance}` and `{shard}` filled in. */
export function expandPath(path: string, target: InstanceTarget): string {
  return path.replaceAll("{instance}", target.instance.name).replaceAll("{shard}", String(target.shard));
}

/**
 * An `x-source` with `{instance}` filled in; without instances, the default instance's name, as `promplate
 * kubernetes` writes it (a store is never asked for the text `{instance}`).
 */
export function expandSource(source: string, instance: Instance | undefined): string {
  return source.replaceAll("{instance}", instance?.name ?? DEFAULT_INSTANCE);
}

/** The project's instances; a project without `instances:` is one, named DEFAULT_INSTANCE, with no values. */
export function instancesOf(project: Project): Instance[] {
  return project.instances ?? [{ name: DEFAULT_INSTANCE, values: {}, shards: 1 }];
}

/** Every instance, or the one named (`--instance NAME`): an unknown name is exit 2 listing the known ones. */
export function selectInstances(project: Project, name?: string): Instance[] {
  const all = instancesOf(project);
  if (name === undefined) return all;
  const found = all.find((instance) => instance.name === name);
  if (found) return [found];
  const suggestion = suggestName(
    name,
    all.map((instance) => instance.name),
  );
  throw new BadInputError([
    {
      id: "input/instance",
      severity: "error",
      message: project.instances
        ? `no instance ${name} in ${project.file}${suggestion ? ` (did you mean ${suggestion}?)` : ""}`
        : `--instance ${name}: ${project.file} declares no instances`,
      hint: project.instances
        ? `instances: ${all.map((instance) => instance.name).join(", ")}`
        : "declare instances: in promplate.yaml, or leave out --instance",
    },
  ]);
}

/**
 * The targets a command renders: every shard of the selected instances, or, with `shard`, that one shard of one
 * instance (exit 2 when out of range).
 */
export function selectTargets(project: Project, name?: string, shard?: number): InstanceTarget[] {
  const instances = selectInstances(project, name);
  if (shard === undefined) return instances.flatMap(targetsOf);
  const instance = instances[0]!;
  if (instances.length > 1 || !Number.isInteger(shard) || shard < 0 || shard >= instance.shards) {
    throw new BadInputError([
      {
        id: "input/shard",
        severity: "error",
        message:
          instances.length > 1
            ? "--shard needs --instance: shards are counted per instance"
            : `shard ${shard}: instance ${instance.name} has ${instance.shards === 1 ? "no shards (only shard 0)" : `shards 0 to ${instance.shards - 1}`}`,
      },
    ]);
  }
  return [{ instance, shard }];
}

/**
 * The one instance and shard a command that runs one server uses (`exec`, `compose`): with instances, a missing
 * instance (or shard of a sharded instance) is exit 2 naming the flags to give. Undefined without instances.
 */
export function selectOneTarget(
  project: Project,
  name: string | undefined,
  shard: number | undefined,
  flags = { instanceFlag: "--instance NAME", shardFlag: "--shard N" },
): InstanceTarget | undefined {
  if (!project.instances) {
    if (name !== undefined) selectInstances(project, name);
    return undefined;
  }
  if (name === undefined) {
    throw new BadInputError([
      {
        id: "input/instance-required",
        severity: "error",
        message: `${project.file} declares instances: say which one this is with ${flags.instanceFlag}`,
        hint: `instances: ${project.instances.map((instance) => instance.name).join(", ")}`,
      },
    ]);
  }
  const [instance] = selectInstances(project, name);
  if (instance!.shards > 1 && shard === undefined) {
    throw new BadInputError([
      {
        id: "input/shard-required",
        severity: "error",
        message: `instance ${instance!.name} has ${instance!.shards} shards: say which one this is with ${flags.shardFlag}`,
        hint: `a number from 0 to ${instance!.shards - 1}`,
      },
    ]);
  }
  return selectTargets(project, name, shard ?? 0)[0];
}
