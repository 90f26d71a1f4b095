/**
 * The files a secret store's settings name — a Vault CA, token or secret-id file, a kubeconfig, the service-account
 * token, a GCP credentials file, an Azure CA — are read as every other file a user names: a FIFO is refused at once
 * (not a hang), /dev/urandom is refused (not read until memory runs out), a link into a folder is refused. Needs
 * mkfifo, so it is an end-to-end test.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runPromplate } from "../helpers.js";
import { storeProject } from "../store-servers.js";

type Make = "fifo" | "urandom" | "folder";

/** A hostile file at `path`: a FIFO no one writes to, a link to /dev/urandom, or a link to a folder. */
function hostile(path: string, make: Make): void {
  if (make === "fifo") execFileSync("mkfifo", [path]);
  else symlinkSync(make === "urandom" ? "/dev/urandom" : "/", path);
}

const REFUSED = /a FIFO \(named pipe\)|a device|a folder/;

const cases: { store: string; source: string; env: (file: string, dir: string) => Record<string, string>; names: RegExp }[] = [
  {
    store: "vault: VAULT_CACERT",
    source: "vault:secret/monitoring#webhook",
    env: (file) => ({ VAULT_ADDR: "https://127.0.0.1:1", VAULT_TOKEN: "t", VAULT_CACERT: file }),
    names: /VAULT_CACERT \S+ cannot be read/,
  },
  {
    store: "vault: VAULT_SECRET_ID_FILE",
    source: "vault:secret/monitoring#webhook",
    env: (file, dir) => ({ VAULT_ADDR: "http://127.0.0.1:1", VAULT_ROLE_ID: "r", VAULT_SECRET_ID_FILE: file, HOME: join(dir, "home") }),
    names: /VAULT_SECRET_ID_FILE \S+ cannot be read/,
  },
  {
    store: "k8s: KUBECONFIG",
    source: "k8s:monitoring/alertmanager#password",
    env: (file, dir) => ({ KUBECONFIG: file, HOME: join(dir, "home") }),
    names: /kubeconfig cannot be read/,
  },
  {
    store: "gcp: GOOGLE_APPLICATION_CREDENTIALS",
    source: "gcp:projects/monitoring/secrets/webhook",
    env: (file) => ({ GOOGLE_APPLICATION_CREDENTIALS: file }),
    names: /GOOGLE_APPLICATION_CREDENTIALS names \S+, which cannot be read/,
  },
  {
    store: "azure: PROMPLATE_AZURE_CA_FILE",
    source: "azure:monitoring/webhook",
    env: (file) => ({
      PROMPLATE_AZURE_CA_FILE: file,
      AZURE_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      AZURE_CLIENT_ID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      AZURE_CLIENT_SECRET: "s",
    }),
    names: /PROMPLATE_AZURE_CA_FILE names \S+, which cannot be read/,
  },
];

describe("a store's setting file that is a FIFO, /dev/urandom or a folder is refused at once, naming the setting", () => {
  for (const { store, source, env, names } of cases) {
    for (const make of ["fifo", "urandom", "folder"] as const) {
      test(`${store} as ${make}`, { timeout: 60_000 }, async () => {
        const dir = storeProject(`  X: { type: string, writeOnly: true, x-source: "${source}" }\n`, "x: ${X}\n");
        mkdirSync(join(dir, "files"));
        const file = join(dir, "files", "setting");
        hostile(file, make);
        const result = await runPromplate(["-C", dir, "render"], { PROMPLATE_STORE_TIMEOUT_MS: "2000", ...env(file, dir) }, dir);
        assert.equal(result.code, 3, result.stderr);
        assert.match(result.stderr, names);
        assert.match(result.stderr, REFUSED);
      });
    }
  }
});
