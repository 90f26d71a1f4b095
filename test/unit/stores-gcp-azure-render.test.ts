/**
 * `render` and `vars` with `x-source: "gcp:…"` and `"azure:…"` through the CLI in-process: GCP Secret Manager with
 * metadata-server credentials (plain http on 127.0.0.1), Azure Key Vault with client-secret credentials (HTTPS with
 * a CA made here, trusted through PROMPLATE_AZURE_CA_FILE). The values reach the rendered file and nothing else;
 * `vars` shows each source.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { json, serve } from "../aws-endpoints.js";
import { assertNoLeak, runPromplate } from "../helpers.js";
import { createTestCa, serveEntra, serveStore } from "../store-servers.js";

const GCP_SECRET = "Leak-Canary-render-gcp";
const AZURE_SECRET = "Leak-Canary-render-az";
const GCP_TOKEN = "ya29.Leak-Canary-tok-g";
const AZURE_TOKEN = "eyJ0.Leak-Canary-tok-z";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const CLIENT_SECRET = "Leak-Canary-cl1ent-s3cr3t";

const dir = mkdtempSync(join(tmpdir(), "promplate_stores_render_"));
const ca = createTestCa();
writeFileSync(join(dir, "ca.pem"), ca.cert);
const tls = ca.issue("127.0.0.1", true);

test("render and vars with gcp: and azure: sources", async () => {
  const metadata = await serve((req, _body, res) =>
    req.headers["metadata-flavor"] === "Google" ? json(res, 200, { access_token: GCP_TOKEN, expires_in: 3599 }) : json(res, 403, "no"),
  );
  const secretManager = await serve((req, _body, res) =>
    req.headers.authorization === `Bearer ${GCP_TOKEN}` && req.url === "/v1/projects/project-1/secrets/webhook/versions/latest:access"
      ? json(res, 200, { payload: { data: Buffer.from(GCP_SECRET).toString("base64") } })
      : json(res, 404, { error: { code: 404, message: "not found", status: "NOT_FOUND" } }),
  );
  const authority = (await serveEntra({ tenant: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessToken: AZURE_TOKEN }, tls)).url;
  const vault = await serveStore((req, _body, res) => {
    if (req.headers.authorization !== `Bearer ${AZURE_TOKEN}`) {
      res.writeHead(401, { "www-authenticate": `Bearer authorization="${authority}/${TENANT}", resource="https://vault.azure.net"` });
      return res.end();
    }
    // The SDK asks for the current version as `/secrets/NAME/` (an empty version), as Key Vault's API allows.
    if (/^\/secrets\/webhook\/?$/.test((req.url ?? "").split("?")[0]!))
      return json(res, 200, { value: AZURE_SECRET, id: "https://monitoring.vault.azure.net/secrets/webhook/1" });
    json(res, 404, { error: { code: "SecretNotFound", message: "not found" } });
  }, tls);

  const project = mkdtempSync(join(tmpdir(), "promplate_stores_project_"));
  writeFileSync(
    join(project, "promplate.yaml"),
    `variables:
  GCP_WEBHOOK: { type: string, writeOnly: true, x-source: "gcp:projects/project-1/secrets/webhook" }
  AZURE_WEBHOOK: { type: string, writeOnly: true, x-source: "azure:monitoring/webhook" }
outputs:
  - { service: app, kind: yaml, template: hooks.yml, path: out/hooks.yml }
`,
  );
  writeFileSync(join(project, "hooks.yml"), "gcp: ${GCP_WEBHOOK}\nazure: ${AZURE_WEBHOOK}\n");
  const env = {
    HOME: join(project, "home"),
    GCE_METADATA_HOST: metadata.url.replace("http://", ""),
    PROMPLATE_GCP_SECRETMANAGER_ENDPOINT: secretManager.url,
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_CLIENT_SECRET: CLIENT_SECRET,
    AZURE_AUTHORITY_HOST: authority,
    PROMPLATE_AZURE_KEYVAULT_URL: vault.url,
    PROMPLATE_AZURE_CA_FILE: join(dir, "ca.pem"),
  };

  const rendered = await runPromplate(["-C", project, "render"], env, project);
  assert.equal(rendered.code, 0, rendered.stderr);
  assertNoLeak(rendered, "render");
  assert.equal(readFileSync(join(project, "out/hooks.yml"), "utf8"), `gcp: ${GCP_SECRET}\nazure: ${AZURE_SECRET}\n`);

  const vars = await runPromplate(["-C", project, "vars", "--format", "json"], env, project);
  assert.equal(vars.code, 0, vars.stderr);
  assertNoLeak(vars, "vars");
  const rows = new Map((JSON.parse(vars.stdout) as { name: string; source?: string; origin?: string }[]).map((row) => [row.name, row]));
  assert.match(JSON.stringify(rows.get("GCP_WEBHOOK")), /gcp: projects\/project-1\/secrets\/webhook\/versions\/latest/);
  assert.match(JSON.stringify(rows.get("AZURE_WEBHOOK")), /azure: monitoring\/webhook/);

  const refused = await runPromplate(["-C", project, "render"], { ...env, AZURE_CLIENT_SECRET: "wrong" }, project);
  assert.equal(refused.code, 3, refused.stderr);
  assertNoLeak(refused, "refused");
  assert.match(refused.stderr, /Azure Key Vault at .*: HTTP 401: environment \(client secret\): token request refused: invalid_client/);
  assert.match(refused.stderr, /hint: check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/);

  // The metadata server refuses: exit 3 naming GCP's address and status, and what to check.
  const noToken = await runPromplate(["-C", project, "render"], { ...env, GCE_METADATA_HOST: secretManager.url.replace("http://", "") }, project);
  assert.equal(noToken.code, 3, noToken.stderr);
  assertNoLeak(noToken, "noToken");
  assert.match(noToken.stderr, /GCP_WEBHOOK: cannot read gcp: .*: GCP Secret Manager at http:\/\/127\.0\.0\.1:\d+\/computeMetadata\/v1\/.*: HTTP 404: /);
  assert.match(noToken.stderr, /hint: check GOOGLE_APPLICATION_CREDENTIALS/);
});
