/**
 * The fleet example (`promplate init --fleet`, templates-fleet/): what init writes, that it passes `check
 * --examples` for every instance and shard, renders each instance with its own values and shard, and that
 * `kubernetes --examples` (plain, and `--operator` on its operator variant) writes manifests that validate strictly
 * and hold no secret value. Only the built-in checks run here (no system tool); test/e2e runs the real servers.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { validateManifest, type Manifest } from "../../src/kubernetes/validate.js";
import { ROOT, runPromplate } from "../helpers.js";

const FLEET = join(ROOT, "templates-fleet");
const INSTANCES = ["prod-eu", "prod-us", "staging"];
// The instances run in two regions, and an External Secrets store has one: a store per instance.
const STORES = ["--secret-store", "ssm=parameters-{instance}", "--secret-store", "secretsmanager=secrets-{instance}"];

interface Declaration {
  writeOnly?: boolean;
  "x-source"?: string;
  examples?: unknown[];
}

function declarations(projectFile: string): Record<string, Declaration> {
  return (parse(readFileSync(projectFile, "utf8")) as { variables: Record<string, Declaration> }).variables;
}

/** The secrets' example values: what `--examples` renders with, and what no generated manifest may hold. */
function exampleSecrets(projectFile: string): string[] {
  return Object.values(declarations(projectFile))
    .filter((d) => d.writeOnly)
    .map((d) => String(d.examples?.[0]));
}

