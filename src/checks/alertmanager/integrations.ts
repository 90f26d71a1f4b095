/**
 * Each receiver integration's checks (notify/<integration> config and config/notifiers.go UnmarshalYAML), after its
 * `http_config`: required fields, `x` / `x_file` conflicts, URLs and the global defaults it falls back to.
 */
import { canonicalHeaderKey } from "../../go/headers.js";
import type { AlertmanagerContext } from "./context.js";
import { atMostOne, checkHostPort, checkUrlField, checkWebhookUrlPair, httpURLProblem } from "./fields.js";
import { globalUrl, SLACK_APP_URL } from "./global.js";
import { checkTlsConfig, hasAuthorization } from "./http-config.js";
import { asObj, filled, given, isObj, list, q, SECRET_TOKEN, text, type Obj, type Path } from "./values.js";

/** By the receiver key that lists the integration's configs. */
export const INTEGRATIONS: Record<string, (ctx: AlertmanagerContext, c: Obj, path: Path) => void> = {
  discord_configs(ctx, c, path) {
    checkWebhookUrlPair(ctx, c, path, "webhook_url", "webhook_url_file");
    checkUrlField(ctx, c, path, "webhook_url", { secret: true });
  },
  email_configs(ctx, c, path) {
    const g = ctx.global;
    if (!filled(c.to)) ctx.error("config/missing-field", path, "missing to address in email config");
    const headers = new Map<string, string>();
    for (const header of Object.keys(asObj(c.headers))) {
      const canonical = canonicalHeaderKey(header);
      if (headers.has(canonical)) ctx.error("config/duplicate-header", [...path, "headers", header], `duplicate header ${q(canonical)} in email config`, true);
      headers.set(canonical, header);
    }
    const threading = asObj(c.threading);
    if (threading.enabled === true) {
      if (headers.has("References"))
        ctx.error("config/conflict", [...path, "threading", "enabled"], "conflicting configuration: threading.enabled conflicts with custom References header");
      if (headers.has("In-Reply-To"))
        ctx.error(
          "config/conflict",
          [...path, "threading", "enabled"],
          "conflicting configuration: threading.enabled conflicts with custom In-Reply-To header",
        );
      if (!["none", "daily"].includes(text(threading.thread_by_date))) {
        ctx.error("config/invalid-value", [...path, "threading"], "threading.thread_by_date must be either 'none' or 'daily'");
      }
    }
    checkHostPort(ctx, c, path, "smarthost");
    if (!filled(c.smarthost) && !filled(g.smtp_smarthost)) ctx.error("config/missing-global", path, "no global SMTP smarthost set");
    if (!filled(c.from) && !filled(g.smtp_from)) ctx.error("config/missing-global", path, "no global SMTP from set");
    // Alertmanager's loader accepts both; the email notifier then reads the file and ignores the inline value.
    for (const key of ["auth_password", "auth_secret"]) {
      if (filled(c[key]) && filled(c[`${key}_file`])) ctx.warn("config/ignored-field", [...path, key], `${key} is ignored: ${key}_file takes precedence`, true);
    }
    checkTlsConfig(ctx, c.tls_config, [...path, "tls_config"]);
  },
  incidentio_configs(ctx, c, path) {
    if (!given(c.url) && !filled(c.url_file)) ctx.error("config/missing-field", path, "one of url or url_file must be configured");
    atMostOne(ctx, c, path, "url", "url_file", given, "at most one of url & url_file must be configured", filled);
    atMostOne(
      ctx,
      c,
      path,
      "alert_source_token",
      "alert_source_token_file",
      filled,
      "at most one of alert_source_token & alert_source_token_file must be configured",
    );
    const hasToken = filled(c.alert_source_token) || filled(c.alert_source_token_file);
    if (isObj(c.http_config)) {
      if (hasAuthorization(c.http_config) && hasToken) {
        ctx.error(
          "config/conflict",
          [...path, "http_config", "authorization"],
          "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization",
        );
      }
      if (!hasAuthorization(c.http_config) && !hasToken) {
        ctx.error("config/missing-field", path, "at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured");
      }
    }
    checkUrlField(ctx, c, path, "url");
  },
  pagerduty_configs(ctx, c, path) {
    if (![c.routing_key, c.service_key, c.routing_key_file, c.service_key_file].some(filled)) {
      ctx.error("config/missing-field", path, "missing service or routing key in PagerDuty config");
    }
    atMostOne(ctx, c, path, "routing_key", "routing_key_file", filled, "at most one of routing_key & routing_key_file must be configured");
    atMostOne(ctx, c, path, "service_key", "service_key_file", filled, "at most one of service_key & service_key_file must be configured");
    checkUrlField(ctx, c, path, "url");
    if (!given(c.url) && globalUrl(ctx, "pagerduty_url") === undefined) ctx.error("config/missing-global", path, "no global PagerDuty URL set");
  },
  slack_configs(ctx, c, path) {
    const g = ctx.global;
    atMostOne(ctx, c, path, "api_url", "api_url_file", given, "at most one of api_url & api_url_file must be configured", filled);
    atMostOne(ctx, c, path, "app_token", "app_token_file", filled, "at most one of app_token & app_token_file must be configured");
    const ownURL = given(c.api_url) || filled(c.api_url_file);
    const ownToken = filled(c.app_token) || filled(c.app_token_file);
    if (ownURL && ownToken) {
      ctx.error(
        "config/conflict",
        [...path, filled(c.app_token) ? "app_token" : "app_token_file"],
        "at most one of api_url/api_url_file & app_token/app_token_file must be configured",
        true,
      );
    }
    if (c.update_message === true && given(c.api_url) && text(c.api_url) !== SLACK_APP_URL) {
      ctx.error("config/conflict", [...path, "update_message"], `update_message can only be used with bot tokens. api_url must be set to ${SLACK_APP_URL}`);
    }
    list(c.fields).forEach((field, i) => {
      const f = asObj(field);
      if (!filled(f.title)) ctx.error("config/missing-field", [...path, "fields", i], "missing title in Slack field configuration");
      else if (!filled(f.value)) ctx.error("config/missing-field", [...path, "fields", i], "missing value in Slack field configuration");
    });
    list(c.actions).forEach((action, i) => {
      const a = asObj(action);
      const at = [...path, "actions", i];
      if (!filled(a.type)) ctx.error("config/missing-field", at, "missing type in Slack action configuration");
      else if (!filled(a.text)) ctx.error("config/missing-field", at, "missing text in Slack action configuration");
      else if (!filled(a.url) && !filled(a.name)) ctx.error("config/missing-field", at, "missing name or url in Slack action configuration");
      if (isObj(a.confirm) && !filled(a.confirm.text))
        ctx.error("config/missing-field", [...at, "confirm"], "missing text in Slack confirmation configuration");
    });
    checkUrlField(ctx, c, path, "api_url", { secret: true });
    checkUrlField(ctx, c, path, "app_url");
    // Global defaults (Config.UnmarshalYAML).
    if (!given(c.app_url) && globalUrl(ctx, "slack_app_url") === undefined) ctx.error("config/missing-global", path, "no global Slack App URL set");
    const http = isObj(c.http_config) ? c.http_config : asObj(g.http_config);
    let token = ownToken;
    if (!ownToken && !(isObj(c.http_config) && hasAuthorization(c.http_config)) && !given(c.api_url)) {
      token = filled(g.slack_app_token) || filled(g.slack_app_token_file);
    }
    const apiURL = ownURL || given(g.slack_api_url) || filled(g.slack_api_url_file);
    if (!apiURL && !token) {
      ctx.error("config/missing-global", path, "no Slack API URL nor App token set either inline or in a file");
    } else if (token && hasAuthorization(http)) {
      ctx.error(
        "config/conflict",
        isObj(c.http_config) ? [...path, "http_config", "authorization"] : path,
        "http authorization can't be set when using Slack App tokens",
      );
    }
  },
  webhook_configs(ctx, c, path) {
    if (!filled(c.url) && !filled(c.url_file)) ctx.error("config/missing-field", path, "one of url or url_file must be configured");
    atMostOne(ctx, c, path, "url", "url_file", filled, "at most one of url & url_file must be configured");
    const url = text(c.url);
    if (url !== "" && url !== SECRET_TOKEN) {
      if (url.includes("{{")) {
        const problem = goTemplateProblem(url);
        if (problem) ctx.error("config/invalid-template", [...path, "url"], `invalid template syntax: ${problem}`);
      } else {
        const problem = httpURLProblem(url);
        if (problem) ctx.error("config/invalid-url", [...path, "url"], `invalid URL: ${problem}`);
      }
    }
  },
  opsgenie_configs(ctx, c, path) {
    const g = ctx.global;
    atMostOne(ctx, c, path, "api_key", "api_key_file", filled, "at most one of api_key & api_key_file must be configured");
    list(c.responders).forEach((responder, i) => {
      const r = asObj(responder);
      const at = [...path, "responders", i];
      if (!filled(r.id) && !filled(r.username) && !filled(r.name)) {
        ctx.error("config/missing-field", at, `opsGenieConfig responder ${i} has to have at least one of id, username or name specified`);
      }
      const type = text(r.type);
      if (!type.includes("{{") && !/^(team|teams|user|escalation|schedule)$/.test(type.toLowerCase())) {
        ctx.error(
          "config/invalid-value",
          [...at, "type"],
          `opsGenieConfig responder ${i} type does not match valid options ^(team|teams|user|escalation|schedule)$`,
        );
      }
    });
    checkUrlField(ctx, c, path, "api_url");
    if (!given(c.api_url) && globalUrl(ctx, "opsgenie_api_url") === undefined) ctx.error("config/missing-global", path, "no global OpsGenie URL set");
    if (![c.api_key, c.api_key_file, g.opsgenie_api_key, g.opsgenie_api_key_file].some(filled)) {
      ctx.error("config/missing-global", path, "no global OpsGenie API Key set either inline or in a file");
    }
  },
  wechat_configs(ctx, c, path) {
    const g = ctx.global;
    atMostOne(ctx, c, path, "api_secret", "api_secret_file", filled, "at most one of api_secret & api_secret_file must be configured");
    checkUrlField(ctx, c, path, "api_url");
    if (!given(c.api_url) && globalUrl(ctx, "wechat_api_url") === undefined) ctx.error("config/missing-global", path, "no global Wechat URL set");
    if (!filled(c.api_secret) && !filled(c.api_secret_file) && !filled(g.wechat_api_secret) && !filled(g.wechat_api_secret_file)) {
      ctx.error("config/missing-global", path, "no global Wechat Api Secret set either inline or in a file");
    }
    if (!filled(c.corp_id) && !filled(g.wechat_api_corp_id)) ctx.error("config/missing-global", path, "no global Wechat CorpID set");
  },
  pushover_configs(ctx, c, path) {
    if (!filled(c.user_key) && !filled(c.user_key_file)) ctx.error("config/missing-field", path, "one of user_key or user_key_file must be configured");
    atMostOne(ctx, c, path, "user_key", "user_key_file", filled, "at most one of user_key & user_key_file must be configured");
    if (!filled(c.token) && !filled(c.token_file)) ctx.error("config/missing-field", path, "one of token or token_file must be configured");
    atMostOne(ctx, c, path, "token", "token_file", filled, "at most one of token & token_file must be configured");
    if (c.html === true && c.monospace === true)
      ctx.error("config/conflict", [...path, "monospace"], "at most one of monospace & html must be configured", true);
  },
  victorops_configs(ctx, c, path) {
    const g = ctx.global;
    if (!filled(c.routing_key)) ctx.error("config/missing-field", path, "missing Routing key in VictorOps config");
    atMostOne(ctx, c, path, "api_key", "api_key_file", filled, "at most one of api_key & api_key_file must be configured");
    const reserved = ["routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "entity_id", "entity_state"];
    for (const field of Object.keys(asObj(c.custom_fields))) {
      if (reserved.includes(field)) {
        ctx.error(
          "config/reserved-field",
          [...path, "custom_fields", field],
          `victorOps config contains custom field ${field} which cannot be used as it conflicts with the fixed/static fields`,
          true,
        );
      }
    }
    checkUrlField(ctx, c, path, "api_url");
    if (!given(c.api_url) && globalUrl(ctx, "victorops_api_url") === undefined) ctx.error("config/missing-global", path, "no global VictorOps URL set");
    if (![c.api_key, c.api_key_file, g.victorops_api_key, g.victorops_api_key_file].some(filled)) {
      ctx.error("config/missing-global", path, "no global VictorOps API Key set");
    }
  },
  sns_configs(ctx, c, path) {
    const noTarget = !filled(c.target_arn),
      noTopic = !filled(c.topic_arn),
      noPhone = !filled(c.phone_number);
    if ((noTarget !== noTopic) !== noPhone) {
      ctx.error("config/missing-field", path, "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
    }
    if (isObj(c.sigv4)) {
      const s = c.sigv4;
      if (filled(s.access_key) !== filled(s.secret_key)) {
        ctx.error(
          "config/missing-field",
          [...path, "sigv4"],
          "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config",
        );
      }
      if (filled(s.external_id) && !filled(s.role_arn))
        ctx.error("config/conflict", [...path, "sigv4", "external_id"], "external_id can only be used with role_arn");
    }
  },
  telegram_configs(ctx, c, path) {
    const g = ctx.global;
    atMostOne(ctx, c, path, "bot_token", "bot_token_file", filled, "at most one of bot_token & bot_token_file must be configured");
    const chatID = typeof c.chat_id === "number" && c.chat_id !== 0;
    if (!chatID && !filled(c.chat_id_file)) ctx.error("config/missing-field", path, "missing chat_id or chat_id_file on telegram_config");
    if (chatID && filled(c.chat_id_file))
      ctx.error("config/conflict", [...path, "chat_id_file"], "at most one of chat_id & chat_id_file must be configured", true);
    checkUrlField(ctx, c, path, "api_url");
    if (![c.bot_token, c.bot_token_file, g.telegram_bot_token, g.telegram_bot_token_file].some(filled)) {
      ctx.error("config/missing-global", path, "missing bot_token or bot_token_file on telegram_config");
    }
  },
  webex_configs(ctx, c, path) {
    if (!filled(c.room_id)) ctx.error("config/missing-field", path, "missing room_id on webex_config");
    if (!isObj(c.http_config) || !hasAuthorization(c.http_config)) ctx.error("config/missing-field", path, "missing webex_configs.http_config.authorization");
    checkUrlField(ctx, c, path, "api_url");
    if (!given(c.api_url) && globalUrl(ctx, "webex_api_url") === undefined) ctx.error("config/missing-global", path, "no global Webex URL set");
  },
  msteams_configs(ctx, c, path) {
    checkWebhookUrlPair(ctx, c, path, "webhook_url", "webhook_url_file");
    checkUrlField(ctx, c, path, "webhook_url", { secret: true });
  },
  msteamsv2_configs(ctx, c, path) {
    checkWebhookUrlPair(ctx, c, path, "webhook_url", "webhook_url_file");
    checkUrlField(ctx, c, path, "webhook_url", { secret: true });
  },
  jira_configs(ctx, c, path) {
    if (!filled(c.project)) ctx.error("config/missing-field", path, "missing project in jira_config");
    if (!filled(c.issue_type)) ctx.error("config/missing-field", path, "missing issue_type in jira_config");
    checkUrlField(ctx, c, path, "api_url");
    if (!given(c.api_url) && !given(ctx.global.jira_api_url)) ctx.error("config/missing-global", path, "no global Jira Cloud URL set");
  },
  rocketchat_configs(ctx, c, path) {
    const g = ctx.global;
    atMostOne(ctx, c, path, "token", "token_file", given, "at most one of token & token_file must be configured", filled);
    atMostOne(ctx, c, path, "token_id", "token_id_file", given, "at most one of token_id & token_id_file must be configured", filled);
    checkUrlField(ctx, c, path, "api_url");
    if (!given(c.token_id) && !filled(c.token_id_file) && !given(g.rocketchat_token_id) && !filled(g.rocketchat_token_id_file)) {
      ctx.error("config/missing-global", path, "no global Rocketchat TokenID set either inline or in a file");
    }
    if (!given(c.token) && !filled(c.token_file) && !given(g.rocketchat_token) && !filled(g.rocketchat_token_file)) {
      ctx.error("config/missing-global", path, "no global Rocketchat Token set either inline or in a file");
    }
  },
  mattermost_configs(ctx, c, path) {
    const g = ctx.global;
    atMostOne(ctx, c, path, "webhook_url", "webhook_url_file", given, "at most one of webhook_url & webhook_url_file must be configured", filled);
    const fields = (items: unknown, at: Path) =>
      list(items).forEach((field, i) => {
        const f = asObj(field);
        if (!filled(f.title)) ctx.error("config/missing-field", [...at, i], "missing title in Mattermost field configuration");
        else if (!filled(f.value)) ctx.error("config/missing-field", [...at, i], "missing value in Mattermost field configuration");
      });
    fields(c.fields, [...path, "fields"]);
    list(c.attachments).forEach((attachment, i) => fields(asObj(attachment).fields, [...path, "attachments", i, "fields"]));
    checkUrlField(ctx, c, path, "webhook_url", { secret: true });
    if (!given(c.webhook_url) && !filled(c.webhook_url_file) && !given(g.mattermost_webhook_url) && !filled(g.mattermost_webhook_url_file)) {
      ctx.error("config/missing-global", path, "missing webhook_url or webhook_url_file on mattermost_config");
    }
  },
};

/** A light check of a Go template in a templated webhook URL: balanced actions. */
function goTemplateProblem(value: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith("{{", i)) {
      if (depth > 0) return 'unexpected "{{" in operand';
      depth++;
      i++;
    } else if (value.startsWith("}}", i) && depth > 0) {
      depth--;
      i++;
    }
  }
  return depth > 0 ? "unclosed action" : undefined;
}
