// `--tag` (build, kubernetes, ecs) names each service's image: what it gives must be an image reference, or exit 2
// before anything is built or written.
import assert from "node:assert/strict";
import { cp, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BadInputError } from "../../src/errors.js";
import { imageTag } from "../../src/image.js";
import { ROOT, runPromplate } from "../helpers.js";

test("a tag template gives each service's image reference", () => {
  assert.equal(imageTag(undefined, "prometheus"), "promplate-prometheus:latest");
  assert.equal(imageTag("registry.example.com:5000/mon/promplate-{service}:1.0", "alertmanager"), "registry.example.com:5000/mon/promplate-alertmanager:1.0");
  assert.equal(imageTag("mon/promplate", "prometheus"), "mon/promplate-prometheus:latest");
  assert.equal(imageTag("localhost:5000/p:2", "prometheus"), "localhost:5000/p-prometheus:2");
  assert.equal(imageTag(`ghcr.io/o/i-{service}@sha256:${"a".repeat(64)}`, "prometheus"), `ghcr.io/o/i-prometheus@sha256:${"a".repeat(64)}`);
});

test("a tag that gives no image reference is bad input", () => {
  for (const tag of ["bad tag!!", "Upper/Name", "x:y:z", "repo/{service}:", "-lead", `p:${"t".repeat(129)}`]) {
    assert.throws(
      () => imageTag(tag, "prometheus"),
      (error: unknown) => error instanceof BadInputError && error.findings[0]!.id === "input/tag",
      tag,
    );
  }
});

test("kubernetes and ecs with such a tag are exit 2 and write nothing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "promplate-tag-"));
  await cp(join(ROOT, "test", "data", "ecs"), dir, { recursive: true });
  const before = await readdir(dir);
  for (const command of [
    ["ecs", "--execution-role", "arn:aws:iam::123456789012:role/exec"],
    ["kubernetes", "--secret-store", "ssm=parameters", "--secret-store", "secretsmanager=secrets"],
  ]) {
    const run = await runPromplate(["-C", dir, ...command, "--examples", "--tag", "bad tag!!"]);
    assert.equal(run.code, 2, `${command[0]}: ${run.stderr}`);
    assert.match(run.stderr, /error input\/tag: --tag "bad tag!!" gives "bad tag!!-(prometheus|alertmanager):latest" for \w+, which is not an image reference/);
  }
  assert.deepEqual(await readdir(dir), before);
});
