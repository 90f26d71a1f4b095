/**
 * x-source stores (issue 14): Vault/OpenBao KV v2 and Kubernetes Secrets, with promplate's own client code against a
 * fake Vault (HTTP as a dev server, HTTPS with a test CA) and a fake API server (HTTPS, test CA, bearer tokens and
 * client certificates) on 127.0.0.1. Each auth method, mount resolution, versions, the failure modes (exit 2 for a
 * malformed reference, exit 3 for a store that cannot be read, naming the store, address, status and its message),
 * precedence, `--examples`, and that no secret value, token or secret id reaches the output.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { blackhole } from "../aws-endpoints.js";
import { assertNoLeak, type Run, runPromplate } from "../helpers.js";
import {
  createTestCa,
  kubernetesState,
  renderedOf,
  serveKubernetes,
  serveStore,
  serveVault,
  storeProject,
  type VaultState,
  vaultState,
} from "../store-servers.js";

const ROOT_TOKEN = "hvs.RootToken0123456789LeakCanaryXyZ";
const WEBHOOK = 'https://hooks.example/Leak-Canary-"quoted"\\slash';

interface VarsRow {
  name: string;
  source?: string;
  origin?: string;
  value: string;
  status: string;
  errors: string[];
}

const run = (dir: string, argv: string[], env: Record<string, string>): Promise<Run> => runPromplate(["-C", dir, ...argv], env, dir);

/** No secret in any form: raw, JSON-escaped, base64; nor the credentials given. */
function assertNothingSecret(result: Run, secrets: string[]): void {
  assertNoLeak(result);
  for (const secret of secrets) {
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64")]) {
      assert.ok(!result.stdout.includes(form), `stdout holds ${form}`);
      assert.ok(!result.stderr.includes(form), `stderr holds ${form}`);
    }
  }
}

async function vars(dir: string, env: Record<string, string>, extra: string[] = []): Promise<Map<string, VarsRow>> {
  const result = await run(dir, ["vars", "--format", "json", ...extra], env);
  assert.equal(result.code, 0, result.stderr);
  assertNothingSecret(result, [WEBHOOK, ROOT_TOKEN]);
  return new Map((JSON.parse(result.stdout) as VarsRow[]).map((row) => [row.name, row]));
}

const WEBHOOK_PROJECT = `  WEBHOOK: { type: string, writeOnly: true, x-source: "vault:secret/monitoring#webhook" }\n`;

function vaultWith(setup: (state: VaultState) => void = () => undefined): VaultState {
  const state = vaultState();
  state.tokens.add(ROOT_TOKEN);
  state.secrets.set("secret/monitoring", [{ webhook: WEBHOOK, user: "alertmanager" }]);
  setup(state);
  return state;
}