async function init(...flags: string[]): Promise<{ dir: string; stdout: string }> {
  const dir = join(mkdtempSync(join(tmpdir(), "promplate-fleet-")), "fleet");
  const run = await runPromplate(["init", ...flags, dir]);
  assert.equal(run.code, 0, run.stderr);
  return { dir, stdout: run.stdout };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/**
 * Every manifest under `out` validates strictly, and no file holds a secret value: raw, JSON-escaped, base64, nor
 * base64 in a Secret's `data`. Returns the manifests by file (relative to `out`).
 */
async function assertManifestsClean(out: string, secrets: string[]): Promise<Map<string, Manifest[]>> {
  const byFile = new Map<string, Manifest[]>();
  const files = filesUnder(out);
  assert.ok(files.length > 0, "manifests were written");
  for (const path of files) {
    assert.equal(statSync(join(out, path)).mode & 0o777, 0o644, `${path}: no secrets, so 0644`);
    const text = readFileSync(join(out, path), "utf8");
    for (const secret of secrets) {
      for (const form of [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64").replace(/=+$/, "")]) {
        assert.ok(!text.includes(form), `${path} holds a secret value`);
      }
    }
    const manifests = parseAllDocuments(text).map((d) => d.toJS() as Manifest);
    for (const manifest of manifests) {
      assert.deepEqual(await validateManifest(manifest, path), [], `${path}: ${manifest.kind} ${manifest.metadata.name}`);
      for (const value of Object.values((manifest.data ?? {}) as Record<string, string>)) {
        const decoded = Buffer.from(value, "base64").toString();
        for (const secret of secrets) assert.ok(!decoded.includes(secret), `${path}: data holds a secret`);
      }
      for (const value of Object.values((manifest.stringData ?? {}) as Record<string, string>)) {
        for (const secret of secrets) assert.ok(!value.includes(secret), `${path}: stringData holds a secret`);
      }
    }
    byFile.set(path, manifests);
  }
  return byFile;
}

/** Each ExternalSecret of an instance's folder reads the x-source of its variable, with {instance} = that folder. */
function assertExternalSecretsFollowSources(byFile: Map<string, Manifest[]>, projectFile: string): void {
  const sources = declarations(projectFile);
  let seen = 0;
  for (const [path, manifests] of byFile) {
    const instance = path.split("/")[0]!;
    for (const manifest of manifests.filter((m) => m.kind === "ExternalSecret")) {
      const spec = manifest.spec as { data: { secretKey: string; remoteRef: { key: string; property?: string } }[]; target?: { template?: unknown } };
      assert.equal(spec.target?.template, undefined, "never target.template: ESO would evaluate the servers' Go templates");
      for (const { secretKey, remoteRef } of spec.data) {
        const source = sources[secretKey]?.["x-source"]?.replaceAll("{instance}", instance);
        const expected = source?.startsWith("ssm:") ? { key: source.slice(4) } : { key: source?.slice(15).split("#")[0], property: source?.split("#")[1] };
        assert.deepEqual(remoteRef, expected, `${path}: ${secretKey}`);
        seen++;
      }
    }
  }
  assert.ok(seen > 0, "the secrets reach the pods through ExternalSecrets");
}

describe("init --fleet", () => {
  test("writes the fleet example with the Dockerfiles and ignore entries, never the operator variant's folder", async () => {
    const { dir, stdout } = await init("--fleet");
    assert.deepEqual(filesUnder(dir), [
      ".dockerignore",
      ".gitignore",
      "Dockerfile.alertmanager",
      "Dockerfile.prometheus",
      "alertmanager.yml",
      "prometheus.yml",
      "promplate.yaml",
      "rules/fleet.yaml",
      "tests/rules_test.yml",
    ]);
    assert.match(stdout, /created promplate\.yaml/);
    assert.equal(readFileSync(join(dir, "prometheus.yml"), "utf8"), readFileSync(join(FLEET, "prometheus.yml"), "utf8"));
    assert.match(readFileSync(join(dir, ".gitignore"), "utf8"), /^\/out\/$/m);
  });

  test("--operator takes the variant's promplate.yaml and prometheus.yml and shares the rest; --operator alone is exit 2", async () => {
    const { dir } = await init("--fleet", "--operator");
    assert.ok(!existsSync(join(dir, "operator")));
    for (const name of ["promplate.yaml", "prometheus.yml"]) {
      assert.equal(readFileSync(join(dir, name), "utf8"), readFileSync(join(FLEET, "operator", name), "utf8"), name);
    }
    for (const name of ["alertmanager.yml", "rules/fleet.yaml", "tests/rules_test.yml"]) {
      assert.equal(readFileSync(join(dir, name), "utf8"), readFileSync(join(FLEET, name), "utf8"), name);
    }
    const alone = await runPromplate(["init", "--operator", join(dir, "other")]);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--operator goes with --fleet/);
    assert.ok(!existsSync(join(dir, "other")));
  });

  test("three instances, two production regions and staging, one sharded in two; every secret has an example and an SSM or Secrets Manager x-source naming the instance", () => {
    for (const file of [join(FLEET, "promplate.yaml"), join(FLEET, "operator", "promplate.yaml")]) {
      const project = parse(readFileSync(file, "utf8")) as { instances: Record<string, { values: Record<string, string>; shards?: number }> };
      assert.deepEqual(Object.keys(project.instances), INSTANCES, file);
      assert.deepEqual(
        INSTANCES.map((name) => project.instances[name]!.shards ?? 1),
        [1, 2, 1],
      );
      assert.notEqual(project.instances["prod-eu"]!.values.AWS_REGION, project.instances["prod-us"]!.values.AWS_REGION, "two regions");
      const secrets = Object.entries(declarations(file)).filter(([, d]) => d.writeOnly);
      assert.ok(secrets.length >= 2, file);
      for (const [name, d] of secrets) {
        assert.match(d["x-source"] ?? "", /^(ssm:\/|secretsmanager:).*\{instance\}/, `${file}: ${name}`);
        assert.equal(d.examples?.length, 1, `${file}: ${name} has an example`);
      }
    }
  });
});

describe("the fleet example, checked and rendered", () => {
  for (const variant of [[], ["--operator"]]) {
    test(`check --examples passes for every instance and shard${variant.length ? " (operator variant)" : ""}`, async () => {
      const { dir } = await init("--fleet", ...variant);
      const run = await runPromplate(["-C", dir, "check", "--examples", "--no-tools", "--format", "json"]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const report = JSON.parse(run.stdout) as { findings: unknown[] };
      assert.deepEqual(
        report.findings.filter((f) => (f as { severity: string }).severity === "error"),
        [],
      );
    });
  }

  test("render: each instance with its values, each shard of prod-us with its own hashmod share of the node targets", async () => {
    const { dir } = await init("--fleet");
    const env = {
      REMOTE_WRITE_PASSWORD: "rw-Leak-Canary",
      SLACK_WEBHOOK: "https://hooks.example.com/services/T/B/Leak-Canary",
      PAGERDUTY_ROUTING_KEY: "pd-Leak-Canary",
    };
    const run = await runPromplate(["-C", dir, "render"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      filesUnder(join(dir, "out")).filter((f) => f.endsWith("prometheus.yml")),
      ["prod-eu/0/prometheus.yml", "prod-us/0/prometheus.yml", "prod-us/1/prometheus.yml", "staging/0/prometheus.yml"],
    );
    const config = (path: string) =>
      parse(readFileSync(join(dir, "out", path), "utf8")) as {
        global: { scrape_interval: string; external_labels: Record<string, string> };
        scrape_configs: { job_name: string; relabel_configs?: { modulus?: number; regex?: string }[] }[];
      };
    const shardOf = (path: string) => {
      const relabel = config(path).scrape_configs.find((job) => job.job_name === "node")!.relabel_configs!;
      return [relabel[0]!.modulus, relabel[1]!.regex];
    };
    assert.deepEqual(shardOf("prod-us/0/prometheus.yml"), [2, "0"]);
    assert.deepEqual(shardOf("prod-us/1/prometheus.yml"), [2, "1"]);
    assert.deepEqual(shardOf("prod-eu/0/prometheus.yml"), [1, "0"]);
    assert.deepEqual(config("prod-us/1/prometheus.yml").global.external_labels, { cluster: "prod-us", environment: "production", replica: "prod-us-1" });
    assert.equal(config("staging/0/prometheus.yml").global.scrape_interval, "60s");
    assert.equal(config("staging/0/prometheus.yml").global.external_labels.environment, "staging");
    assert.equal(statSync(join(dir, "out/prod-eu/0/alertmanager.yml")).mode & 0o777, 0o600, "holds secrets");
  });
});

describe("the fleet example on Kubernetes", () => {
  test("kubernetes --examples: every manifest validates strictly, holds no secret value, and reads each secret from its x-source", async () => {
    const { dir } = await init("--fleet");
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", ...STORES]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    const byFile = await assertManifestsClean(out, exampleSecrets(join(dir, "promplate.yaml")));
    const kinds = new Set([...byFile.values()].flat().map((m) => m.kind));
    for (const kind of ["StatefulSet", "Deployment", "Service", "ExternalSecret"]) assert.ok(kinds.has(kind), kind);
    assert.deepEqual(
      readdirSync(out)
        .filter((name) => !name.startsWith("."))
        .sort(),
      ["prod-eu", "prod-us", "staging"],
    );
    // prod-us runs in two shards: a StatefulSet each, each knowing its shard.
    const shards = [...byFile.values()].flat().filter((m) => m.kind === "StatefulSet" && m.metadata.name.startsWith("prod-us-"));
    assert.equal(shards.length, 2);
    assert.deepEqual(shards.map((s) => JSON.stringify(s.spec).match(/"name":"PROMPLATE_SHARD","value":"(\d)"/)?.[1]).sort(), ["0", "1"]);
    assertExternalSecretsFollowSources(byFile, join(dir, "promplate.yaml"));
  });

  test("kubernetes --examples --operator (operator variant): strict, secret-free, PrometheusRule labels are the --rule-labels, scrape jobs only", async () => {
    const { dir } = await init("--fleet", "--operator");
    const labels = { release: "kube-prometheus", team: "sre" };
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", "--rule-labels", "release=kube-prometheus,team=sre", ...STORES]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    const byFile = await assertManifestsClean(out, exampleSecrets(join(dir, "promplate.yaml")));
    const manifests = [...byFile.values()].flat();
    const rules = manifests.filter((m) => m.kind === "PrometheusRule");
    assert.ok(rules.length > 0);
    for (const rule of rules) assert.deepEqual(rule.metadata.labels, labels);
    const scrape = manifests.filter((m) => m.kind === "Secret" && m.metadata.name.endsWith("-additional-scrape-configs"));
    assert.ok(scrape.length > 0);
    for (const secret of scrape) {
      const jobs = parse((secret.stringData as Record<string, string>)["prometheus-additional.yaml"]!) as { job_name: string; authorization?: unknown }[];
      assert.deepEqual(
        jobs.map((job) => job.job_name),
        ["node", "federate"],
      );
      // The token is a file the operator mounts from spec.secrets, never the value.
      assert.match(JSON.stringify(jobs[1]!.authorization), /"credentials_file":"\/etc\/prometheus\/secrets\/[a-z0-9-]+\/FEDERATE_TOKEN"/);
    }
    assertExternalSecretsFollowSources(byFile, join(dir, "promplate.yaml"));
    const resources = parseAllDocuments(run.stdout.slice(run.stdout.indexOf("# Set these"))).map((d) => d.toJS() as Manifest);
    const prometheus = resources.filter((r) => r.kind === "Prometheus");
    assert.ok(prometheus.length > 0);
    for (const resource of prometheus) assert.deepEqual((resource.spec as { ruleSelector: unknown }).ruleSelector, { matchLabels: labels });
    assert.deepEqual(prometheus.map((r) => [r.metadata.name, (r.spec as { shards?: number }).shards ?? 1]).sort(), [
      ["prod-eu", 1],
      ["prod-us", 2],
      ["staging", 1],
    ]);
  });

  test("--operator on the plain fleet example is exit 2: the operator shards by itself, so no template may use SHARD", async () => {
    const { dir } = await init("--fleet");
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", ...STORES]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /error kubernetes\/operator-shard: SHARD in prometheus\.yml: with --operator, Prometheus\.spec\.shards shards/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });
});
