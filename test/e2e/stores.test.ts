/**
 * x-source stores through the built program: which bundle chunks a run loads (a module-load hook), so a project
 * without store variables loads no store code, one with a `k8s:` variable loads no Vault code, and the GCP store and
 * Azure's SDK are loaded only for their own sources; and a Vault that
 * never answers ends the process with exit 3 rather than holding it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { blackhole, json, serve } from "../aws-endpoints.js";
import { assertNoLeak, type Run, runBuilt } from "../helpers.js";
import { createTestCa, kubernetesState, serveKubernetes, serveVault, storeProject, vaultState } from "../store-servers.js";

/** The files of the bundle that a run of the built program loaded. */
async function loadedChunks(argv: string[], cwd: string, env: Record<string, string>): Promise<{ result: Run; files: string[] }> {
  const hooks = mkdtempSync(join(tmpdir(), "promplate-hooks-"));
  const log = join(hooks, "loaded.txt");
  writeFileSync(log, "");
  writeFileSync(
    join(hooks, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }\n`,
  );
  writeFileSync(join(hooks, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(`file://${join(hooks, "hooks.mjs")}`)});\n`);
  const result = await runBuilt(argv, env, cwd, { nodeArgs: ["--import", join(hooks, "register.mjs")] });
  const files = readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => url.startsWith("file:") && url.includes("/dist/"))
    .map((url) => fileURLToPath(url));
  return { result, files };
}

