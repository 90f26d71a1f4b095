/**
 * Secret-file mode (`--write-secret-files DIR`): every secret value standing in a field that Prometheus or
 * Alertmanager can read from a file moves to its own 0600 file, and the config names the file (`password` →
 * `password_file`). The rendered config then holds no secret and is safe to show or store. Fields without a file
 * form keep the value inline and are reported.
 */
import { posix } from "node:path";
import { isMap, isScalar, isSeq, parseAllDocuments, type Node, type Pair } from "yaml";
import { readAsGoYaml, sourceOffset } from "./checks/go-yaml.js";
import { BadInputError } from "./errors.js";
import { positionOf, type Finding } from "./finding.js";
import type { OutputKind } from "./project.js";
import { secretStrings } from "./variables.js";

/** Field → its file form, by the key alone (current upstream; the same keys mean the same in both servers). */
const FILE_FORMS: Record<string, string> = {
  // Prometheus and every HTTP client config (also Alertmanager's http_config)
  password: "password_file",
  credentials: "credentials_file",
  bearer_token: "bearer_token_file",
  client_secret: "client_secret_file",
  key: "key_file",
  // Alertmanager
  slack_api_url: "slack_api_url_file",
  opsgenie_api_key: "opsgenie_api_key_file",
  victorops_api_key: "victorops_api_key_file",
  smtp_auth_password: "smtp_auth_password_file",
  telegram_bot_token: "telegram_bot_token_file",
  webex_api_url: "webex_api_url_file",
  api_url: "api_url_file",
  api_key: "api_key_file",
  routing_key: "routing_key_file",
  service_key: "service_key_file",
  auth_password: "auth_password_file",
  bot_token: "bot_token_file",
  url: "url_file",
  webhook_url: "webhook_url_file",
  token: "token_file",
  user_key: "user_key_file",
  api_secret: "api_secret_file",
  token_id: "token_id_file",
};

/** `key` is a file form only inside tls_config, `url` only in webhook configs, `token` only where documented. */
const ONLY_UNDER: Record<string, RegExp> = {
  key: /(^|\.)tls_config$/,
  url: /(^|\.)webhook_configs\.\d+$/,
  token: /(^|\.)(pushover_configs|rocketchat_configs)\.\d+$/,
  user_key: /(^|\.)pushover_configs\.\d+$/,
  api_secret: /(^|\.)wechat_configs\.\d+$/,
  token_id: /(^|\.)rocketchat_configs\.\d+$/,
  api_key: /(^|\.)(opsgenie_configs|victorops_configs)\.\d+$/,
  api_url: /(^|\.)(slack_configs)\.\d+$/,
  routing_key: /(^|\.)pagerduty_configs\.\d+$/,
  service_key: /(^|\.)pagerduty_configs\.\d+$/,
  bot_token: /(^|\.)telegram_configs\.\d+$/,
  webhook_url: /(^|\.)(discord_configs|msteams_configs|msteamsv2_configs|mattermost_configs)\.\d+$/,
};

export interface SecretFile {
  /** Absolute path the config names, and where the file is written. */
  path: string;
  content: string;
}

export interface InlineSecret {
  /** Dotted path of the field in the config, e.g. `scrape_configs.2.ec2_sd_configs.0.secret_key`. */
  field: string;
  /** Index in `secrets` of the secret the value holds, to tell which variable it is. */
  secret: number;
}

/** A secret secret-file mode cannot move: it stands outside any value (in a key or a comment). */
export interface UnmovableSecret {
  /** 1-based line of the output. */
  line: number;
  reason: string;
}

export interface SecretFileResult {
  text: string;
  files: SecretFile[];
  inline: InlineSecret[];
  /**
   * Where a secret may stand that is neither moved nor in a value kept inline: outside any value, or anywhere in an
   * output that does not parse. An output holding a secret cannot then be written in secret-file mode.
   */
  unmovable: UnmovableSecret[];
  /** For each line of `text`, the index of the line it came from in the input (for the line map). */
  lineOrigin: number[];
}