describe("vault: KV v2 with each auth method", () => {
  test("VAULT_TOKEN: vars shows the source, render writes the value, the token goes in X-Vault-Token", async () => {
    const vault = await serveVault(vaultWith());
    const dir = storeProject(WEBHOOK_PROJECT, "hook: ${WEBHOOK}\n");
    const env = { HOME: join(dir, "home"), VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN };
    const rows = await vars(dir, env);
    assert.equal(rows.get("WEBHOOK")!.source, "vault");
    assert.equal(rows.get("WEBHOOK")!.origin, "vault: secret/monitoring#webhook");
    assert.equal(rows.get("WEBHOOK")!.value, "***");
    const text = await run(dir, ["vars"], env);
    assert.match(text.stdout, /WEBHOOK .* vault: secret\/monitoring#webhook /);
    const result = await run(dir, ["render"], env);
    assert.equal(result.code, 0, result.stderr);
    assertNothingSecret(result, [WEBHOOK, ROOT_TOKEN]);
    assert.deepEqual(parse(renderedOf(dir)), { hook: WEBHOOK });
    assert.ok(vault.requests.every((r) => r.headers["x-vault-token"] === ROOT_TOKEN));
    assert.ok(vault.requests.some((r) => r.url === "/v1/secret/data/monitoring"));
  });

  test("~/.vault-token when VAULT_TOKEN is unset; BAO_ADDR and BAO_TOKEN for OpenBao", async () => {
    const vault = await serveVault(vaultWith());
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    writeFileSync(join(dir, "home/.vault-token"), `${ROOT_TOKEN}\n`);
    const fromFile = await vars(dir, { HOME: join(dir, "home"), VAULT_ADDR: vault.url });
    assert.equal(fromFile.get("WEBHOOK")!.status, "ok");
    const bao = await vars(dir, { HOME: join(dir, "nowhere"), BAO_ADDR: vault.url, BAO_TOKEN: ROOT_TOKEN });
    assert.equal(bao.get("WEBHOOK")!.origin, "vault: secret/monitoring#webhook");
  });

  test("AppRole: VAULT_ROLE_ID + VAULT_SECRET_ID or VAULT_SECRET_ID_FILE, VAULT_AUTH_MOUNT; one login for several variables", async () => {
    const state = vaultWith((s) => {
      s.tokens.clear();
      s.approle.mount = "approle-monitoring";
    });
    const vault = await serveVault(state);
    const dir = storeProject(`${WEBHOOK_PROJECT}  USER: { type: string, x-source: "vault:secret/monitoring#user" }\n`, "hook: '${WEBHOOK}'\nuser: ${USER}\n");
    const env = { HOME: join(dir, "home"), VAULT_ADDR: vault.url, VAULT_ROLE_ID: state.approle.roleId, VAULT_AUTH_MOUNT: "approle-monitoring" };
    const result = await run(dir, ["render"], { ...env, VAULT_SECRET_ID: state.approle.secretId });
    assert.equal(result.code, 0, result.stderr);
    assert.match(renderedOf(dir), /user: alertmanager/);
    assert.equal(state.logins, 1);
    const login = vault.requests.find((r) => r.method === "POST")!;
    assert.equal(login.url, "/v1/auth/approle-monitoring/login");
    assert.deepEqual(JSON.parse(login.body), { role_id: state.approle.roleId, secret_id: state.approle.secretId });

    writeFileSync(join(dir, "secret-id"), `${state.approle.secretId}\n`);
    const fromFile = await vars(dir, { ...env, VAULT_SECRET_ID_FILE: join(dir, "secret-id") });
    assert.equal(fromFile.get("USER")!.value, "alertmanager");

    const wrong = await run(dir, ["render"], { ...env, VAULT_SECRET_ID: "wrong-secret-id-Leak-Canary" });
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(wrong.stderr, /vault at http:\/\/127\.0\.0\.1:\d+\/v1\/auth\/approle-monitoring\/login: HTTP 400: login failed: invalid role or secret ID/);
    assertNothingSecret(wrong, [state.approle.roleId, "wrong-secret-id-Leak-Canary"]);

    const half = await run(dir, ["render"], env);
    assert.equal(half.code, 3);
    assert.match(half.stderr, /VAULT_ROLE_ID is set, but neither VAULT_SECRET_ID nor VAULT_SECRET_ID_FILE/);
  });

  test("Kubernetes auth: VAULT_K8S_ROLE with the service-account token (PROMPLATE_SERVICE_ACCOUNT_DIR)", async () => {
    const state = vaultWith((s) => s.tokens.clear());
    const vault = await serveVault(state);
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    mkdirSync(join(dir, "sa"));
    writeFileSync(join(dir, "sa/token"), state.kubernetes.jwt);
    const env = { HOME: join(dir, "home"), VAULT_ADDR: vault.url, VAULT_K8S_ROLE: "promplate", PROMPLATE_SERVICE_ACCOUNT_DIR: join(dir, "sa") };
    const rows = await vars(dir, env);
    assert.equal(rows.get("WEBHOOK")!.status, "ok");
    const login = vault.requests.find((r) => r.method === "POST")!;
    assert.equal(login.url, "/v1/auth/kubernetes/login");
    assert.deepEqual(JSON.parse(login.body), { role: "promplate", jwt: state.kubernetes.jwt });

    const denied = await run(dir, ["render"], { ...env, VAULT_K8S_ROLE: "other" });
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /HTTP 403: login failed: permission denied/);
    assertNothingSecret(denied, [state.kubernetes.jwt]);

    const none = await run(dir, ["render"], { HOME: join(dir, "home"), VAULT_ADDR: vault.url });
    assert.equal(none.code, 3);
    assert.match(none.stderr, /no Vault credentials: set VAULT_TOKEN/);
  });

  test("a token beats AppRole and Kubernetes auth (no login when a token is there)", async () => {
    const state = vaultWith();
    const vault = await serveVault(state);
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    await vars(dir, { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN, VAULT_ROLE_ID: "x", VAULT_SECRET_ID: "y", VAULT_K8S_ROLE: "z" });
    assert.equal(state.logins, 0);
    assert.ok(vault.requests.every((r) => r.method === "GET"));
  });
});

