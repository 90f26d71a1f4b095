/**
 * What a leaked credential looks like: well-known credential patterns (AWS keys, chat webhooks, PagerDuty/Opsgenie
 * keys, private keys, literal `password:`-style fields) and the values of the project's own secret variables.
 * Shared by the image scan (`build`) and `scan`. A finding says what was found and where, never the value: the
 * matched text is not kept, and descriptions of places (history entries) are redacted before they are returned.
 */
import { positionOf, type Finding } from "./finding.js";
import { createSecretFinder } from "./redact.js";

/** What the scanner matched; reported as a `Finding` (see `secretFinding`). */
export interface SecretMatch {
  /** A pattern id (`aws-access-key-id`, `slack-webhook`, …), `secret-value`, `secret-env` or `build-arg-in-history`. */
  kind: string;
  /** The file holding it (a path inside an image layer, or a repository file), or `config` / `history`. */
  file: string;
  /** 1-based line, for text. */
  line?: number;
  /** The place: `layer sha256:… (COPY …)`, `history #4 (RUN …)`, `image config Env`. Never holds the value. */
  where: string;
  /** The variable (or build argument, or env name) the match is about, when there is one. */
  variable?: string;
}

/**
 * A match as a finding: its kind is the id, `KIND (VARIABLE)` the message. In an image, the file is named after
 * the image and the message says where in it (`in layer 2/9 sha256:… (COPY …)`).
 */
export function secretFinding(match: SecretMatch, image?: string): Finding {
  const what = match.variable ? `${match.kind} (${match.variable})` : match.kind;
  return {
    id: match.kind,
    severity: "error",
    message: image === undefined ? what : `${what} in ${match.where}`,
    file: image === undefined ? match.file : `${image}: ${match.file}`,
    ...(match.line !== undefined ? { line: match.line } : {}),
  };
}

/** A secret value to look for: a variable's name and one string form of its value. */
export interface KnownSecret {
  name: string;
  value: string;
}

export interface SecretPattern {
  kind: string;
  /** Global, so every match is seen; the last group that matched, when there is one, is the credential itself (for
   * the allow check; a pattern whose credential is not its last group reads it from the match). */
  regex: RegExp;
  /** Only files whose name matches (the field patterns apply to configuration files, not to code). */
  files?: RegExp;
  /** A match that is a documented placeholder, e.g. AWS's `AKIAIOSFODNN7EXAMPLE`. */
  allow?: (credential: string, match: RegExpMatchArray) => boolean;
}

