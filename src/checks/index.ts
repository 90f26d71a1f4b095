/**
 * The built-in checks of one document: parse, run the checker for its kind (each loaded only when needed), and
 * locate the findings. Returns findings with no file, in the checked text's own lines.
 */
import type { Finding } from "../finding.js";
import type { OutputKind } from "../project.js";
import { parseDocumentData, type ParsedDocument } from "./document.js";
import type { PrometheusCheckOptions } from "./prometheus-config.js";
import type { ConfigKind, DocumentFinding } from "./types.js";

export interface DocumentCheck {
  /** The parsed data (undefined when the text is not valid YAML). */
  data?: unknown;
  findings: Finding[];
}

const CONFIG_KINDS: readonly string[] = ["prometheus-config", "prometheus-rules", "alertmanager-config", "web-config"];

export function isConfigKind(kind: string): kind is ConfigKind {
  return CONFIG_KINDS.includes(kind);
}

export async function runChecker(kind: ConfigKind, data: unknown, options: PrometheusCheckOptions): Promise<DocumentFinding[]> {
  switch (kind) {
    case "prometheus-config":
      return (await import("./prometheus-config.js")).checkPrometheusConfig(data, options);
    case "web-config":
      return (await import("./web-config.js")).checkWebConfig(data);
    case "alertmanager-config":
      return (await import("./alertmanager-config.js")).checkAlertmanagerConfig(data, options);
    case "prometheus-rules":
      return (await import("./rules.js")).checkRules(data, options);
  }
}

/** `parse`: the text's parse when the caller already has it (with the options this kind is parsed with), to parse once. */
export async function checkDocument(
  kind: OutputKind,
  text: string,
  options: PrometheusCheckOptions,
  extra: DocumentFinding[] = [],
  parse?: ParsedDocument,
): Promise<DocumentCheck> {
  if (kind === "text") return { findings: [] };
  if (kind === "toml") {
    // Loaded only for TOML outputs: it brings the TOML parser.
    const read = (await import("../template/toml.js")).readToml(text);
    if ("error" in read)
      return { findings: [{ id: "toml/syntax", severity: "error", message: read.error.message, line: read.error.line, column: read.error.column }] };
    return { data: read.document, findings: [] };
  }
  if (kind === "json") {
    try {
      return { data: JSON.parse(text), findings: [] };
    } catch (error) {
      return { findings: [{ id: "json/syntax", severity: "error", message: (error as Error).message, line: 1, column: 1 }] };
    }
  }
  const parsed = parse ?? parseDocumentData(text, { allDocuments: !isConfigKind(kind) });
  if ("error" in parsed) {
    return {
      findings: [
        { id: parsed.error.id ?? "yaml/syntax", severity: "error", message: parsed.error.message, line: parsed.error.line, column: parsed.error.column },
      ],
    };
  }
  const findings = isConfigKind(kind) ? [...(await runChecker(kind, parsed.data, options)), ...extra] : extra;
  const located = await locate(text, findings, parsed);
  const ignoredFrom = parsed.reading?.ignoredFrom;
  if (ignoredFrom !== undefined) {
    located.push({
      id: "yaml/ignored-documents",
      severity: "warning",
      message: "a second YAML document starts here: Prometheus and Alertmanager read only the first one, and ignore the rest of the file",
      line: ignoredFrom,
      column: 1,
    });
  }
  return { data: parsed.data, findings: located };
}

/** Positions only for the findings there are, from the parse of `text` when given (else it is parsed again). */
export async function locate(text: string, findings: DocumentFinding[], parsed?: ParsedDocument): Promise<Finding[]> {
  if (findings.length === 0) return [];
  const { createLocator } = await import("./positions.js");
  const locator = createLocator(text, parsed && "data" in parsed ? parsed : undefined);
  return findings.map((finding) => ({
    id: finding.id,
    severity: finding.severity,
    message: finding.message,
    ...(finding.hint !== undefined ? { hint: finding.hint } : {}),
    ...locator(finding),
  }));
}

/** Infers a plain file's kind from its top-level keys, as `check FILE` does without --kind. */
export function inferKind(data: unknown): ConfigKind | "rule-test" | undefined {
  if (!data || typeof data !== "object" || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.includes("tests")) return "rule-test";
  if (keys.includes("groups")) return "prometheus-rules";
  if (keys.includes("route") || keys.includes("receivers") || keys.includes("inhibit_rules")) return "alertmanager-config";
  if (keys.some((k) => ["tls_server_config", "http_server_config", "basic_auth_users"].includes(k))) return "web-config";
  if (
    keys.some((k) =>
      [
        "global",
        "scrape_configs",
        "rule_files",
        "alerting",
        "remote_write",
        "remote_read",
        "storage",
        "scrape_config_files",
        "tracing",
        "otlp",
        "runtime",
      ].includes(k),
    )
  )
    return "prometheus-config";
  return undefined;
}
