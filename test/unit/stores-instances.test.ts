/**
 * `{instance}` in an `x-source` (issue 14 with instances): each store — Vault, Kubernetes Secrets, GCP Secret
 * Manager, Azure Key Vault — is asked for the path with the instance's name in it, for every instance, and never for
 * the text `{instance}` itself; each instance's files hold that instance's values and `vars` shows each expanded source.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { json, serve } from "../aws-endpoints.js";
import { assertNoLeak, runPromplate } from "../helpers.js";
import { createTestCa, kubernetesState, serveEntra, serveKubernetes, serveStore, serveVault, storeProject, vaultState } from "../store-servers.js";

const INSTANCES = ["prod-eu", "prod-us", "staging"] as const;
const VAULT_TOKEN = "hvs.InstanceToken0123456789LeakCanary";
const K8S_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpbnN0YW5jZXMifQ.Leak-Canary-sa";
const GCP_TOKEN = "ya29.Leak-Canary-instances";
const AZURE_TOKEN = "eyJ0.Leak-Canary-instances";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const CLIENT_SECRET = "Leak-Canary-instances-cl1ent";

/** The secret each store holds for an instance: the store's tag and the instance's name. */
const secretOf = (store: string, instance: string) => `${store}-${instance}-Leak-Canary`;

type Store = "vault" | "k8s" | "gcp" | "azure";