describe("vault: mounts, versions, namespace and CA", () => {
  test("a mount with / is found through sys/internal/ui/mounts; on 403 or 404 the first segment is the mount", async () => {
    const state = vaultWith((s) => {
      s.mounts.push({ path: "teams/observability", version: "2" });
      s.secrets.set("teams/observability/alertmanager/slack", [{ url: "https://slack.example/Leak-Canary" }]);
    });
    const vault = await serveVault(state);
    const dir = storeProject(
      `  SLACK: { type: string, writeOnly: true, x-source: "vault:teams/observability/alertmanager/slack#url" }\n${WEBHOOK_PROJECT}`,
      "slack: '${SLACK}'\nhook: '${WEBHOOK}'\n",
    );
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN };
    const rows = await vars(dir, env);
    assert.equal(rows.get("SLACK")!.status, "ok");
    assert.ok(vault.requests.some((r) => r.url === "/v1/teams/observability/data/alertmanager/slack"));

    state.mountLookup = 403;
    const plain = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    assert.equal((await vars(plain, env)).get("WEBHOOK")!.status, "ok", "secret/ is the first segment");
    const wrongMount = await run(dir, ["render"], env);
    assert.equal(wrongMount.code, 3, "teams/ is not a mount: the first segment is tried and the store says so");
    assert.match(
      wrongMount.stderr,
      /SLACK: cannot read vault: teams\/observability\/alertmanager\/slack#url: vault at .*\/v1\/teams\/data\/observability\/alertmanager\/slack: HTTP 404: .*no handler for route/,
    );

    state.mountLookup = 404;
    assert.equal((await vars(plain, env)).get("WEBHOOK")!.status, "ok");
  });

  test("@VERSION reads that version; a KV version 1 mount is refused with a clear message", async () => {
    const state = vaultWith((s) => {
      s.secrets.set("secret/rotated", [{ password: "first-Leak-Canary" }, { password: "second-Leak-Canary" }]);
      s.mounts.push({ path: "kv1", version: "1" });
    });
    const vault = await serveVault(state);
    const dir = storeProject(
      `  OLD: { type: string, x-source: "vault:secret/rotated#password@1" }\n  NEW: { type: string, x-source: "vault:secret/rotated#password" }\n`,
      "old: ${OLD}\nnew: ${NEW}\n",
    );
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN };
    const result = await run(dir, ["render"], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(renderedOf(dir), "old: first-Leak-Canary\nnew: second-Leak-Canary\n");
    assert.ok(vault.requests.some((r) => r.url === "/v1/secret/data/rotated?version=1"));
    const rows = await run(dir, ["vars", "--format", "json"], env);
    assert.equal((JSON.parse(rows.stdout) as VarsRow[]).find((r) => r.name === "OLD")!.origin, "vault: secret/rotated#password@1");

    const v1 = storeProject(`  X: { type: string, x-source: "vault:kv1/app#x" }\n`, "x: ${X}\n");
    const refused = await run(v1, ["render"], env);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /kv1\/ is a KV version 1 mount: promplate reads KV version 2 secrets/);
  });

  test("HTTPS with VAULT_CACERT (a test CA) and VAULT_NAMESPACE as X-Vault-Namespace; without the CA, a TLS error (exit 3)", async () => {
    const ca = createTestCa();
    const state = vaultWith((s) => (s.namespace = "team-a/monitoring"));
    const vault = await serveVault(state, ca.issue("vault", true));
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN, VAULT_NAMESPACE: "team-a/monitoring", VAULT_CACERT: join(dir, "ca.pem") };
    assert.equal((await vars(dir, env)).get("WEBHOOK")!.status, "ok");
    assert.ok(vault.requests.every((r) => r.headers["x-vault-namespace"] === "team-a/monitoring"));

    const untrusted = await run(dir, ["render"], { ...env, VAULT_CACERT: "" });
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /vault at https:\/\/127\.0\.0\.1:\d+\/v1\/sys\/internal\/ui\/mounts\/secret\/monitoring: .*certificate/);

    // A VAULT_CACERT that is not a certificate is named, not left to a TLS failure that would not name it.
    writeFileSync(join(dir, "not-a-ca.txt"), "root:x:0:0:root:/root:/bin/bash\n");
    const wrong = await run(dir, ["render"], { ...env, VAULT_CACERT: join(dir, "not-a-ca.txt") });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /VAULT_CACERT \S+not-a-ca\.txt holds no PEM certificate/);
  });
});

