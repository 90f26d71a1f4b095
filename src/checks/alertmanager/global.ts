/** The `global` section (config.go GlobalConfig): `x` / `x_file` conflicts, URLs, and the defaults receivers inherit. */
import { atMostOne, checkHostPort, checkUrlField } from "./fields.js";
import type { AlertmanagerContext } from "./context.js";
import { checkHttpConfig, checkTlsConfig } from "./http-config.js";
import { filled, given, isObj, text } from "./values.js";

export const SLACK_APP_URL = "https://slack.com/api/chat.postMessage";

export function checkGlobal(ctx: AlertmanagerContext): void {
  const g = ctx.global;
  const path = ["global"];
  if (!isObj(ctx.config.global)) return;
  atMostOne(ctx, g, path, "slack_app_token", "slack_app_token_file", filled, "at most one of slack_app_token & slack_app_token_file must be configured");
  atMostOne(ctx, g, path, "slack_api_url", "slack_api_url_file", given, "at most one of slack_api_url & slack_api_url_file must be configured");
  if ((filled(g.slack_app_token) || filled(g.slack_app_token_file)) && (given(g.slack_api_url) || filled(g.slack_api_url_file))) {
    // Allowed only when slack_api_url is the app URL (the workaround from alertmanager#2513).
    const appURL = given(g.slack_app_url) ? text(g.slack_app_url) : SLACK_APP_URL;
    if (!given(g.slack_api_url) || text(g.slack_api_url) !== appURL) {
      const key = given(g.slack_api_url) ? "slack_api_url" : "slack_api_url_file";
      ctx.error(
        "config/conflict",
        [...path, key],
        "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured",
        true,
      );
    }
  }
  atMostOne(ctx, g, path, "opsgenie_api_key", "opsgenie_api_key_file", filled, "at most one of opsgenie_api_key & opsgenie_api_key_file must be configured");
  atMostOne(
    ctx,
    g,
    path,
    "victorops_api_key",
    "victorops_api_key_file",
    filled,
    "at most one of victorops_api_key & victorops_api_key_file must be configured",
  );
  atMostOne(
    ctx,
    g,
    path,
    "telegram_bot_token",
    "telegram_bot_token_file",
    filled,
    "at most one of telegram_bot_token & telegram_bot_token_file must be configured",
  );
  atMostOne(
    ctx,
    g,
    path,
    "smtp_auth_password",
    "smtp_auth_password_file",
    filled,
    "at most one of smtp_auth_password & smtp_auth_password_file must be configured",
  );
  atMostOne(ctx, g, path, "rocketchat_token", "rocketchat_token_file", given, "at most one of rocketchat_token & rocketchat_token_file must be configured");
  atMostOne(
    ctx,
    g,
    path,
    "rocketchat_token_id",
    "rocketchat_token_id_file",
    given,
    "at most one of rocketchat_token_id & rocketchat_token_id_file must be configured",
  );
  atMostOne(ctx, g, path, "smtp_auth_secret", "smtp_auth_secret_file", filled, "at most one of smtp_auth_secret & smtp_auth_secret_file must be configured");
  atMostOne(
    ctx,
    g,
    path,
    "wechat_api_secret",
    "wechat_api_secret_file",
    filled,
    "at most one of wechat_api_secret & wechat_api_secret_file must be configured",
  );
  atMostOne(
    ctx,
    g,
    path,
    "mattermost_webhook_url",
    "mattermost_webhook_url_file",
    given,
    "at most one of mattermost_webhook_url & mattermost_webhook_url_file must be configured",
  );

  for (const key of ["jira_api_url", ...Object.keys(GLOBAL_URL_DEFAULTS)]) checkUrlField(ctx, g, path, key);
  for (const key of ["slack_api_url", "mattermost_webhook_url"]) checkUrlField(ctx, g, path, key, { secret: true });
  checkHostPort(ctx, g, path, "smtp_smarthost");
  checkHttpConfig(ctx, g.http_config, [...path, "http_config"]);
  checkTlsConfig(ctx, g.smtp_tls_config, [...path, "smtp_tls_config"]);
}

/** The URL a receiver inherits from `global` when it sets none: the default unless `global` clears it. */
export function globalUrl(ctx: AlertmanagerContext, key: string): string | undefined {
  const g = ctx.global;
  if (key in g) return given(g[key]) ? text(g[key]) : undefined;
  return GLOBAL_URL_DEFAULTS[key];
}

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
