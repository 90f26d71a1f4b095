/**
 * Secret-file mode (`--write-secret-files DIR`): every secret value standing in a field that Prometheus or
 * Alertmanager can read from a file moves to its own 0600 file, and the config names the file (`password` →
 * `password_file`). The rendered config then holds no secret and is safe to show or store. Fields without a file
 * form keep the value inline and are reported.
 */
import { posix } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from "yaml";
import type { OutputKind } from "./project.js";

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
}

export interface SecretFileResult {
  text: string;
  files: SecretFile[];
  inline: InlineSecret[];
  /** For each line of `text`, the index of the line it came from in the input (for the line map). */
  lineOrigin: number[];
}

/**
 * Moves secret-bearing values into files under `dir`, named `<stem>.<field path>`. `secrets` are the secret values
 * (and their string forms); a scalar containing any of them moves whole.
 */
export function moveSecretsToFiles(kind: OutputKind, text: string, secrets: readonly string[], dir: string, stem: string): SecretFileResult {
  const identity = () => text.split("\n").map((_, i) => i);
  if (secrets.length === 0 || !["prometheus-config", "alertmanager-config", "web-config", "yaml"].includes(kind)) {
    return { text, files: [], inline: [], lineOrigin: identity() };
  }
  const document = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false, logLevel: "silent" });
  if (document.errors.length > 0) return { text, files: [], inline: [], lineOrigin: identity() };
  const holdsSecret = (value: string) => secrets.some((secret) => secret.length > 0 && value.includes(secret));
  const edits: { from: number; to: number; text: string }[] = [];
  const files: SecretFile[] = [];
  const inline: InlineSecret[] = [];

  const visit = (node: unknown, path: string[]) => {
    if (isSeq(node)) node.items.forEach((item, index) => visit(item, [...path, String(index)]));
    if (!isMap(node)) return;
    const keys = new Set(node.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : "")));
    for (const pair of node.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const value = pair.value;
      if (isScalar(value) && typeof value.value === "string" && holdsSecret(value.value)) {
        const fileKey = FILE_FORMS[key];
        const parent = path.join(".");
        const allowed = fileKey && (!ONLY_UNDER[key] || ONLY_UNDER[key].test(parent)) && !keys.has(fileKey);
        const field = [...path, key].join(".");
        if (!allowed || !pair.key?.range || !value.range) {
          inline.push({ field });
          continue;
        }
        const file = posix.join(dir, `${stem}.${field}`);
        files.push({ path: file, content: value.value });
        edits.push({ from: pair.key.range[0], to: pair.key.range[1], text: fileKey });
        // A block scalar's range takes in its last line break: the line after it must stay a line of its own.
        const trailingBreak = text.slice(value.range[0], value.range[1]).endsWith("\n") ? "\n" : "";
        edits.push({ from: value.range[0], to: value.range[1], text: JSON.stringify(file) + trailingBreak });
      } else {
        visit(value, [...path, key]);
      }
    }
  };
  visit(document.contents, []);

  let result = text;
  const origins = identity();
  for (const edit of edits.sort((a, b) => b.from - a.from)) {
    const removedBreaks = (result.slice(edit.from, edit.to).match(/\n/g) ?? []).length - (edit.text.match(/\n/g) ?? []).length;
    const line = (result.slice(0, edit.from).match(/\n/g) ?? []).length;
    if (removedBreaks > 0) origins.splice(line + 1, removedBreaks);
    result = result.slice(0, edit.from) + edit.text + result.slice(edit.to);
  }
  return { text: result, files, inline, lineOrigin: origins };
}

export interface ProjectSecretFiles {
  files: SecretFile[];
  /** Secrets left inline: which variable, in which output, at which field. */
  inline: { variable: string; output: string; field: string }[];
}

/**
 * Applies secret-file mode to every rendered output, in place: contents, line maps, secret lines and modes are
 * updated (an output with no secret left is 0644).
 */
export function applySecretFiles(rendered: import("./render.js").ProjectRender, dir: string): ProjectSecretFiles {
  const result: ProjectSecretFiles = { files: [], inline: [] };
  const secretVariables = [...rendered.variables.values()].filter((v) => v.declaration.secret && v.value !== undefined);
  for (const file of rendered.files) {
    const stem = posix.basename(file.path).replace(/\.(ya?ml|json)$/, "");
    const moved = moveSecretsToFiles(file.source.output.kind, file.content, rendered.secrets, dir, stem);
    if (moved.files.length === 0 && moved.inline.length === 0) continue;
    file.content = moved.text;
    file.lineMap = moved.lineOrigin.map((origin) => file.lineMap[origin] ?? origin + 1);
    const lines = moved.text.split("\n");
    file.secretLines = lines.flatMap((line, index) => (rendered.secrets.some((s) => s.length > 0 && line.includes(s)) ? [index + 1] : []));
    file.mode = moved.inline.length > 0 ? 0o600 : 0o644;
    result.files.push(...moved.files);
    for (const { field } of moved.inline) {
      const value = fieldValue(moved.text, field);
      const variable = secretVariables.find((v) => value !== undefined && value.includes(String(v.value)))?.declaration.name ?? "a secret";
      result.inline.push({ variable, output: file.path, field });
    }
  }
  return result;
}

function fieldValue(text: string, field: string): string | undefined {
  let node: unknown = parseDocument(text, { logLevel: "silent", uniqueKeys: false }).contents;
  for (const part of field.split(".")) {
    if (isMap(node)) node = node.get(part, true);
    else if (isSeq(node)) node = node.get(Number(part), true);
    else return undefined;
  }
  return isScalar(node) ? String(node.value) : undefined;
}