/** The four fake stores, the environment that points promplate at them, and the secret paths each has been asked. */
async function stores(dir: string): Promise<{ env: Record<string, string>; asked: () => Record<Store, Map<string, number>> }> {
  const ca = createTestCa();
  writeFileSync(join(dir, "ca.pem"), ca.cert);
  const serverTls = ca.issue("127.0.0.1", true);

  const vault = vaultState();
  vault.tokens.add(VAULT_TOKEN);
  for (const instance of INSTANCES) vault.secrets.set(`secret/monitoring/${instance}`, [{ webhook: secretOf("vault", instance) }]);
  const vaultServer = await serveVault(vault);

  const kubernetes = kubernetesState();
  kubernetes.tokens.add(K8S_TOKEN);
  for (const instance of INSTANCES) kubernetes.secrets.set(`${instance}/alertmanager`, { password: secretOf("k8s", instance) });
  const apiServer = await serveKubernetes(kubernetes, { ...serverTls, ca: ca.cert });
  mkdirSync(join(dir, "sa"));
  writeFileSync(join(dir, "sa/token"), K8S_TOKEN);
  writeFileSync(join(dir, "sa/ca.crt"), ca.cert);

  const metadata = await serve((req, _body, res) =>
    req.headers["metadata-flavor"] === "Google" ? json(res, 200, { access_token: GCP_TOKEN, expires_in: 3599 }) : json(res, 403, "no"),
  );
  const secretManager = await serve((req, _body, res) => {
    const match = /^\/v1\/projects\/monitoring\/secrets\/([^/]+)\/versions\/latest:access$/.exec(req.url ?? "");
    const instance = match && decodeURIComponent(match[1]!).replace(/^slack-/, "");
    if (req.headers.authorization !== `Bearer ${GCP_TOKEN}` || !instance || !(INSTANCES as readonly string[]).includes(instance))
      return json(res, 404, { error: { code: 404, message: "Secret not found", status: "NOT_FOUND" } });
    json(res, 200, { payload: { data: Buffer.from(secretOf("gcp", instance)).toString("base64") } });
  });

  const authority = await serveEntra({ tenant: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessToken: AZURE_TOKEN }, serverTls);
  const keyVault = await serveStore((req, _body, res) => {
    if (req.headers.authorization !== `Bearer ${AZURE_TOKEN}`) {
      res.writeHead(401, { "www-authenticate": `Bearer authorization="${authority.url}/${TENANT}", resource="https://vault.azure.net"` });
      return res.end();
    }
    // The SDK asks for the current version as `/secrets/NAME/`.
    const name = /^\/secrets\/([^/]+)\/?$/.exec((req.url ?? "").split("?")[0]!)?.[1];
    const instance = name?.replace(/^pager-/, "");
    if (!instance || !(INSTANCES as readonly string[]).includes(instance))
      return json(res, 404, { error: { code: "SecretNotFound", message: `A secret with (name/id) ${name} was not found in this key vault.` } });
    json(res, 200, { value: secretOf("azure", instance), id: `https://monitoring.vault.azure.net/secrets/${name}/1` });
  }, serverTls);

  // Each fake records its requests: the secret paths among them, counted, as each store's API names them.
  const tally = (urls: string[]) => {
    const counts = new Map<string, number>();
    for (const url of urls) counts.set(url, (counts.get(url) ?? 0) + 1);
    return counts;
  };
  const paths = (requests: { url: string }[], pattern: RegExp) =>
    tally(requests.flatMap((r) => (pattern.exec(r.url.split("?")[0]!) ? [decodeURIComponent(pattern.exec(r.url.split("?")[0]!)![1]!)] : [])));
  const asked = () => ({
    vault: paths(vaultServer.requests, /^\/v1\/secret\/data\/(.+)$/),
    k8s: paths(apiServer.requests, /^\/api\/v1\/namespaces\/(.+)$/),
    gcp: paths(secretManager.requests, /^\/v1\/projects\/monitoring\/secrets\/([^/]+)\//),
    azure: paths(keyVault.requests, /^\/secrets\/([^/]+)\/?$/),
  });
  const env = {
    HOME: join(dir, "home"),
    VAULT_ADDR: vaultServer.url,
    VAULT_TOKEN,
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: new URL(apiServer.url).port,
    PROMPLATE_SERVICE_ACCOUNT_DIR: join(dir, "sa"),
    GCE_METADATA_HOST: metadata.url.replace("http://", ""),
    PROMPLATE_GCP_SECRETMANAGER_ENDPOINT: secretManager.url,
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_CLIENT_SECRET: CLIENT_SECRET,
    AZURE_AUTHORITY_HOST: authority.url,
    PROMPLATE_AZURE_KEYVAULT_URL: keyVault.url,
    PROMPLATE_AZURE_CA_FILE: join(dir, "ca.pem"),
  };
  return { env, asked };
}

const VARIABLES = `  VAULT_WEBHOOK: { type: string, writeOnly: true, x-source: "vault:secret/monitoring/{instance}#webhook" }
  K8S_PASSWORD: { type: string, writeOnly: true, x-source: "k8s:{instance}/alertmanager#password" }
  GCP_SLACK: { type: string, writeOnly: true, x-source: "gcp:projects/monitoring/secrets/slack-{instance}" }
  AZURE_PAGER: { type: string, writeOnly: true, x-source: "azure:monitoring/pager-{instance}" }
`;
const TEMPLATE = "vault: ${VAULT_WEBHOOK}\nk8s: ${K8S_PASSWORD}\ngcp: ${GCP_SLACK}\nazure: ${AZURE_PAGER}\n";

function fleetProject(): string {
  const dir = storeProject(VARIABLES, TEMPLATE);
  const file = join(dir, "promplate.yaml");
  const text = readFileSync(file, "utf8").replace("path: out/t.yml", 'path: "out/{instance}/{shard}/t.yml"');
  writeFileSync(file, `instances:\n  prod-eu: {}\n  prod-us: { shards: 2 }\n  staging: {}\n${text}`);
  return dir;
}

describe("{instance} in x-source", () => {
  test("vault:, k8s:, gcp: and azure: are each asked for every instance's own path, never for {instance}", async () => {
    const dir = fleetProject();
    const { env, asked } = await stores(dir);
    const rendered = await runPromplate(["-C", dir, "render"], env, dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    assertNoLeak(rendered, "render");
    for (const [instance, shard] of [
      ["prod-eu", 0],
      ["prod-us", 0],
      ["prod-us", 1],
      ["staging", 0],
    ] as const) {
      assert.equal(
        readFileSync(join(dir, `out/${instance}/${shard}/t.yml`), "utf8"),
        ["vault", "k8s", "gcp", "azure"].map((store) => `${store}: ${secretOf(store, instance)}\n`).join(""),
        `${instance}/${shard}`,
      );
    }
    const expected: Record<Store, string[]> = {
      vault: INSTANCES.map((i) => `monitoring/${i}`),
      k8s: INSTANCES.map((i) => `${i}/secrets/alertmanager`),
      gcp: INSTANCES.map((i) => `slack-${i}`),
      azure: INSTANCES.map((i) => `pager-${i}`),
    };
    const afterRender = asked();
    for (const store of ["vault", "k8s", "gcp", "azure"] as const) {
      // Exactly the expanded paths, each asked (Azure's challenge without a token names the path too).
      assert.deepEqual([...afterRender[store].keys()].sort(), expected[store], store);
    }
    // `vars` shows each instance's expanded source; `--instance` asks only that instance's paths.
    const vars = await runPromplate(["-C", dir, "vars", "--instance", "staging", "--format", "json"], env, dir);
    assert.equal(vars.code, 0, vars.stderr);
    const afterVars = asked();
    for (const store of ["vault", "k8s", "gcp", "azure"] as const) {
      for (const [path, times] of afterVars[store]) {
        const more = times - (afterRender[store].get(path) ?? 0);
        assert.equal(more > 0, path.includes("staging"), `vars --instance staging asked ${store} for ${path} ${more} more times`);
      }
    }
    assertNoLeak(vars, "vars");
    const origins = (JSON.parse(vars.stdout) as { instance: string; name: string; origin?: string }[])
      .filter((row) => row.name !== "INSTANCE" && row.name !== "SHARD" && row.name !== "SHARDS")
      .map((row) => [row.instance, row.name, row.origin]);
    assert.deepEqual(origins, [
      ["staging", "VAULT_WEBHOOK", "vault: secret/monitoring/staging#webhook"],
      ["staging", "K8S_PASSWORD", "k8s: staging/alertmanager#password"],
      ["staging", "GCP_SLACK", "gcp: projects/monitoring/secrets/slack-staging/versions/latest"],
      ["staging", "AZURE_PAGER", "azure: monitoring/pager-staging"],
    ]);
  });
});

describe("{instance} in x-source without instances", () => {
  test("is the default instance's name, as in `promplate kubernetes`: never asked for as the text {instance}", async () => {
    const state = vaultState();
    state.tokens.add(VAULT_TOKEN);
    state.secrets.set("secret/monitoring/default", [{ webhook: secretOf("vault", "default") }]);
    const vault = await serveVault(state);
    const dir = storeProject(
      `  WEBHOOK: { type: string, writeOnly: true, x-source: "vault:secret/monitoring/{instance}#webhook", default: unset }\n`,
      "w: ${WEBHOOK}\n",
    );
    const env = { HOME: join(dir, "home"), VAULT_ADDR: vault.url, VAULT_TOKEN };
    const rendered = await runPromplate(["-C", dir, "render"], env, dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.equal(readFileSync(join(dir, "out/t.yml"), "utf8"), `w: ${secretOf("vault", "default")}\n`);
    const vars = await runPromplate(["-C", dir, "vars", "--format", "json"], env, dir);
    assert.equal(vars.code, 0, vars.stderr);
    assertNoLeak(vars, "vars");
    assert.equal((JSON.parse(vars.stdout) as { origin?: string }[])[0]!.origin, "vault: secret/monitoring/default#webhook");
    assert.deepEqual(
      vault.requests.filter((r) => r.url.includes("instance")).map((r) => r.url),
      [],
    );
  });
});
