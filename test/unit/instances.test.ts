// Instances: one project, many Prometheus/Alertmanager instances (promplate.yaml `instances:`), each with its own
// non-secret values and shards; INSTANCE/SHARD/SHARDS in templates, {instance}/{shard} in output paths.
import assert from "node:assert/strict";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { assertNoLeak, makeProject, runPromplate } from "../helpers.js";

const FLEET = `instances:
  prod-eu: { values: { CLUSTER: prod-eu, RETENTION: 30 } }
  prod-us: { values: { CLUSTER: prod-us }, shards: 2 }
  staging: {}
variables:
  CLUSTER: { type: string, default: dev }
  RETENTION: { type: integer, default: 7 }
  WEBHOOK: { type: string, writeOnly: true, examples: ["https://hooks.example.com/Leak-Canary"] }
outputs:
  - { service: prometheus, kind: prometheus-config, template: prometheus.yml, path: "out/{instance}/{shard}/prometheus.yml" }
  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: "out/{instance}/{shard}/alertmanager.yml" }
`;
const PROMETHEUS = `global:
  external_labels: { cluster: \${CLUSTER}, replica: "\${INSTANCE}-\${SHARD}", retention_days: "\${RETENTION}" }
scrape_configs:
  - job_name: node
    static_configs: [{ targets: [a:9100, b:9100] }]
    relabel_configs:
      - { source_labels: [__address__], modulus: \${SHARDS}, target_label: __tmp_hash, action: hashmod }
      - { source_labels: [__tmp_hash], regex: "\${SHARD}", action: keep }
`;
const ALERTMANAGER = `route: { receiver: hook }
receivers:
  - name: hook
    webhook_configs: [{ url: "\${WEBHOOK}" }]
`;
const fleet = (project = FLEET, prometheus = PROMETHEUS) =>
  makeProject({ "promplate.yaml": project, "prometheus.yml": prometheus, "alertmanager.yml": ALERTMANAGER });
