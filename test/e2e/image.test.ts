/**
 * Images (issue 4): the Dockerfiles linted, the build planned as data, the secrets module's patterns as a table, the
 * tar reader, then the real thing against local stand-in base images (scripts/base-images.sh): `promplate build`
 * with buildah, each image run with podman until its server is ready with the config rendered from the container's
 * environment, and the scan passing a clean build and failing leaky ones, naming the place.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { validate as lintDockerfile } from "dockerfile-utils";
import {
  buildImages,
  finalBaseImage,
  formatFinding,
  formatPlan,
  imageTag,
  isExcludedFromContext,
  layerDigestsOf,
  planImageBuild,
  resolveScanSecrets,
  RUNTIME_PACKAGES,
  scanImageArchive,
  type Engine,
} from "../../src/image.js";
import { describeHistoryEntry, findSecretsInText, historyBuildArgs } from "../../src/secrets.js";
import { indexTarFile, openBlob, readTarStream } from "../../src/tar.js";
import { atLeast, currentServerVersions, type Env, freePort, ROOT, runPromplate } from "../helpers.js";
import { buildEnv, podmanRunArgs, standInArgs, waitReady } from "./images.js";

const EXAMPLE = join(ROOT, "templates");
const FIXTURES = join(ROOT, "test", "data", "image-leaks");
const run = promisify(execFile);

// Secret values made up per run, so no credential-looking literal sits in the repository.
const SECRET = {
  AWS_ACCESS_KEY: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  AWS_SECRET_KEY: randomBytes(30).toString("base64"),
  WEBHOOK: `https://hooks.example.org/services/${randomBytes(9).toString("hex")}`,
};
const secretValues = Object.values(SECRET);

function assertNoSecret(text: string, what: string) {
  for (const value of secretValues) assert.ok(!text.includes(value), `${what} holds a secret value`);
}

const cli = (argv: string[], env: Env, cwd = ROOT) => runPromplate(argv, env, cwd);

// ---------------------------------------------------------------------------------------------------------------

describe("Dockerfiles", () => {
  for (const service of ["prometheus", "alertmanager"] as const) {
    test(`Dockerfile.${service}: dockerfile-utils finds nothing, and it has the shape DESIGN.md asks for`, async () => {
      const text = await readFile(join(ROOT, `Dockerfile.${service}`), "utf8");
      assert.deepEqual(
        lintDockerfile(text).map((d) => `${d.range.start.line + 1}: ${d.message}`),
        [],
      );
      const version = service === "prometheus" ? "PROMETHEUS_VERSION" : "ALERTMANAGER_VERSION";
      const pinned = new RegExp(`^ARG ${version}=v(\\d+\\.\\d+\\.\\d+)$`, "m").exec(text)?.[1];
      assert.ok(pinned, "a pinned version");
      assert.ok(atLeast(pinned, service === "prometheus" ? "3.0" : "0.28"), `a current server line: ${pinned}`);
      assert.match(text, /^FROM node:24-bookworm-slim$/m);
      assert.match(
        text,
        new RegExp(`^COPY --from=prom/${service}:\\$\\{${version}\\} /bin/${service} /bin/${service === "prometheus" ? "promtool" : "amtool"} /bin/$`, "m"),
      );
      assert.ok(text.includes(`ENTRYPOINT ["tini","--","promplate","exec","--service","${service}","--","/bin/${service}"]`));
      assert.match(text, /^CMD \["--config\.file=/m, "only the server's flags in CMD");
      assert.match(text, /^USER promplate$/m, "a non-root user");
      // Node's compile cache lives with promplate (HOME is the data volume) and is filled while building.
      assert.match(text, /^ENV NODE_COMPILE_CACHE=\/opt\/promplate\/compile-cache\nRUN promplate --help /m);
      for (const [, name] of text.matchAll(/^(?:ARG|ENV)\s+([A-Za-z_][A-Za-z0-9_]*)/gm)) {
        assert.doesNotMatch(name!, /SECRET|PASSWORD|TOKEN|KEY|WEBHOOK/i, `no secret in ARG/ENV: ${name}`);
      }
      assert.equal(finalBaseImage(text), "node:24-bookworm-slim");
    });
  }

  test(".dockerignore lets in exactly the run-time packages, and keeps env files and outputs out", async () => {
    const text = await readFile(join(ROOT, ".dockerignore"), "utf8");
    const allowed = [...text.matchAll(/^!node_modules\/(.+?)\/?$/gm)].map((m) => m[1]);
    assert.deepEqual(allowed.sort(), [...RUNTIME_PACKAGES].sort());
    for (const line of ["**/*.env", "**/.env*", "**/out/", "**/demo-out/", "**/.promplate/"]) assert.ok(text.split("\n").includes(line), line);
  });

  test("RUNTIME_PACKAGES is the dependency closure of what promql.ts requires at run time", async () => {
    const source = await readFile(join(ROOT, "src", "checks", "promql.ts"), "utf8");
    const seeds = [...source.matchAll(/requireCjs\("((?:@[^/"]+\/)?[^/"]+)/g)].map((m) => m[1]!);
    assert.ok(seeds.length > 0);
    const seen = new Set<string>();
    const queue = [...seeds];
    while (queue.length) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const pkg = JSON.parse(await readFile(join(ROOT, "node_modules", name, "package.json"), "utf8")) as Record<string, Record<string, string>>;
      queue.push(...Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }));
    }
    const topLevel = new Set([...seen].map((name) => (name.startsWith("@") ? name.split("/")[0]! : name)));
    assert.deepEqual([...topLevel].sort(), [...RUNTIME_PACKAGES].sort());
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("planImageBuild", () => {
  const base = {
    promplateRoot: "/opt/promplate",
    project: { dir: "/work/mon", services: ["prometheus", "alertmanager", "blackbox"], outputPaths: ["out/prometheus.yml", "out/rules/"] },
    dockerfiles: { prometheus: "ARG V=1\nFROM node:24-bookworm-slim\n", alertmanager: "FROM node:24-bookworm-slim\n" },
    contextDir: "/tmp/b/context",
    archiveDir: "/tmp/b/archives",
  };

  const cases: Array<{ engine: Engine; pull?: "never" | "always"; build: string; export: string; inspect: string }> = [
    {
      engine: "buildah",
      pull: "never",
      build:
        "buildah bud --layers --pull=never -f /tmp/b/context/Dockerfile.prometheus -t promplate-prometheus:latest --build-arg PROJECT=project /tmp/b/context",
      export: "buildah push --quiet promplate-prometheus:latest docker-archive:/tmp/b/archives/prometheus.tar",
      inspect: "buildah inspect --type image node:24-bookworm-slim",
    },
    {
      engine: "podman",
      build: "podman build -f /tmp/b/context/Dockerfile.prometheus -t promplate-prometheus:latest --build-arg PROJECT=project /tmp/b/context",
      export: "podman save --quiet --format docker-archive -o /tmp/b/archives/prometheus.tar promplate-prometheus:latest",
      inspect: "podman image inspect node:24-bookworm-slim",
    },
    {
      engine: "docker",
      pull: "always",
      build: "docker build --pull -f /tmp/b/context/Dockerfile.prometheus -t promplate-prometheus:latest --build-arg PROJECT=project /tmp/b/context",
      export: "docker save -o /tmp/b/archives/prometheus.tar promplate-prometheus:latest",
      inspect: "docker image inspect node:24-bookworm-slim",
    },
  ];
  for (const c of cases) {
    test(`${c.engine}: build, export and inspect commands`, () => {
      const plan = planImageBuild({ ...base, engine: c.engine, pull: c.pull });
      const [prometheus] = plan.images;
      const line = (command: { command: string; args: string[] }) => [command.command, ...command.args].join(" ");
      assert.equal(line(prometheus!.build), c.build);
      assert.equal(line(prometheus!.export), c.export);
      assert.equal(line(prometheus!.inspectBase), c.inspect);
      assert.equal(prometheus!.push, undefined);
    });
  }

  test("both services, in order; a service without an image is a note; push only when asked", () => {
    const plan = planImageBuild({ ...base, engine: "podman", push: true, tag: "registry.example.com/mon/{service}:1.2" });
    assert.deepEqual(
      plan.images.map((i) => [i.service, i.tag, i.push?.args.join(" ")]),
      [
        ["prometheus", "registry.example.com/mon/prometheus:1.2", "push registry.example.com/mon/prometheus:1.2"],
        ["alertmanager", "registry.example.com/mon/alertmanager:1.2", "push registry.example.com/mon/alertmanager:1.2"],
      ],
    );
    assert.deepEqual(plan.notes, ["service blackbox has no image (images exist for prometheus, alertmanager)"]);
    const project = plan.context.copies.find((c) => c.to === "project")!;
    assert.equal(project.from, "/work/mon");
    assert.ok(project.exclude!.includes("*.env") && project.exclude!.includes("out/rules") && project.exclude!.includes("out/prometheus.yml"));
    assert.ok(plan.context.copies.some((c) => c.to === "dist" && c.from === "/opt/promplate/dist"));
    assert.match(formatPlan(plan), /^podman build .*\n.*\n.*\n# alertmanager/m);
  });

  test("a project with only alertmanager outputs builds only that image", () => {
    const plan = planImageBuild({ ...base, engine: "podman", project: { dir: "/p", services: ["alertmanager"] } });
    assert.deepEqual(
      plan.images.map((i) => i.service),
      ["alertmanager"],
    );
    assert.ok(!plan.context.copies.some((c) => c.to === "Dockerfile.prometheus"));
  });

  const tags: Array<[string | undefined, string, string]> = [
    [undefined, "prometheus", "promplate-prometheus:latest"],
    ["mon", "alertmanager", "mon-alertmanager:latest"],
    ["mon:2", "prometheus", "mon-prometheus:2"],
    ["localhost:5000/mon", "prometheus", "localhost:5000/mon-prometheus:latest"],
    ["localhost:5000/team/{service}:v1", "alertmanager", "localhost:5000/team/alertmanager:v1"],
  ];
  for (const [template, service, expected] of tags)
    test(`imageTag(${template}, ${service}) = ${expected}`, () => assert.equal(imageTag(template, service), expected));

  const excluded: Array<[string, boolean]> = [
    ["demo.env", true],
    ["rules/.env.local", true],
    [".envrc", true],
    ["out", true],
    ["out/prometheus.yml", true],
    [".promplate/manifest.json", true],
    ["node_modules/x/index.js", true],
    ["rules/node.yaml", false],
    ["environment.yml", false],
    ["prometheus.yml", false],
  ];
  for (const [path, expected] of excluded) {
    test(`context: ${path} is ${expected ? "left out" : "copied"}`, () => {
      assert.equal(isExcludedFromContext(path, ["*.env", ".env*", "out", ".promplate", "node_modules"]), expected);
    });
  }

  test("finalBaseImage expands global ARG defaults and takes the last stage", () => {
    assert.equal(finalBaseImage("ARG V=1.2\nFROM golang:${V} AS build\nFROM debian:$V\n"), "debian:1.2");
  });

  test("layerDigestsOf reads podman/docker and buildah inspect output", () => {
    assert.deepEqual(layerDigestsOf(JSON.stringify([{ RootFS: { Type: "layers", Layers: ["sha256:aa", "sha256:bb"] } }])), ["sha256:aa", "sha256:bb"]);
    assert.deepEqual(layerDigestsOf(JSON.stringify({ OCIv1: { rootfs: { type: "layers", diff_ids: ["sha256:cc"] } } })), ["sha256:cc"]);
    assert.deepEqual(layerDigestsOf("not json"), []);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("secrets: credential patterns", () => {
  // Credential-shaped strings are assembled here so that no literal credential is in the repository.
  const awsId = ["AKIA", "Q3EGRBBNLSKFJ2XZ"].join("");
  const slack = ["https://hooks.slack.com/services/", "T0ABCDEFG/B0ABCDEFG/", "a1b2c3d4e5f6g7h8i9j0k1l2"].join("");
  const cases: Array<[string, string, string, string[]]> = [
    ["AWS key id", "config.yml", `access_key: ${awsId}\n`, ["aws-access-key-id"]],
    ["AWS key id (documentation example)", "config.yml", `access_key: ${["AKIA", "IOSFODNN7EXAMPLE"].join("")}\n`, []],
    ["AWS secret key next to its name", "credentials", `aws_secret_access_key = ${"k".repeat(20)}/${"Q".repeat(19)}\n`, ["aws-secret-access-key"]],
    ["40 characters without a name", "notes.txt", `${"k".repeat(40)}\n`, []],
    ["Slack webhook", "alertmanager.yml", `global:\n  slack_api_url: '${slack}'\n`, ["slack-webhook"]],
    ["Teams webhook", "a.yml", `url: https://contoso.webhook.office.com/webhookb2/${"0".repeat(8)}-1111@2222/IncomingWebhook/abcdef/123\n`, ["teams-webhook"]],
    ["Discord webhook", "a.yml", `url: https://discord.com/api/webhooks/123456789012345678/${"x".repeat(40)}\n`, ["discord-webhook"]],
    ["PagerDuty routing key", "a.yml", `pagerduty_configs:\n  - routing_key: ${"a1".repeat(16)}\n`, ["pagerduty-key"]],
    ["VictorOps routing key (a route name, not a credential)", "a.yml", `victorops_configs:\n  - routing_key: team-ops\n`, []],
    ["Opsgenie API key", "a.yml", `opsgenie_configs:\n  - api_key: 0a1b2c3d-1111-2222-3333-444455556666\n`, ["opsgenie-key", "credential-field"]],
    ["private key block", "key.pem", `-----BEGIN RSA PRIVATE KEY-----\n${"MIIEow".repeat(12)}\n-----END RSA PRIVATE KEY-----\n`, ["private-key"]],
    ["a key header mentioned in code", "pem.js", `if (line === "-----BEGIN PRIVATE KEY-----") return;\n`, []],
    ["literal password field", "prometheus.yml", `basic_auth:\n  username: u\n  password: hunter2-literal\n`, ["credential-field"]],
    [
      "password from a reference",
      "prometheus.yml",
      `basic_auth:\n  password: \${REMOTE_WRITE_PASSWORD}\n  password: '{{ PASSWORD }}'\n  password_file: /run/secrets/pw\n`,
      [],
    ],
    ["bearer_token literal", "prometheus.yml", `bearer_token: abc.def.ghi\n`, ["credential-field"]],
    ["password: in code is not config", "client.js", `const options = { password: input.password };\n`, []],
    ["env file", "app/.env", `API_TOKEN=abcdef123456\nREGION=eu-west-1\nDB_PASSWORD=\n`, ["env-secret"]],
  ];
  for (const [name, file, text, kinds] of cases) {
    test(name, () => {
      const findings = findSecretsInText(text, { file, where: "test" });
      assert.deepEqual([...new Set(findings.map((f) => f.kind))].sort(), [...kinds].sort());
    });
  }

  test("secret values: found with their line, JSON-escaped too, and never in the finding", () => {
    const value = 'pa"ss\\word-123';
    const findings = findSecretsInText(`a: 1\nb: ${JSON.stringify(value)}\nc: ${value}\n`, {
      file: "x.yml",
      where: "w",
      secrets: [{ name: "PW", value }],
      patterns: false,
    });
    assert.deepEqual(
      findings.map((f) => [f.kind, f.variable, f.line]),
      [
        ["secret-value", "PW", 2],
        ["secret-value", "PW", 3],
      ],
    );
    assert.ok(!JSON.stringify(findings).includes("word-123"));
  });

  test("history: build arguments are named, their values redacted", () => {
    const createdBy = `|2 WEBHOOK=${SECRET.WEBHOOK} OTHER=x /bin/sh -c test -n "$WEBHOOK" && echo ${SECRET.AWS_SECRET_KEY}`;
    assert.deepEqual(historyBuildArgs(createdBy), ["WEBHOOK", "OTHER"]);
    const described = describeHistoryEntry(createdBy, [{ name: "AWS_SECRET_KEY", value: SECRET.AWS_SECRET_KEY }]);
    assertNoSecret(described, "the description");
    assert.match(described, /^RUN test -n "\$WEBHOOK" && echo \*\*\* \(build args: WEBHOOK, OTHER\)$/);
    assert.equal(describeHistoryEntry(`/bin/sh -c #(nop) ENV API_TOKEN=${SECRET.AWS_SECRET_KEY}`, []), "ENV API_TOKEN=***");
  });
});

describe("tar reader", () => {
  test("ustar, GNU long names and pax headers, plain and gzip", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "promplate-tar-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const long = `${"deep/".repeat(30)}file.txt`;
    await mkdir(join(dir, "src", long, ".."), { recursive: true });
    await writeFile(join(dir, "src", long), "long name\n");
    await writeFile(join(dir, "src", "ünïcode.yml"), "password: x\n");
    await writeFile(join(dir, "src", "big.bin"), randomBytes(300_000));
    for (const format of ["gnu", "pax"]) {
      execFileSync("tar", [`--format=${format}`, "-C", join(dir, "src"), "-cf", join(dir, `${format}.tar`), "."]);
      execFileSync("sh", ["-c", `gzip -c ${join(dir, `${format}.tar`)} > ${join(dir, `${format}.tar.gz`)}`]);
      for (const file of [`${format}.tar`, `${format}.tar.gz`]) {
        const path = join(dir, file);
        const { size } = await import("node:fs/promises").then((fs) => fs.stat(path));
        const files = new Map<string, number>();
        for await (const entry of readTarStream(await openBlob(path, { offset: 0, size }), { maxFileSize: 200_000 })) {
          if (entry.type === "0") files.set(entry.name, entry.content?.length ?? -1);
        }
        assert.deepEqual(Object.fromEntries(files), { [long]: 10, "ünïcode.yml": 12, "big.bin": -1 }, file);
      }
      const index = await indexTarFile(join(dir, `${format}.tar`));
      assert.ok(
        index.some((e) => e.name === long && e.size === 10),
        `${format}: indexTarFile`,
      );
    }
  });
});

describe("buildImages with a fake engine", () => {
  /** A docker-archive with one layer holding `files`, as `docker save` writes it. */
  async function makeArchive(path: string, files: Record<string, string>, dir: string) {
    const layerDir = join(dir, "layer");
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(layerDir, name, ".."), { recursive: true });
      await writeFile(join(layerDir, name), content);
    }
    const out = join(dir, "archive");
    await mkdir(out, { recursive: true });
    execFileSync("tar", ["-C", layerDir, "-cf", join(out, "layer.tar"), "."]);
    const config = {
      config: { Env: ["PATH=/usr/bin"] },
      rootfs: { type: "layers", diff_ids: ["sha256:" + "ab".repeat(32)] },
      history: [{ created_by: "/bin/sh -c #(nop) COPY dir:x in /app/ " }],
    };
    await writeFile(join(out, "config.json"), JSON.stringify(config));
    await writeFile(join(out, "manifest.json"), JSON.stringify([{ Config: "config.json", RepoTags: ["t"], Layers: ["layer.tar"] }]));
    execFileSync("tar", ["-C", out, "-cf", path, "manifest.json", "config.json", "layer.tar"]);
  }

  for (const leaky of [false, true]) {
    test(leaky ? "a finding: exit data names the file, nothing is pushed, progress is scrubbed" : "clean: every image is pushed after the scans", async (t) => {
      const dir = await mkdtemp(join(tmpdir(), "promplate-fake-engine-"));
      t.after(() => rm(dir, { recursive: true, force: true }));
      await mkdir(join(dir, "root", "dist"), { recursive: true });
      for (const file of ["package.json", ".dockerignore", "Dockerfile.prometheus", "Dockerfile.alertmanager"]) await writeFile(join(dir, "root", file), "{}");
      for (const name of RUNTIME_PACKAGES) await mkdir(join(dir, "root", "node_modules", name), { recursive: true });
      await mkdir(join(dir, "project"));
      await writeFile(join(dir, "project", "promplate.yaml"), "x: 1\n");
      const plan = planImageBuild({
        engine: "docker",
        promplateRoot: join(dir, "root"),
        project: { dir: join(dir, "project"), services: ["prometheus", "alertmanager"] },
        dockerfiles: {},
        contextDir: join(dir, "work", "context"),
        archiveDir: join(dir, "work", "archives"),
        push: true,
      });
      const calls: string[] = [];
      const log: string[] = [];
      const secret = { name: "WEBHOOK", value: SECRET.WEBHOOK };
      const result = await buildImages(plan, {
        env: {},
        log: (line) => log.push(line),
        secrets: { secrets: [secret], names: ["WEBHOOK"], unresolved: [], tooShort: [] },
        run: async (command, args, options) => {
          calls.push(`${command} ${args[0]}`);
          if (args[0] === "build") {
            assert.ok(existsSync(join(dir, "work", "context", "project", "promplate.yaml")), "the context is staged before the build");
            options.onLine?.(`Step 1/1 : echo ${SECRET.WEBHOOK}`);
          }
          if (args[0] === "save")
            await makeArchive(args[2]!, leaky ? { "app/notes.txt": `url ${SECRET.WEBHOOK}\n` } : { "app/ok.txt": "fine\n" }, join(dir, `a-${calls.length}`));
          return { exitCode: 0, output: args[0] === "image" ? "[]" : "" };
        },
      });
      assert.deepEqual(calls, [
        "docker build",
        "docker image",
        "docker save",
        "docker build",
        "docker image",
        "docker save",
        ...(leaky ? [] : ["docker push", "docker push"]),
      ]);
      assert.deepEqual(
        result.images.map((i) => i.pushed),
        [!leaky, !leaky],
      );
      assert.deepEqual(
        result.findings.map((f) => formatFinding(f)),
        leaky
          ? [
              "promplate-prometheus:latest: /app/notes.txt:1: secret-value (WEBHOOK) in layer 1/1 sha256:abababababab (history #0: COPY dir:x in /app/)",
              "promplate-alertmanager:latest: /app/notes.txt:1: secret-value (WEBHOOK) in layer 1/1 sha256:abababababab (history #0: COPY dir:x in /app/)",
            ]
          : [],
      );
      assert.ok(log.some((l) => l.includes("Step 1/1 : echo ***")));
      assertNoSecret(log.join("\n"), "the progress");
      assert.ok(!existsSync(join(dir, "work", "context")), "the staged context is removed");
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The real thing: stand-in base images, buildah builds, podman runs. About 40 s with the base images cached.

const TAG = "localhost/promplate-test-{service}:e2e";
describe("images: build, run, scan", { concurrency: false }, () => {
  const created: string[] = [];
  let work: string;
  const times: Record<string, number> = {};

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "promplate-image-test-"));
    if (!existsSync(join(ROOT, "dist", "promplate.js"))) await run("npm", ["run", "build"], { cwd: ROOT });
    const started = Date.now();
    await run("bash", [join(ROOT, "scripts", "base-images.sh")], { cwd: ROOT, maxBuffer: 1 << 24 });
    times["base images"] = Date.now() - started;
  });

  after(async () => {
    for (const name of created) await run("podman", ["rm", "-f", name]).catch(() => undefined);
    for (const image of ["prometheus", "alertmanager"].map((s) => TAG.replace("{service}", s)).concat(["localhost/promplate-test-leaky-alertmanager:e2e"])) {
      await run("buildah", ["rmi", image]).catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
    process.stderr.write(`image test timings (ms): ${JSON.stringify(times)}\n`);
  });

  test("build --dry-run prints the plan and runs nothing", async () => {
    const result = await cli(["-C", EXAMPLE, "build", "--engine", "buildah", "--pull", "never", "--tag", TAG, "--dry-run", ...standInArgs()], buildEnv());
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^buildah bud --layers --pull=never -f \S+\/context\/Dockerfile\.prometheus -t localhost\/promplate-test-prometheus:e2e --build-arg PROJECT=project /m,
    );
    assert.match(result.stdout, /^buildah push --quiet localhost\/promplate-test-alertmanager:e2e docker-archive:/m);
  });

  test("build: both images from the example project, scanned clean with every secret variable set", async () => {
    const started = Date.now();
    const result = await cli(["-C", EXAMPLE, "build", "--engine", "buildah", "--pull", "never", "--tag", TAG, ...standInArgs()], buildEnv(SECRET));
    times["build + scan, both images"] = Date.now() - started;
    assert.equal(result.code, 0, result.stderr.slice(-3000));
    assert.match(result.stderr, /scanning for the values of AWS_ACCESS_KEY, AWS_SECRET_KEY, WEBHOOK/);
    assert.match(result.stderr, /STEP \d+\/\d+: COPY --from=prom\/prometheus/, "the engine's progress is shown");
    assert.match(result.stdout, /no secrets found: localhost\/promplate-test-prometheus:e2e clean; localhost\/promplate-test-alertmanager:e2e clean/);
    for (const line of result.stderr.split("\n").filter((l) => /^promplate: (built|scanned)/.test(l))) process.stderr.write(`${line}\n`);
    assertNoSecret(result.stdout + result.stderr, "the output");
    const { stdout: sizes } = await run("podman", [
      "images",
      "--format",
      "{{.Repository}}:{{.Tag}} {{.Size}}",
      "--filter",
      "reference=localhost/promplate-test-*",
    ]);
    process.stderr.write(`image sizes: ${sizes.trim().replaceAll("\n", "; ")}\n`);
  });

  test("prometheus image: ready on its port, config rendered from the container's environment, tini PID 1, non-root", async (t) => {
    const port = await freePort();
    const name = `promplate-test-prometheus-${process.pid}`;
    created.push(name);
    const target = "192.0.2.10:9100";
    const env = { ...SECRET, NODE_EXPORTER_TARGET: target, SCRAPE_INTERVAL: "7s" };
    const started = Date.now();
    await run("podman", [
      ...podmanRunArgs(),
      "-d",
      "--name",
      name,
      "-p",
      `127.0.0.1:${port}:9090`,
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      TAG.replace("{service}", "prometheus"),
    ]);
    try {
      await waitReady(`http://127.0.0.1:${port}/-/ready`, 30_000);
    } catch (error) {
      const { stdout, stderr } = await run("podman", ["logs", name]).catch(() => ({ stdout: "", stderr: "" }));
      assert.fail(`${(error as Error).message}\n${stdout}${stderr}`);
    }
    times["prometheus container ready"] = Date.now() - started;
    const config = (JSON.parse(await waitReady(`http://127.0.0.1:${port}/api/v1/status/config`, 5000)) as { data: { yaml: string } }).data.yaml;
    assert.ok(config.includes(target), "the node-exporter target from the container's environment");
    assert.match(config, /scrape_interval: 7s/);
    const exec = async (script: string) => (await run("podman", ["exec", name, "sh", "-c", script])).stdout;
    // The current line, on Node 24, with the compile cache filled at build time.
    const version = (
      JSON.parse(await waitReady(`http://127.0.0.1:${port}/api/v1/status/buildinfo`, 5000)) as { data: { version: string } }
    ).data.version.replace(/\+.*/, "");
    assert.equal(version, currentServerVersions().prometheus);
    assert.ok(atLeast(version, "3.0"), version);
    const node = (await exec("node --version")).trim();
    assert.match(node, /^v24\./);
    assert.notEqual((await exec("ls -A /opt/promplate/compile-cache")).trim(), "", "the compile cache is filled");
    t.diagnostic(`Prometheus ${version} on Node ${node}`);
    assert.match(await exec("tr '\\0' ' ' < /proc/1/cmdline"), /^tini -- promplate exec --service prometheus -- \/bin\/prometheus --config\.file=/);
    assert.equal((await exec("id -u")).trim(), "10001");
    assert.equal((await exec("stat -c %a /etc/prometheus/prometheus.yml")).trim(), "600", "it holds the AWS keys");
    assert.doesNotMatch(await exec("ls -a /etc/promplate"), /\.env|demo\.env|out\b/, "no env file or rendered output in the image");
    const childEnv = await exec('for d in /proc/[0-9]*; do [ "$(cat $d/comm)" = prometheus ] && tr "\\0" "\\n" < $d/environ; done; true');
    assert.match(childEnv, /^PATH=/m);
    assert.doesNotMatch(childEnv, /^(AWS_ACCESS_KEY|AWS_SECRET_KEY|WEBHOOK|NODE_EXPORTER_TARGET)=/m, "the server's environment has no declared variable");
    await run("podman", ["stop", "-t", "10", name]);
    const { stdout: exitCode } = await run("podman", ["inspect", "--format", "{{.State.ExitCode}}", name]);
    assert.equal(exitCode.trim(), "0", "SIGTERM reaches Prometheus through tini and promplate; it exits cleanly");
    t.diagnostic(`ready in ${times["prometheus container ready"]} ms`);
  });

  test("alertmanager image: ready on its port with the webhook from the environment, rendered 0600", async (t) => {
    const port = await freePort();
    const name = `promplate-test-alertmanager-${process.pid}`;
    created.push(name);
    const started = Date.now();
    await run("podman", [
      ...podmanRunArgs(),
      "-d",
      "--name",
      name,
      "-p",
      `127.0.0.1:${port}:9093`,
      "-e",
      `WEBHOOK=${SECRET.WEBHOOK}`,
      "-e",
      `AWS_SECRET_KEY=${SECRET.AWS_SECRET_KEY}`,
      TAG.replace("{service}", "alertmanager"),
    ]);
    try {
      await waitReady(`http://127.0.0.1:${port}/-/ready`, 30_000);
    } catch (error) {
      const { stdout, stderr } = await run("podman", ["logs", name]).catch(() => ({ stdout: "", stderr: "" }));
      assert.fail(`${(error as Error).message}\n${stdout}${stderr}`);
    }
    times["alertmanager container ready"] = Date.now() - started;
    const status = JSON.parse(await waitReady(`http://127.0.0.1:${port}/api/v2/status`, 5000)) as {
      config: { original: string };
      versionInfo: { version: string };
    };
    assert.match(status.config.original, /receiver: slack/);
    const version = status.versionInfo.version.replace(/\+.*/, "");
    assert.equal(version, currentServerVersions()["prometheus-alertmanager"]);
    assert.ok(atLeast(version, "0.28"), version);
    t.diagnostic(`Alertmanager ${version}`);
    const rendered = (await run("podman", ["exec", name, "cat", "/etc/alertmanager/alertmanager.yml"])).stdout;
    assert.ok(rendered.includes(SECRET.WEBHOOK), "the webhook from the container's environment is in the rendered config");
    assert.equal((await run("podman", ["exec", name, "stat", "-c", "%a %U", "/etc/alertmanager/alertmanager.yml"])).stdout.trim(), "600 promplate");
    await run("podman", ["stop", "-t", "10", name]);
    assert.equal((await run("podman", ["inspect", "--format", "{{.State.ExitCode}}", name])).stdout.trim(), "0");
  });

  test("build fails (exit 1) on a project holding a literal credential and a secret value, naming layer and file", async () => {
    const project = join(work, "leaky");
    await cp(EXAMPLE, project, { recursive: true });
    await writeFile(
      join(project, "promplate.yaml"),
      "variables:\n  WEBHOOK: { type: string, format: uri, writeOnly: true }\noutputs:\n  - { service: alertmanager, kind: alertmanager-config, template: alertmanager.yml, path: out/alertmanager.yml, runtimePath: /etc/alertmanager/alertmanager.yml }\n",
    );
    await mkdir(join(project, "notes"));
    await writeFile(join(project, "notes", "creds.yml"), `remote_write:\n  basic_auth:\n    password: ${randomBytes(6).toString("hex")}\n`);
    await writeFile(join(project, "notes", "backup.txt"), `webhook was ${SECRET.WEBHOOK}\n`);
    await writeFile(join(project, "local.env"), `WEBHOOK=${SECRET.WEBHOOK}\n`); // never staged: *.env
    await mkdir(join(project, "out"));
    await writeFile(join(project, "out", "alertmanager.yml"), `slack_api_url: ${SECRET.WEBHOOK}\n`); // never staged: an output
    const started = Date.now();
    const result = await cli(
      ["-C", project, "build", "--engine", "buildah", "--pull", "never", "--tag", "localhost/promplate-test-leaky-{service}:e2e", ...standInArgs()],
      buildEnv({ WEBHOOK: SECRET.WEBHOOK }),
    );
    times["leaky build + scan, one image"] = Date.now() - started;
    assert.equal(result.code, 1, result.stderr.slice(-2000));
    const lines = result.stdout.trim().split("\n");
    assert.ok(
      lines.some((l) =>
        /^localhost\/promplate-test-leaky-alertmanager:e2e: \/etc\/promplate\/notes\/creds\.yml:3: credential-field in layer \d+\/\d+ sha256:[0-9a-f]{12} \(history #\d+: COPY /.test(
          l,
        ),
      ),
      result.stdout,
    );
    assert.ok(
      lines.some((l) => /\/etc\/promplate\/notes\/backup\.txt:1: secret-value \(WEBHOOK\) in layer /.test(l)),
      result.stdout,
    );
    assert.ok(!lines.some((l) => /local\.env|\/out\//.test(l)), "env files and outputs are not in the context");
    assert.match(lines.at(-1)!, /^2 secrets found: /);
    assertNoSecret(result.stdout + result.stderr, "the output");
  });

  // Leaky Dockerfiles, built with buildah and scanned through the core, as `build` does after its own builds.
  const leaks: Array<{
    fixture: string;
    args: Record<string, keyof typeof SECRET>;
    expect: Array<{ kind: string; file: string; variable: string; where: RegExp }>;
  }> = [
    {
      // buildah records `ENV WEBHOOK=$WEBHOOK` unexpanded in the history; docker records the value (scanned as well).
      fixture: "env-from-arg",
      args: { WEBHOOK: "WEBHOOK" },
      expect: [
        { kind: "secret-env", file: "config", variable: "WEBHOOK", where: /^image config Env WEBHOOK$/ },
        { kind: "secret-value", file: "config", variable: "WEBHOOK", where: /^image config$/ },
      ],
    },
    {
      fixture: "arg-to-file",
      args: { AWS_SECRET_KEY: "AWS_SECRET_KEY" },
      expect: [
        {
          kind: "secret-value",
          file: "/opt/app/aws-key",
          variable: "AWS_SECRET_KEY",
          where: /^layer 2\/2 sha256:[0-9a-f]{12} \(history #\d+: RUN mkdir -p \/opt\/app .*\(build args: AWS_SECRET_KEY\)\)$/,
        },
        { kind: "build-arg-in-history", file: "history", variable: "AWS_SECRET_KEY", where: /^history #\d+: RUN mkdir/ },
      ],
    },
    {
      fixture: "copied-env",
      args: {},
      expect: [
        { kind: "secret-value", file: "/opt/app/.env", variable: "AWS_SECRET_KEY", where: /^layer 2\/2 sha256:[0-9a-f]{12} \(history #\d+: COPY / },
        { kind: "env-secret", file: "/opt/app/.env", variable: "", where: /^layer 2\/2 / },
      ],
    },
    {
      fixture: "arg-in-run",
      args: { WEBHOOK: "WEBHOOK" },
      expect: [
        { kind: "build-arg-in-history", file: "history", variable: "WEBHOOK", where: /^history #\d+: RUN test -n "\$WEBHOOK" \(build args: WEBHOOK\)$/ },
        { kind: "secret-value", file: "history", variable: "WEBHOOK", where: /^history #\d+: RUN test -n/ },
      ],
    },
  ];
  for (const leak of leaks) {
    test(`scan fails on a leaky Dockerfile: ${leak.fixture}`, async () => {
      const context = join(work, leak.fixture);
      await mkdir(context, { recursive: true });
      await cp(join(FIXTURES, `${leak.fixture}.Dockerfile`), join(context, "Dockerfile"));
      await writeFile(join(context, ".env"), `AWS_SECRET_KEY=${SECRET.AWS_SECRET_KEY}\n`);
      const image = `localhost/promplate-test-leak-${leak.fixture}:e2e`;
      const started = Date.now();
      const buildArgs = Object.entries(leak.args).flatMap(([arg, variable]) => ["--build-arg", `${arg}=${SECRET[variable]}`]);
      await run("buildah", ["bud", "--layers", "--pull=never", "--isolation", "chroot", "-t", image, ...buildArgs, context], { maxBuffer: 1 << 24 });
      const archive = join(work, `${leak.fixture}.tar`);
      await run("buildah", ["push", "--quiet", image, `docker-archive:${archive}`]);
      await run("buildah", ["rmi", image]);
      const secrets = await resolveScanSecrets({ dir: EXAMPLE, env: SECRET, defaultSecretsDir: join(work, "none") });
      const baseLayers = new Set(
        layerDigestsOf((await run("buildah", ["inspect", "--type", "image", "docker.io/library/node:24-bookworm-slim"], { maxBuffer: 1 << 24 })).stdout),
      );
      const scan = await scanImageArchive(archive, { secrets: secrets.secrets, secretNames: secrets.names, baseLayers });
      times[`leak ${leak.fixture}: build + export + scan`] = Date.now() - started;
      await rm(archive, { force: true });
      for (const expected of leak.expect) {
        assert.ok(
          scan.findings.some(
            (f) => f.kind === expected.kind && f.file === expected.file && (f.variable ?? "") === expected.variable && expected.where.test(f.where),
          ),
          `${leak.fixture}: expected ${expected.kind} in ${expected.file} (${expected.where}); found:\n${scan.findings.map((f) => formatFinding(f)).join("\n")}`,
        );
      }
      assertNoSecret(JSON.stringify(scan.findings), "the findings");
    });
  }
});