/**
 * Moves secret-bearing values into files under `dir`, named `<stem>.<field path>`. `secrets` are the secret values
 * (and their string forms); a scalar containing any of them moves whole. With `mounted` (a path for each secret
 * that is mounted as a file of its own, e.g. by prometheus-operator's `spec.secrets`), a scalar moves only when it
 * is exactly one of those secrets, to name that path, and no file is made. The output is read as go-yaml reads it
 * (src/checks/go-yaml.ts), every document of it, so that a form the servers accept is not passed over.
 */
export function moveSecretsToFiles(
  kind: OutputKind,
  text: string,
  secrets: readonly string[],
  dir: string,
  stem: string,
  mounted?: readonly (string | undefined)[],
): SecretFileResult {
  const identity = () => text.split("\n").map((_, i) => i);
  const secretAt = (value: string) => secrets.findIndex((secret) => secret.length > 0 && value.includes(secret));
  if (secrets.length === 0 || !["prometheus-config", "alertmanager-config", "web-config", "yaml"].includes(kind)) {
    return { text, files: [], inline: [], unmovable: [], lineOrigin: identity() };
  }
  const reading = readAsGoYaml(text, { allDocuments: true });
  const parsed = parseAllDocuments(reading.text, { keepSourceTokens: true, uniqueKeys: false, logLevel: "silent" });
  const documents = Array.isArray(parsed) ? parsed : [];
  const lineAt = (offset: number) => positionOf(text, offset).line;
  const broken = documents.flatMap((document) => document.errors).at(0);
  if (broken) {
    const line = lineAt(sourceOffset(reading, broken.pos[0]));
    return {
      text,
      files: [],
      inline: [],
      unmovable: [{ line, reason: "this is not YAML that promplate can read, so secret-file mode cannot find the secrets the output holds" }],
      lineOrigin: identity(),
    };
  }
  const edits: { from: number; to: number; text: string }[] = [];
  const files: SecretFile[] = [];
  const inline: InlineSecret[] = [];
  /** Where the secrets in values are (source offsets), moved or kept inline: any other is unmovable. */
  const accounted: [number, number][] = [];

  const visit = (node: unknown, path: string[]) => {
    if (isSeq(node)) node.items.forEach((item, index) => visit(item, [...path, String(index)]));
    if (!isMap(node)) return;
    const keys = new Set(node.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : "")));
    for (const pair of node.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const value = pair.value;
      const secret = isScalar(value) && (typeof value.value === "string" || typeof value.value === "number") ? secretAt(String(value.value)) : -1;
      if (secret === -1 || !isScalar(value)) {
        visit(value, [...path, key]);
        continue;
      }
      const fileKey = FILE_FORMS[key];
      const parent = path.join(".");
      const allowed = fileKey && (!ONLY_UNDER[key] || ONLY_UNDER[key].test(parent)) && !keys.has(fileKey);
      const field = [...path, key].join(".");
      const range: [number, number] | undefined = value.range ? [sourceOffset(reading, value.range[0]), sourceOffset(reading, value.range[1])] : undefined;
      if (range) accounted.push(range);
      if (!allowed || !pair.key?.range || !range) {
        inline.push({ field, secret });
        continue;
      }
      let file = posix.join(dir, `${stem}.${field}`);
      if (mounted) {
        // A mounted secret holds one variable's value: only a field holding exactly that value can name its file.
        const exact = secrets.findIndex((s, i) => s === String(value.value) && mounted[i] !== undefined);
        if (exact === -1) {
          inline.push({ field, secret });
          continue;
        }
        file = mounted[exact]!;
      } else {
        files.push({ path: file, content: String(value.value) });
      }
      edits.push({ from: sourceOffset(reading, pair.key.range[0]), to: sourceOffset(reading, pair.key.range[1]), text: fileKey });
      // A block scalar's range takes in its last line break: the line after it must stay a line of its own.
      const trailingBreak = text.slice(range[0], range[1]).endsWith("\n") ? "\n" : "";
      edits.push({ from: range[0], to: range[1], text: JSON.stringify(file) + trailingBreak });
    }
  };
  // Prometheus and Alertmanager read only the first document; the others are in the file all the same.
  documents.forEach((document, index) => visit(document.contents, index === 0 ? [] : [`document-${index + 1}`]));

  const unmovable: UnmovableSecret[] = [];
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      if (accounted.some(([from, to]) => at >= from && at < to)) continue;
      const line = lineAt(at);
      if (!unmovable.some((u) => u.line === line))
        unmovable.push({ line, reason: "a secret stands outside any value (in a key or a comment), where no *_file field can take its place" });
    }
  }

  let result = text;
  const origins = identity();
  for (const edit of edits.sort((a, b) => b.from - a.from)) {
    const removedBreaks = (result.slice(edit.from, edit.to).match(/\n/g) ?? []).length - (edit.text.match(/\n/g) ?? []).length;
    const line = (result.slice(0, edit.from).match(/\n/g) ?? []).length;
    if (removedBreaks > 0) origins.splice(line + 1, removedBreaks);
    result = result.slice(0, edit.from) + edit.text + result.slice(edit.to);
  }
  return { text: result, files, inline, unmovable: unmovable.sort((a, b) => a.line - b.line), lineOrigin: origins };
}