const WEBHOOK = { WEBHOOK: "https://hooks.example.com/Leak-Canary-1" };

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe("instances", () => {
  it("render writes every instance and shard, each with its values, INSTANCE, SHARD and SHARDS", async () => {
    const dir = await fleet();
    const run = await runPromplate(["-C", dir, "render"], WEBHOOK);
    assert.equal(run.code, 0, run.stderr);
    assertNoLeak(run);
    assert.deepEqual(await filesUnder(join(dir, "out")), [
      "prod-eu/0/alertmanager.yml",
      "prod-eu/0/prometheus.yml",
      "prod-us/0/alertmanager.yml",
      "prod-us/0/prometheus.yml",
      "prod-us/1/alertmanager.yml",
      "prod-us/1/prometheus.yml",
      "staging/0/alertmanager.yml",
      "staging/0/prometheus.yml",
    ]);
    const eu = await readFile(join(dir, "out/prod-eu/0/prometheus.yml"), "utf8");
    assert.match(eu, /cluster: prod-eu, replica: "prod-eu-0", retention_days: "30"/);
    assert.match(eu, /modulus: 1,/);
    const us1 = await readFile(join(dir, "out/prod-us/1/prometheus.yml"), "utf8");
    assert.match(us1, /cluster: prod-us, replica: "prod-us-1", retention_days: "7"/);
    assert.match(us1, /modulus: 2,/);
    assert.match(us1, /regex: "1"/);
    // staging has no values: the defaults.
    assert.match(await readFile(join(dir, "out/staging/0/prometheus.yml"), "utf8"), /cluster: dev,/);
  });

  it("the environment and --set outrank an instance's values, which outrank the default", async () => {
    const dir = await fleet();
    const run = await runPromplate(["-C", dir, "vars", "--format", "json", "--set", "RETENTION=90"], { ...WEBHOOK, CLUSTER: "from-env" });
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as { instance: string; name: string; source: string; value: string }[];
    const row = (instance: string, name: string) => rows.find((r) => r.instance === instance && r.name === name)!;
    assert.deepEqual([row("prod-eu", "CLUSTER").source, row("prod-eu", "CLUSTER").value], ["environment", "from-env"]);
    assert.deepEqual([row("prod-eu", "RETENTION").source, row("prod-eu", "RETENTION").value], ["--set", "90"]);
    const values = await runPromplate(["-C", dir, "vars", "--format", "json"], WEBHOOK);
    const plain = JSON.parse(values.stdout) as typeof rows;
    const find = (instance: string, name: string) => plain.find((r) => r.instance === instance && r.name === name)!;
    assert.deepEqual([find("prod-eu", "RETENTION").source, find("prod-eu", "RETENTION").value], ["instance", "30"]);
    assert.deepEqual([find("staging", "RETENTION").source, find("staging", "RETENTION").value], ["default", "7"]);
    // --examples: the instance's values still apply (they are not secrets from the environment).
    const examples = await runPromplate(["-C", dir, "vars", "--examples", "--instance", "prod-eu", "--format", "json"]);
    const exampleRows = JSON.parse(examples.stdout) as typeof rows;
    assert.deepEqual(
      exampleRows.map((r) => r.instance),
      ["prod-eu", "prod-eu", "prod-eu"],
    );
    assert.equal(exampleRows.find((r) => r.name === "CLUSTER")!.value, "prod-eu");
  });

  it("render --instance writes that instance alone and leaves the others' files in place", async () => {
    const dir = await fleet();
    assert.equal((await runPromplate(["-C", dir, "render"], WEBHOOK)).code, 0);
    await writeFile(join(dir, "prometheus.yml"), PROMETHEUS.replace("job_name: node", "job_name: nodes"));
    const run = await runPromplate(["-C", dir, "render", "--instance", "staging"], WEBHOOK);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /wrote 1 of 2 files/);
    assert.equal((await filesUnder(join(dir, "out"))).length, 8);
    assert.match(await readFile(join(dir, "out/staging/0/prometheus.yml"), "utf8"), /job_name: nodes/);
    assert.match(await readFile(join(dir, "out/prod-eu/0/prometheus.yml"), "utf8"), /job_name: node\n/);
  });

  it("an instance removed from promplate.yaml has its files deleted by the next render of every instance", async () => {
    const dir = await fleet();
    assert.equal((await runPromplate(["-C", dir, "render"], WEBHOOK)).code, 0);
    await writeFile(join(dir, "promplate.yaml"), FLEET.replace("  staging: {}\n", ""));
    const run = await runPromplate(["-C", dir, "render"], WEBHOOK);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /2 stale deleted/);
    assert.ok(!(await filesUnder(join(dir, "out"))).some((file) => file.startsWith("staging/")));
  });

  it("an unknown --instance is exit 2 with the list (and a likely typo named)", async () => {
    const dir = await fleet();
    for (const command of [["render"], ["check", "--examples"], ["vars"]]) {
      const run = await runPromplate(["-C", dir, ...command, "--instance", "prod-eux"], WEBHOOK);
      assert.equal(run.code, 2, `${command}: ${run.stderr}`);
      assert.match(run.stderr, /no instance prod-eux in promplate\.yaml \(did you mean prod-eu\?\)/);
      assert.match(run.stderr, /instances: prod-eu, prod-us, staging/);
    }
    const single = await makeProject({ "promplate.yaml": "outputs:\n  - { service: prometheus, kind: text, template: t, path: o }\n", t: "x\n" });
    const run = await runPromplate(["-C", single, "render", "--instance", "prod"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /declares no instances/);
  });

  it("exec and compose need the instance, and the shard of a sharded one", async () => {
    const dir = await fleet();
    const exec = (args: string[], env = {}) =>
      runPromplate(["-C", dir, "exec", "--service", "prometheus", ...args, "--out", join(dir, "rt"), "--", "/bin/true"], env);
    let run = await exec([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /say which one this is with --instance NAME \(or PROMPLATE_INSTANCE\)/);
    run = await exec(["--instance", "prod-us"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /instance prod-us has 2 shards: say which one this is with --shard N \(or PROMPLATE_SHARD\)/);
    run = await exec([], { PROMPLATE_INSTANCE: "prod-us", PROMPLATE_SHARD: "2" });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /error input\/shard: shard 2: instance prod-us has shards 0 to 1/);
    run = await exec(["--instance", "prod-us", "--shard", "one"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the shard must be a number/);
    const compose = await runPromplate(["-C", dir, "compose", "--examples"]);
    assert.equal(compose.code, 2);
    assert.match(compose.stderr, /--instance NAME/);
  });

  it("findings name their instance, once for a problem every instance shares", async () => {
    const dir = await fleet(FLEET, `${PROMETHEUS}  - job_name: broken\n    scrape_interval: 10x\n`);
    const run = await runPromplate(["-C", dir, "check", "--examples", "--no-tools", "--format", "json"]);
    assert.equal(run.code, 1, run.stderr);
    const findings = (JSON.parse(run.stdout) as { findings: { id: string; instance?: string }[] }).findings.filter((f) => f.id !== "config/unused");
    const interval = findings.filter((f) => /interval|duration/.test(JSON.stringify(f)));
    assert.equal(interval.length, 1, JSON.stringify(findings));
    assert.equal(interval[0]!.instance, "prod-eu, prod-us/0, prod-us/1, staging");
    const text = await runPromplate(["-C", dir, "check", "--examples", "--no-tools"]);
    assert.match(text.stdout, /\(instance prod-eu, prod-us\/0, prod-us\/1, staging\)/);
  });

  it("a bad instance value is exit 2 at the value, naming the instance", async () => {
    const dir = await fleet(FLEET.replace("RETENTION: 30", 'RETENTION: "thirty"'));
    const run = await runPromplate(["-C", dir, "check", "--examples", "--no-tools"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /promplate\.yaml:2:42: error variable\/invalid: \(instance prod-eu\) RETENTION \(from instance prod-eu\)/);
  });

  it("a secret's value written in an instance's values is not printed in the error's source line", async () => {
    const canary = "https://hooks.example.com/Leak-Canary-instance-7c1e";
    const dir = await fleet(FLEET.replace("CLUSTER: prod-eu,", `WEBHOOK: "${canary}",`));
    const run = await runPromplate(["-C", dir, "check", "--examples", "--no-tools"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /promplate\.yaml:2:\d+: error project\/instance-secret: instances\.prod-eu\.values\.WEBHOOK/);
    assert.match(run.stderr, /prod-eu: .*WEBHOOK: "\*\*\*"/, "the line is shown, masked");
    assert.ok(!run.stderr.includes("Leak-Canary"), run.stderr);
  });

  describe("bad projects are exit 2 naming the place", () => {
    const cases: [string, string, RegExp][] = [
      [
        "an undeclared value",
        FLEET.replace("CLUSTER: prod-eu,", "CLUSTR: prod-eu,"),
        /2:\d+: error project\/instance-value: .*CLUSTR is not a declared variable \(did you mean CLUSTER\?\)/,
      ],
      [
        "a secret in values",
        FLEET.replace("CLUSTER: prod-eu,", "WEBHOOK: https://x,"),
        /error project\/instance-secret: instances\.prod-eu\.values\.WEBHOOK: WEBHOOK is a secret/,
      ],
      [
        "a path without {instance}",
        FLEET.replace('"out/{instance}/{shard}/alertmanager.yml"', '"out/{shard}/alertmanager.yml"'),
        /outputs\[1\]\.path out\/\{shard\}\/alertmanager\.yml has no \{instance\}/,
      ],
      [
        "a path without {shard} with a sharded instance",
        FLEET.replace('"out/{instance}/{shard}/prometheus.yml"', '"out/{instance}/prometheus.yml"'),
        /has no \{shard\}: instance prod-us has 2 shards/,
      ],
      [
        "a variable named SHARD",
        FLEET.replace("variables:\n", "variables:\n  SHARD: { type: integer }\n"),
        /project\/reserved-variable: the variable name SHARD is reserved/,
      ],
      [
        "a bad instance name",
        FLEET.replace("staging: {}", "Staging_1: {}"),
        /project\/schema: instances: `Staging_1` is not a valid name: an instance name is lower-case/,
      ],
      ["zero shards", FLEET.replace("shards: 2", "shards: 0"), /instances\.prod-us\.shards: must be >= 1/],
      ["no instance at all", FLEET.replace(/^instances:\n(  .*\n)+/, "instances: {}\n"), /instances: must NOT have fewer than 1 properties/],
      ["an unknown instance field", FLEET.replace("shards: 2", "shard: 2"), /additional properties `shard`/],
    ];
    for (const [name, project, expected] of cases) {
      it(name, async () => {
        const dir = await fleet(project);
        const run = await runPromplate(["-C", dir, "render"], WEBHOOK);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, expected);
        assert.deepEqual(await filesUnder(dir), ["alertmanager.yml", "prometheus.yml", "promplate.yaml"], "nothing written");
      });
    }
  });

  it("{shard} without a sharded instance renders 0; a project without instances keeps {instance} literal as before", async () => {
    const dir = await fleet(FLEET.replace(", shards: 2", ""));
    assert.equal((await runPromplate(["-C", dir, "render"], WEBHOOK)).code, 0);
    assert.ok((await filesUnder(join(dir, "out"))).includes("prod-us/0/prometheus.yml"));
    const plain = await makeProject({
      "promplate.yaml": "outputs:\n  - { service: prometheus, kind: text, template: t, path: 'o/{instance}.txt' }\n",
      t: "x ${INSTANCE}\n",
    });
    const run = await runPromplate(["-C", plain, "render"]);
    assert.equal(run.code, 2, "INSTANCE is not a variable without instances");
    assert.match(run.stderr, /INSTANCE/);
  });

  it("x-source may name the instance", async () => {
    const dir = await fleet(
      FLEET.replace(
        'WEBHOOK: { type: string, writeOnly: true, examples: ["https://hooks.example.com/Leak-Canary"] }',
        'WEBHOOK: { type: string, writeOnly: true, x-source: "ssm:/monitoring/{instance}/webhook" }',
      ),
    );
    // No AWS here: the failure names each instance's own parameter.
    const run = await runPromplate(["-C", dir, "render"], {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "x",
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    });
    assert.equal(run.code, 3, run.stderr);
    for (const name of ["prod-eu", "prod-us", "staging"]) assert.match(run.stderr, new RegExp(`ssm:/monitoring/${name}/webhook`));
  });
});
