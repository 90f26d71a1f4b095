/**
 * Which files a plain config (`check FILE`) must find next to it: only those the server reads when it loads the
 * config, as upstream does (prometheus/cmd/promtool checkConfig, prometheus/common NewTLSConfig, alertmanager's
 * receiver.BuildReceiverIntegrations and template.FromGlob). Not findings: files the server writes
 * (`query_log_file`, `scrape_failure_log_file`), and files Alertmanager reads only when it sends a notification
 * (`smtp_auth_password_file`, `api_key_file`, an `http_config`'s `password_file`…).
 *
 * - Prometheus: every `rule_files` entry without a `*` must match a file (promtool: "does not point to an existing
 *   file"; a `*` glob may match nothing); every other `*_file` is a TLS file (read when the HTTP clients are built at
 *   load) or a credential or password file (read for each request; promtool checks scrape credentials too).
 * - Alertmanager: the TLS files of an `http_config`, read when the receivers are built at load; a `templates:` glob
 *   that matches nothing is allowed upstream on purpose ("empty matches that may be populated later on"): a warning.
 * - Web configuration: the TLS files of `tls_server_config`, read when the server starts.
 */
import type { ConfigKind, DocumentFinding } from "./types.js";

/** The file system as the server sees it; relative names resolve against the config's folder. */
export interface ReferencedFiles {
  exists(file: string): boolean;
  /** The files a glob (Go's filepath.Match syntax) matches. */
  glob(pattern: string): string[];
}

const WRITTEN_FILES = new Set(["query_log_file", "scrape_failure_log_file"]);
const TLS_FILES = new Set(["ca_file", "cert_file", "key_file"]);
const WEB_TLS_FILES = new Set(["cert_file", "key_file", "client_ca_file"]);

export function referencedFileFindings(kind: ConfigKind, data: unknown, files: ReferencedFiles): DocumentFinding[] {
  const findings: DocumentFinding[] = [];
  const missing = (path: (string | number)[], file: string, reads: string) =>
    findings.push({ id: "config/missing-file", severity: "error", message: `${String(path[path.length - 1])} ${file} does not exist (${reads})`, path });

  if (kind === "prometheus-config" && isRecord(data) && Array.isArray(data.rule_files)) {
    data.rule_files.forEach((entry, index) => {
      if (typeof entry === "string" && entry !== "" && !entry.includes("*") && files.glob(entry).length === 0) {
        findings.push({
          id: "config/missing-file",
          severity: "error",
          message: `rule_files entry "${entry}" does not point to an existing file`,
          path: ["rule_files", index],
        });
      }
    });
  }
  if (kind === "alertmanager-config" && isRecord(data) && Array.isArray(data.templates)) {
    data.templates.forEach((entry, index) => {
      if (typeof entry === "string" && entry !== "" && files.glob(entry).length === 0) {
        findings.push({
          id: "config/templates-no-match",
          severity: "warning",
          message: `templates entry "${entry}" matches no file: Alertmanager allows that, and loads no template from it`,
          path: ["templates", index],
        });
      }
    });
  }
  visitStrings(data, [], (path, key, value) => {
    if (value === "" || !key.endsWith("_file")) return;
    const exists = () => files.exists(value);
    if (kind === "prometheus-config" && !WRITTEN_FILES.has(key) && !exists()) {
      missing(path, value, TLS_FILES.has(key) ? "Prometheus reads it when it loads the config" : "Prometheus reads it to authenticate");
    }
    if (kind === "alertmanager-config" && TLS_FILES.has(key) && path.includes("http_config") && !exists()) {
      missing(path, value, "Alertmanager reads it when it loads the config and builds the receivers");
    }
    if (kind === "web-config" && WEB_TLS_FILES.has(key) && !exists()) missing(path, value, "the server reads it when it starts");
  });
  return findings;
}

function visitStrings(node: unknown, path: (string | number)[], visit: (path: (string | number)[], key: string, value: string) => void): void {
  if (Array.isArray(node)) node.forEach((item, index) => visitStrings(item, [...path, index], visit));
  else if (isRecord(node)) for (const [key, value] of Object.entries(node)) visitStrings(value, [...path, key], visit);
  else if (typeof node === "string") {
    const key = [...path].reverse().find((part): part is string => typeof part === "string");
    if (key !== undefined) visit(path, key, node);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