export interface ProjectSecretFiles {
  files: SecretFile[];
  /** Secrets left inline: which variable, in which output, at which field. */
  inline: { variable: string; output: string; field: string }[];
}

/**
 * Applies secret-file mode to every rendered output, in place: contents, line maps, secret lines and modes are
 * updated (an output with no secret left is 0644). A secret that can be neither moved nor reported as inline (the
 * output does not parse, or the secret is in a key or a comment) is exit 2: secret-file mode never leaves one
 * behind unsaid.
 */
export function applySecretFiles(rendered: import("./render.js").ProjectRender, dir: string): ProjectSecretFiles {
  const result: ProjectSecretFiles = { files: [], inline: [] };
  const findings: Finding[] = [];
  const secretVariables = [...rendered.variables.values()].filter((v) => v.declaration.secret && v.value !== undefined);
  for (const file of rendered.files) {
    const stem = posix.basename(file.path).replace(/\.(ya?ml|json)$/, "");
    const moved = moveSecretsToFiles(file.source.output.kind, file.content, rendered.secrets, dir, stem);
    // The template inserted a secret (escaped, perhaps, so not found in the text as such).
    const holdsSecret = file.mode === 0o600 || file.secretLines.length > 0;
    for (const { line, reason } of holdsSecret ? moved.unmovable : []) {
      findings.push({
        id: "output/secret-unmovable",
        severity: "error",
        message: `${file.path} line ${line}: ${reason}`,
        hint: "keep secrets in values, in fields that have a *_file form; or render without --write-secret-files (the output is then written 0600)",
        file: file.source.templateName,
        line: file.lineMap[line - 1] ?? line,
        column: 1,
      });
    }
    if (moved.files.length === 0 && moved.inline.length === 0) continue;
    file.content = moved.text;
    file.lineMap = moved.lineOrigin.map((origin) => file.lineMap[origin] ?? origin + 1);
    const lines = moved.text.split("\n");
    file.secretLines = lines.flatMap((line, index) => (rendered.secrets.some((s) => s.length > 0 && line.includes(s)) ? [index + 1] : []));
    file.mode = file.secretLines.length > 0 ? 0o600 : 0o644;
    result.files.push(...moved.files);
    for (const { field, secret } of moved.inline) {
      const variable = secretVariables.find((v) => secretStrings([v]).includes(rendered.secrets[secret]!))?.declaration.name ?? "a secret";
      result.inline.push({ variable, output: file.path, field });
    }
  }
  if (findings.length > 0) throw new BadInputError(findings);
  return result;
}
