/**
 * `promplate kubernetes`: the manifests of the example project and of a small multi-service project, plain and for
 * prometheus-operator, validated strictly and searched for secret values; the ExternalSecret mapping of every kind
 * of x-source; and the bad inputs (labels, operator-only config keys, secrets without a source, git).
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { BadInputError } from "../../src/errors.js";
import { remoteRefOf } from "../../src/kubernetes/external-secrets.js";
import { parseRuleLabels } from "../../src/kubernetes/labels.js";
import { planKubernetes, writeKubernetes } from "../../src/kubernetes/plan.js";
import { SCHEMA_SOURCES, VALIDATED_KINDS, validateManifest, type Manifest } from "../../src/kubernetes/validate.js";
import type { Git } from "../../src/process.js";
import { ROOT, runPromplate } from "../helpers.js";

/** Example secret values: none may appear in a 0644 manifest, in any encoding. */
const TOKEN = "tok-Leak-Canary-7f3a9c";
const SLACK = "https://hooks.example.com/services/T0/B0/Leak-Canary-slack";
const WEBHOOK = "https://hooks.example.com/services/T000/B000/XXXX";

const FLEET_PROJECT = {
  "promplate.yaml": `variables:
  CLUSTER: { type: string, examples: [prod-eu] }
  NODE_TARGET: { type: string, default: "node-exporter:9100" }
  REMOTE_TOKEN: { type: string, writeOnly: true, x-source: "ssm:/monitoring/{instance}/remote-token", examples: ["${TOKEN}"] }
  SLACK_URL: { type: string, format: uri, writeOnly: true, x-source: "secretsmanager:monitoring/alerting#slack", examples: ["${SLACK}"] }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }
  - { service: prometheus, kind: prometheus-rules, template: rules/, path: out/rules/, runtimePath: /etc/prometheus/rules/ }
  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: out/alertmanager.yml, runtimePath: /etc/alertmanager/alertmanager.yml }
`,
  "prometheus.yml": `scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['\${NODE_TARGET}']
        labels: { cluster: '\${CLUSTER}' }
  - job_name: federate
    bearer_token: '\${REMOTE_TOKEN}'
    static_configs:
      - targets: ['upstream:9090']
  - job_name: pods
    kubernetes_sd_configs:
      - role: pod
`,
  "rules/node.yaml": `groups:
  - name: node
    rules:
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
        labels: { severity: page }
        annotations: { summary: "{{ $labels.instance }} is down" }
`,
  "alertmanager.yml": `route: { receiver: slack }
receivers:
  - name: slack
    slack_configs:
      - api_url: '\${SLACK_URL}'
        channel: '#alerts'
`,
};

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "promplate-k8s-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function exampleProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "promplate-k8s-example-"));
  cpSync(join(ROOT, "templates"), dir, { recursive: true });
  return dir;
}

const STORES = ["--secret-store", "ssm=parameters", "--secret-store", "secretsmanager=secrets"];

/** Every file under `dir`, relative, with its mode. */
function listFiles(dir: string, prefix = ""): { path: string; mode: number }[] {
  const entries = readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) =>
    a.name === "prometheus.yaml" ? -1 : b.name === "prometheus.yaml" ? 1 : a.name.localeCompare(b.name),
  );
  return entries.flatMap((entry) => {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) return entry.name === ".promplate" ? [] : listFiles(dir, path);
    return [{ path, mode: statSync(join(dir, path)).mode & 0o777 }];
  });
}

/** The value at a path such as `spec.template.spec.containers[0].env` (undefined where there is none). */
function at(value: unknown, path: string): unknown {
  return path
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== "")
    .reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), value);
}

function manifestsIn(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Manifest);
}

