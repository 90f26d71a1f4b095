import assert from "node:assert/strict";
import { test } from "node:test";
import { parseProject } from "../../src/project.js";
import { BadInputError } from "../../src/errors.js";

const project = (outputs: string) => `outputs:\n${outputs}`;

const cases: { name: string; text: string; problem?: RegExp }[] = [
  { name: "outputs apart from templates", text: project("  - { service: p, kind: yaml, template: a.yml, path: out/a.yml }\n") },
  {
    name: "an output over its own template",
    text: project("  - { service: p, kind: yaml, template: a.yml, path: a.yml }\n"),
    problem: /would overwrite or write inside a\.yml/,
  },
  { name: "an output inside a template folder", text: project("  - { service: p, kind: yaml, template: t/, path: t/out/ }\n"), problem: /inside t$/ },
  {
    name: "an output over promplate.yaml",
    text: project("  - { service: p, kind: yaml, template: a.yml, path: promplate.yaml }\n"),
    problem: /promplate\.yaml/,
  },
  {
    name: "two outputs to one path",
    text: project("  - { service: p, kind: yaml, template: a.yml, path: out/a.yml }\n  - { service: q, kind: yaml, template: b.yml, path: out/a.yml }\n"),
    problem: /as outputs\[0\] does/,
  },
  {
    name: "a path outside the project",
    text: project("  - { service: p, kind: yaml, template: a.yml, path: ../a.yml }\n"),
    problem: /relative path inside the project/,
  },
];

for (const c of cases) {
  test(`project file: ${c.name}`, () => {
    if (!c.problem) {
      assert.doesNotThrow(() => parseProject("/p", "promplate.yaml", c.text));
      return;
    }
    assert.throws(
      () => parseProject("/p", "promplate.yaml", c.text),
      (error: unknown) => error instanceof BadInputError && error.findings.some((p) => c.problem!.test(p.message)),
    );
  });
}
