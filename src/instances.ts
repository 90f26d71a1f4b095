/**
 * Instances: one project serving many Prometheus/Alertmanager instances (`instances:` in promplate.yaml), each
 * with its own non-secret values and, optionally, shards. A project without `instances` is one instance.
 */

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
}

/** One rendering of a project: an instance and one of its shards. */
export interface InstanceTarget {
  instance: Instance;
  /** 0 … shards-1; 0 when unsharded. */
  shard: number;
}
