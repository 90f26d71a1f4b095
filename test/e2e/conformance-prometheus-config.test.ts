// Conformance of the built-in Prometheus configuration checks with upstream's verdicts on test/corpus
// (Prometheus 3.14 config/testdata, promtool testdata, documentation examples, real-world configs), next to the
// current promtool's verdicts (from the servers' cache, else PATH), plus unit tests of specific findings.
// Run: node --import tsx --test test/e2e/conformance-prometheus-config.test.ts
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { test } from "node:test";
import { parseDocumentData } from "../../src/checks/document.js";
import { checkPrometheusConfig, checkWebConfig, type IncludedScrapeConfigFile } from "../../src/checks/prometheus-config.js";
import type { Finding } from "../../src/checks/types.js";
import { re2Problem } from "../../src/go/re2.js";
import { CORPUS as CORPUS_DIR } from "../corpus-path.js";
import { agreementCell, currentTool, toolReports, type ToolReport } from "./current-tools.js";

const CORPUS = `${CORPUS_DIR}/`;

interface Row {
  path: string;
  expected: string;
  command: string;
  agreement: string;
  upstreamError: string;
}

function corpusRows(): Row[] {
  const lines = readFileSync(join(CORPUS, "INDEX.details.tsv"), "utf8")
    .split("\n")
    .filter((line) => line !== "");
  const header = lines[0]!.split("\t");
  const column = (name: string) => header.indexOf(name);
  return lines
    .slice(1)
    .map((line) => line.split("\t"))
    .filter((cells) => cells[column("kind")] === "prometheus-config")
    .map((cells) => ({
      path: cells[column("path")]!,
      expected: cells[column("expected_with_syntax_only")] || cells[column("expected")]!,
      command: cells[column("check_command")]!,
      agreement: cells[column("agreement")]!,
      upstreamError: cells[column("expected_error_from_upstream_test")]!,
    }));
}

