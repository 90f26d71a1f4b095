/**
 * Built-in check of an Alertmanager configuration (`alertmanager.yml`), following current upstream (0.3x): the
 * precompiled structural schema (schemas/alertmanager-config.schema.json), then the checks Alertmanager's loader makes
 * after decoding (config/config.go, config/notifiers.go, notify/<integration>/config.go, prometheus/common's HTTP and
 * TLS settings): global defaults for secrets and URLs, conflicting `x` / `x_file` pairs, the routing tree, receiver and
 * time interval references, matchers, RE2 regexes, label names and time intervals. Messages use Alertmanager's words
 * where it has them; unlike Alertmanager, which stops at the first problem, every problem is reported.
 */
import validate from "../generated/alertmanager-config-validator.js";
import { parseDuration as durationMs } from "../go/duration.js";
import { canonicalHeaderKey, COMMON_RESERVED_HEADERS } from "../go/headers.js";
import { re2Problem } from "../go/re2.js";
import { unquote as goUnquote } from "../go/strconv.js";
import { hostName, hostPortProblem, portProblem, splitUrl } from "../go/url.js";
import { schemaFindings, type SchemaError } from "./schema-findings.js";
import type { CheckOptions, Finding } from "./types.js";

type Path = (string | number)[];
type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);
const asObj = (value: unknown): Obj => (isObj(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The text Go's YAML decoder puts in a string field (a number or boolean becomes its text, null the empty string). */
const text = (value: unknown): string =>
  value === undefined || value === null || typeof value === "object" ? "" : String(value);
/** A non-nil pointer field: the key is present with a non-null value. */
const given = (value: unknown): boolean => value !== undefined && value !== null;
/** A non-empty string field. */
const filled = (value: unknown): boolean => text(value) !== "";
const q = (value: string): string => JSON.stringify(value);

const CLASSIC_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SECRET_TOKEN = "<secret>";
const SLACK_APP_URL = "https://slack.com/api/chat.postMessage";

/** Defaults of the global URLs (DefaultGlobalConfig); a global key set to null clears the default. */
const GLOBAL_URL_DEFAULTS: Record<string, string> = {
  pagerduty_url: "https://events.pagerduty.com/v2/enqueue",
  opsgenie_api_url: "https://api.opsgenie.com/",
  wechat_api_url: "https://qyapi.weixin.qq.com/cgi-bin/",
  victorops_api_url: "https://alert.victorops.com/integrations/generic/20131114/alert/",
  telegram_api_url: "https://api.telegram.org",
  webex_api_url: "https://webexapis.com/v1/messages",
  rocketchat_api_url: "https://open.rocket.chat/",
  slack_app_url: SLACK_APP_URL,
};

/** Default route timings (dispatch/route.go), in milliseconds. */
const DEFAULT_GROUP_INTERVAL = 5 * 60_000;
const DEFAULT_REPEAT_INTERVAL = 4 * 3_600_000;

export function checkAlertmanagerConfig(data: unknown, _options: CheckOptions = {}): Finding[] {
  const valid = validate(data);
  const errors = (valid ? [] : (validate.errors ?? [])) as unknown as (SchemaError & { propertyName?: string })[];
  // Label names used as keys (match, source_match, …) are reported below with Alertmanager's message and the key.
  const findings = schemaFindings(errors.filter((e) => e.keyword !== "propertyNames" && e.propertyName === undefined));
  if (!isObj(data)) return findings;
  const checker = new Checker(data, findings);
  checker.run();
  return findings;
}

class Checker {
  private readonly global: Obj;

  constructor(
    private readonly config: Obj,
    private readonly findings: Finding[],
  ) {
    this.global = asObj(config.global);
  }

  private error(id: string, path: Path, message: string, atKey = false): void {
    this.findings.push({ id: `config/${id}`, severity: "error", message, path, ...(atKey ? { atKey } : {}) });
  }

  private warn(id: string, path: Path, message: string, atKey = false): void {
    this.findings.push({ id: `config/${id}`, severity: "warning", message, path, ...(atKey ? { atKey } : {}) });
  }

  run(): void {
    this.checkGlobal();
    const receivers = this.checkReceivers();
    const timeIntervals = this.checkTimeIntervals();
    this.checkRouteTree(receivers, timeIntervals);
    list(this.config.inhibit_rules).forEach((rule, i) => this.checkInhibitRule(rule, ["inhibit_rules", i]));
    this.checkTracing();
    this.checkEventRecorder();
  }

  // ── global ────────────────────────────────────────────────────────────────────────────────────────────────────

  private checkGlobal(): void {
    const g = this.global;
    const path = ["global"];
    if (!isObj(this.config.global)) return;
    this.atMostOne(g, path, "slack_app_token", "slack_app_token_file", filled, "at most one of slack_app_token & slack_app_token_file must be configured");
    this.atMostOne(g, path, "slack_api_url", "slack_api_url_file", given, "at most one of slack_api_url & slack_api_url_file must be configured");
    if ((filled(g.slack_app_token) || filled(g.slack_app_token_file)) && (given(g.slack_api_url) || filled(g.slack_api_url_file))) {
      // Allowed only when slack_api_url is the app URL (the workaround from alertmanager#2513).
      const appURL = given(g.slack_app_url) ? text(g.slack_app_url) : SLACK_APP_URL;
      if (!given(g.slack_api_url) || text(g.slack_api_url) !== appURL) {
        const key = given(g.slack_api_url) ? "slack_api_url" : "slack_api_url_file";
        this.error("conflict", [...path, key], "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured", true);
      }
    }
    this.atMostOne(g, path, "opsgenie_api_key", "opsgenie_api_key_file", filled, "at most one of opsgenie_api_key & opsgenie_api_key_file must be configured");
    this.atMostOne(g, path, "victorops_api_key", "victorops_api_key_file", filled, "at most one of victorops_api_key & victorops_api_key_file must be configured");
    this.atMostOne(g, path, "telegram_bot_token", "telegram_bot_token_file", filled, "at most one of telegram_bot_token & telegram_bot_token_file must be configured");
    this.atMostOne(g, path, "smtp_auth_password", "smtp_auth_password_file", filled, "at most one of smtp_auth_password & smtp_auth_password_file must be configured");
    this.atMostOne(g, path, "rocketchat_token", "rocketchat_token_file", given, "at most one of rocketchat_token & rocketchat_token_file must be configured");
    this.atMostOne(g, path, "rocketchat_token_id", "rocketchat_token_id_file", given, "at most one of rocketchat_token_id & rocketchat_token_id_file must be configured");
    this.atMostOne(g, path, "smtp_auth_secret", "smtp_auth_secret_file", filled, "at most one of smtp_auth_secret & smtp_auth_secret_file must be configured");
    this.atMostOne(g, path, "wechat_api_secret", "wechat_api_secret_file", filled, "at most one of wechat_api_secret & wechat_api_secret_file must be configured");
    this.atMostOne(g, path, "mattermost_webhook_url", "mattermost_webhook_url_file", given, "at most one of mattermost_webhook_url & mattermost_webhook_url_file must be configured");

    for (const key of ["jira_api_url", ...Object.keys(GLOBAL_URL_DEFAULTS)]) this.url(g, path, key);
    for (const key of ["slack_api_url", "mattermost_webhook_url"]) this.url(g, path, key, { secret: true });
    this.hostPort(g, path, "smtp_smarthost");
    this.httpConfig(g.http_config, [...path, "http_config"]);
    this.tlsConfig(g.smtp_tls_config, [...path, "smtp_tls_config"]);
  }

  /** The URL a receiver inherits from `global` when it sets none: the default unless `global` clears it. */
  private globalURL(key: string): string | undefined {
    const g = this.global;
    if (key in g) return given(g[key]) ? text(g[key]) : undefined;
    return GLOBAL_URL_DEFAULTS[key];
  }

  // ── receivers ─────────────────────────────────────────────────────────────────────────────────────────────────

  private checkReceivers(): Set<string> {
    const names = new Set<string>();
    list(this.config.receivers).forEach((receiver, i) => {
      const path: Path = ["receivers", i];
      if (!isObj(receiver)) return;
      const name = text(receiver.name);
      if (name === "") {
        if ("name" in receiver) this.error("missing-name", [...path, "name"], "missing name in receiver");
      } else if (names.has(name)) {
        this.error("duplicate-receiver", [...path, "name"], `notification config name ${q(name)} is not unique`);
      }
      const labels = asObj(receiver.labels);
      if ("name" in labels && text(labels.name) !== name) {
        this.error("receiver-labels", [...path, "labels", "name"], `receiver label "name" must match receiver name ${q(name)}, got ${q(text(labels.name))}`);
      }
      for (const [key, check] of Object.entries(this.integrations)) {
        list(receiver[key]).forEach((item, j) => {
          const itemPath = [...path, key, j];
          const kind = key.replace(/_configs$/, "");
          if (item === null || item === undefined) {
            // Go leaves a nil entry; slack, opsgenie, wechat and rocketchat then apply the global defaults to an
            // empty config, every other integration refuses it.
            if (!["slack", "opsgenie", "wechat", "rocketchat"].includes(kind)) {
              this.error("missing-integration", itemPath, `missing ${kind} config`);
              return;
            }
          } else if (!isObj(item)) return;
          const config = asObj(item);
          if (kind !== "email") this.httpConfig(config.http_config, [...itemPath, "http_config"]);
          check.call(this, config, itemPath);
        });
      }
      if (name !== "") names.add(name);
    });
    return names;
  }

  private readonly integrations: Record<string, (this: Checker, c: Obj, path: Path) => void> = {
    discord_configs(c, path) {
      this.webhookURLPair(c, path, "webhook_url", "webhook_url_file");
      this.url(c, path, "webhook_url", { secret: true });
    },
    email_configs(c, path) {
      const g = this.global;
      if (!filled(c.to)) this.error("missing-field", path, "missing to address in email config");
      const headers = new Map<string, string>();
      for (const header of Object.keys(asObj(c.headers))) {
        const canonical = canonicalHeaderKey(header);
        if (headers.has(canonical)) this.error("duplicate-header", [...path, "headers", header], `duplicate header ${q(canonical)} in email config`, true);
        headers.set(canonical, header);
      }
      const threading = asObj(c.threading);
      if (threading.enabled === true) {
        if (headers.has("References")) this.error("conflict", [...path, "threading", "enabled"], "conflicting configuration: threading.enabled conflicts with custom References header");
        if (headers.has("In-Reply-To")) this.error("conflict", [...path, "threading", "enabled"], "conflicting configuration: threading.enabled conflicts with custom In-Reply-To header");
        if (!["none", "daily"].includes(text(threading.thread_by_date))) {
          this.error("invalid-value", [...path, "threading"], "threading.thread_by_date must be either 'none' or 'daily'");
        }
      }
      this.hostPort(c, path, "smarthost");
      if (!filled(c.smarthost) && !filled(g.smtp_smarthost)) this.error("missing-global", path, "no global SMTP smarthost set");
      if (!filled(c.from) && !filled(g.smtp_from)) this.error("missing-global", path, "no global SMTP from set");
      // Alertmanager's loader accepts both; the email notifier then reads the file and ignores the inline value.
      for (const key of ["auth_password", "auth_secret"]) {
        if (filled(c[key]) && filled(c[`${key}_file`])) this.warn("ignored-field", [...path, key], `${key} is ignored: ${key}_file takes precedence`, true);
      }
      this.tlsConfig(c.tls_config, [...path, "tls_config"]);
    },
    incidentio_configs(c, path) {
      if (!given(c.url) && !filled(c.url_file)) this.error("missing-field", path, "one of url or url_file must be configured");
      this.atMostOne(c, path, "url", "url_file", given, "at most one of url & url_file must be configured", filled);
      this.atMostOne(c, path, "alert_source_token", "alert_source_token_file", filled, "at most one of alert_source_token & alert_source_token_file must be configured");
      const hasToken = filled(c.alert_source_token) || filled(c.alert_source_token_file);
      if (isObj(c.http_config)) {
        if (hasAuthorization(c.http_config) && hasToken) {
          this.error("conflict", [...path, "http_config", "authorization"], "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization");
        }
        if (!hasAuthorization(c.http_config) && !hasToken) {
          this.error("missing-field", path, "at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured");
        }
      }
      this.url(c, path, "url");
    },
    pagerduty_configs(c, path) {
      if (![c.routing_key, c.service_key, c.routing_key_file, c.service_key_file].some(filled)) {
        this.error("missing-field", path, "missing service or routing key in PagerDuty config");
      }
      this.atMostOne(c, path, "routing_key", "routing_key_file", filled, "at most one of routing_key & routing_key_file must be configured");
      this.atMostOne(c, path, "service_key", "service_key_file", filled, "at most one of service_key & service_key_file must be configured");
      this.url(c, path, "url");
      if (!given(c.url) && this.globalURL("pagerduty_url") === undefined) this.error("missing-global", path, "no global PagerDuty URL set");
    },
    slack_configs(c, path) {
      const g = this.global;
      this.atMostOne(c, path, "api_url", "api_url_file", given, "at most one of api_url & api_url_file must be configured", filled);
      this.atMostOne(c, path, "app_token", "app_token_file", filled, "at most one of app_token & app_token_file must be configured");
      const ownURL = given(c.api_url) || filled(c.api_url_file);
      const ownToken = filled(c.app_token) || filled(c.app_token_file);
      if (ownURL && ownToken) {
        this.error("conflict", [...path, filled(c.app_token) ? "app_token" : "app_token_file"], "at most one of api_url/api_url_file & app_token/app_token_file must be configured", true);
      }
      if (c.update_message === true && given(c.api_url) && text(c.api_url) !== SLACK_APP_URL) {
        this.error("conflict", [...path, "update_message"], `update_message can only be used with bot tokens. api_url must be set to ${SLACK_APP_URL}`);
      }
      list(c.fields).forEach((field, i) => {
        const f = asObj(field);
        if (!filled(f.title)) this.error("missing-field", [...path, "fields", i], "missing title in Slack field configuration");
        else if (!filled(f.value)) this.error("missing-field", [...path, "fields", i], "missing value in Slack field configuration");
      });
      list(c.actions).forEach((action, i) => {
        const a = asObj(action);
        const at = [...path, "actions", i];
        if (!filled(a.type)) this.error("missing-field", at, "missing type in Slack action configuration");
        else if (!filled(a.text)) this.error("missing-field", at, "missing text in Slack action configuration");
        else if (!filled(a.url) && !filled(a.name)) this.error("missing-field", at, "missing name or url in Slack action configuration");
        if (isObj(a.confirm) && !filled(a.confirm.text)) this.error("missing-field", [...at, "confirm"], "missing text in Slack confirmation configuration");
      });
      this.url(c, path, "api_url", { secret: true });
      this.url(c, path, "app_url");
      // Global defaults (Config.UnmarshalYAML).
      if (!given(c.app_url) && this.globalURL("slack_app_url") === undefined) this.error("missing-global", path, "no global Slack App URL set");
      const http = isObj(c.http_config) ? c.http_config : asObj(g.http_config);
      let token = ownToken;
      if (!ownToken && !(isObj(c.http_config) && hasAuthorization(c.http_config)) && !given(c.api_url)) {
        token = filled(g.slack_app_token) || filled(g.slack_app_token_file);
      }
      const apiURL = ownURL || given(g.slack_api_url) || filled(g.slack_api_url_file);
      if (!apiURL && !token) {
        this.error("missing-global", path, "no Slack API URL nor App token set either inline or in a file");
      } else if (token && hasAuthorization(http)) {
        this.error("conflict", isObj(c.http_config) ? [...path, "http_config", "authorization"] : path, "http authorization can't be set when using Slack App tokens");
      }
    },
    webhook_configs(c, path) {
      if (!filled(c.url) && !filled(c.url_file)) this.error("missing-field", path, "one of url or url_file must be configured");
      this.atMostOne(c, path, "url", "url_file", filled, "at most one of url & url_file must be configured");
      const url = text(c.url);
      if (url !== "" && url !== SECRET_TOKEN) {
        if (url.includes("{{")) {
          const problem = goTemplateProblem(url);
          if (problem) this.error("invalid-template", [...path, "url"], `invalid template syntax: ${problem}`);
        } else {
          const problem = httpURLProblem(url);
          if (problem) this.error("invalid-url", [...path, "url"], `invalid URL: ${problem}`);
        }
      }
    },
    opsgenie_configs(c, path) {
      const g = this.global;
      this.atMostOne(c, path, "api_key", "api_key_file", filled, "at most one of api_key & api_key_file must be configured");
      list(c.responders).forEach((responder, i) => {
        const r = asObj(responder);
        const at = [...path, "responders", i];
        if (!filled(r.id) && !filled(r.username) && !filled(r.name)) {
          this.error("missing-field", at, `opsGenieConfig responder ${i} has to have at least one of id, username or name specified`);
        }
        const type = text(r.type);
        if (!type.includes("{{") && !/^(team|teams|user|escalation|schedule)$/.test(type.toLowerCase())) {
          this.error("invalid-value", [...at, "type"], `opsGenieConfig responder ${i} type does not match valid options ^(team|teams|user|escalation|schedule)$`);
        }
      });
      this.url(c, path, "api_url");
      if (!given(c.api_url) && this.globalURL("opsgenie_api_url") === undefined) this.error("missing-global", path, "no global OpsGenie URL set");
      if (![c.api_key, c.api_key_file, g.opsgenie_api_key, g.opsgenie_api_key_file].some(filled)) {
        this.error("missing-global", path, "no global OpsGenie API Key set either inline or in a file");
      }
    },
    wechat_configs(c, path) {
      const g = this.global;
      this.atMostOne(c, path, "api_secret", "api_secret_file", filled, "at most one of api_secret & api_secret_file must be configured");
      this.url(c, path, "api_url");
      if (!given(c.api_url) && this.globalURL("wechat_api_url") === undefined) this.error("missing-global", path, "no global Wechat URL set");
      if (!filled(c.api_secret) && !filled(c.api_secret_file) && !filled(g.wechat_api_secret) && !filled(g.wechat_api_secret_file)) {
        this.error("missing-global", path, "no global Wechat Api Secret set either inline or in a file");
      }
      if (!filled(c.corp_id) && !filled(g.wechat_api_corp_id)) this.error("missing-global", path, "no global Wechat CorpID set");
    },
    pushover_configs(c, path) {
      if (!filled(c.user_key) && !filled(c.user_key_file)) this.error("missing-field", path, "one of user_key or user_key_file must be configured");
      this.atMostOne(c, path, "user_key", "user_key_file", filled, "at most one of user_key & user_key_file must be configured");
      if (!filled(c.token) && !filled(c.token_file)) this.error("missing-field", path, "one of token or token_file must be configured");
      this.atMostOne(c, path, "token", "token_file", filled, "at most one of token & token_file must be configured");
      if (c.html === true && c.monospace === true) this.error("conflict", [...path, "monospace"], "at most one of monospace & html must be configured", true);
    },
    victorops_configs(c, path) {
      const g = this.global;
      if (!filled(c.routing_key)) this.error("missing-field", path, "missing Routing key in VictorOps config");
      this.atMostOne(c, path, "api_key", "api_key_file", filled, "at most one of api_key & api_key_file must be configured");
      const reserved = ["routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "entity_id", "entity_state"];
      for (const field of Object.keys(asObj(c.custom_fields))) {
        if (reserved.includes(field)) {
          this.error("reserved-field", [...path, "custom_fields", field], `victorOps config contains custom field ${field} which cannot be used as it conflicts with the fixed/static fields`, true);
        }
      }
      this.url(c, path, "api_url");
      if (!given(c.api_url) && this.globalURL("victorops_api_url") === undefined) this.error("missing-global", path, "no global VictorOps URL set");
      if (![c.api_key, c.api_key_file, g.victorops_api_key, g.victorops_api_key_file].some(filled)) {
        this.error("missing-global", path, "no global VictorOps API Key set");
      }
    },
    sns_configs(c, path) {
      const noTarget = !filled(c.target_arn), noTopic = !filled(c.topic_arn), noPhone = !filled(c.phone_number);
      if ((noTarget !== noTopic) !== noPhone) {
        this.error("missing-field", path, "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
      }
      if (isObj(c.sigv4)) {
        const s = c.sigv4;
        if (filled(s.access_key) !== filled(s.secret_key)) {
          this.error("missing-field", [...path, "sigv4"], "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config");
        }
        if (filled(s.external_id) && !filled(s.role_arn)) this.error("conflict", [...path, "sigv4", "external_id"], "external_id can only be used with role_arn");
      }
    },
    telegram_configs(c, path) {
      const g = this.global;
      this.atMostOne(c, path, "bot_token", "bot_token_file", filled, "at most one of bot_token & bot_token_file must be configured");
      const chatID = typeof c.chat_id === "number" && c.chat_id !== 0;
      if (!chatID && !filled(c.chat_id_file)) this.error("missing-field", path, "missing chat_id or chat_id_file on telegram_config");
      if (chatID && filled(c.chat_id_file)) this.error("conflict", [...path, "chat_id_file"], "at most one of chat_id & chat_id_file must be configured", true);
      this.url(c, path, "api_url");
      if (![c.bot_token, c.bot_token_file, g.telegram_bot_token, g.telegram_bot_token_file].some(filled)) {
        this.error("missing-global", path, "missing bot_token or bot_token_file on telegram_config");
      }
    },
    webex_configs(c, path) {
      if (!filled(c.room_id)) this.error("missing-field", path, "missing room_id on webex_config");
      if (!isObj(c.http_config) || !hasAuthorization(c.http_config)) this.error("missing-field", path, "missing webex_configs.http_config.authorization");
      this.url(c, path, "api_url");
      if (!given(c.api_url) && this.globalURL("webex_api_url") === undefined) this.error("missing-global", path, "no global Webex URL set");
    },
    msteams_configs(c, path) {
      this.webhookURLPair(c, path, "webhook_url", "webhook_url_file");
      this.url(c, path, "webhook_url", { secret: true });
    },
    msteamsv2_configs(c, path) {
      this.webhookURLPair(c, path, "webhook_url", "webhook_url_file");
      this.url(c, path, "webhook_url", { secret: true });
    },
    jira_configs(c, path) {
      if (!filled(c.project)) this.error("missing-field", path, "missing project in jira_config");
      if (!filled(c.issue_type)) this.error("missing-field", path, "missing issue_type in jira_config");
      this.url(c, path, "api_url");
      if (!given(c.api_url) && !given(this.global.jira_api_url)) this.error("missing-global", path, "no global Jira Cloud URL set");
    },
    rocketchat_configs(c, path) {
      const g = this.global;
      this.atMostOne(c, path, "token", "token_file", given, "at most one of token & token_file must be configured", filled);
      this.atMostOne(c, path, "token_id", "token_id_file", given, "at most one of token_id & token_id_file must be configured", filled);
      this.url(c, path, "api_url");
      if (!given(c.token_id) && !filled(c.token_id_file) && !given(g.rocketchat_token_id) && !filled(g.rocketchat_token_id_file)) {
        this.error("missing-global", path, "no global Rocketchat TokenID set either inline or in a file");
      }
      if (!given(c.token) && !filled(c.token_file) && !given(g.rocketchat_token) && !filled(g.rocketchat_token_file)) {
        this.error("missing-global", path, "no global Rocketchat Token set either inline or in a file");
      }
    },
    mattermost_configs(c, path) {
      const g = this.global;
      this.atMostOne(c, path, "webhook_url", "webhook_url_file", given, "at most one of webhook_url & webhook_url_file must be configured", filled);
      const fields = (items: unknown, at: Path) =>
        list(items).forEach((field, i) => {
          const f = asObj(field);
          if (!filled(f.title)) this.error("missing-field", [...at, i], "missing title in Mattermost field configuration");
          else if (!filled(f.value)) this.error("missing-field", [...at, i], "missing value in Mattermost field configuration");
        });
      fields(c.fields, [...path, "fields"]);
      list(c.attachments).forEach((attachment, i) => fields(asObj(attachment).fields, [...path, "attachments", i, "fields"]));
      this.url(c, path, "webhook_url", { secret: true });
      if (!given(c.webhook_url) && !filled(c.webhook_url_file) && !given(g.mattermost_webhook_url) && !filled(g.mattermost_webhook_url_file)) {
        this.error("missing-global", path, "missing webhook_url or webhook_url_file on mattermost_config");
      }
    },
  };

  private webhookURLPair(c: Obj, path: Path, url: string, file: string): void {
    if (!given(c[url]) && !filled(c[file])) this.error("missing-field", path, `one of ${url} or ${file} must be configured`);
    this.atMostOne(c, path, url, file, given, `at most one of ${url} & ${file} must be configured`, filled);
  }

  /** `first` and `second` both set: reported at the second key. */
  private atMostOne(
    c: Obj,
    path: Path,
    first: string,
    second: string,
    isSet: (value: unknown) => boolean,
    message: string,
    secondIsSet: (value: unknown) => boolean = isSet === given ? filled : isSet,
  ): void {
    if (isSet(c[first]) && secondIsSet(c[second])) this.error("conflict", [...path, second], message, true);
  }

  /** An http(s) URL with a host (config/common URL and SecretURL). Secret URLs are never echoed. */
  private url(c: Obj, path: Path, key: string, { secret = false } = {}): void {
    if (!given(c[key]) || typeof c[key] === "object") return;
    const value = text(c[key]);
    if (secret && value === SECRET_TOKEN) return;
    const problem = httpURLProblem(value);
    if (problem) this.error("invalid-url", [...path, key], problem);
  }

  /** `host:port` (net.SplitHostPort). */
  private hostPort(c: Obj, path: Path, key: string): void {
    const value = text(c[key]);
    if (value === "") return;
    const problem = hostPortProblem(value);
    if (problem) this.error("invalid-address", [...path, key], problem);
  }

  // ── HTTP client and TLS settings (prometheus/common) ──────────────────────────────────────────────────────────

  private httpConfig(value: unknown, path: Path): void {
    if (!isObj(value)) return;
    const h = value;
    const basic = isObj(h.basic_auth) ? h.basic_auth : undefined;
    const oauth2 = isObj(h.oauth2) ? h.oauth2 : undefined;
    const authorization = isObj(h.authorization) ? h.authorization : undefined;
    const bearer = filled(h.bearer_token) || filled(h.bearer_token_file);
    const count = (...values: unknown[]) => values.filter(filled).length;
    if (filled(h.bearer_token) && filled(h.bearer_token_file)) {
      this.error("conflict", [...path, "bearer_token_file"], "at most one of bearer_token & bearer_token_file must be configured", true);
    }
    if ((basic || oauth2) && bearer) {
      this.error("conflict", path, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
    }
    if (basic && count(basic.username, basic.username_file, basic.username_ref) > 1) {
      this.error("conflict", [...path, "basic_auth"], "at most one of basic_auth username, username_file & username_ref must be configured");
    }
    if (basic && count(basic.password, basic.password_file, basic.password_ref) > 1) {
      this.error("conflict", [...path, "basic_auth"], "at most one of basic_auth password, password_file & password_ref must be configured");
    }
    if (authorization) {
      if (bearer) this.error("conflict", [...path, "authorization"], "authorization is not compatible with bearer_token & bearer_token_file", true);
      if (count(authorization.credentials, authorization.credentials_file, authorization.credentials_ref) > 1) {
        this.error("conflict", [...path, "authorization"], "at most one of authorization credentials & credentials_file must be configured");
      }
      if (text(authorization.type).trim().toLowerCase() === "basic") {
        this.error("invalid-value", [...path, "authorization", "type"], 'authorization type cannot be set to "basic", use "basic_auth" instead');
      }
      if (basic || oauth2) this.error("conflict", [...path, "authorization"], "at most one of basic_auth, oauth2 & authorization must be configured", true);
    }
    if (oauth2) {
      if (basic && !authorization) this.error("conflict", [...path, "oauth2"], "at most one of basic_auth, oauth2 & authorization must be configured", true);
      if (!filled(oauth2.client_id)) this.error("missing-field", [...path, "oauth2"], "oauth2 client_id must be configured");
      if (!filled(oauth2.token_url)) this.error("missing-field", [...path, "oauth2"], "oauth2 token_url must be configured");
      if (text(oauth2.grant_type) === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        if (count(oauth2.client_certificate_key, oauth2.client_certificate_key_file, oauth2.client_certificate_key_ref) > 1) {
          this.error("conflict", [...path, "oauth2"], "at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer");
        }
        if (filled(oauth2.signature_algorithm) && !["RS256", "RS384", "RS512"].includes(text(oauth2.signature_algorithm))) {
          this.error("invalid-value", [...path, "oauth2", "signature_algorithm"], "valid signature algorithms are RS256, RS384 and RS512");
        }
      } else if (count(oauth2.client_secret, oauth2.client_secret_file, oauth2.client_secret_ref) > 1) {
        this.error("conflict", [...path, "oauth2"], "at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials");
      }
      this.tlsConfig(oauth2.tls_config, [...path, "oauth2", "tls_config"]);
      this.proxyConfig(oauth2, [...path, "oauth2"]);
    }
    this.proxyConfig(h, path);
    this.headers(h.http_headers, [...path, "http_headers"]);
    this.tlsConfig(h.tls_config, [...path, "tls_config"]);
  }

  private proxyConfig(c: Obj, path: Path): void {
    const proxyURL = filled(c.proxy_url);
    const fromEnv = c.proxy_from_environment === true;
    if (Object.keys(asObj(c.proxy_connect_header)).length > 0 && !fromEnv && !proxyURL) {
      this.error("conflict", [...path, "proxy_connect_header"], "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured", true);
    }
    if (fromEnv && proxyURL) this.error("conflict", [...path, "proxy_url"], "if proxy_from_environment is configured, proxy_url must not be configured", true);
    if (fromEnv && filled(c.no_proxy)) this.error("conflict", [...path, "no_proxy"], "if proxy_from_environment is configured, no_proxy must not be configured", true);
    if (!given(c.proxy_url) && filled(c.no_proxy)) this.error("conflict", [...path, "no_proxy"], "if no_proxy is configured, proxy_url must also be configured", true);
  }

  private headers(value: unknown, path: Path): void {
    for (const name of Object.keys(asObj(value))) {
      const canonical = canonicalHeaderKey(name);
      if (COMMON_RESERVED_HEADERS.has(canonical)) this.error("reserved-header", [...path, name], `setting header ${q(canonical)} is not allowed`, true);
    }
  }

  private tlsConfig(value: unknown, path: Path): void {
    if (!isObj(value)) return;
    const t = value;
    const count = (...values: unknown[]) => values.filter(filled).length;
    if (count(t.ca, t.ca_file, t.ca_ref) > 1) this.error("conflict", path, "at most one of ca, ca_file & ca_ref must be configured");
    if (count(t.cert, t.cert_file, t.cert_ref) > 1) this.error("conflict", path, "at most one of cert, cert_file & cert_ref must be configured");
    if (count(t.key, t.key_file, t.key_ref) > 1) this.error("conflict", path, "at most one of key and key_file must be configured");
    const cert = count(t.cert, t.cert_file, t.cert_ref) > 0;
    const key = count(t.key, t.key_file, t.key_ref) > 0;
    if (cert && !key) this.error("missing-field", path, "exactly one of key or key_file must be configured when a client certificate is configured");
    else if (key && !cert) this.error("missing-field", path, "exactly one of cert or cert_file must be configured when a client key is configured");
  }

  // ── time intervals ────────────────────────────────────────────────────────────────────────────────────────────

  private checkTimeIntervals(): Set<string> {
    const names = new Set<string>();
    for (const [section, what] of [["mute_time_intervals", "mute time interval"], ["time_intervals", "time interval"]] as const) {
      list(this.config[section]).forEach((entry, i) => {
        if (!isObj(entry)) return;
        const path: Path = [section, i];
        const name = text(entry.name);
        if (name === "") this.error("missing-name", "name" in entry ? [...path, "name"] : path, `missing name in ${what}`);
        else if (names.has(name)) this.error("duplicate-time-interval", [...path, "name"], `${what} ${q(name)} is not unique`);
        names.add(name);
        list(entry.time_intervals).forEach((interval, j) => this.timeInterval(interval, [...path, "time_intervals", j]));
      });
    }
    return names;
  }

  private timeInterval(value: unknown, path: Path): void {
    if (!isObj(value)) return;
    list(value.times).forEach((range, i) => {
      const r = asObj(range);
      const at = [...path, "times", i];
      if (!filled(r.start_time) || !filled(r.end_time)) return this.error("invalid-time", at, "both start and end times must be provided");
      const start = parseClock(text(r.start_time));
      const end = parseClock(text(r.end_time));
      if (typeof start === "string") return this.error("invalid-time", [...at, "start_time"], start);
      if (typeof end === "string") return this.error("invalid-time", [...at, "end_time"], end);
      if (start >= end) this.error("invalid-time", at, "start time cannot be equal or greater than end time");
    });
    const ranges = (key: string, check: (value: string) => string | undefined) =>
      list(value[key]).forEach((item, i) => {
        const problem = check(text(item));
        if (problem) this.error("invalid-time", [...path, key, i], problem);
      });
    ranges("weekdays", weekdayRangeProblem);
    ranges("days_of_month", dayOfMonthRangeProblem);
    ranges("months", monthRangeProblem);
    ranges("years", yearRangeProblem);
    if (given(value.location)) {
      const problem = locationProblem(text(value.location));
      if (problem) this.error("invalid-location", [...path, "location"], problem);
    }
  }

  // ── routes ────────────────────────────────────────────────────────────────────────────────────────────────────

  private checkRouteTree(receivers: Set<string>, timeIntervals: Set<string>): void {
    const root = this.config.route;
    if (!isObj(root)) {
      if (root === undefined || root === null) this.error("no-route", "route" in this.config ? ["route"] : [], "no route provided in config");
      return;
    }
    const path = ["route"];
    if (!filled(root.receiver)) this.error("root-receiver", "receiver" in root ? [...path, "receiver"] : path, "root route must specify a default receiver");
    if (Object.keys(asObj(root.match)).length > 0 || Object.keys(asObj(root.match_re)).length > 0 || list(root.matchers).length > 0) {
      const key = ["matchers", "match", "match_re"].find((k) => (Array.isArray(root[k]) ? list(root[k]).length : Object.keys(asObj(root[k])).length) > 0)!;
      this.error("root-matchers", [...path, key], "root route must not have any matchers", true);
    }
    if (list(root.mute_time_intervals).length > 0) this.error("root-time-intervals", [...path, "mute_time_intervals"], "root route must not have any mute time intervals", true);
    if (list(root.active_time_intervals).length > 0) this.error("root-time-intervals", [...path, "active_time_intervals"], "root route must not have any active time intervals", true);
    if (root.continue === true) this.error("root-continue", [...path, "continue"], "cannot have continue in root route", true);
    this.route(root, path, receivers, timeIntervals, DEFAULT_GROUP_INTERVAL, DEFAULT_REPEAT_INTERVAL);
  }

  private route(r: Obj, path: Path, receivers: Set<string>, timeIntervals: Set<string>, parentGroupInterval: number, parentRepeatInterval: number): void {
    const receiver = text(r.receiver);
    if (receiver !== "" && !receivers.has(receiver)) {
      this.error("undefined-receiver", [...path, "receiver"], `undefined receiver ${q(receiver)} used in route`);
    }
    this.matchMap(r.match, [...path, "match"]);
    this.matchReMap(r.match_re, [...path, "match_re"]);
    this.matchers(r.matchers, [...path, "matchers"]);
    for (const key of Object.keys(asObj(r.labels))) this.labelName(key, [...path, "labels", key], "in route labels", true);
    const groupBy = list(r.group_by).map(text);
    const seen = new Set<string>();
    groupBy.forEach((label, i) => {
      if (label === "...") return;
      this.labelName(label, [...path, "group_by", i], "in group_by list");
      if (seen.has(label)) this.error("duplicate-label", [...path, "group_by", i], `duplicated label ${q(label)} in group_by`);
      seen.add(label);
    });
    if (groupBy.includes("...") && groupBy.some((label) => label !== "...")) {
      this.error("group-by-wildcard", [...path, "group_by"], "cannot have wildcard group_by (`...`) and other labels at the same time");
    }
    for (const key of ["group_interval", "repeat_interval"]) {
      const ms = typeof r[key] === "string" ? durationMs(r[key] as string) : undefined;
      if (ms === 0) this.error("zero-interval", [...path, key], `${key} cannot be zero`);
    }
    for (const key of ["mute_time_intervals", "active_time_intervals"]) {
      list(r[key]).forEach((name, i) => {
        if (!timeIntervals.has(text(name))) this.error("undefined-time-interval", [...path, key, i], `undefined time interval ${q(text(name))} used in route`);
      });
    }
    // Alertmanager warns at (re)load when a route repeats less often than it groups (app/reloader.go).
    const groupInterval = (typeof r.group_interval === "string" ? durationMs(r.group_interval) : undefined) || parentGroupInterval;
    const repeatInterval = (typeof r.repeat_interval === "string" ? durationMs(r.repeat_interval) : undefined) || parentRepeatInterval;
    if (repeatInterval < groupInterval && (given(r.group_interval) || given(r.repeat_interval))) {
      this.warn(
        "repeat-interval",
        [...path, given(r.repeat_interval) ? "repeat_interval" : "group_interval"],
        "repeat_interval is less than group_interval. Notifications will not repeat until the next group_interval.",
      );
    }
    list(r.routes).forEach((child, i) => {
      if (isObj(child)) this.route(child, [...path, "routes", i], receivers, timeIntervals, groupInterval, repeatInterval);
    });
  }

  private checkInhibitRule(value: unknown, path: Path): void {
    if (!isObj(value)) return;
    for (const side of ["source", "target"]) {
      this.matchMap(value[`${side}_match`], [...path, `${side}_match`]);
      this.matchReMap(value[`${side}_match_re`], [...path, `${side}_match_re`]);
      this.matchers(value[`${side}_matchers`], [...path, `${side}_matchers`]);
    }
    list(value.equal).forEach((label, i) => this.labelName(text(label), [...path, "equal", i], "in equal list"));
  }

  /** Deprecated `match` maps: keys must be classic label names. */
  private matchMap(value: unknown, path: Path): void {
    for (const key of Object.keys(asObj(value))) {
      if (!CLASSIC_LABEL_NAME.test(key)) this.error("invalid-label-name", [...path, key], `invalid label name ${q(key)}`, true);
    }
  }

  /** Deprecated `match_re` maps: classic label names, RE2 regexes (anchored). */
  private matchReMap(value: unknown, path: Path): void {
    this.matchMap(value, path);
    for (const [key, regex] of Object.entries(asObj(value))) {
      if (regex === null || typeof regex === "object") {
        this.error("invalid-regexp", [...path, key], `invalid regexp value for ${q(key)}`);
        continue;
      }
      const problem = re2Problem(text(regex));
      if (problem) this.error("invalid-regexp", [...path, key], problem);
    }
  }

  private matchers(value: unknown, path: Path): void {
    list(value).forEach((line, i) => {
      const input = text(line);
      const result = parseMatchers(input);
      if (result.error) this.error("invalid-matcher", [...path, i], result.error);
      else if (result.classicOnly) {
        this.warn(
          "matcher-syntax",
          [...path, i],
          `${q(input)} is only accepted by the classic matchers parser (Alertmanager falls back to it and logs a warning; it is an error with --enable-feature=utf8-strict-mode): double-quote values and regexes and escape backslashes`,
        );
      }
    });
  }

  /**
   * Label names in group_by, equal and route labels: Alertmanager's default mode (since 0.28) accepts any non-empty
   * UTF-8 name; a name outside [a-zA-Z_][a-zA-Z0-9_]* is refused in classic mode and by older Alertmanagers.
   */
  private labelName(name: string, path: Path, where: string, atKey = false): void {
    if (name === "") this.error("invalid-label-name", path, `invalid label name "" ${where}`, atKey);
    else if (!CLASSIC_LABEL_NAME.test(name)) {
      this.warn("label-name-utf8", path, `label name ${q(name)} ${where} is only valid in Alertmanager's UTF-8 mode (the default since 0.28; refused with --enable-feature=classic-mode and by older versions)`, atKey);
    }
  }

  // ── tracing and event recorder ────────────────────────────────────────────────────────────────────────────────

  private checkTracing(): void {
    if (!isObj(this.config.tracing)) return;
    const t = this.config.tracing;
    if (!filled(t.endpoint)) this.error("missing-field", ["tracing"], "tracing endpoint must be set");
    this.tlsConfig(t.tls_config, ["tracing", "tls_config"]);
    this.headers(t.headers, ["tracing", "headers"]);
  }

  private checkEventRecorder(): void {
    const e = asObj(this.config.event_recorder);
    list(e.file_outputs).forEach((output, i) => {
      if (!filled(asObj(output).path)) this.error("missing-field", ["event_recorder", "file_outputs", i], "event_recorder file output requires a path");
    });
    list(e.webhook_outputs).forEach((output, i) => {
      const o = asObj(output);
      const path = ["event_recorder", "webhook_outputs", i];
      if (!given(o.url)) this.error("missing-field", path, "event_recorder webhook output requires a url");
      else if (text(o.url) !== SECRET_TOKEN && httpURLProblem(text(o.url))) {
        this.error("invalid-url", [...path, "url"], "event_recorder webhook output requires an absolute http(s) url");
      }
      const batch = ["batch_max_events", "batch_max_bytes"].filter((key) => typeof o[key] === "number");
      if (batch.some((key) => (o[key] as number) < 0)) this.error("invalid-value", path, "event_recorder webhook batch settings cannot be negative");
      else if ((batch.some((key) => (o[key] as number) > 0) || (typeof o.batch_flush_interval === "string" && durationMs(o.batch_flush_interval))) && o.batch !== true) {
        this.error("invalid-value", path, "event_recorder webhook batch settings require batch: true");
      }
      this.httpConfig(o.http_config, [...path, "http_config"]);
    });
    list(e.kafka_outputs).forEach((output, i) => {
      const o = asObj(output);
      const path = ["event_recorder", "kafka_outputs", i];
      if (list(o.brokers).length === 0) this.error("missing-field", path, "event_recorder kafka output requires at least one broker");
      if (!filled(o.topic)) this.error("missing-field", path, "event_recorder kafka output requires a topic");
      this.tlsConfig(o.tls_config, [...path, "tls_config"]);
    });
  }
}

// ── helpers (exported for tests) ──────────────────────────────────────────────────────────────────────────────────

/** `Authorization` is set by authorization, or by bearer_token(_file), which prometheus/common turns into it. */
function hasAuthorization(http: Obj): boolean {
  return isObj(http.authorization) || filled(http.bearer_token) || filled(http.bearer_token_file);
}

/** Go's url.Parse plus Alertmanager's ParseURL rules: http or https, with a host. Never echoes the URL (it may be a secret). */
function httpURLProblem(value: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(value)) return "invalid URL: net/url: invalid control character in URL";
  const { scheme, host } = splitUrl(value);
  if (scheme !== "http" && scheme !== "https") return `unsupported scheme ${q(scheme)} for URL`;
  return portProblem(host) ?? (hostName(host) === "" ? "missing host for URL" : undefined);
}

/** A light check of a Go template in a templated webhook URL: balanced actions. */
function goTemplateProblem(value: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith("{{", i)) {
      if (depth > 0) return "unexpected \"{{\" in operand";
      depth++;
      i++;
    } else if (value.startsWith("}}", i) && depth > 0) {
      depth--;
      i++;
    }
  }
  return depth > 0 ? "unclosed action" : undefined;
}

// ── time intervals (timeinterval/timeinterval.go) ─────────────────────────────────────────────────────────────────

function parseClock(value: string): number | string {
  if (!/^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/.test(value)) return `couldn't parse timestamp ${value}, invalid format`;
  const [hours, minutes] = value.split(":").map(Number) as [number, number];
  return hours * 60 + minutes;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

function atoi(value: string): number | string {
  return /^[+-]?[0-9]+$/.test(value) ? Number(value) : `strconv.Atoi: parsing ${q(value)}: invalid syntax`;
}

function parseRange(input: string, member: (value: string) => number | string): [number, number] | string {
  const value = input.toLowerCase();
  const parts = value.split(":");
  if (parts.length > 2) return `couldn't parse range ${value}, invalid format`;
  const begin = member(parts[0]!);
  if (typeof begin === "string") return begin;
  const end = parts.length === 2 ? member(parts[1]!) : begin;
  if (typeof end === "string") return end;
  return [begin, end];
}

function weekdayRangeProblem(input: string): string | undefined {
  const range = parseRange(input, (v) => (WEEKDAYS.includes(v) ? WEEKDAYS.indexOf(v) : `${v} is not a valid weekday`));
  if (typeof range === "string") return range;
  if (range[0] > range[1]) return "start day cannot be before end day";
  return undefined;
}

function dayOfMonthRangeProblem(input: string): string | undefined {
  const range = parseRange(input, atoi);
  if (typeof range === "string") return range;
  const [begin, end] = range;
  if (begin === 0 || begin < -31 || begin > 31) return `${begin} is not a valid day of the month: out of range`;
  if (end === 0 || end < -31 || end > 31) return `${end} is not a valid day of the month: out of range`;
  if (begin < 0 && end > 0) return "end day must be negative if start day is negative";
  if ((begin < 0 ? 28 + begin : begin) > (end < 0 ? 28 + end : end)) return `end day ${end} is always before start day ${begin}`;
  return undefined;
}

function monthRangeProblem(input: string): string | undefined {
  const range = parseRange(input, (v) => (MONTHS.includes(v) ? MONTHS.indexOf(v) + 1 : /^[+-]?[0-9]+$/.test(v) ? Number(v) : `${v} is not a valid month`));
  if (typeof range === "string") return range;
  if (range[0] > range[1]) return `end month ${MONTHS[range[1] - 1] ?? ""} is before start month ${MONTHS[range[0] - 1] ?? ""}`;
  return undefined;
}

function yearRangeProblem(input: string): string | undefined {
  const range = parseRange(input, atoi);
  if (typeof range === "string") return range;
  if (range[0] > range[1]) return `end year ${range[1]} is before start year ${range[0]}`;
  return undefined;
}

function locationProblem(name: string): string | undefined {
  if (name === "" || name === "UTC" || name === "Local") return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) ? undefined : `unknown time zone ${name}`;
  } catch {
    return `unknown time zone ${name}`;
  }
}

// ── matchers (pkg/labels classic parser and matcher/parse UTF-8 parser; Alertmanager's default falls back) ────────

export interface MatchersResult {
  error?: string;
  /** Only the classic parser accepts it: Alertmanager's default mode logs a warning. */
  classicOnly?: boolean;
}

export function parseMatchers(input: string): MatchersResult {
  const utf8 = parseMatchersUTF8(input);
  const classic = parseMatchersClassic(input);
  if (utf8 === undefined) return {};
  if (classic !== undefined) return { error: classic };
  return { classicOnly: true };
}

const GO_SPACE = "[\\t\\n\\v\\f\\r ]";
const CLASSIC_MATCHER = new RegExp(`^${GO_SPACE}*([a-zA-Z_:][a-zA-Z0-9_:]*)${GO_SPACE}*(=~|=|!=|!~)${GO_SPACE}*([\\s\\S]*?)${GO_SPACE}*$`);

/** labels.ParseMatchers: the error, or undefined when it parses. */
export function parseMatchersClassic(input: string): string | undefined {
  let s = input.startsWith("{") ? input.slice(1) : input;
  if (s.endsWith("}")) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = "", insideQuotes = false, escaped = false;
  for (const r of s) {
    if (r === "," && !insideQuotes) {
      tokens.push(token);
      token = "";
      continue;
    }
    if (r === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (r === "\\") escaped = !escaped;
    else escaped = false;
    token += r;
  }
  if (token.trim() !== "") tokens.push(token.trim());
  for (const t of tokens) {
    const m = CLASSIC_MATCHER.exec(t);
    if (!m) return `bad matcher format: ${t}`;
    let raw = m[3]!;
    let expectTrailingQuote = false;
    if (raw.startsWith('"')) {
      raw = raw.slice(1);
      expectTrailingQuote = true;
    }
    let value = "", esc = false;
    const chars = [...raw];
    for (let i = 0; i < chars.length; i++) {
      const r = chars[i]!;
      if (esc) {
        esc = false;
        value += r === "n" ? "\n" : r === '"' || r === "\\" ? r : `\\${r}`;
        continue;
      }
      if (r === "\\") {
        if (i < chars.length - 1) esc = true;
        else value += "\\";
      } else if (r === '"') {
        if (!expectTrailingQuote || i < chars.length - 1) return `matcher value contains unescaped double quote: ${m[3]}`;
        expectTrailingQuote = false;
      } else value += r;
    }
    if (expectTrailingQuote) return `matcher value contains unescaped double quote: ${m[3]}`;
    if (m[2] === "=~" || m[2] === "!~") {
      const problem = re2Problem(value);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** matcher/parse.Matchers (the UTF-8 parser): the error, or undefined when it parses. */
export function parseMatchersUTF8(input: string): string | undefined {
  type Token = { kind: "{" | "}" | "," | "op" | "quoted" | "unquoted"; value: string };
  const tokens: Token[] = [];
  const reserved = (c: string) => /\s/.test(c) || "{}!=~,\\\"'`".includes(c);
  const chars = [...input];
  for (let i = 0; i < chars.length; ) {
    const c = chars[i]!;
    if (c === "{" || c === "}" || c === ",") {
      tokens.push({ kind: c, value: c });
      i++;
    } else if (c === "=" || c === "!") {
      const next = chars[i + 1];
      if (c === "!" && next !== "=" && next !== "~") return `${i}:${i + 1}: unexpected end of input, expected one of '=~'`;
      const op = next === "~" || (c === "!" && next === "=") ? c + next : c;
      tokens.push({ kind: "op", value: op });
      i += op.length;
    } else if (c === '"') {
      let j = i + 1, escaped = false, closed = false;
      for (; j < chars.length; j++) {
        if (escaped) escaped = false;
        else if (chars[j] === "\\") escaped = true;
        else if (chars[j] === '"') {
          closed = true;
          break;
        }
      }
      if (!closed) return `${i}:${chars.length}: ${chars.slice(i).join("")}: missing end "`;
      tokens.push({ kind: "quoted", value: chars.slice(i, j + 1).join("") });
      i = j + 1;
    } else if (/\s/.test(c)) i++;
    else if (!reserved(c)) {
      let j = i;
      while (j < chars.length && !reserved(chars[j]!)) j++;
      tokens.push({ kind: "unquoted", value: chars.slice(i, j).join("") });
      i = j;
    } else return `${i}:${i + 1}: ${c}: invalid input`;
  }
  const unquote = (t: Token): string | undefined => {
    if (t.kind === "unquoted") return t.value;
    return goUnquote(t.value);
  };
  let p = 0;
  const open = tokens[0]?.kind === "{";
  if (open) p++;
  const expectEnd = (): string | undefined => {
    if (open) {
      if (tokens[p]?.kind !== "}") return "expected close brace";
      p++;
    } else if (tokens[p]?.kind === "}") return "}: expected opening brace";
    if (p < tokens.length) return `${tokens[p]!.value}: expected end of input`;
    return undefined;
  };
  if (p >= tokens.length || tokens[p]!.kind === "}") return expectEnd();
  for (;;) {
    const name = tokens[p];
    if (!name || (name.kind !== "quoted" && name.kind !== "unquoted")) return `unexpected ${name?.value ?? "end of input"}: expected label name`;
    if (unquote(name) === undefined) return `${name.value}: invalid input`;
    const op = tokens[p + 1];
    if (!op || op.kind !== "op") return `unexpected ${op?.value ?? "end of input"}: expected an operator such as '=', '!=', '=~' or '!~'`;
    const val = tokens[p + 2];
    if (!val || (val.kind !== "quoted" && val.kind !== "unquoted")) return `unexpected ${val?.value ?? "end of input"}: expected label value`;
    const value = unquote(val);
    if (value === undefined) return `${val.value}: invalid input`;
    if (op.value === "=~" || op.value === "!~") {
      const problem = re2Problem(value);
      if (problem) return `failed to create matcher: ${problem}`;
    }
    p += 3;
    if (p >= tokens.length || tokens[p]!.kind === "}") return expectEnd();
    if (tokens[p]!.kind !== ",") return `unexpected ${tokens[p]!.value}: expected a comma or close brace`;
    p++;
    if (p >= tokens.length || tokens[p]!.kind === "}") return expectEnd();
  }
}