/** What each store's code holds that nothing else in the bundle does. */
const holds = (pattern: RegExp) => (file: string) => pattern.test(readFileSync(file, "utf8"));
const vaultCode = holds(/sys\/internal\/ui\/mounts/);
const kubernetesCode = holds(/api\/v1\/namespaces\//);
const dispatchCode = holds(/PROMPLATE_STORE_TIMEOUT_MS must be/);
const gcpCode = holds(/secretmanager\.googleapis\.com/);
/** Azure's SDK itself (identity, Key Vault's client), not only promplate's azure store module. */
const azureSdk = holds(/var (ClientSecretCredential|SecretClient) = class/);

describe("store modules are loaded only when a variable needs them (built program, module-load hook)", () => {
  test("render without x-source loads no store code; a vault: variable loads Vault's, a k8s: one only the API server's", async () => {
    const plain = storeProject(`  TARGET: { type: string, default: "node:9100" }\n`, "target: ${TARGET}\n");
    const without = await loadedChunks(["-C", plain, "render"], plain, { HOME: join(plain, "home") });
    assert.equal(without.result.code, 0, without.result.stderr);
    assert.ok(without.files.length > 1, "the hook saw the bundle load");
    assert.deepEqual(
      without.files.filter((f) => vaultCode(f) || kubernetesCode(f) || dispatchCode(f) || gcpCode(f) || azureSdk(f)),
      [],
    );

    const state = vaultState();
    state.tokens.add("hvs.E2eToken0123456789LeakCanaryAbc");
    state.secrets.set("secret/monitoring", [{ webhook: "https://hook/Leak-Canary" }]);
    const vault = await serveVault(state);
    const withVault = storeProject(`  WEBHOOK: { type: string, writeOnly: true, x-source: "vault:secret/monitoring#webhook" }\n`, "hook: '${WEBHOOK}'\n");
    const control = await loadedChunks(["-C", withVault, "render"], withVault, { VAULT_ADDR: vault.url, VAULT_TOKEN: "hvs.E2eToken0123456789LeakCanaryAbc" });
    assert.equal(control.result.code, 0, control.result.stderr);
    assertNoLeak(control.result);
    assert.ok(control.files.some(vaultCode), "the control run loads the Vault store, so the hook would have seen it");
    assert.ok(control.files.some(dispatchCode));
    assert.deepEqual(control.files.filter(kubernetesCode), []);

    const ca = createTestCa();
    const k8sState = kubernetesState();
    k8sState.tokens.add("k8s-token-Leak-Canary");
    k8sState.secrets.set("monitoring/am", { password: "pw-Leak-Canary" });
    const api = await serveKubernetes(k8sState, { ...ca.issue("api", true), ca: ca.cert });
    const withK8s = storeProject(`  PASSWORD: { type: string, writeOnly: true, x-source: "k8s:monitoring/am#password" }\n`, "password: '${PASSWORD}'\n");
    writeFileSync(
      join(withK8s, "kubeconfig"),
      `current-context: c\nclusters: [{ name: k, cluster: { server: "${api.url}", certificate-authority-data: ${Buffer.from(ca.cert).toString("base64")} } }]\nusers: [{ name: u, user: { token: k8s-token-Leak-Canary } }]\ncontexts: [{ name: c, context: { cluster: k, user: u } }]\n`,
    );
    const k8s = await loadedChunks(["-C", withK8s, "render"], withK8s, { KUBECONFIG: join(withK8s, "kubeconfig") });
    assert.equal(k8s.result.code, 0, k8s.result.stderr);
    assertNoLeak(k8s.result);
    assert.ok(k8s.files.some(kubernetesCode));
    assert.deepEqual(k8s.files.filter(vaultCode), []);
    assert.deepEqual(
      k8s.files.filter((f) => gcpCode(f) || azureSdk(f)),
      [],
    );
  });

  test("a gcp: variable loads GCP's store and no Azure SDK; an azure: one loads the Azure SDK", async () => {
    const metadata = await serve((req, _body, res) =>
      req.headers["metadata-flavor"] === "Google" ? json(res, 200, { access_token: "ya29.Leak-Canary-e2e", expires_in: 3599 }) : json(res, 403, "no"),
    );
    const secretManager = await serve((_req, _body, res) => json(res, 200, { payload: { data: Buffer.from("gcp-Leak-Canary").toString("base64") } }));
    const withGcp = storeProject(`  HOOK: { type: string, writeOnly: true, x-source: "gcp:projects/p/secrets/hook" }\n`, "hook: '${HOOK}'\n");
    const gcp = await loadedChunks(["-C", withGcp, "render"], withGcp, {
      HOME: join(withGcp, "home"),
      GCE_METADATA_HOST: metadata.url.replace("http://", ""),
      PROMPLATE_GCP_SECRETMANAGER_ENDPOINT: secretManager.url,
    });
    assert.equal(gcp.result.code, 0, gcp.result.stderr);
    assertNoLeak(gcp.result);
    assert.ok(gcp.files.some(gcpCode), "the gcp run loads the GCP store");
    assert.deepEqual(
      gcp.files.filter((f) => azureSdk(f) || vaultCode(f) || kubernetesCode(f)),
      [],
    );

    // No credentials configured and nothing to reach: the run fails (exit 3), but only after loading the SDK.
    const withAzure = storeProject(`  HOOK: { type: string, writeOnly: true, x-source: "azure:monitoring/hook" }\n`, "hook: '${HOOK}'\n");
    const azure = await loadedChunks(["-C", withAzure, "render"], withAzure, {
      HOME: join(withAzure, "home"),
      PROMPLATE_AZURE_KEYVAULT_URL: "https://127.0.0.1:1",
      IDENTITY_ENDPOINT: "http://127.0.0.1:1/token",
      IDENTITY_HEADER: "x",
      PROMPLATE_STORE_TIMEOUT_MS: "500",
    });
    assert.equal(azure.result.code, 3, azure.result.stderr);
    assert.match(azure.result.stderr, /Azure Key Vault/);
    assert.ok(azure.files.some(azureSdk), "the azure run loads the Azure SDK");
    assert.deepEqual(
      azure.files.filter((f) => gcpCode(f) || vaultCode(f) || kubernetesCode(f)),
      [],
    );
  });
});

describe("a store that never answers", () => {
  test("the built program exits 3 naming the store and the limit instead of hanging", async () => {
    const silent = await blackhole();
    const dir = storeProject(
      `  A: { type: string, x-source: "vault:secret/monitoring#a" }\n  B: { type: string, x-source: "vault:secret/monitoring#b" }\n`,
      "a: ${A}\nb: ${B}\n",
    );
    // The kill after 20 s only guards the suite: a run that hangs ends with code -1, which fails the test.
    const result = await runBuilt(
      ["-C", dir, "render"],
      { VAULT_ADDR: silent.url, VAULT_TOKEN: "hvs.E2eToken0123456789LeakCanaryAbc", PROMPLATE_STORE_TIMEOUT_MS: "500" },
      dir,
      {
        timeoutMs: 20_000,
      },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /A: cannot read vault: secret\/monitoring#a: vault at http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/internal\/ui\/mounts\/secret\/monitoring: no answer within 500 ms/,
    );
    assert.match(result.stderr, /B: cannot read vault: secret\/monitoring#b/);
    assertNoLeak(result);
  });
});
