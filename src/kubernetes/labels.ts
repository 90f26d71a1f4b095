/** Kubernetes names and labels given on the command line, checked as the API server would (exit 2 naming the bad one). */
import { BadInputError } from "../errors.js";

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `key` is not a label key (an optional DNS-subdomain prefix and `/`, then a name of at most 63), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return `its prefix ${prefix} is not a DNS subdomain (lower case, digits, - and .)`;
  if (name.length === 0 || name.length > 63) return "its name must be 1 to 63 characters";
  if (!NAME_PART.test(name)) return "its name must start and end with a letter or digit, with only letters, digits, -, _ and . between";
  return undefined;
}

/** Why `value` is not a label value (empty, or at most 63 characters like a key's name), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return "it is longer than 63 characters";
  if (value !== "" && !NAME_PART.test(value)) return "it must start and end with a letter or digit, with only letters, digits, -, _ and . between";
  return undefined;
}

/** `--rule-labels k=v,k2=v2` → labels; exit 2 naming the first bad pair, key or value. */
export function parseRuleLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined) return labels;
  const bad = (message: string) =>
    new BadInputError([
      {
        id: "input/rule-labels",
        severity: "error",
        message: `--rule-labels: ${message}`,
        hint: "give k=v pairs separated by commas, e.g. --rule-labels release=prometheus",
      },
    ]);
  for (const pair of text.split(",")) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw bad(`\`${pair}\` is not KEY=VALUE`);
    const key = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) throw bad(`${JSON.stringify(key)} is not a Kubernetes label key: ${keyProblem}`);
    const valueProblem = labelValueProblem(value);
    if (valueProblem) throw bad(`the value ${JSON.stringify(value)} of ${key} is not a Kubernetes label value: ${valueProblem}`);
    if (key in labels) throw bad(`${key} is given twice`);
    labels[key] = value;
  }
  return labels;
}

/** `--namespace`: a DNS-1123 label. */
export function checkNamespace(namespace: string): void {
  if (namespace.length <= 63 && DNS_LABEL.test(namespace)) return;
  throw new BadInputError([
    {
      id: "input/namespace",
      severity: "error",
      message: `--namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace name`,
      hint: "at most 63 lower-case letters, digits and -, starting and ending with a letter or digit",
    },
  ]);
}
