/**
 * What every built-in checker returns: findings located by a path into the parsed document. Paths are turned into
 * line and column only for the findings that are reported, because computing YAML positions is the slow part.
 */
import type { FindingAt } from "../finding.js";
import type { RulesDialect } from "./rules-dialect.js";
import type { ExpressionAnalysis } from "./promql.js";

export type ConfigKind = "prometheus-config" | "prometheus-rules" | "alertmanager-config" | "web-config";

/** A checker's finding, placed by a path into the parsed document until its line and column are looked up. */
export type DocumentFinding = FindingAt<{
  /** Keys and indices from the document root to the node at fault (`[]` for the whole document). */
  path: (string | number)[];
  /** Point at the mapping key instead of its value (unknown keys, duplicate names). */
  atKey?: boolean;
  /** Offset inside the node's string value (a PromQL or Go template position), when known. */
  offsetInValue?: number;
}>;

/** The name the config checkers import. */
export type Finding = DocumentFinding;

export interface CheckOptions {
  /** Prometheus agent mode (`--agent`): rule_files and alerting rules are not allowed. */
  agent?: boolean;
  /**
   * Parse and type-check PromQL. `render` and `exec` turn it off: the PromQL libraries cost more to load than the
   * whole render, and `check` (in CI) runs them.
   * @default true
   */
  promql?: boolean;
  /** The rule file dialect: Thanos' and Mimir's own fields are accepted in theirs (rules-dialect.ts). @default "prometheus" */
  rulesDialect?: RulesDialect;
  /**
   * Filled with each rule's PromQL analysis, by the rule's parsed mapping, for the rule checks that know the config
   * (rule-lint.ts): they read the facts from here instead of analysing the expression again.
   */
  ruleAnalyses?: Map<object, ExpressionAnalysis>;
}
