/**
 * Built-in check of a web configuration (`--web.config.file`, prometheus/exporter-toolkit web/tls_config.go): the
 * precompiled schema, then TLS settings, allowed response headers and bcrypt password hashes.
 */
import validateWeb from "../generated/web-config-validator.js";
import type { Path } from "./prometheus/context.js";
import { TLS_VERSIONS } from "./prometheus/http-client.js";
import { isObj, nonEmpty, normalize, scalar } from "./prometheus/values.js";
import { schemaFindings, type SchemaError } from "./schema-findings.js";
import type { Finding } from "./types.js";

export function checkWebConfig(data: unknown): Finding[] {
  const config = normalize(data);
  const findings: Finding[] = [];
  if (!validateWeb(config)) findings.push(...schemaFindings(validateWeb.errors as SchemaError[]));
  if (!isObj(config)) return findings;
  const error = (id: string, message: string, path: Path, atKey = false) =>
    findings.push({ id, severity: "error", message, path, ...(atKey ? { atKey } : {}) });

  const tls = isObj(config.tls_server_config) ? config.tls_server_config : undefined;
  if (tls) {
    const path: Path = ["tls_server_config"];
    const enabled = ["cert", "key", "cert_file", "key_file", "client_ca", "client_ca_file", "client_auth_type"].some((key) => nonEmpty(tls[key]));
    if (enabled) {
      if (!nonEmpty(tls.cert_file) && !nonEmpty(tls.cert)) error("web/tls", "missing one of cert or cert_file", path);
      if (!nonEmpty(tls.key_file) && !nonEmpty(tls.key)) error("web/tls", "missing one of key or key_file", path);
      const clientAuth = scalar(tls.client_auth_type) ?? "";
      if ((nonEmpty(tls.client_ca_file) || nonEmpty(tls.client_ca)) && (clientAuth === "" || clientAuth === "NoClientCert")) {
        error("web/tls", "client CA's have been configured without a Client Auth Policy", [
          ...path,
          nonEmpty(tls.client_ca_file) ? "client_ca_file" : "client_ca",
        ]);
      }
      if (
        (clientAuth === "RequireAndVerifyClientCert" || clientAuth === "VerifyClientCertIfGiven") &&
        !nonEmpty(tls.client_ca_file) &&
        !nonEmpty(tls.client_ca)
      ) {
        findings.push({
          id: "web/tls",
          severity: "warning",
          message: `${clientAuth} without client_ca_file or client_ca: client certificates cannot be verified`,
          path: [...path, "client_auth_type"],
        });
      }
    }
    if (nonEmpty(tls.cert) && nonEmpty(tls.cert_file))
      findings.push({ id: "web/tls", severity: "warning", message: "both cert and cert_file are set; cert_file is used", path: [...path, "cert"] });
    if (nonEmpty(tls.key) && nonEmpty(tls.key_file))
      findings.push({ id: "web/tls", severity: "warning", message: "both key and key_file are set; key_file is used", path: [...path, "key"] });
    const min = TLS_VERSIONS.indexOf(String(tls.min_version ?? "TLS12"));
    const max = TLS_VERSIONS.indexOf(String(tls.max_version ?? "TLS13"));
    if (min >= 0 && max >= 0 && max < min) error("web/tls", "max_version must not be lower than min_version", [...path, "max_version"]);
  }
  const http = isObj(config.http_server_config) ? config.http_server_config : undefined;
  if (http && isObj(http.headers)) {
    for (const [name, value] of Object.entries(http.headers)) {
      const allowed = WEB_HEADERS[name];
      if (allowed === undefined)
        error("web/headers", `HTTP header ${JSON.stringify(name)} can not be configured`, ["http_server_config", "headers", name], true);
      else if (allowed.length > 0 && !allowed.includes(scalar(value) ?? "")) {
        error(
          "web/headers",
          `invalid value for ${name}. Expected one of: [${allowed.map((v) => JSON.stringify(v)).join(" ")}], but got: ${JSON.stringify(scalar(value) ?? "")}`,
          ["http_server_config", "headers", name],
        );
      }
    }
  }
  if (isObj(config.basic_auth_users)) {
    for (const [user, hash] of Object.entries(config.basic_auth_users)) {
      const problem = bcryptProblem(scalar(hash) ?? "");
      if (problem) error("web/basic-auth-users", `${problem} (the password of ${JSON.stringify(user)} must be a bcrypt hash)`, ["basic_auth_users", user]);
    }
  }
  return findings;
}

function bcryptProblem(hash: string): string | undefined {
  if (hash.length < 59) return "crypto/bcrypt: hashedSecret too short to be a bcrypted password";
  if (hash[0] !== "$") return "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '" + hash[0] + "'";
  if (hash[1] !== "2") return `crypto/bcrypt: bcrypt algorithm version '${hash[1]}' requested is newer than current version '2'`;
  const rest = hash[2] === "$" ? hash.slice(3) : hash.slice(4);
  const cost = Number(rest.slice(0, 2));
  if (!/^[0-9]{2}\$/.test(rest) || cost < 4 || cost > 31) return `crypto/bcrypt: cost ${rest.slice(0, 2)} is outside allowed inclusive range 4..31`;
  return undefined;
}

/** The response headers exporter-toolkit lets a config set, with the values it allows (none listed: any). */
const WEB_HEADERS: Record<string, string[]> = {
  "Strict-Transport-Security": [],
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": [],
  "Content-Security-Policy": [],
};