/** Every manifest written validates strictly; the 0644 ones hold no secret value, raw, JSON-escaped or base64. */
async function assertWrittenClean(out: string, secrets: string[]): Promise<Manifest[]> {
  const all: Manifest[] = [];
  for (const { path, mode } of listFiles(out)) {
    if (!path.endsWith(".yaml")) continue;
    const text = readFileSync(join(out, path), "utf8");
    for (const manifest of manifestsIn(join(out, path))) {
      assert.deepEqual(await validateManifest(manifest, path), [], `${path}: ${manifest.kind} ${manifest.metadata.name}`);
      assert.equal(manifest.metadata.namespace, "monitoring", `${path}: ${manifest.kind} has the namespace`);
      all.push(manifest);
      if (mode !== 0o600) {
        // A Secret's data is base64: decoded, it must not hold one either.
        for (const value of Object.values((manifest.data ?? {}) as Record<string, string>)) {
          const decoded = Buffer.from(value, "base64").toString();
          for (const secret of secrets) assert.ok(!decoded.includes(secret), `${path}: data holds a secret`);
        }
      }
    }
    if (mode === 0o600) continue;
    assert.equal(mode, 0o644, path);
    for (const secret of secrets) {
      for (const form of [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64").replace(/=+$/, "")]) {
        assert.ok(!text.includes(form), `${path} holds a secret value`);
      }
    }
  }
  return all;
}

describe("kubernetes, plain", () => {
  test("a multi-service project: workloads, RBAC for kubernetes_sd_configs, ExternalSecrets; strict, secret-free", async () => {
    const dir = project(FLEET_PROJECT);
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--tag", "registry.example/mon-{service}:1.2", ...STORES]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    assert.deepEqual(
      listFiles(out)
        .map((f) => f.path)
        .sort(),
      ["default/alertmanager.yaml", "default/external-secrets.yaml", "default/prometheus.yaml"],
    );
    const manifests = await assertWrittenClean(out, [TOKEN, SLACK]);
    // prometheus.yaml first, then alertmanager.yaml and external-secrets.yaml.
    const kinds = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    assert.deepEqual(kinds, [
      "ServiceAccount/default-prometheus",
      "ClusterRole/monitoring-default-prometheus",
      "ClusterRoleBinding/monitoring-default-prometheus",
      "Service/default-prometheus",
      "StatefulSet/default-prometheus",
      "ServiceAccount/default-alertmanager",
      "Service/default-alertmanager",
      "Deployment/default-alertmanager",
      "ExternalSecret/default-prometheus-secrets",
      "ExternalSecret/default-alertmanager-secrets",
    ]);
    const role = manifests.find((m) => m.kind === "ClusterRole");
    assert.deepEqual(at(role, "rules[0].resources"), ["nodes", "nodes/metrics", "services", "endpoints", "pods"], "reads what kubernetes_sd_configs discovers");
    const statefulSet = manifests.find((m) => m.kind === "StatefulSet");
    const pod = "spec.template.spec";
    assert.deepEqual(at(statefulSet, `${pod}.securityContext`), { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    assert.equal(at(statefulSet, `${pod}.containers[0].image`), "registry.example/mon-prometheus:1.2");
    assert.deepEqual(at(statefulSet, `${pod}.containers[0].env`), [{ name: "CLUSTER", value: "prod-eu" }], "non-secret values, not defaults, never secrets");
    assert.deepEqual(at(statefulSet, `${pod}.containers[0].volumeMounts[1]`), { name: "secrets", mountPath: "/run/secrets", readOnly: true });
    assert.equal(at(statefulSet, "spec.volumeClaimTemplates[0].spec.resources.requests.storage"), "10Gi");
    const external = manifests.filter((m) => m.kind === "ExternalSecret");
    assert.deepEqual(
      external.map((e) => [e.metadata.name, at(e, "spec.secretStoreRef"), at(e, "spec.data")]),
      [
        [
          "default-prometheus-secrets",
          { name: "parameters", kind: "ClusterSecretStore" },
          [{ secretKey: "REMOTE_TOKEN", remoteRef: { key: "/monitoring/default/remote-token" } }],
        ],
        [
          "default-alertmanager-secrets",
          { name: "secrets", kind: "ClusterSecretStore" },
          [{ secretKey: "SLACK_URL", remoteRef: { key: "monitoring/alerting", property: "slack" } }],
        ],
      ],
    );
    for (const e of external) assert.equal(at(e, "spec.target.template"), undefined, "never target.template: ESO would evaluate the servers' Go templates");
    const alertmanager = manifests.find((m) => m.kind === "Deployment");
    assert.deepEqual(at(alertmanager, `${pod}.volumes[1].projected.sources`), [{ secret: { name: "default-alertmanager-secrets" } }]);
  });

  test("the example project with --inline-secrets: the Secret manifest alone holds the secret, 0600", async () => {
    const dir = exampleProject();
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--inline-secrets"]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    assert.deepEqual(
      listFiles(out).sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: "default/alertmanager.yaml", mode: 0o644 },
        { path: "default/prometheus.yaml", mode: 0o644 },
        { path: "default/secrets.yaml", mode: 0o600 },
      ],
    );
    await assertWrittenClean(out, [WEBHOOK, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
    const [secret] = manifestsIn(join(out, "default/secrets.yaml"));
    assert.deepEqual(at(secret, "stringData"), { WEBHOOK });
    assert.match(run.stderr, /AWS_ACCESS_KEY, AWS_SECRET_KEY come from the pod's AWS credentials/);
  });

  test("a secret without x-source is exit 2 naming it, and nothing is written", async () => {
    const dir = exampleProject();
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /WEBHOOK is a secret with no x-source/);
    assert.match(run.stderr, /--inline-secrets/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });
});

describe("kubernetes --operator", () => {
  test("PrometheusRule per rules output with the --rule-labels, scrape_configs alone, configSecret; mounted secret files", async () => {
    const dir = project(FLEET_PROJECT);
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", "--rule-labels", "release=kube-prometheus,team=sre", ...STORES]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    assert.deepEqual(
      listFiles(out)
        .map((f) => f.path)
        .sort(),
      ["default/additional-scrape-configs.yaml", "default/alertmanager-config.yaml", "default/external-secrets.yaml", "default/prometheus-rules.yaml"],
    );
    await assertWrittenClean(out, [TOKEN, SLACK]);
    const [rule] = manifestsIn(join(out, "default/prometheus-rules.yaml"));
    assert.deepEqual(rule!.metadata.labels, { release: "kube-prometheus", team: "sre" });
    assert.equal(at(rule, "spec.groups[0].rules[0].annotations.summary"), "{{ $labels.instance }} is down");
    const [scrape] = manifestsIn(join(out, "default/additional-scrape-configs.yaml"));
    assert.equal(scrape!.metadata.name, "default-additional-scrape-configs");
    const list = parseAllDocuments((scrape!.stringData as Record<string, string>)["prometheus-additional.yaml"]!)[0]!.toJS() as unknown;
    assert.ok(Array.isArray(list), "a list of scrape jobs, nothing else");
    assert.deepEqual(
      list.map((job) => at(job, "job_name")),
      ["node", "federate", "pods"],
    );
    assert.equal(at(list, "[1].bearer_token_file"), "/etc/prometheus/secrets/default-prometheus-secrets/REMOTE_TOKEN");
    const [amConfig] = manifestsIn(join(out, "default/alertmanager-config.yaml"));
    assert.equal(amConfig!.metadata.name, "default-alertmanager-config");
    assert.match(
      (amConfig!.stringData as Record<string, string>)["alertmanager.yaml"]!,
      /api_url_file: "\/etc\/alertmanager\/secrets\/default-alertmanager-secrets\/SLACK_URL"/,
    );
    // The fields to set on the custom resources, printed (and themselves valid).
    const resources = parseAllDocuments(run.stdout.slice(run.stdout.indexOf("# Set these"))).map((d) => d.toJS() as Manifest);
    const prometheus = resources.find((r) => r.kind === "Prometheus");
    assert.deepEqual(at(prometheus, "spec.secrets"), ["default-prometheus-secrets"]);
    assert.deepEqual(at(prometheus, "spec.additionalScrapeConfigs"), { name: "default-additional-scrape-configs", key: "prometheus-additional.yaml" });
    assert.deepEqual(at(prometheus, "spec.ruleSelector"), { matchLabels: { release: "kube-prometheus", team: "sre" } });
    assert.deepEqual(
      at(
        resources.find((r) => r.kind === "Alertmanager"),
        "spec",
      ),
      {
        secrets: ["default-alertmanager-secrets"],
        configSecret: "default-alertmanager-config",
      },
    );
  });

  test("a non-scrape key of prometheus.yml is exit 2 naming the Prometheus field to use (the example project)", async () => {
    const dir = exampleProject();
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", "--inline-secrets"]);
    assert.equal(run.code, 2);
    for (const expected of [
      /global\.scrape_interval .*spec\.scrapeInterval/,
      /global\.external_labels .*spec\.externalLabels/,
      /rule_files .*spec\.ruleSelector/,
      /alerting .*spec\.alerting/,
      /AWS_ACCESS_KEY .*ec2_sd_configs\.0\.access_key/,
    ]) {
      assert.match(run.stderr, expected);
    }
    assert.match(run.stderr, /prometheus\.yml:3:/, "points at the template line");
    assert.ok(!existsSync(join(dir, "deploy")));
  });

  test("a secret that is part of a field's value cannot name a mounted file: exit 2", async () => {
    const dir = project({
      ...FLEET_PROJECT,
      "prometheus.yml":
        "scrape_configs:\n  - job_name: x\n    authorization: { credentials: 'Bearer-${REMOTE_TOKEN}' }\n    static_configs: [{ targets: ['a:1'] }]\n",
    });
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", ...STORES]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /REMOTE_TOKEN in out\/prometheus\.yml at scrape_configs\.0\.authorization\.credentials/);
    assert.doesNotMatch(run.stderr, /Leak-Canary/);
  });
});

/** Three instances: two production regions (prod-us sharded in two) and staging, each with its own values. */
const INSTANCES_PROJECT = (prometheus: string) => ({
  ...FLEET_PROJECT,
  "promplate.yaml": `instances:
  prod-eu: { values: { CLUSTER: prod-eu, AWS_REGION: eu-west-1 } }
  prod-us: { values: { CLUSTER: prod-us, AWS_REGION: us-east-1 }, shards: 2 }
  staging: { values: { CLUSTER: staging } }
variables:
  CLUSTER: { type: string, default: dev }
  AWS_REGION: { type: string, default: eu-west-1 }
  NODE_TARGET: { type: string, default: "node-exporter:9100" }
  REMOTE_TOKEN: { type: string, writeOnly: true, x-source: "ssm:/monitoring/{instance}/remote-token", examples: ["${TOKEN}"] }
  SLACK_URL: { type: string, format: uri, writeOnly: true, x-source: "secretsmanager:monitoring/{instance}#slack", examples: ["${SLACK}"] }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: "out/{instance}/{shard}/prometheus.yml", runtimePath: /etc/prometheus/prometheus.yml }
  - { service: prometheus, kind: prometheus-rules, template: rules/, path: "out/{instance}/{shard}/rules/", runtimePath: /etc/prometheus/rules/ }
  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: "out/{instance}/{shard}/alertmanager.yml", runtimePath: /etc/alertmanager/alertmanager.yml }
`,
  "prometheus.yml": prometheus,
});
const SCRAPE_JOBS = `scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['\${NODE_TARGET}']
        labels: { cluster: '\${CLUSTER}' }
  - job_name: federate
    bearer_token: '\${REMOTE_TOKEN}'
    static_configs:
      - targets: ['upstream:9090']
`;
/** Each shard keeps its part of the targets: what plain mode runs, and what the operator does by itself. */
const SHARDED_JOBS = `${SCRAPE_JOBS}    relabel_configs:
      - { source_labels: [__address__], modulus: \${SHARDS}, target_label: __tmp_hash, action: hashmod }
      - { source_labels: [__tmp_hash], regex: "\${SHARD}", action: keep }
`;
/** A store per instance: the production instances are in two regions, and an ESO aws store reads one. */
const INSTANCE_STORES = ["--secret-store", "ssm=parameters-{instance}", "--secret-store", "secretsmanager=secrets-{instance}"];
const INSTANCES = ["prod-eu", "prod-us", "staging"];

function envOf(workload: Manifest | undefined): Record<string, string> {
  const env = (at(workload, "spec.template.spec.containers[0].env") ?? []) as { name: string; value: string }[];
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
}

/** No two objects of one kind share a name (all are in one namespace): applying them together replaces none. */
function assertNamesUnique(manifests: readonly Manifest[]): void {
  const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
  assert.deepEqual(
    names.filter((name, i) => names.indexOf(name) !== i),
    [],
    "every kind/name once",
  );
}

describe("kubernetes, a project with instances", () => {
  test("plain: a folder per instance, PROMPLATE_INSTANCE, a StatefulSet and Service per shard, ExternalSecrets per instance", async () => {
    const dir = project(INSTANCES_PROJECT(SHARDED_JOBS));
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", ...INSTANCE_STORES]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    assert.deepEqual(
      listFiles(out)
        .map((f) => f.path)
        .sort(),
      INSTANCES.flatMap((i) => [`${i}/alertmanager.yaml`, `${i}/external-secrets.yaml`, `${i}/prometheus.yaml`]),
    );
    const manifests = await assertWrittenClean(out, [TOKEN, SLACK]);
    assertNamesUnique(manifests);
    const named = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

    // Unsharded: one StatefulSet and Service; the instance in env, its values not (the image resolves them).
    for (const instance of ["prod-eu", "staging"]) {
      assert.deepEqual(envOf(named("StatefulSet", `${instance}-prometheus`)), { PROMPLATE_INSTANCE: instance });
      assert.deepEqual(envOf(named("Deployment", `${instance}-alertmanager`)), { PROMPLATE_INSTANCE: instance });
      assert.ok(named("Service", `${instance}-prometheus`));
    }
    // Sharded: a StatefulSet and a Service per shard, each selecting only its shard's pod.
    assert.deepEqual(
      manifests
        .filter((m) => m.metadata.labels?.["app.kubernetes.io/instance"] === "prod-us" && m.kind !== "ExternalSecret")
        .map((m) => `${m.kind}/${m.metadata.name}`),
      [
        "ServiceAccount/prod-us-prometheus",
        "Service/prod-us-prometheus-0",
        "Service/prod-us-prometheus-1",
        "StatefulSet/prod-us-prometheus-0",
        "StatefulSet/prod-us-prometheus-1",
        "ServiceAccount/prod-us-alertmanager",
        "Service/prod-us-alertmanager",
        "Deployment/prod-us-alertmanager",
      ],
    );
    for (const shard of ["0", "1"]) {
      const statefulSet = named("StatefulSet", `prod-us-prometheus-${shard}`);
      assert.deepEqual(envOf(statefulSet), { PROMPLATE_INSTANCE: "prod-us", PROMPLATE_SHARD: shard });
      assert.equal(at(statefulSet, "spec.serviceName"), `prod-us-prometheus-${shard}`);
      const selector = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prod-us", "promplate/shard": shard };
      assert.deepEqual(at(statefulSet, "spec.selector.matchLabels"), selector);
      assert.deepEqual(at(named("Service", `prod-us-prometheus-${shard}`), "spec.selector"), selector);
      assert.equal(at(statefulSet, "spec.template.metadata.labels.promplate/shard"), shard);
    }
    // promplate exec needs a shard for a sharded instance: its one Alertmanager is shard 0.
    assert.deepEqual(envOf(named("Deployment", "prod-us-alertmanager")), { PROMPLATE_INSTANCE: "prod-us", PROMPLATE_SHARD: "0" });

    // {instance} expanded in each x-source and store name.
    for (const instance of INSTANCES) {
      assert.deepEqual(at(named("ExternalSecret", `${instance}-prometheus-secrets`), "spec"), {
        refreshInterval: "1h",
        secretStoreRef: { name: `parameters-${instance}`, kind: "ClusterSecretStore" },
        target: { name: `${instance}-prometheus-secrets`, creationPolicy: "Owner" },
        data: [{ secretKey: "REMOTE_TOKEN", remoteRef: { key: `/monitoring/${instance}/remote-token` } }],
      });
      assert.deepEqual(at(named("ExternalSecret", `${instance}-alertmanager-secrets`), "spec.data"), [
        { secretKey: "SLACK_URL", remoteRef: { key: `monitoring/${instance}`, property: "slack" } },
      ]);
    }
    // An instance's AWS_REGION is its aws stores' region; without one, the store's own.
    assert.match(run.stderr, /prod-eu: store parameters-prod-eu must be an External Secrets aws \(service: ParameterStore\) store with region: eu-west-1/);
    assert.match(run.stderr, /prod-us: store secrets-prod-us must be an External Secrets aws \(service: SecretsManager\) store with region: us-east-1/);
    assert.match(run.stderr, /staging: store parameters-staging must be an External Secrets aws \(service: ParameterStore\) store\n/);
  });

  test("plain, --instance prod-us: only that instance's folder", async () => {
    const dir = project(INSTANCES_PROJECT(SHARDED_JOBS));
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--instance", "prod-us", ...INSTANCE_STORES]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      listFiles(join(dir, "deploy/kubernetes")).map((f) => f.path.split("/")[0]),
      ["prod-us", "prod-us", "prod-us"],
    );
    const unknown = await runPromplate(["-C", dir, "kubernetes", "--examples", "--instance", "prod-ue", ...INSTANCE_STORES]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no instance prod-ue .*did you mean prod-us/);
    assert.match(unknown.stderr, /instances: prod-eu, prod-us, staging/);
  });

  test("one aws store for instances in two regions is exit 2 naming them, and nothing is written", async () => {
    const dir = project(INSTANCES_PROJECT(SHARDED_JOBS));
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", ...STORES]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /store parameters would need region: eu-west-1 \(prod-eu\) and region: us-east-1 \(prod-us\): an External Secrets store has one/);
    assert.match(run.stderr, /--secret-store ssm=parameters-\{instance\}/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });

  test("operator: per instance its rules, scrape configs and config Secrets with its values; spec.shards printed", async () => {
    const dir = project(INSTANCES_PROJECT(SCRAPE_JOBS));
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", "--rule-labels", "release=kube-prometheus", ...INSTANCE_STORES]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(dir, "deploy/kubernetes");
    assert.deepEqual(
      listFiles(out)
        .map((f) => f.path)
        .sort(),
      INSTANCES.flatMap((i) => [
        `${i}/additional-scrape-configs.yaml`,
        `${i}/alertmanager-config.yaml`,
        `${i}/external-secrets.yaml`,
        `${i}/prometheus-rules.yaml`,
      ]),
    );
    const manifests = await assertWrittenClean(out, [TOKEN, SLACK]);
    assertNamesUnique(manifests);
    for (const instance of INSTANCES) {
      const [scrape] = manifestsIn(join(out, instance, "additional-scrape-configs.yaml"));
      assert.equal(scrape!.metadata.name, `${instance}-additional-scrape-configs`);
      const jobs = parseAllDocuments((scrape!.stringData as Record<string, string>)["prometheus-additional.yaml"]!)[0]!.toJS() as unknown[];
      assert.equal(at(jobs, "[0].static_configs[0].labels.cluster"), instance, "rendered with the instance's own values");
      assert.equal(at(jobs, "[1].bearer_token_file"), `/etc/prometheus/secrets/${instance}-prometheus-secrets/REMOTE_TOKEN`);
      const [rule] = manifestsIn(join(out, instance, "prometheus-rules.yaml"));
      assert.equal(rule!.metadata.name, `${instance}-node`);
      assert.deepEqual(rule!.metadata.labels, { release: "kube-prometheus" });
      assert.equal(manifestsIn(join(out, instance, "alertmanager-config.yaml"))[0]!.metadata.name, `${instance}-alertmanager-config`);
    }
    const resources = parseAllDocuments(run.stdout.slice(run.stdout.indexOf("# Set these"))).map((d) => d.toJS() as Manifest);
    const prometheus = (name: string) => resources.find((r) => r.kind === "Prometheus" && r.metadata.name === name);
    assert.equal(at(prometheus("prod-us"), "spec.shards"), 2, "the operator shards prod-us");
    assert.equal(at(prometheus("prod-eu"), "spec.shards"), undefined);
    assert.deepEqual(at(prometheus("staging"), "spec.additionalScrapeConfigs"), {
      name: "staging-additional-scrape-configs",
      key: "prometheus-additional.yaml",
    });
    assert.deepEqual(
      resources.map((r) => `${r.kind}/${r.metadata.name}`),
      INSTANCES.flatMap((i) => [`Prometheus/${i}`, `Alertmanager/${i}`]),
    );
    for (const resource of resources) assert.deepEqual(await validateManifest(resource, "stdout"), [], `${resource.kind} ${resource.metadata.name}`);
  });

  test("operator: two rules files of one name would make one PrometheusRule name twice: exit 2", async () => {
    const dir = project({
      ...FLEET_PROJECT,
      "promplate.yaml": FLEET_PROJECT["promplate.yaml"].replace(
        "outputs:\n",
        "outputs:\n  - { service: prometheus, kind: prometheus-rules, template: more/, path: out/more/, runtimePath: /etc/prometheus/more/ }\n",
      ),
      "prometheus.yml": SCRAPE_JOBS,
      "more/node.yaml": FLEET_PROJECT["rules/node.yaml"],
    });
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", ...STORES]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /PrometheusRule\/default-node is written twice \(in default\/prometheus-rules\.yaml\)/);
    assert.match(run.stderr, /give the rules files of an instance different names/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });

  test("operator: SHARD in a template is exit 2 saying what to do, and nothing is written", async () => {
    const dir = project(INSTANCES_PROJECT(SHARDED_JOBS));
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--operator", ...INSTANCE_STORES]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /prometheus\.yml:12:\d+: error kubernetes\/operator-shard: SHARD in prometheus\.yml: with --operator, Prometheus\.spec\.shards shards/,
    );
    assert.match(run.stderr, /drop the SHARD relabelling from the templates for --operator/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });
});

describe("kubernetes inputs", () => {
  test("bad --rule-labels are exit 2 naming the bad key or value", () => {
    const cases: [string, RegExp][] = [
      ["release", /`release` is not KEY=VALUE/],
      ["=x", /`=x` is not KEY=VALUE/],
      ["bad key=x", /"bad key" is not a Kubernetes label key/],
      ["-team=x", /"-team" is not a Kubernetes label key/],
      ["Example.COM/team=x", /prefix Example\.COM is not a DNS subdomain/],
      [`team=${"x".repeat(64)}`, /value "x+" of team is not a Kubernetes label value: it is longer than 63/],
      ["team=a b", /value "a b" of team is not a Kubernetes label value/],
      ["a=1,a=2", /a is given twice/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseRuleLabels(text),
        (error: unknown) => error instanceof BadInputError && message.test(error.findings[0]!.message),
        text,
      );
    }
    assert.deepEqual(parseRuleLabels("app.kubernetes.io/part-of=kube-prometheus,release="), { "app.kubernetes.io/part-of": "kube-prometheus", release: "" });
  });

  test("through the CLI: a bad label is exit 2 before anything is read", async () => {
    const run = await runPromplate(["-C", project(FLEET_PROJECT), "kubernetes", "--examples", "--operator", "--rule-labels", "te am=x"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /"te am" is not a Kubernetes label key/);
  });

  test("--rule-labels without --operator is exit 2: plain manifests have no PrometheusRule to label", async () => {
    const dir = project(FLEET_PROJECT);
    const run = await runPromplate(["-C", dir, "kubernetes", "--examples", "--rule-labels", "release=prometheus"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /error input\/rule-labels: --rule-labels labels the PrometheusRule objects, which only --operator writes/);
    assert.ok(!existsSync(join(dir, "deploy")));
  });

  test("x-source → ExternalSecret remoteRef, for every kind of store", () => {
    const cases: [string, unknown][] = [
      ["ssm:/monitoring/prod/webhook", { kind: "ssm", remoteRef: { key: "/monitoring/prod/webhook" } }],
      ["secretsmanager:monitoring#webhook", { kind: "secretsmanager", remoteRef: { key: "monitoring", property: "webhook" } }],
      ["secretsmanager:monitoring", { kind: "secretsmanager", remoteRef: { key: "monitoring" } }],
      ["vault:secret/monitoring/prod#grafana", { kind: "vault", remoteRef: { key: "secret/monitoring/prod", property: "grafana" } }],
      ["vault:kv/team/app#token@3", { kind: "vault", remoteRef: { key: "kv/team/app", property: "token", version: "3" } }],
      ["k8s:monitoring/webhook#url", { kind: "k8s", remoteRef: { key: "webhook", property: "url" }, scope: "remoteNamespace: monitoring" }],
      ["gcp:projects/p1/secrets/webhook", { kind: "gcp", remoteRef: { key: "webhook" }, scope: "projectID: p1" }],
      ["gcp:projects/p1/secrets/webhook/versions/4", { kind: "gcp", remoteRef: { key: "webhook", version: "4" }, scope: "projectID: p1" }],
      ["azure:kv1/webhook", { kind: "azure", remoteRef: { key: "secret/webhook" }, scope: "vaultUrl: https://kv1.vault.azure.net" }],
      ["azure:kv1/webhook/abc123", { kind: "azure", remoteRef: { key: "secret/webhook", version: "abc123" }, scope: "vaultUrl: https://kv1.vault.azure.net" }],
    ];
    for (const [source, expected] of cases) assert.deepEqual(remoteRefOf(source), expected, source);
    for (const bad of ["vault:secret#x", "k8s:ns/name", "gcp:webhook", "consul:a/b", "ssm:"]) assert.ok("error" in remoteRefOf(bad), bad);
    assert.match((remoteRefOf("consul:a/b") as { error: string }).error, /these map: ssm: secretsmanager: vault: k8s: gcp: azure:/);
  });

  test("secrets from several kinds of store need a store each", async () => {
    const run = await runPromplate(["-C", project(FLEET_PROJECT), "kubernetes", "--examples", "--secret-store", "one"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /each kind needs its own store/);
    assert.match(run.stderr, /--secret-store ssm=NAME --secret-store secretsmanager=NAME/);
  });

  test("--inline-secrets: a Secret manifest git tracks is refused, one it does not ignore is added to .gitignore", async () => {
    const dir = exampleProject();
    const out = join(dir, "deploy/kubernetes");
    const plan = await planKubernetes({ dir, out, examples: true, inlineSecrets: true, env: {}, run: async () => assert.fail("runs nothing") });
    const git = (tracked: string[], ignored: Set<string>): Git => ({
      isWorkTree: async () => true,
      listFiles: async (_dir, paths) => paths.filter((p) => tracked.includes(p)),
      isIgnored: async (_dir, path) => ignored.has(path),
    });
    await assert.rejects(writeKubernetes(plan, git(["default/secrets.yaml"], new Set())), (error: unknown) => {
      assert.ok(error instanceof BadInputError);
      assert.match(error.findings[0]!.message, /git tracks default\/secrets\.yaml/);
      return true;
    });
    assert.deepEqual(readdirSync(out), [], "nothing was written");
    // Now git tracks nothing, and ignores what .gitignore names (promplate adds the line).
    const gitignore = join(out, ".gitignore");
    const result = await writeKubernetes(plan, {
      ...git([], new Set()),
      isIgnored: async (_dir, path) => existsSync(gitignore) && readFileSync(gitignore, "utf8").split("\n").includes(`/${path}`),
    });
    assert.deepEqual(result.git, { added: ["/default/secrets.yaml"], checked: true });
    assert.equal(statSync(join(out, "default/secrets.yaml")).mode & 0o777, 0o600);
  });
});

describe("kubernetes validation", () => {
  /** A valid object of each kind promplate writes, and where a typo goes in it. */
  const samples: Record<string, { manifest: Manifest; typo: string[] }> = {
    "v1/Secret": { manifest: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { a: "b" } }, typo: ["strngData"] },
    "v1/Service": { manifest: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } }, typo: ["spec", "selectr"] },
    "v1/ServiceAccount": { manifest: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "s" } }, typo: ["automountToken"] },
    "apps/v1/StatefulSet": {
      manifest: {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "s" },
        spec: {
          serviceName: "s",
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
        },
      },
      typo: ["spec", "replcas"],
    },
    "apps/v1/Deployment": {
      manifest: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "s" },
        spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
      },
      typo: ["spec", "replcas"],
    },
    "rbac.authorization.k8s.io/v1/ClusterRole": {
      manifest: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "r" },
        rules: [{ verbs: ["get"], resources: ["pods"], apiGroups: [""] }],
      },
      typo: ["rules", "0", "verb"],
    },
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {
      manifest: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "r" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "r" },
      },
      typo: ["roleRef", "nme"],
    },
    "monitoring.coreos.com/v1/PrometheusRule": {
      manifest: {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "r" },
        spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0" }] }] },
      },
      typo: ["spec", "groups", "0", "rules", "0", "expresion"],
    },
    "monitoring.coreos.com/v1/Prometheus": {
      manifest: { apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus", metadata: { name: "p" }, spec: { shards: 2 } },
      typo: ["spec", "shard"],
    },
    "monitoring.coreos.com/v1/Alertmanager": {
      manifest: { apiVersion: "monitoring.coreos.com/v1", kind: "Alertmanager", metadata: { name: "a" }, spec: { configSecret: "c" } },
      typo: ["spec", "configSecrets"],
    },
    "external-secrets.io/v1/ExternalSecret": {
      manifest: {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "e" },
        spec: { secretStoreRef: { name: "s", kind: "ClusterSecretStore" }, data: [{ secretKey: "A", remoteRef: { key: "/a" } }] },
      },
      typo: ["spec", "data", "0", "remoteRef", "proprety"],
    },
  };

  test("every kind: the sample is valid, and a typo is an unknown field, as kubectl --validate=strict says", async () => {
    assert.deepEqual(Object.keys(samples).sort(), [...VALIDATED_KINDS].sort(), "a sample for every kind");
    for (const [type, { manifest, typo }] of Object.entries(samples)) {
      assert.deepEqual(await validateManifest(manifest, "f.yaml"), [], type);
      const broken = structuredClone(manifest);
      const parent = typo.slice(0, -1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, broken);
      parent[typo.at(-1)!] = "x";
      const findings = await validateManifest(broken, "f.yaml");
      const dotted = typo.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
      assert.deepEqual(
        findings.map((f) => f.id),
        ["kubernetes/unknown-field"],
        `${type}: ${JSON.stringify(findings)}`,
      );
      assert.ok(findings[0]!.message.includes(`unknown field "${dotted}"`), findings[0]!.message);
    }
  });

  test("a name Kubernetes would not run is an error: a Service starting with a digit, a StatefulSet over 52 characters", async () => {
    const service = (name: string): Manifest => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ port: 80 }] } });
    const statefulSet = (name: string): Manifest => ({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name },
      spec: {
        serviceName: "s",
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      },
    });
    assert.deepEqual(await validateManifest(service("eu1-prometheus"), "f.yaml"), []);
    assert.deepEqual(await validateManifest(statefulSet(`${"a".repeat(40)}-prometheus`), "f.yaml"), []);
    for (const manifest of [service("1a-prometheus"), statefulSet(`${"a".repeat(40)}-prometheus-11`), service(`${"a".repeat(60)}-prometheus`)]) {
      const findings = await validateManifest(manifest, "f.yaml");
      assert.deepEqual(
        findings.map((f) => f.id),
        ["kubernetes/name"],
        manifest.metadata.name,
      );
      assert.match(findings[0]!.hint ?? "", /shorter name, starting with a letter/);
    }
  });

  test("through the CLI: an instance whose name starts with a digit, or whose shards' names are too long, is exit 2 and nothing is written", async () => {
    for (const name of ["1eu", "a".repeat(40)]) {
      const dir = project({
        "promplate.yaml": `instances:\n  "${name}": { shards: 12 }\nvariables: {}\noutputs:\n  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: "out/{instance}/{shard}/prometheus.yml" }\n`,
        "prometheus.yml": "global: {}\n",
      });
      const result = await runPromplate(["-C", dir, "kubernetes", "--examples"]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /kubernetes\/name/);
      assert.equal(existsSync(join(dir, "deploy")), false);
    }
  });

  test("a value against the schema is an error too", async () => {
    const findings = await validateManifest(
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas: "two", selector: {}, template: {} } },
      "f.yaml",
    );
    assert.deepEqual(
      findings.map((f) => f.id),
      ["kubernetes/schema"],
    );
  });

  test("README names the versions the schemas come from, and they are the installed ones", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const source of SCHEMA_SOURCES) {
      const installed = JSON.parse(readFileSync(join(ROOT, "node_modules", source.package, "package.json"), "utf8")) as { version: string };
      assert.equal(installed.version, source.version, `${source.package}: update SCHEMA_SOURCES and README to the installed version`);
      assert.ok(
        readme.includes(`${source.upstream} (${source.package} ${source.version})`),
        `README names ${source.upstream} (${source.package} ${source.version})`,
      );
    }
  });
});
