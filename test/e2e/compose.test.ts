/**
 * init → compose in a temporary git repository: the compose file validates against the Compose Specification,
 * holds no secret, the env files are 0600 and really ignored by git, and Debian's docker-compose reads the values
 * back exactly.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { quoteEnvValue } from "../../src/compose.js";
import { runWithTools as run } from "../helpers.js";

const root = new URL("../..", import.meta.url).pathname;

function gitRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), "promplate-compose-"));
  execFileSync("git", ["init", "-q"], { cwd: dir });
  // The workflow promplate replaces had this line: git never matches a leading "./", so it ignores nothing.
  writeFileSync(join(dir, ".gitignore"), "./docker-compose.yaml\n");
  return dir;
}

const ignored = (dir: string, path: string) => spawnSync("git", ["check-ignore", "-q", path], { cwd: dir }).status === 0;

const validateCompose = (() => {
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // The schema names draft-07 by an https URL ajv does not know; it is draft-07, ajv's default.
  const { $schema, ...schema } = JSON.parse(readFileSync(join(root, "test/data/compose-spec.json"), "utf8")) as Record<string, unknown>;
  void $schema;
  return ajv.compile(schema);
})();

describe("init", () => {
  test("scaffolds the example with Dockerfiles and ignore entries, and refuses to overwrite", async () => {
    const dir = gitRepository();
    const first = await run(["init", dir]);
    assert.equal(first.code, 0, first.stderr);
    for (const file of [
      "promplate.yaml",
      "prometheus.yml",
      "alertmanager.yml",
      "rules/node.yaml",
      "tests/rules_test.yml",
      "Dockerfile.prometheus",
      "Dockerfile.alertmanager",
      ".dockerignore",
    ]) {
      assert.ok(statSync(join(dir, file)).isFile(), file);
    }
    assert.throws(() => statSync(join(dir, "demo.env")), "the demo's sample values are not scaffolded");
    assert.ok(ignored(dir, ".env.prometheus") && ignored(dir, "out/prometheus.yml") && ignored(dir, "x.env"));
    const again = await run(["init", dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /init never overwrites/);
  });
});

describe("compose --examples", () => {
  const password = `p$ss #w"rd`;
  const quoted = `it's "q" #x`;

  test("a valid compose file without secrets, 0600 env files that git ignores, values read back exactly", async () => {
    const dir = gitRepository();
    assert.equal((await run(["init", dir])).code, 0);
    // Undo init's entries to see compose add its own, checked with git check-ignore.
    writeFileSync(join(dir, ".gitignore"), "./docker-compose.yaml\n");
    assert.ok(!ignored(dir, ".env.prometheus"));
    const result = await run(["-C", dir, "compose", "--examples", "--set", `AWS_SECRET_KEY=${password}`, "--set", `AWS_ACCESS_KEY=${quoted}`]);
    assert.equal(result.code, 0, result.stderr);

    const composeText = readFileSync(join(dir, "docker-compose.yml"), "utf8");
    const compose = parse(composeText) as { services: Record<string, Record<string, unknown>> };
    assert.ok(validateCompose(compose), JSON.stringify(validateCompose.errors));
    assert.deepEqual(Object.keys(compose.services).sort(), ["alertmanager", "node-exporter", "prometheus"]);
    assert.equal(compose.services["node-exporter"]!.network_mode, "host");
    assert.equal(compose.services["node-exporter"]!.pid, "host");
    assert.equal(compose.services["node-exporter"]!.ports, undefined);
    assert.deepEqual(compose.services.prometheus!.extra_hosts, ["host.docker.internal:host-gateway"]);
    assert.equal(compose.services.prometheus!.entrypoint, undefined, "the images' entrypoint (promplate exec) runs");
    for (const secret of [password, quoted, "wJalrXUtnFEMI", "AKIAIOSFODNN7EXAMPLE", "hooks.example.com"]) {
      assert.ok(!composeText.includes(secret), `the compose file holds ${secret}`);
    }

    for (const [service, only, never] of [
      ["prometheus", "AWS_SECRET_KEY", "WEBHOOK"],
      ["alertmanager", "WEBHOOK", "AWS_SECRET_KEY"],
    ] as const) {
      const file = join(dir, `.env.${service}`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.ok(ignored(dir, `.env.${service}`), `git check-ignore: .env.${service}`);
      const text = readFileSync(file, "utf8");
      assert.match(text, new RegExp(`^${only}=`, "m"));
      assert.doesNotMatch(text, new RegExp(`^${never}=`, "m"), `${service} gets only its own variables`);
    }
    assert.match(readFileSync(join(dir, ".env.prometheus"), "utf8"), /^NODE_EXPORTER_TARGET='host\.docker\.internal:9100'$/m);
    assert.ok(!ignored(dir, "docker-compose.yaml"), "the broken ./ line really ignores nothing");

    // Debian's docker-compose (1.29) resolves env_file itself: what it prints is what the container receives.
    const config = execFileSync("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH } });
    // `config` prints a compose file again, so it writes each literal `$` as `$$`.
    const resolved = parse(config) as { services: Record<string, { environment: Record<string, string> }> };
    const environment = (service: string) =>
      Object.fromEntries(Object.entries(resolved.services[service]!.environment).map(([k, v]) => [k, v.replace(/\$\$/g, "$")]));
    assert.equal(environment("prometheus").AWS_SECRET_KEY, password);
    assert.equal(environment("prometheus").AWS_ACCESS_KEY, quoted);
    assert.equal(resolved.services.alertmanager!.environment.WEBHOOK, "https://hooks.example.com/services/T000/B000/XXXX");
  });

  test("--engine podman uses host.containers.internal and no host-gateway", async () => {
    const dir = gitRepository();
    await run(["init", dir]);
    assert.equal((await run(["-C", dir, "compose", "--examples", "--engine", "podman"])).code, 0);
    const compose = parse(readFileSync(join(dir, "docker-compose.yml"), "utf8")) as { services: Record<string, Record<string, unknown>> };
    assert.equal(compose.services.prometheus!.extra_hosts, undefined);
    assert.match(readFileSync(join(dir, ".env.prometheus"), "utf8"), /^NODE_EXPORTER_TARGET='host\.containers\.internal:9100'$/m);
  });
});

describe("compose with real values", () => {
  function projectWithProfile(withProfile: boolean) {
    const dir = gitRepository();
    const home = mkdtempSync(join(tmpdir(), "promplate-home-"));
    if (withProfile) {
      mkdirSync(join(home, ".aws"));
      writeFileSync(
        join(home, ".aws/credentials"),
        "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
      );
    }
    return { dir, home };
  }

  test("AWS credentials are never written: ~/.aws is mounted read-only and the profile named", async () => {
    const { dir, home } = projectWithProfile(true);
    await run(["init", dir]);
    const result = await run(["-C", dir, "compose", "--aws-profile", "dev", "--set", "WEBHOOK=https://hooks.example.com/x"], { HOME: home });
    assert.equal(result.code, 0, result.stderr);
    const composeText = readFileSync(join(dir, "docker-compose.yml"), "utf8");
    const compose = parse(composeText) as { services: Record<string, { environment?: Record<string, string>; volumes?: string[] }> };
    assert.equal(compose.services.prometheus!.environment!.AWS_PROFILE, "dev");
    assert.ok(compose.services.prometheus!.volumes!.some((v) => v.startsWith(`${home}/.aws:`) && v.endsWith(":ro")));
    assert.equal(compose.services.alertmanager!.volumes, undefined, "alertmanager needs no AWS access");
    assert.match(String((compose.services.prometheus as { user?: string }).user), /^\d+:0$/, "runs as the host user, who can read ~/.aws");
    const env = readFileSync(join(dir, ".env.prometheus"), "utf8");
    assert.doesNotMatch(env, /AWS_ACCESS_KEY=|AWS_SECRET_KEY=|wJalrXUtnFEMI|AKIAIOSFODNN7EXAMPLE/);
  });

  test("a profile that does not resolve is exit 3", async () => {
    const { dir, home } = projectWithProfile(false);
    await run(["init", dir]);
    const result = await run(["-C", dir, "compose", "--aws-profile", "nosuch", "--set", "WEBHOOK=https://hooks.example.com/x"], { HOME: home });
    assert.equal(result.code, 3, result.stderr);
  });
});

test("env-file quoting", () => {
  assert.equal(quoteEnvValue(`p$ss #w"rd`), `'p$ss #w"rd'`);
  assert.equal(quoteEnvValue(`it's`), `"it's"`);
  assert.equal(quoteEnvValue("a\nb"), `"a\\nb"`);
  assert.equal(quoteEnvValue("it's $HOME"), undefined, "both ' and $ cannot be held");
});

describe("compose never writes secrets into a file git tracks", () => {
  const git = (dir: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], { cwd: dir, encoding: "utf8" });
  const secret = "S3cr3t-tracked-9f2e";

  /** An init'ed project whose .gitignore lists `.env.*` and whose `.env.prometheus` is tracked anyway. */
  async function projectWithTrackedEnv(how: "committed" | "staged") {
    const dir = gitRepository();
    assert.equal((await run(["init", dir])).code, 0);
    writeFileSync(join(dir, ".env.prometheus"), "# an old env file\n");
    git(dir, "add", "-f", ".env.prometheus");
    if (how === "committed") git(dir, "commit", "-q", "-m", "env");
    return dir;
  }

  for (const how of ["committed", "staged"] as const) {
    test(`a ${how} env file is exit 2 before anything is written, with how to untrack it`, async () => {
      const dir = await projectWithTrackedEnv(how);
      const gitignoreBefore = readFileSync(join(dir, ".gitignore"), "utf8");
      const result = await run(["-C", dir, "compose", "--examples", "--set", `AWS_SECRET_KEY=${secret}`]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /git tracks \.env\.prometheus/);
      assert.match(result.stderr, /git rm --cached -- \.env\.prometheus/);
      assert.doesNotMatch(result.stdout, /wrote|git-ignored/);
      assert.equal(readFileSync(join(dir, ".env.prometheus"), "utf8"), "# an old env file\n", "the tracked file is untouched");
      assert.throws(() => statSync(join(dir, "docker-compose.yml")), "no compose file written");
      assert.throws(() => statSync(join(dir, ".env.alertmanager")), "no other env file written");
      assert.equal(readFileSync(join(dir, ".gitignore"), "utf8"), gitignoreBefore, ".gitignore untouched");
      assert.ok(!(result.stdout + result.stderr).includes(secret));

      // Untracked as the hint says, compose writes and git ignores the file.
      git(dir, "rm", "-q", "--cached", "--", ".env.prometheus");
      const again = await run(["-C", dir, "compose", "--examples", "--set", `AWS_SECRET_KEY=${secret}`]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^wrote \.env\.prometheus \(0600, git-ignored\)$/m);
      assert.ok(ignored(dir, ".env.prometheus"));
      assert.equal(git(dir, "ls-files", "--", ".env.prometheus"), "");
    });
  }

  test("a repository git refuses to read (another owner's, a broken config) is exit 3, not 'outside a work tree'", async () => {
    const dir = await projectWithTrackedEnv("committed");
    // git fails here as it does in another user's repository ("dubious ownership"), and the file is still tracked.
    writeFileSync(join(dir, ".git/config"), "[core\nbroken");
    const result = await run(["-C", dir, "compose", "--examples", "--set", `AWS_SECRET_KEY=${secret}`]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /git cannot tell whether the env files would be committed \(fatal: bad config line 1.*\); nothing was written/);
    assert.equal(readFileSync(join(dir, ".env.prometheus"), "utf8"), "# an old env file\n");
    assert.throws(() => statSync(join(dir, "docker-compose.yml")), "no compose file written");
  });

  test("--compose-file naming promplate.yaml, a template, a rule test or an env file is exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-compose-clobber-"));
    assert.equal((await run(["init", dir])).code, 0);
    const before = readFileSync(join(dir, "promplate.yaml"), "utf8");
    for (const [file, victim] of [
      ["promplate.yaml", "the project file"],
      ["./prometheus.yml", "the template"],
      ["rules//node.yaml", "the template rules/"],
      ["tests/rules_test.yml", "the rule test file"],
      [".env.alertmanager", "the env file"],
    ]) {
      const result = await run(["-C", dir, "compose", "--examples", "--compose-file", file!], { GIT_CEILING_DIRECTORIES: tmpdir() });
      assert.equal(result.code, 2, `${file}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`would overwrite ${victim}`), file);
    }
    assert.equal(readFileSync(join(dir, "promplate.yaml"), "utf8"), before);
    assert.throws(() => statSync(join(dir, ".env.prometheus")), "nothing written");
  });

  test("outside a git work tree it does not claim the env files are git-ignored", async () => {
    const dir = mkdtempSync(join(tmpdir(), "promplate-compose-nogit-"));
    assert.equal((await run(["init", dir])).code, 0);
    const result = await run(["-C", dir, "compose", "--examples"], { GIT_CEILING_DIRECTORIES: tmpdir() });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /git-ignored/);
    assert.match(result.stdout, /^wrote \.env\.prometheus \(0600; not in a git work tree, so not checked against git\)$/m);
  });
});