/** Go's filepath.Glob for the globs Prometheus allows (a `*` only in the last path element). */
function globFiles(pattern: string): string[] {
  const directory = dirname(pattern);
  const name = basename(pattern);
  if (!/[*?[]/.test(name)) return existsSync(pattern) ? [pattern] : [];
  if (!existsSync(directory)) return [];
  const re = new RegExp(
    `^${name
      .replace(/[.+^${}()|\\]/g, "\\$&")
      .replace(/\*/g, "[^/]*")
      .replace(/\?/g, "[^/]")}$`,
  );
  return readdirSync(directory)
    .filter((entry) => re.test(entry))
    .sort()
    .map((entry) => join(directory, entry));
}

function includedFiles(configFile: string): (glob: string) => IncludedScrapeConfigFile[] {
  return (glob) =>
    globFiles(isAbsolute(glob) ? glob : join(dirname(configFile), glob)).map((file) => {
      const parsed = parseDocumentData(readFileSync(file, "utf8"));
      return "error" in parsed ? { file, error: `${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}` } : { file, data: parsed.data };
    });
}

const errorsOf = (findings: Finding[]) => findings.filter((finding) => finding.severity === "error");
const isAgent = (row: Row) => /(^|\s)--agent(\s|$)/.test(row.command);

test("Prometheus configuration corpus: built-in verdicts agree with upstream; the current promtool's are listed", () => {
  const rows = corpusRows();
  assert.ok(rows.length > 200, `expected the corpus' prometheus-config rows, found ${rows.length}`);
  const promtool = currentTool("promtool");
  const toolName = promtool ? `promtool ${promtool.version}` : "promtool (not found)";
  const reports = new Map<string, ToolReport>();
  if (promtool) {
    for (const agent of [false, true]) {
      const files = rows.filter((row) => isAgent(row) === agent).map((row) => row.path);
      const args = ["check", "config", "--syntax-only", ...(agent ? ["--agent"] : [])];
      for (const [file, report] of toolReports(promtool, args, files, CORPUS_DIR)) reports.set(file, report);
    }
  }
  const table = new Map<string, { files: number; builtIn: number; tool: number }>();
  const disagreements: string[] = [];
  const toolDisagreements: string[] = [];
  const unknown = { builtInRejected: 0, toolRejected: 0, files: 0 };
  const unknownNotes: string[] = [];
  for (const row of rows) {
    const file = join(CORPUS, row.path);
    const parsed = parseDocumentData(readFileSync(file, "utf8"));
    let errors: Finding[];
    let reason: string;
    if ("error" in parsed) {
      errors = [{ id: "yaml/syntax", severity: "error", message: parsed.error.message, path: [] }];
      reason = `YAML ${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`;
    } else {
      errors = errorsOf(checkPrometheusConfig(parsed.data, { agent: isAgent(row), scrapeConfigFiles: includedFiles(file) }));
      reason = errors.map((finding) => `${finding.id} at ${JSON.stringify(finding.path)}: ${finding.message}`).join(" | ");
    }
    const verdict = errors.length > 0 ? "bad" : "good";
    const tool = reports.get(row.path);
    if (row.expected !== "good" && row.expected !== "bad") {
      unknown.files++;
      if (tool?.verdict === "bad") unknown.toolRejected++;
      if (verdict === "bad") {
        unknown.builtInRejected++;
        unknownNotes.push(`  ${row.path}: ${reason}`);
      }
      continue;
    }
    const entry = table.get(row.expected) ?? { files: 0, builtIn: 0, tool: 0 };
    entry.files++;
    if (verdict === row.expected) entry.builtIn++;
    else {
      disagreements.push(
        `  ${row.path} (${row.command}): upstream ${row.expected}${row.upstreamError ? ` ("${row.upstreamError}")` : ""}, built-in ${verdict}${reason ? `: ${reason}` : ""}`,
      );
    }
    if (tool?.verdict === row.expected) entry.tool++;
    else if (tool)
      toolDisagreements.push(
        `  ${row.path}: upstream ${row.expected}, ${toolName} ${tool.verdict}${tool.detail ? `: ${tool.detail}` : ""}${row.agreement ? ` [corpus note on promtool 2.42: ${row.agreement}]` : ""}`,
      );
    table.set(row.expected, entry);
  }
  const total = [...table.values()].reduce((sum, entry) => sum + entry.files, 0);
  const builtIn = [...table.values()].reduce((sum, entry) => sum + entry.builtIn, 0);
  const byTool = [...table.values()].reduce((sum, entry) => sum + entry.tool, 0);
  const lines = [
    "",
    `prometheus-config conformance: upstream expectation, promplate's built-in verdict, ${toolName} (check config --syntax-only)`,
    `expected  files  built-in agrees   ${toolName} agrees`,
    ...[...table]
      .sort()
      .map(
        ([expected, entry]) =>
          `${expected.padEnd(8)}  ${String(entry.files).padStart(5)}  ${agreementCell(entry.builtIn, entry.files).padEnd(16)}  ${promtool ? agreementCell(entry.tool, entry.files) : "-"}`,
      ),
    `total     ${String(total).padStart(5)}  ${agreementCell(builtIn, total).padEnd(16)}  ${promtool ? agreementCell(byTool, total) : "-"}`,
    `unknown (no upstream verdict): ${unknown.files} files; built-in rejects ${unknown.builtInRejected}, ${toolName} rejects ${promtool ? unknown.toolRejected : "-"}`,
    ...unknownNotes,
    disagreements.length > 0 ? "built-in disagreements:" : "built-in disagreements: none",
    ...disagreements,
    `where ${toolName} disagrees with upstream (${toolDisagreements.length}; it is older than the corpus, or lacks a service discovery):`,
    ...toolDisagreements,
  ];
  console.log(lines.join("\n"));
  // The tool's disagreements are listed, never failed on; promplate's built-in checks must agree on every file.
  assert.deepEqual(disagreements, []);
});

// --- specific findings -------------------------------------------------------------------------------------------

const check = (data: unknown, agent = false) => checkPrometheusConfig(data, { agent });
const find = (findings: Finding[], id: string) => findings.find((finding) => finding.id === id);

test("unknown keys are errors at the key", () => {
  const findings = check({ scrape_configs: [{ job_name: "a", consult_sd_configs: [] }] });
  const finding = find(findings, "schema/unknown-key");
  assert.deepEqual(finding?.path, ["scrape_configs", 0, "consult_sd_configs"]);
  assert.equal(finding?.atKey, true);
});

test("durations and enums are checked by the schema", () => {
  const findings = check({ global: { scrape_interval: "15 s" }, scrape_configs: [{ job_name: "a", scrape_protocols: ["prometheusproto"] }] });
  assert.deepEqual(find(findings, "schema/pattern")?.path, ["global", "scrape_interval"]);
  assert.match(find(findings, "schema/pattern")!.message, /duration/);
  assert.deepEqual(find(findings, "schema/enum")?.path, ["scrape_configs", 0, "scrape_protocols", 0]);
  assert.deepEqual(check({ global: { scrape_interval: 0, rule_query_offset: "0" }, rule_files: null }), []);
});

test("duplicate job names and scrape timeout greater than interval", () => {
  const findings = check({
    global: { scrape_interval: "15s" },
    scrape_configs: [{ job_name: "a" }, { job_name: "b", scrape_timeout: "20s" }, { job_name: "a" }],
  });
  assert.deepEqual(find(findings, "config/duplicate-job-name")?.path, ["scrape_configs", 2, "job_name"]);
  assert.equal(find(findings, "config/scrape-timeout")?.message, 'scrape timeout greater than scrape interval for scrape config with job name "b"');
  assert.deepEqual(find(findings, "config/scrape-timeout")?.path, ["scrape_configs", 1, "scrape_timeout"]);
});

test("relabel configs: RE2 regexes, required fields, target labels", () => {
  const relabel = (rules: unknown[]) => check({ scrape_configs: [{ job_name: "a", relabel_configs: rules }] });
  const lookahead = find(relabel([{ source_labels: ["x"], regex: "a(?=b)", target_label: "y" }]), "config/relabel");
  assert.deepEqual(lookahead?.path, ["scrape_configs", 0, "relabel_configs", 0, "regex"]);
  assert.match(lookahead!.message, /invalid or unsupported Perl syntax/);
  assert.match(find(relabel([{ regex: "(a)\\1" }]), "config/relabel")!.message, /invalid escape sequence/);
  assert.deepEqual(relabel([{ source_labels: ["__meta_x"], regex: "(?P<host>[^:]+):(\\d+)", target_label: "host_${1}", replacement: "${host}" }]), []);
  assert.equal(
    find(relabel([{ action: "hashmod", target_label: "t" }]), "config/relabel")?.message,
    "relabel configuration for hashmod requires non-zero modulus",
  );
  assert.equal(find(relabel([{ action: "Replace" }]), "config/relabel")?.message, "relabel configuration for replace action requires 'target_label' value");
  assert.equal(
    find(relabel([{ action: "labeldrop", regex: "x", separator: "," }]), "config/relabel")?.message,
    "labeldrop action requires only 'regex', and no other fields",
  );
  assert.match(find(relabel([{ action: "explode" }]), "config/relabel")!.message, /unknown relabel action "explode"/);
  const legacy = checkPrometheusConfig(
    { global: { metric_name_validation_scheme: "legacy" }, scrape_configs: [{ job_name: "a", relabel_configs: [{ target_label: "a.b" }] }] },
    {},
  );
  assert.equal(find(legacy, "config/relabel")?.message, "\"a.b\" is invalid 'target_label' for replace action");
  assert.equal(re2Problem("abc(def"), "error parsing regexp: missing closing ): `abc(def`");
  assert.equal(re2Problem("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
  assert.equal(re2Problem("[[:alpha:]_]+\\.\\pL"), undefined);
});

test("static targets: URLs are rejected unless relabeling rewrites the address", () => {
  const bad = check({ scrape_configs: [{ job_name: "a", static_configs: [{ targets: ["http://bad"] }] }] });
  assert.deepEqual(find(bad, "config/target-address")?.path, ["scrape_configs", 0, "static_configs", 0, "targets", 0]);
  const rewritten = check({
    scrape_configs: [
      {
        job_name: "blackbox",
        static_configs: [{ targets: ["https://example.com"] }],
        relabel_configs: [
          { source_labels: ["__address__"], target_label: "__param_target" },
          { target_label: "__address__", replacement: "blackbox:9115" },
        ],
      },
    ],
  });
  assert.deepEqual(rewritten, []);
});

test("mutually exclusive HTTP client settings, in Prometheus' words", () => {
  const findings = check({
    scrape_configs: [{ job_name: "a", bearer_token: "x", bearer_token_file: "/f", basic_auth: { username: "u", password: "p", password_file: "/p" } }],
  });
  const messages = errorsOf(findings).map((finding) => finding.message);
  assert.ok(messages.includes("at most one of bearer_token & bearer_token_file must be configured"));
  assert.ok(messages.includes("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"));
  assert.ok(messages.includes("at most one of basic_auth password, password_file & password_ref must be configured"));
  const remote = check({ remote_write: [{ url: "http://x/api", sigv4: {}, basic_auth: { username: "u" }, headers: { Authorization: "x" } }] });
  assert.match(find(remote, "config/remote-write")!.message, /^at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam/);
  assert.deepEqual(find(remote, "config/headers")?.path, ["remote_write", 0, "headers", "Authorization"]);
});

test("service discovery checks", () => {
  const findings = check({
    scrape_configs: [
      {
        job_name: "a",
        http_sd_configs: [{ url: "ftp://x" }],
        kubernetes_sd_configs: [{ role: "node", kubeconfig_file: "/k", api_server: "https://k" }],
        ec2_sd_configs: [{ region: "eu-west-1", filters: [{ name: "tag:x", values: [] }] }],
      },
    ],
  });
  const messages = errorsOf(findings).map((finding) => finding.message);
  assert.ok(messages.includes("URL scheme must be 'http' or 'https'"));
  assert.ok(messages.includes("cannot use 'kubeconfig_file' and 'api_server' simultaneously"));
  assert.ok(messages.includes("EC2 SD configuration filter values cannot be empty"));
});

test("agent mode rejects rule files, alerting and remote read", () => {
  const config = { rule_files: ["r.yml"], alerting: { alertmanagers: [{ static_configs: [{ targets: ["am:9093"] }] }] }, remote_read: [{ url: "http://r" }] };
  assert.deepEqual(errorsOf(check(config)), []);
  const findings = errorsOf(check(config, true));
  assert.deepEqual(findings.map((finding) => finding.message).sort(), [
    "field alerting is not allowed in agent mode",
    "field remote_read is not allowed in agent mode",
    "field rule_files is not allowed in agent mode",
  ]);
  assert.deepEqual(findings.find((finding) => finding.message.includes("rule_files"))?.path, ["rule_files"]);
});

test("empty config and null sections follow Go's decoder", () => {
  assert.deepEqual(check({}), []);
  assert.deepEqual(check({ global: null, scrape_configs: [{ job_name: "a", static_configs: [{ targets: ["h:1"], labels: null }] }] }), []);
  assert.equal(find(check({ scrape_configs: [null] }), "config/null-section")?.message, "empty or null scrape config section");
});

test("web configuration", () => {
  assert.deepEqual(checkWebConfig({ basic_auth_users: { admin: "$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze" } }), []);
  const findings = checkWebConfig({
    tls_server_config: { cert_file: "c.pem", client_ca_file: "ca.pem", min_versoin: "TLS12" },
    http_server_config: { headers: { "X-Frame-Options": "allow" } },
    basic_auth_users: { admin: "plaintext" },
  });
  assert.deepEqual(find(findings, "schema/unknown-key")?.path, ["tls_server_config", "min_versoin"]);
  const messages = errorsOf(findings).map((finding) => finding.message);
  assert.ok(messages.includes("missing one of key or key_file"));
  assert.ok(messages.includes("client CA's have been configured without a Client Auth Policy"));
  assert.ok(messages.some((message) => message.startsWith("invalid value for X-Frame-Options")));
  assert.ok(messages.some((message) => message.startsWith("crypto/bcrypt: hashedSecret too short")));
});