/** Values that stand for a credential without being one: references, placeholders, documentation examples. */
function isPlaceholder(value: string): boolean {
  const v = value
    .trim()
    .replace(/^["']|["']$/g, "")
    .trim();
  return (
    v === "" ||
    /^(null|~|true|false|none|changeme|redacted|<[^>]*>?|\*+|x+|\.\.\.|\|[-+]?|>[-+]?)$/i.test(v) ||
    /^(\$\{|\$[A-Za-z_]|\{\{|%\(|%\{|\$\()/.test(v) ||
    /EXAMPLE/i.test(v)
  );
}

const isExample = (credential: string) => /EXAMPLE/i.test(credential);

/** Config-like files, where `name: value` and `NAME=value` lines mean what they say. */
const CONFIG_FILES = /\.(ya?ml|json|conf|cfg|ini|toml|properties)$/i;
const ENV_FILES = /(\.env|(^|\/)\.env[^/]*)$/i;

/** Field names whose literal value is a credential (Prometheus, Alertmanager and the usual config spellings). */
const CREDENTIAL_FIELDS = [
  "password",
  "bearer_token",
  "api_key",
  "apikey",
  "api_secret",
  "api_token",
  "auth_token",
  "access_token",
  // Not `routing_key`: VictorOps' is a route name; PagerDuty's (a 32-character key) has its own pattern.
  "client_secret",
  "secret_key",
  "secret_access_key",
  "private_key",
  "service_key",
  "integration_key",
  "token",
  "secret",
  // Alertmanager's other secret fields: Telegram, Pushover, the SMTP login (per receiver and in `global:`), WeChat.
  "bot_token",
  "user_key",
  "auth_password",
  "auth_secret",
  "smtp_auth_password",
  "smtp_auth_secret",
  "wechat_api_secret",
  // The `authorization:` block of Prometheus and Alertmanager HTTP clients (what replaced bearer_token).
  "credentials",
];

/** Names that say a value is a credential (env entries, build arguments). */
export function isSecretLikeName(name: string): boolean {
  return /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH|CREDENTIAL|WEBHOOK|ROUTING_?KEY|SERVICE_?KEY)/i.test(name);
}

/** A slash in a URL, or JSON's escaped `\/`. */
const SLASH = String.raw`\\?/`;
/** An optional port after a host (`:443`). */
const PORT = String.raw`(?::\d{1,5})?`;

/** `https://user:password@host`: the password (group 1), and the host (group 2, for the documentation check). */
const URL_USERINFO = String.raw`\b[a-z][a-z0-9+.-]*:${SLASH}${SLASH}[^\s:/?#@"'<>\\]+:([^\s/?#@"'<>\\]+)@([\w.-]+|\[[^\]\s]*\])`;
/** Placeholders (`${VAR}`, `<secret>`, `***`, `password`), values too short to be a password (`a:b`, `abc:xyz` in
 * documentation), and hosts reserved for documentation (example.com, *.test, *.invalid, *.example). */
function isDocumentedUserinfo(_password: string, match: RegExpMatchArray): boolean {
  const password = match[1] ?? "";
  const host = (match[2] ?? "").toLowerCase();
  return (
    isPlaceholder(password) ||
    password.length < 4 ||
    /^(pass(word)?|passwd|pwd|secret|token)$/i.test(password) ||
    /^[${*]/.test(password) ||
    /(^|\.)example\.(com|org|net)$|\.(example|test|invalid)$/.test(host)
  );
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: "aws-access-key-id", regex: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g, allow: isExample },
  {
    // A 40-character secret key is only recognisable next to a name that says so: `aws…secret…` or, alone (the
    // JSON that `aws sts` and credential_process print), `SecretAccessKey`. JSON may escape its slashes.
    kind: "aws-secret-access-key",
    regex: new RegExp(
      String.raw`(?:aws[\w.-]{0,20}?(?:secret|sk)|secret[_.-]?access[_.-]?key)[\w.-]{0,20}["']?\s*[:=]\s*["']?((?:[A-Za-z0-9+]|${SLASH}){40})(?![A-Za-z0-9/+=])`,
      "gi",
    ),
    allow: isExample,
  },
  // Hosts are case-insensitive, a port may be written, and JSON may escape the slashes.
  {
    kind: "slack-webhook",
    regex: new RegExp(
      String.raw`(https?:${SLASH}${SLASH}hooks\.slack\.com${PORT}${SLASH}(?:services|workflows|triggers)${SLASH}(?:[A-Za-z0-9_+-]|${SLASH}){20,})`,
      "gi",
    ),
    allow: isExample,
  },
  {
    kind: "teams-webhook",
    regex: new RegExp(
      String.raw`(https:${SLASH}${SLASH}(?:[\w-]+\.webhook\.office\.com${PORT}${SLASH}webhookb2${SLASH}|outlook\.office(?:365)?\.com${PORT}${SLASH}webhook${SLASH}|[\w.-]+\.logic\.azure\.com${PORT}${SLASH}workflows${SLASH}[^\s"']*sig=)(?:[\w@.%&=?-]|${SLASH}){10,})`,
      "gi",
    ),
    allow: isExample,
  },
  {
    kind: "discord-webhook",
    regex: new RegExp(
      String.raw`(https:${SLASH}${SLASH}(?:ptb\.|canary\.)?discord(?:app)?\.com${PORT}${SLASH}api${SLASH}webhooks${SLASH}\d+${SLASH}[\w-]{20,})`,
      "gi",
    ),
    allow: isExample,
  },
  { kind: "pagerduty-key", regex: /(?:routing_key|service_key|integration_key)["']?\s*[:=]\s*["']?([a-z0-9]{32})\b/gi, allow: isExample },
  {
    kind: "opsgenie-key",
    regex: /(?:opsgenie[\w.-]*|api_key|GenieKey)["']?\s*[:=\s]\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/gi,
    allow: isExample,
  },
  // A header alone is not a key (code and docs mention it); a key block has its base64 body after it.
  { kind: "private-key", regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\s*(?:[A-Za-z-]+:[^\n]*\n\s*)*([A-Za-z0-9+/=]{40,})/g },
  {
    // `password: value`, or a YAML block scalar (`password: >-` / `|`) whose value is on the next, indented line.
    kind: "credential-field",
    regex: new RegExp(
      String.raw`^([ \t]*)(?:-[ \t]+)?["']?(?:${CREDENTIAL_FIELDS.join("|")})["']?[ \t]*[:=][ \t]*(?:[|>][-+1-9]{0,2}[ \t]*(?:#[^\n]*)?\n(?:[ \t]*\n)*\1[ \t]+([^\n]*)|([^\n#,}]*))`,
      "gim",
    ),
    files: CONFIG_FILES,
    // `api_token: { type: string }` (a variable's declaration in promplate.yaml) is a mapping, not a value.
    allow: (value) => isPlaceholder(value) || /^[{[]/.test(value.trim()),
  },
  {
    kind: "env-secret",
    regex:
      /^[ \t]*(?:export[ \t]+)?[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|WEBHOOK)[A-Za-z0-9_]*[ \t]*=[ \t]*([^\n]*)/gim,
    files: ENV_FILES,
    allow: isPlaceholder,
  },
  { kind: "url-password", regex: new RegExp(URL_USERINFO, "gi"), allow: isDocumentedUserinfo },
];

export interface TextScanOptions {
  /** Reported as the finding's file. */
  file: string;
  where: string;
  /** Secret values to look for. */
  secrets?: readonly KnownSecret[];
  /** Look for the credential patterns too. @default true */
  patterns?: boolean;
  /** The name that decides which file-specific patterns apply. @default options.file */
  fileName?: string;
}

/** Finds secret values and credential patterns in text, one finding per kind (and variable) and line. */
export function findSecretsInText(text: string, options: TextScanOptions): SecretMatch[] {
  const findings: SecretMatch[] = [];
  const seen = new Set<string>();
  const add = (kind: string, offset: number, variable?: string) => {
    const line = positionOf(text, offset).line;
    const key = `${kind}\0${variable ?? ""}\0${line}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({ kind, file: options.file, line, where: options.where, ...(variable ? { variable } : {}) });
  };
  const secrets = options.secrets ?? [];
  if (secrets.length > 0) {
    // As they are (across lines too), JSON- or Go-escaped, quoted, URL-encoded, base64 (src/redact.ts).
    const find = createSecretFinder(secrets.map((secret) => secret.value));
    for (const { index, offset } of find(text)) add("secret-value", offset, secrets[index]!.name);
  }
  if (options.patterns !== false) {
    const fileName = options.fileName ?? options.file;
    for (const pattern of SECRET_PATTERNS) {
      if (pattern.files && !pattern.files.test(fileName)) continue;
      for (const match of text.matchAll(pattern.regex)) {
        const credential =
          match
            .slice(1)
            .reverse()
            .find((group) => group !== undefined) ?? match[0];
        if (pattern.allow?.(credential, match)) continue;
        add(pattern.kind, match.index ?? 0);
      }
    }
  }
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Finds secret values in bytes (binaries, or text too large for the patterns). */
export function findSecretValuesInBuffer(buffer: Buffer, secrets: readonly KnownSecret[], place: { file: string; where: string }): SecretMatch[] {
  const findings: SecretMatch[] = [];
  for (const secret of secrets) {
    const at = formsOf(secret.value)
      .map((form) => buffer.indexOf(form))
      .find((offset) => offset !== -1);
    if (at === undefined) continue;
    const text = looksBinary(buffer) ? undefined : buffer.subarray(0, at).toString("latin1");
    findings.push({
      kind: "secret-value",
      file: place.file,
      ...(text !== undefined ? { line: text.split("\n").length } : {}),
      where: place.where,
      variable: secret.name,
    });
  }
  return findings;
}

/** The ways a value appears in files: as is, and JSON-escaped (a value with quotes, backslashes or newlines). */
function formsOf(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

/** Text has no NUL byte in its first 8 KiB (git's heuristic). */
export function looksBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8192).includes(0);
}

/** The build arguments recorded in a history entry: `|2 NAME=value OTHER=value /bin/sh -c …` (values dropped). */
export function historyBuildArgs(createdBy: string): string[] {
  const head = /^\|(\d+)\s+/.exec(createdBy);
  if (!head) return [];
  const names: string[] = [];
  const nameAt = /(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g;
  nameAt.lastIndex = head[0].length - 1;
  for (let match = nameAt.exec(createdBy); match && names.length < Number(head[1]); match = nameAt.exec(createdBy)) names.push(match[1]!);
  return names;
}

/**
 * A history entry as a short, safe description: `RUN test -n "$X"`, with build-argument values, known secret values
 * and anything a credential pattern matches replaced by `***`.
 */
export function describeHistoryEntry(createdBy: string, secrets: readonly KnownSecret[], maxLength = 60): string {
  let text = createdBy;
  const args = historyBuildArgs(text);
  let instruction = "RUN";
  if (args.length > 0) text = text.replace(/^\|\d+\s+/, "").replace(new RegExp(`^(?:(?:${args.join("|")})=\\S*\\s+)+`), "");
  const nop = /^\/bin\/sh -c #\(nop\)\s*(\S+)\s*/.exec(text);
  if (nop) {
    instruction = nop[1]!;
    text = text.slice(nop[0].length);
  } else {
    text = text.replace(/^\/bin\/sh -c\s*/, "");
  }
  // `COPY dir:<64 hex> in /etc/promplate/`: the content hash says little, the destination a lot.
  text = text.replace(/\b(dir|file|multi):([0-9a-f]{12})[0-9a-f]{52}\b/g, "$1:$2…").trimEnd();
  for (const secret of secrets) for (const form of formsOf(secret.value)) text = text.split(form).join("***");
  for (const pattern of SECRET_PATTERNS) {
    if (pattern.files) continue;
    text = text.replace(pattern.regex, "***");
  }
  // `ENV NAME=value` / `LABEL NAME=value` with a secret-like name: the value goes too.
  text = text.replace(/\b([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g, (whole, name: string) => (isSecretLikeName(name) ? `${name}=***` : whole));
  const shown = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  return `${instruction}${shown ? ` ${shown}` : ""}${args.length ? ` (build args: ${args.join(", ")})` : ""}`;
}