describe("vault: failures", () => {
  test("403: exit 3 naming the store, the address, the status and Vault's message; no token, not even one Vault echoes", async () => {
    const state = vaultWith((s) => {
      s.denied.add("secret/monitoring");
      s.echoToken = true;
    });
    const vault = await serveVault(state);
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    const result = await run(dir, ["render"], { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /promplate\.yaml:2:3: error store\/unreadable: WEBHOOK: cannot read vault: secret\/monitoring#webhook: vault at http:\/\/127\.0\.0\.1:\d+\/v1\/secret\/data\/monitoring: HTTP 403: VAULT_TOKEN: 1 error occurred:/,
    );
    assertNothingSecret(result, [ROOT_TOKEN, WEBHOOK]);

    const echoed = await run(dir, ["render"], { VAULT_ADDR: vault.url, VAULT_TOKEN: "hvs.NotKnown0123456789LeakCanaryAbc" });
    assert.equal(echoed.code, 3);
    assert.match(echoed.stderr, /HTTP 403/);
    assertNothingSecret(echoed, ["hvs.NotKnown0123456789LeakCanaryAbc"]);
  });

  test("not found: exit 3 when required, the default when there is one; a missing key: exit 3", async () => {
    const vault = await serveVault(vaultWith());
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN };
    const required = storeProject(`  X: { type: string, x-source: "vault:secret/nope#x" }\n`, "x: ${X}\n");
    const missing = await run(required, ["render"], env);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /error store\/not-found: X: vault: secret\/nope#x does not exist/);

    const withDefault = storeProject(`  X: { type: string, x-source: "vault:secret/nope#x", default: fallback }\n`, "x: ${X}\n");
    assert.equal((await run(withDefault, ["render"], env)).code, 0);
    assert.equal(renderedOf(withDefault), "x: fallback\n");

    const noKey = storeProject(`  X: { type: string, x-source: "vault:secret/monitoring#nokey", default: fallback }\n`, "x: ${X}\n");
    const result = await run(noKey, ["render"], env);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /HTTP 200: the secret has no key "nokey"/);
  });

  test("unreachable (refused) and a server that never answers: exit 3, each request bounded", { timeout: 20_000 }, async () => {
    const silent = await blackhole();
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    const hung = await run(dir, ["render"], { VAULT_ADDR: silent.url, VAULT_TOKEN: ROOT_TOKEN, PROMPLATE_STORE_TIMEOUT_MS: "300" });
    assert.equal(hung.code, 3, hung.stderr);
    assert.match(
      hung.stderr,
      /vault at http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/internal\/ui\/mounts\/secret\/monitoring: no answer within 300 ms \(PROMPLATE_STORE_TIMEOUT_MS\)/,
    );
    const refused = await run(dir, ["render"], { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: ROOT_TOKEN });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /vault at http:\/\/127\.0\.0\.1:1\/v1\/.*ECONNREFUSED/);
    assertNothingSecret(refused, [ROOT_TOKEN]);
    const badTimeout = await run(dir, ["render"], { VAULT_ADDR: silent.url, VAULT_TOKEN: ROOT_TOKEN, PROMPLATE_STORE_TIMEOUT_MS: "soon" });
    assert.equal(badTimeout.code, 2);
    assert.match(badTimeout.stderr, /PROMPLATE_STORE_TIMEOUT_MS must be a positive number/);
  });

  test("a token or namespace no HTTP header may carry (a line break, a character outside Latin-1): exit 3 naming the header", async () => {
    const vault = await serveVault(vaultWith());
    const dir = storeProject(WEBHOOK_PROJECT, "hook: '${WEBHOOK}'\n");
    for (const [env, header] of [
      [{ VAULT_TOKEN: `${ROOT_TOKEN}\nX-Injected: 1` }, "x-vault-token"],
      [{ VAULT_TOKEN: ROOT_TOKEN, VAULT_NAMESPACE: "team-€" }, "x-vault-namespace"],
    ] as const) {
      const result = await run(dir, ["render"], { VAULT_ADDR: vault.url, ...env });
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, new RegExp(`vault at http://127\\.0\\.0\\.1:\\d+/v1/\\S+: the ${header} header would hold a character no HTTP header may`));
      assertNothingSecret(result, [ROOT_TOKEN, WEBHOOK]);
    }
    assert.equal(vault.requests.length, 0);
  });

  test("a malformed reference: exit 2 naming promplate.yaml, the line and the variable", async () => {
    for (const [source, message] of [
      ["vault:secret#key", /the path needs a mount and a secret/],
      ["vault:secret//x#key", /no empty, \. or \.\. segment/],
      ["vault:secret/x#key@0", /the version must be a whole number from 1/],
      ["k8s:Monitoring/alertmanager#key", /is not a Kubernetes namespace name/],
      ["k8s:monitoring/alertmanager#bad/key", /is not k8s:NAMESPACE\/NAME#KEY/],
    ] as const) {
      const dir = storeProject(`  OTHER: { type: string, default: x }\n  X: { type: string, x-source: "${source}" }\n`, "x: ${X}\n");
      const result = await run(dir, ["render"], { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: ROOT_TOKEN });
      assert.equal(result.code, 2, `${source}: ${result.stderr}`);
      assert.match(result.stderr, /promplate\.yaml:3:3: error project\/x-source: X: x-source `/, source);
      assert.match(result.stderr, message, source);
    }
    // The schema refuses a prefix no store has, and an SSM name SSM would refuse (an empty segment, a space), when
    // the project is loaded.
    for (const source of ["consul:kv/x", "ssm://monitoring/x", "ssm:/monitoring//x", "ssm:/monitoring/a b", "ssm:/"]) {
      const refused = storeProject(`  X: { type: string, x-source: "${source}" }\n`, "x: ${X}\n");
      const result = await run(refused, ["render"], {});
      assert.equal(result.code, 2, source);
      assert.match(result.stderr, /promplate\.yaml:2:\d+: error project\/schema: variables\.X\.x-source: must match pattern/, source);
    }
  });
});

describe("precedence and --examples", () => {
  test("the env file beats the store (which is not asked), the store beats the default", async () => {
    const vault = await serveVault(vaultWith());
    const dir = storeProject(`  USER: { type: string, x-source: "vault:secret/monitoring#user", default: from-default }\n`, "user: ${USER}\n");
    writeFileSync(join(dir, "values.env"), "USER=from-env-file\n");
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN };
    const fromFile = await run(dir, ["render", "--env-file", join(dir, "values.env")], env);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(renderedOf(dir), "user: from-env-file\n");
    assert.equal(vault.requests.length, 0);
    assert.equal((await run(dir, ["render"], env)).code, 0);
    assert.equal(renderedOf(dir), "user: alertmanager\n");
    assert.ok(vault.requests.length > 0);
  });

  test("--examples (check and vars) asks no store", async () => {
    const vault = await serveVault(vaultWith());
    const ca = createTestCa();
    const k8s = await serveKubernetes(kubernetesState(), { ...ca.issue("api", true), ca: ca.cert });
    const dir = storeProject(
      `${WEBHOOK_PROJECT.replace("}", ", examples: [https://example.org/hook] }")}  K: { type: string, x-source: "k8s:monitoring/am#k", examples: [k] }\n`,
      "hook: '${WEBHOOK}'\nk: ${K}\n",
    );
    const env = { VAULT_ADDR: vault.url, VAULT_TOKEN: ROOT_TOKEN, KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: new URL(k8s.url).port };
    const checked = await run(dir, ["check", "--examples"], env);
    assert.equal(checked.code, 0, checked.stderr);
    const rows = await run(dir, ["vars", "--examples", "--format", "json"], env);
    assert.equal(rows.code, 0, rows.stderr);
    assert.deepEqual(
      (JSON.parse(rows.stdout) as VarsRow[]).map((r) => r.source),
      ["example", "example"],
    );
    assert.equal(vault.requests.length + k8s.requests.length, 0);
  });
});

describe("k8s: Kubernetes Secrets through the API server", () => {
  const SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.Leak-Canary-sa";
  const PASSWORD = "am-password-Leak-Canary\nsecond line";

  async function apiServer() {
    const ca = createTestCa();
    const state = kubernetesState();
    state.tokens.add(SA_TOKEN);
    state.secrets.set("monitoring/alertmanager", { password: PASSWORD, user: "am" });
    state.denied.add("kube-system/admin");
    const server = await serveKubernetes(state, { ...ca.issue("kubernetes", true), ca: ca.cert });
    return { ca, state, server };
  }
  const K8S_PROJECT = `  PASSWORD: { type: string, writeOnly: true, x-source: "k8s:monitoring/alertmanager#password" }\n`;

  test("a 200 that is not a Secret (a proxy's page) is a malformed answer, exit 3, its body not shown", async () => {
    const ca = createTestCa();
    const page = await serveStore(
      (_req, _body, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<html>${PASSWORD}</html>`);
      },
      { ...ca.issue("127.0.0.1", true), ca: ca.cert },
    );
    const dir = storeProject(K8S_PROJECT, "password: ${PASSWORD}\n");
    mkdirSync(join(dir, "sa"));
    writeFileSync(join(dir, "sa/token"), `${SA_TOKEN}\n`);
    writeFileSync(join(dir, "sa/ca.crt"), ca.cert);
    const result = await run(dir, ["render"], {
      HOME: join(dir, "home"),
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: new URL(page.url).port,
      PROMPLATE_SERVICE_ACCOUNT_DIR: join(dir, "sa"),
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /a malformed answer: not a Kubernetes Secret object/);
    assertNothingSecret(result, [PASSWORD, SA_TOKEN]);
  });

  test("in-cluster: KUBERNETES_SERVICE_HOST/PORT, the mounted token and CA; the value base64-decoded", async () => {
    const { ca, server } = await apiServer();
    const dir = storeProject(K8S_PROJECT, "password: ${PASSWORD}\n");
    mkdirSync(join(dir, "sa"));
    writeFileSync(join(dir, "sa/token"), `${SA_TOKEN}\n`);
    writeFileSync(join(dir, "sa/ca.crt"), ca.cert);
    const env = {
      HOME: join(dir, "home"),
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: new URL(server.url).port,
      PROMPLATE_SERVICE_ACCOUNT_DIR: join(dir, "sa"),
    };
    const rows = await run(dir, ["vars", "--format", "json"], env);
    assert.equal(rows.code, 0, rows.stderr);
    const row = (JSON.parse(rows.stdout) as VarsRow[])[0]!;
    assert.deepEqual([row.source, row.origin, row.value], ["k8s", "k8s: monitoring/alertmanager#password", "***"]);
    const result = await run(dir, ["render"], env);
    assert.equal(result.code, 0, result.stderr);
    assertNothingSecret(result, [PASSWORD, SA_TOKEN]);
    assert.deepEqual(parse(renderedOf(dir)), { password: PASSWORD });
    assert.equal(server.requests.at(-1)!.url, "/api/v1/namespaces/monitoring/secrets/alertmanager");
    assert.equal(server.requests.at(-1)!.headers.authorization, `Bearer ${SA_TOKEN}`);
  });

  test("kubeconfig (KUBECONFIG): token and CA data from the current context; --kube-context picks a client-certificate user", async () => {
    const { ca, state, server } = await apiServer();
    const client = ca.issue("promplate-client", false);
    state.clientNames.add("promplate-client");
    const dir = storeProject(K8S_PROJECT, "password: ${PASSWORD}\n");
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    writeFileSync(join(dir, "ca.crt"), ca.cert);
    writeFileSync(
      join(dir, "kubeconfig"),
      `apiVersion: v1
kind: Config
current-context: with-token
clusters:
  - name: test
    cluster: { server: "${server.url}", certificate-authority-data: ${b64(ca.cert)} }
  - name: test-file-ca
    cluster: { server: "${server.url}", certificate-authority: ca.crt }
users:
  - name: token-user
    user: { token: "${SA_TOKEN}" }
  - name: cert-user
    user: { client-certificate-data: ${b64(client.cert)}, client-key-data: ${b64(client.key)} }
  - name: exec-user
    user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: aws-iam-authenticator } }
contexts:
  - name: with-token
    context: { cluster: test, user: token-user }
  - name: with-cert
    context: { cluster: test-file-ca, user: cert-user }
  - name: with-exec
    context: { cluster: test, user: exec-user }
`,
    );
    // In a pod too: the kubeconfig given wins over the in-cluster config.
    const env = { HOME: join(dir, "home"), KUBECONFIG: `${join(dir, "missing")}:${join(dir, "kubeconfig")}`, KUBERNETES_SERVICE_HOST: "127.0.0.1" };
    const byToken = await run(dir, ["render"], env);
    assert.equal(byToken.code, 0, byToken.stderr);
    assert.equal(server.requests.at(-1)!.headers.authorization, `Bearer ${SA_TOKEN}`);
    const byCert = await run(dir, ["render", "--kube-context", "with-cert"], env);
    assert.equal(byCert.code, 0, byCert.stderr);
    assert.equal(server.requests.at(-1)!.headers.authorization, undefined);
    assert.deepEqual(parse(renderedOf(dir)), { password: PASSWORD });

    const exec = await run(dir, ["render", "--kube-context", "with-exec"], env);
    assert.equal(exec.code, 3);
    assert.match(
      exec.stderr,
      /kubeconfig context "with-exec": its user "exec-user" gets credentials from an exec credential plugin \(aws-iam-authenticator\), which promplate does not run/,
    );
    const unknown = await run(dir, ["render", "--kube-context", "nope"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /the kubeconfig has no context "nope"/);
    // ~/.kube/config when neither KUBECONFIG nor the in-cluster settings are there.
    mkdirSync(join(dir, "home/.kube"));
    writeFileSync(join(dir, "home/.kube/config"), `current-context: with-token\n${readKubeconfig(dir)}`);
    assert.equal((await run(dir, ["render"], { HOME: join(dir, "home") })).code, 0);
  });

  test("403 with the API server's message, not found, a missing key, an untrusted server: exit 3, nothing secret shown", async () => {
    const { ca, server } = await apiServer();
    const dir = storeProject(`  ADMIN: { type: string, writeOnly: true, x-source: "k8s:kube-system/admin#token" }\n`, "admin: ${ADMIN}\n");
    mkdirSync(join(dir, "sa"));
    writeFileSync(join(dir, "sa/token"), SA_TOKEN);
    writeFileSync(join(dir, "sa/ca.crt"), ca.cert);
    const env = { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: new URL(server.url).port, PROMPLATE_SERVICE_ACCOUNT_DIR: join(dir, "sa") };
    const forbidden = await run(dir, ["render"], env);
    assert.equal(forbidden.code, 3);
    assert.match(
      forbidden.stderr,
      /ADMIN: cannot read k8s: kube-system\/admin#token: k8s at https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/kube-system\/secrets\/admin: HTTP 403: in-cluster service account: secrets "admin" is forbidden: User "system:serviceaccount:monitoring:promplate" cannot get resource "secrets"/,
    );
    assertNothingSecret(forbidden, [SA_TOKEN]);

    const missing = storeProject(
      `  X: { type: string, x-source: "k8s:monitoring/nope#x" }\n  Y: { type: string, x-source: "k8s:monitoring/alertmanager#nokey" }\n`,
      "x: ${X}\ny: ${Y}\n",
    );
    const result = await run(missing, ["render"], env);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /X: k8s: monitoring\/nope#x does not exist/);
    assert.match(result.stderr, /Y: cannot read k8s: monitoring\/alertmanager#nokey: .*HTTP 200: the Secret has no key "nokey"/);

    writeFileSync(join(dir, "sa/ca.crt"), createTestCa().cert);
    const untrusted = await run(dir, ["render"], env);
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /k8s at https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/kube-system\/secrets\/admin: .*certificate/);
  });
});

function readKubeconfig(dir: string): string {
  return readFileSync(join(dir, "kubeconfig"), "utf8").replace(/^current-context: .*\n/m, "");
}
