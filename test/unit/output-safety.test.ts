/**
 * No file lost or overwritten (issue 9): stale deletion only of what promplate provably wrote, paths compared as
 * files whatever their spelling, the output root's lock, promplate's own leftover temporaries, templates that leave
 * the project or are not UTF-8, template modes, and Kubernetes ConfigMap folders. In-process; the faults that need
 * real processes (kill -9, a full disk, concurrent renders) are in e2e/output-faults.test.ts.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, test } from "node:test";
import { processStartTime, type Host, type ProcessIdentity } from "../../src/host.js";
import { LOCK_FILE, lockOutputRoot } from "../../src/lock.js";
import { removeStaleTemporaries } from "../../src/output.js";
import { normalizeRelative, resolveReal } from "../../src/paths.js";
import { BadInputError, EnvironmentError } from "../../src/errors.js";
import { parseProject } from "../../src/project.js";
import { utf8Problem } from "../../src/render.js";
import { makeProject, runPromplate } from "../helpers.js";

/** promplate.yaml with `text` outputs (no config checks), each `[template, path]`. */
function projectFile(outputs: [string, string][], tests: string[] = []): string {
  const lines = [
    "outputs:",
    ...outputs.map(([template, path]) => `  - { service: s, kind: text, template: ${JSON.stringify(template)}, path: ${JSON.stringify(path)} }`),
  ];
  if (tests.length > 0) lines.push(`tests: ${JSON.stringify(tests)}`);
  return `${lines.join("\n")}\n`;
}

/** The server exec starts in these tests: Node, exiting at once (no system tool). */
const EXITS_AT_ONCE = [process.execPath, "-e", ""];

const render = (dir: string, ...args: string[]) => runPromplate(["-C", dir, "render", ...args], {}, dir);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const manifestOf = async (root: string) =>
  JSON.parse(await readFile(join(root, ".promplate/manifest.json"), "utf8")) as { version: number; files: Record<string, { sha256?: string }> };

describe("stale deletion removes only what promplate wrote", () => {
  test("a stale output that is now the template is kept (the issue's example)", async () => {
    // A template without variables renders to itself, so even the content hash matches: the template rule decides.
    const dir = await makeProject({ "tpl/p.yml": "static: true\n", "promplate.yaml": projectFile([["tpl/p.yml", "p.yml"]]) });
    assert.equal((await render(dir)).code, 0);
    await rename(join(dir, "tpl/p.yml"), join(dir, "p.yml"));
    await writeFile(join(dir, "promplate.yaml"), projectFile([["p.yml", "out/p.yml"]]));
    const result = await render(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(dir, "p.yml"), "utf8"), "static: true\n");
    assert.equal(await readFile(join(dir, "out/p.yml"), "utf8"), "static: true\n");
    assert.match(result.stderr, /kept p\.yml, no longer an output, not deleted: it is now the template p\.yml/);
    assert.equal((await manifestOf(dir)).files["p.yml"], undefined, "the kept file is no longer recorded");
  });

  for (const [what, path, reason] of [
    ["promplate.yaml", "promplate.yaml", /it is now the project file promplate\.yaml/],
    ["a declared rule test file", "tests/rules_test.yml", /it is now the rule test file tests\/rules_test\.yml/],
    ["a template folder's file", "tpl/a.txt", /it is now the template tpl\//],
  ] as const) {
    test(`a manifest entry naming ${what}, with its very hash, never deletes it`, async () => {
      const text = projectFile([["tpl/", "out/"]], ["tests/rules_test.yml"]);
      const dir = await makeProject({ "tpl/a.txt": "a\n", "tests/rules_test.yml": "tests: []\n", "promplate.yaml": text });
      const content = await readFile(join(dir, path), "utf8");
      await mkdir(join(dir, ".promplate"));
      await writeFile(
        join(dir, ".promplate/manifest.json"),
        JSON.stringify({ version: 2, files: { [path]: { mode: 0o644, secretLines: [], service: "s", sha256: sha256(content) } } }),
      );
      const result = await render(dir);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await readFile(join(dir, path), "utf8"), content);
      assert.match(result.stderr, reason);
    });
  }

  test("a stale output edited since promplate wrote it is kept, an untouched one deleted", async () => {
    const dir = await makeProject({
      "a.txt": "a\n",
      "b.txt": "b\n",
      "promplate.yaml": projectFile([
        ["a.txt", "out/a.txt"],
        ["b.txt", "out/b.txt"],
      ]),
    });
    assert.equal((await render(dir)).code, 0);
    await writeFile(join(dir, "out/a.txt"), "a, edited by hand\n");
    await writeFile(join(dir, "promplate.yaml"), projectFile([["a.txt", "out/c.txt"]]));
    const result = await render(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(dir, "out/a.txt"), "utf8"), "a, edited by hand\n");
    assert.ok(!existsSync(join(dir, "out/b.txt")));
    assert.match(result.stderr, /kept out\/a\.txt, no longer an output, not deleted: it changed since promplate wrote it/);
    assert.match(result.stderr, /1 stale deleted, 1 stale kept/);
  });

  test("an old manifest without hashes deletes nothing; the next one records a sha256 per file", async () => {
    const dir = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]]) });
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "out/old.txt"), "written by an older promplate\n");
    await mkdir(join(dir, ".promplate"));
    await writeFile(
      join(dir, ".promplate/manifest.json"),
      JSON.stringify({ version: 1, files: { "./out/old.txt": { mode: 0o644, secretLines: [], service: "s" } } }),
    );
    const result = await render(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(dir, "out/old.txt")));
    assert.match(result.stderr, /kept out\/old\.txt.*no content hash/);
    assert.deepEqual(await manifestOf(dir), {
      version: 2,
      files: { "out/a.txt": { mode: 0o644, secretLines: [], service: "s", project: ".", sha256: sha256("a\n") } },
    });
  });

  test("two projects rendering into one --out folder never delete each other's files; each still deletes its own", async () => {
    const shared = await mkdtemp(join(tmpdir(), "promplate-shared-"));
    const first = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]]) });
    const second = await makeProject({ "b.txt": "b\n", "promplate.yaml": projectFile([["b.txt", "out/b.txt"]]) });
    assert.equal((await render(first, "--out", shared)).code, 0);
    const result = await render(second, "--out", shared);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /stale/);
    assert.equal(await readFile(join(shared, "out/a.txt"), "utf8"), "a\n", "the first project's output is still there");
    assert.deepEqual(Object.keys((await manifestOf(shared)).files).sort(), ["out/a.txt", "out/b.txt"]);
    await writeFile(join(first, "promplate.yaml"), projectFile([["a.txt", "out/a2.txt"]]));
    assert.match((await render(first, "--out", shared)).stderr, /1 stale deleted/);
    assert.deepEqual((await readdir(join(shared, "out"))).sort(), ["a2.txt", "b.txt"]);
  });

  test("a checkout moved as a whole (a CI workspace) still deletes its own stale outputs", async () => {
    const dir = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]]) });
    assert.equal((await render(dir)).code, 0);
    const moved = `${dir}-moved`;
    await rename(dir, moved);
    await writeFile(join(moved, "promplate.yaml"), projectFile([["a.txt", "out/a2.txt"]]));
    const result = await render(moved);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /1 stale deleted/);
    assert.deepEqual(await readdir(join(moved, "out")), ["a2.txt"]);
  });

  test("an output that --out would put on a template is exit 2 and writes nothing", async () => {
    const dir = await makeProject({ "t/a.yml": "a: 1\n", "promplate.yaml": projectFile([["t/a.yml", "a.yml"]]) });
    const result = await render(dir, "--out", "t");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /output a\.yml would overwrite the template t\/a\.yml/);
    assert.equal(await readFile(join(dir, "t/a.yml"), "utf8"), "a: 1\n");
    assert.ok(!existsSync(join(dir, "t/.promplate")));
  });

  test("exec never writes over a template or promplate.yaml, by runtimePath or --out; nor a secret file", async () => {
    const template = "a: 1\n";
    const exec = (dir: string, ...args: string[]) => runPromplate(["-C", dir, "exec", "--service", "s", ...args, "--", ...EXITS_AT_ONCE], {}, dir);
    const byRuntimePath = await makeProject({ "t/a.yml": template });
    for (const victim of ["t/a.yml", "promplate.yaml"]) {
      await writeFile(
        join(byRuntimePath, "promplate.yaml"),
        `outputs:\n  - { service: s, kind: text, template: t/a.yml, path: out/a.yml, runtimePath: ${join(byRuntimePath, victim)} }\n`,
      );
      const before = await readFile(join(byRuntimePath, victim), "utf8");
      const result = await exec(byRuntimePath);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /would overwrite (the template t\/a\.yml|the project file promplate\.yaml)/);
      assert.equal(await readFile(join(byRuntimePath, victim), "utf8"), before);
    }
    const byOut = await makeProject({
      "t/a.yml": template,
      "promplate.yaml": "outputs:\n  - { service: s, kind: text, template: t/a.yml, path: out/a.yml, runtimePath: /a.yml }\n",
    });
    assert.equal((await exec(byOut, "--out", join(byOut, "t"))).code, 2);
    assert.equal(await readFile(join(byOut, "t/a.yml"), "utf8"), template);
    const secrets = await makeProject({
      "t/prometheus.yml":
        "scrape_configs:\n  - job_name: j\n    basic_auth: { username: u, password: '${P}' }\n    static_configs: [{ targets: ['localhost:9100'] }]\n",
      "extra/x.txt": "x\n",
      "promplate.yaml":
        "variables:\n  P: { type: string, writeOnly: true }\noutputs:\n  - { service: s, kind: prometheus-config, template: t/prometheus.yml, path: out/prometheus.yml, runtimePath: /prometheus.yml }\n  - { service: s, kind: text, template: extra/, path: out/extra/, runtimePath: /extra/ }\n",
    });
    const result = await runPromplate(
      ["-C", secrets, "exec", "--service", "s", "--out", join(secrets, "run"), "--write-secret-files", join(secrets, "extra"), "--", ...EXITS_AT_ONCE],
      { P: "pw-secret-1" },
      secrets,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /would overwrite the template extra\//);
    assert.deepEqual(await readdir(join(secrets, "extra")), ["x.txt"], "no secret file lands in a template folder, to be rendered next time");
  });

  test("render FILE --out PATH refuses to replace FILE, promplate.yaml or another template", async () => {
    const dir = await makeProject({
      "t/a.yml": "a: ${X}\n",
      "t/b.yml": "b: 1\n",
      link: { link: "t/a.yml" },
      "promplate.yaml": "variables:\n  X: { type: string, default: x }\noutputs:\n  - { service: s, kind: yaml, template: t/b.yml, path: out/b.yml }\n",
    });
    for (const [file, out] of [
      ["t/a.yml", "t/a.yml"],
      ["t/a.yml", "./t//a.yml"],
      ["link", "t/a.yml"],
      ["t/a.yml", "promplate.yaml"],
      ["t/a.yml", "t/b.yml"],
    ]) {
      const result = await runPromplate(["-C", dir, "render", file!, "--out", out!], {}, dir);
      assert.equal(result.code, 2, `${file} --out ${out}: ${result.stderr}`);
      assert.match(result.stderr, /would overwrite the (template|project file)/);
    }
    assert.equal(await readFile(join(dir, "t/a.yml"), "utf8"), "a: ${X}\n");
    assert.equal((await runPromplate(["-C", dir, "render", "t/a.yml", "--out", "out/a.yml"], {}, dir)).code, 0);
    assert.equal(await readFile(join(dir, "out/a.yml"), "utf8"), "a: x\n");
  });

  test("exec takes no lock when its files are already current: a read-only folder holding them still starts the server", async () => {
    const dir = await makeProject({
      "a.txt": "a\n",
      "promplate.yaml": "outputs:\n  - { service: s, kind: text, template: a.txt, path: out/a.txt, runtimePath: /a.txt }\n",
    });
    const out = join(dir, "runtime");
    const exec = () => runPromplate(["-C", dir, "exec", "--service", "s", "--out", out, "--", ...EXITS_AT_ONCE], {}, dir);
    assert.equal((await exec()).code, 0);
    // Where the lock would go is a file: taking the lock fails, as it does in a read-only folder.
    await rm(join(out, ".promplate"), { recursive: true, force: true });
    await writeFile(join(out, ".promplate"), "");
    const result = await exec();
    assert.equal(result.code, 0, result.stderr);
    await writeFile(join(dir, "a.txt"), "b\n");
    assert.equal((await exec()).code, 3, "a change does take the lock");
  });
});

describe("what a render shows of the files it replaces, and what its manifest tells", () => {
  const secretProject = (template: string) => ({
    "promplate.yaml": "variables:\n  S: { type: string, writeOnly: true }\noutputs:\n  - { service: s, kind: text, template: a.txt, path: out/a.txt }\n",
    "a.txt": template,
  });
  const renderWith = (dir: string, secret: string, ...args: string[]) => runPromplate(["-C", dir, "render", ...args], { S: secret }, dir);

  test("the manifest of a 0600 output is 0600: its sha256 would let anyone test guesses of a weak secret", async () => {
    const dir = await makeProject(secretProject("password: ${S}\n"));
    assert.equal((await renderWith(dir, "tiger7")).code, 0);
    assert.equal((await stat(join(dir, "out/a.txt"))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, ".promplate/manifest.json"))).mode & 0o777, 0o600);
    const plain = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]]) });
    assert.equal((await render(plain)).code, 0);
    assert.equal((await stat(join(plain, ".promplate/manifest.json"))).mode & 0o777, 0o644);
  });

  test("--diff without a trustworthy manifest masks every line of a file others cannot read", async () => {
    const dir = await makeProject(secretProject("password: ${S}\n"));
    const losses = {
      "a lost manifest": () => writeFile(join(dir, ".promplate/manifest.json"), "{}"),
      "a file edited since": () => writeFile(join(dir, "out/a.txt"), "edited\npassword: OldSecretValue123\n", { mode: 0o600 }),
    };
    for (const [what, lose] of Object.entries(losses)) {
      // The secret moves to another line, so the lines recorded (or the new ones) are not where the old value is.
      await writeFile(join(dir, "a.txt"), "password: ${S}\n");
      assert.equal((await renderWith(dir, "OldSecretValue123")).code, 0);
      await lose();
      await writeFile(join(dir, "a.txt"), "header\nmore\npassword: ${S}\n");
      const result = await renderWith(dir, "NewSecretValue456", "--dry-run");
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /OldSecret|NewSecret/, what);
      assert.match(result.stdout, /^\+header$/m, what);
    }
  });

  test("an output path that is a symlink is replaced without being read: --diff shows no target", async () => {
    const dir = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]]) });
    const private_ = join(dir, "private.txt");
    await writeFile(private_, "root-only: TopSecretLine\n", { mode: 0o600 });
    await mkdir(join(dir, "out"));
    await symlink(private_, join(dir, "out/a.txt"));
    const result = await render(dir, "--diff");
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /TopSecretLine/);
    assert.equal(await readFile(private_, "utf8"), "root-only: TopSecretLine\n", "the link is replaced, its target left alone");
    assert.equal(await readFile(join(dir, "out/a.txt"), "utf8"), "a\n");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Path spellings

/** A small deterministic generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Another spelling of `path` (segments joined by `/`, a trailing `/` for a folder): `./` and `x/../` inserted,
 * doubled slashes, and a leading folder swapped for its symlink in `aliases`.
 */
function respell(path: string, next: () => number, aliases: Record<string, string>): string {
  const folder = path.endsWith("/");
  const segments = path.replace(/\/$/, "").split("/");
  const alias = aliases[segments[0]!];
  if (alias && next() < 0.4) segments[0] = alias;
  const out: string[] = [];
  if (next() < 0.3) out.push(".");
  for (const [index, segment] of segments.entries()) {
    out.push(segment);
    if (index === segments.length - 1) break;
    const r = next();
    if (r < 0.2) out.push(".");
    else if (r < 0.4) out.push("x", "..");
    else if (r < 0.55) out.push("");
  }
  let spelled = out.join("/");
  if (folder) spelled += next() < 0.5 ? "/" : "//";
  return spelled;
}

describe("paths are compared as files, whatever their spelling", () => {
  const layout = { "out/r/.keep": "", "t/a.yml": "a: 1\n", "tpl/x.txt": "x\n", "tests/r_test.yml": "tests: []\n", link: { link: "out" }, tlink: { link: "t" } };
  const aliases = { out: "link", t: "tlink" };
  const problemsOf = (dir: string, outputs: [string, string][], tests: string[] = []) => {
    try {
      parseProject(dir, "promplate.yaml", projectFile(outputs, tests));
      return [];
    } catch (error) {
      if (!(error instanceof BadInputError)) throw error; // exit 2
      return error.findings.map((p) => p.message);
    }
  };

  test("normalizeRelative folds ./, x/../, doubled and trailing slashes", () => {
    const cases: [string, string][] = [
      ["out/o.yml", "out/o.yml"],
      ["./out/o.yml", "out/o.yml"],
      ["out//o.yml", "out/o.yml"],
      ["out/x/../o.yml", "out/o.yml"],
      ["out/r/", "out/r"],
      ["./", "."],
      ["a/../", "."],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeRelative(input), expected, input);
  });

  test("property: the duplicate check sees one file (or a file in a folder) in every spelling", async () => {
    const dir = await makeProject(layout);
    const next = random(9);
    for (let round = 0; round < 150; round++) {
      const spell = (path: string) => respell(path, next, aliases);
      const cases: { outputs: [string, string][]; tests?: string[]; expect: RegExp | undefined }[] = [
        {
          outputs: [
            ["t/a.yml", spell("out/o.yml")],
            ["tpl/x.txt", spell("out/o.yml")],
          ],
          expect: /writes .*, as outputs\[0\] does/,
        },
        {
          outputs: [
            ["tpl/", spell("out/r/")],
            ["tpl/", spell("out/r/")],
          ],
          expect: /as outputs\[0\] does/,
        },
        {
          outputs: [
            ["tpl/", spell("out/r/")],
            ["t/a.yml", spell("out/r/f.yml")],
          ],
          expect: /overlap: one would write inside the other/,
        },
        {
          outputs: [
            ["t/a.yml", spell("out/r/f.yml")],
            ["tpl/", spell("out/r/")],
          ],
          expect: /overlap: one would write inside the other/,
        },
        { outputs: [["t/a.yml", spell("t/a.yml")]], expect: /would overwrite or write inside t\/a\.yml/ },
        { outputs: [["tpl/x.txt", spell("promplate.yaml")]], expect: /would overwrite or write inside promplate\.yaml/ },
        { outputs: [["t/a.yml", spell("tests/r_test.yml")]], tests: [spell("tests/r_test.yml")], expect: /would overwrite or write inside tests\/r_test\.yml/ },
        {
          outputs: [
            ["t/a.yml", spell("out/a.yml")],
            ["tpl/x.txt", spell("out/b.yml")],
          ],
          expect: undefined,
        },
        {
          outputs: [
            ["tpl/", spell("out/r/")],
            ["t/a.yml", spell("out/rr.yml")],
          ],
          expect: undefined,
        },
      ];
      for (const c of cases) {
        const problems = problemsOf(dir, c.outputs, c.tests);
        const where = `round ${round}: ${JSON.stringify(c.outputs)}`;
        if (c.expect)
          assert.ok(
            problems.some((m) => c.expect!.test(m)),
            `${where} → ${JSON.stringify(problems)}`,
          );
        else assert.deepEqual(problems, [], where);
      }
    }
  });

  test("a symlinked folder whose target does not exist yet is the target: no two outputs write one file on the first render", async () => {
    const dir = await makeProject({ "tpl/r/x.yml": "folder: 1\n", "tpl/p.yml": "file: 2\n", link: { link: "out" }, chain: { link: "link" } });
    assert.equal(resolveReal(join(dir, "chain/x.yml")), join(resolveReal(dir), "out/x.yml"));
    for (const spelling of ["link/x.yml", "chain/x.yml", "./link//x.yml"]) {
      const problems = problemsOf(dir, [
        ["tpl/r/", "out/"],
        ["tpl/p.yml", spelling],
      ]);
      assert.ok(
        problems.some((m) => /overlap: one would write inside the other/.test(m)),
        `${spelling}: ${JSON.stringify(problems)}`,
      );
    }
    const loop = await makeProject({ a: { link: "b" }, b: { link: "a" } });
    assert.equal(resolveReal(join(loop, "a/x.yml")).endsWith("/x.yml"), true, "a symlink loop ends, unresolved");
  });

  test("property: respelling an output keeps it (the manifest sees the same file) and records one entry", async () => {
    const next = random(4);
    for (let round = 0; round < 16; round++) {
      const folderOutput = round % 2 === 1;
      const canonical = folderOutput ? "out/r/" : "out/o.txt";
      const template = folderOutput ? "tpl/" : "tpl/o.txt";
      const dir = await makeProject({ "tpl/o.txt": "o\n", "out/r/.keep": "", link: { link: "out" } });
      const written = join(dir, folderOutput ? "out/r/o.txt" : "out/o.txt");
      const spellings = [canonical, respell(canonical, next, { out: "link" }), respell(canonical, next, { out: "link" })];
      for (const spelling of spellings) {
        await writeFile(join(dir, "promplate.yaml"), projectFile([[template, spelling]]));
        const result = await render(dir);
        assert.equal(result.code, 0, `${spelling}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /stale/, `${spellings.join(" → ")}`);
        assert.equal(await readFile(written, "utf8"), "o\n", `${spellings.join(" → ")}`);
        const keys = Object.keys((await manifestOf(dir)).files);
        assert.deepEqual(keys, [normalizeRelative(folderOutput ? `${spelling}/o.txt` : spelling)], `${spellings.join(" → ")}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The lock

/** A real process other than this one (so "live holder" means another pid), and its identity. */
async function otherProcess() {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  await new Promise((resolve) => child.once("spawn", resolve));
  const identity: ProcessIdentity = { pid: child.pid!, start: processStartTime(child.pid!) };
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  return { identity, stop };
}

async function writeLock(root: string, holder: ProcessIdentity): Promise<void> {
  await mkdir(join(root, ".promplate"), { recursive: true });
  await writeFile(join(root, LOCK_FILE), JSON.stringify({ ...holder, token: "held-by-test" }));
}

describe("the output root's lock", () => {
  test("a live holder is waited for, then exit 3 naming its pid; once it is dead the lock is taken over", async () => {
    const root = await mkdtemp(join(tmpdir(), "promplate-lock-"));
    const holder = await otherProcess();
    try {
      await writeLock(root, holder.identity);
      const waited: number[] = [];
      await assert.rejects(lockOutputRoot(root, { waitMs: 300, onWait: (h) => waited.push(h.pid) }), (error: unknown) => {
        assert.ok(error instanceof EnvironmentError, "exit 3");
        assert.match(error.message, new RegExp(`being written by promplate pid ${holder.identity.pid}; waited 0\\.3 s`));
        return true;
      });
      assert.deepEqual(waited, [holder.identity.pid]);
    } finally {
      await holder.stop();
    }
    const release = await lockOutputRoot(root, { waitMs: 300 });
    const record = JSON.parse(await readFile(join(root, LOCK_FILE), "utf8")) as ProcessIdentity;
    assert.equal(record.pid, process.pid);
    await release();
    assert.ok(!existsSync(join(root, LOCK_FILE)), "released");
  });

  test("a pid reused by a later process (another start time) does not hold the lock", async () => {
    const root = await mkdtemp(join(tmpdir(), "promplate-lock-"));
    await writeLock(root, { pid: process.pid, start: "1" });
    const release = await lockOutputRoot(root, { waitMs: 300 });
    const record = JSON.parse(await readFile(join(root, LOCK_FILE), "utf8")) as ProcessIdentity;
    assert.deepEqual({ pid: record.pid, start: record.start }, { pid: process.pid, start: processStartTime(process.pid) }, "the lock is this process's now");
    await release();
  });

  test("a lock that is a symlink (dangling, or to someone's file) is taken over at once; its target is left alone", async () => {
    const root = await mkdtemp(join(tmpdir(), "promplate-lock-"));
    await mkdir(join(root, ".promplate"));
    const victim = join(root, "victim.txt");
    await writeFile(victim, "not a lock\n");
    for (const target of [join(root, "nowhere/lock"), victim]) {
      await symlink(target, join(root, LOCK_FILE));
      // A dangling link once read as "released" for ever: the wait never ended, whatever waitMs said.
      const release = await Promise.race([
        lockOutputRoot(root, { waitMs: 300 }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting for a lock that is a symlink to ${target}`)), 5_000)),
      ]);
      assert.equal((JSON.parse(await readFile(join(root, LOCK_FILE), "utf8")) as ProcessIdentity).pid, process.pid);
      await release();
      assert.ok(!existsSync(join(root, LOCK_FILE)), "released");
    }
    assert.equal(await readFile(victim, "utf8"), "not a lock\n");
  });

  test("a waiting writer gets the lock when the holder releases it", async () => {
    const root = await mkdtemp(join(tmpdir(), "promplate-lock-"));
    const first = await lockOutputRoot(root);
    const order: string[] = [];
    const second = lockOutputRoot(root, { waitMs: 30_000 }).then((release) => {
      order.push("second holds");
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
    order.push("first releases");
    await first();
    await (await second)();
    assert.deepEqual(order, ["first releases", "second holds"]);
  });

  test("render takes over the lock of a killed render, and releases its own", async () => {
    const dir = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]]) });
    const holder = await otherProcess();
    await holder.stop();
    await writeLock(dir, holder.identity);
    const result = await render(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(dir, "out/a.txt"), "utf8"), "a\n");
    assert.ok(!existsSync(join(dir, LOCK_FILE)));
  });

  test("exec takes over a killed holder's lock and holds none while the server runs", async () => {
    const dir = await makeProject({
      "a.txt": "a\n",
      "promplate.yaml": "outputs:\n  - { service: s, kind: text, template: a.txt, path: out/a.txt, runtimePath: /etc/x/a.txt }\n",
    });
    const out = join(dir, "runtime");
    const holder = await otherProcess();
    await holder.stop();
    await writeLock(out, holder.identity);
    // The child's exit code is exec's: 0 only if the output is there and the lock is not.
    const script = `const fs = require("fs"); process.exit(fs.readFileSync(${JSON.stringify(`${out}/etc/x/a.txt`)}, "utf8") === "a\\n" && !fs.existsSync(${JSON.stringify(`${out}/${LOCK_FILE}`)}) ? 0 : 1)`;
    const result = await runPromplate(["-C", dir, "exec", "--service", "s", "--out", out, "--", process.execPath, "-e", script], {}, dir);
    assert.equal(result.code, 0, result.stderr);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Temporaries

describe("promplate's own leftover temporaries", () => {
  test("removed when the writer is dead or the file is old; anything else is left alone", async () => {
    const folder = await mkdtemp(join(tmpdir(), "promplate-tmp-"));
    const now = Date.now();
    const alive = (p: ProcessIdentity) => p.pid === 100 && p.start === "555";
    const host: Host = { self: { pid: 100, start: "555" }, isRunning: alive, now: () => now, sleep: async () => undefined };
    const files: Record<string, { age: number; removed: boolean }> = {
      ".100-555-0a1b2c3d4e5f.promplate.tmp": { age: 0, removed: false }, // a live writer, just now
      ".100-555-0a1b2c3d4e60.promplate.tmp": { age: 120_000, removed: true }, // a live pid, but two minutes old
      ".100-444-0a1b2c3d4e61.promplate.tmp": { age: 0, removed: true }, // the pid reused: another start time
      ".7-555-0a1b2c3d4e62.promplate.tmp": { age: 0, removed: true }, // a dead writer
      ".0a1b2c3d4e5f.promplate.tmp": { age: 120_000, removed: true }, // an older version's name, old
      ".0a1b2c3d4e5e.promplate.tmp": { age: 0, removed: false }, // an older version's name, recent
      "notes.promplate.tmp": { age: 120_000, removed: false },
      ".7-555-zz.promplate.tmp": { age: 120_000, removed: false },
      "prometheus.yml": { age: 120_000, removed: false },
    };
    for (const [name, { age }] of Object.entries(files)) {
      await writeFile(join(folder, name), "x");
      await utimes(join(folder, name), (now - age) / 1000, (now - age) / 1000);
    }
    assert.equal(await removeStaleTemporaries([folder], host), 4);
    const left = new Set(await readdir(folder));
    for (const [name, { removed }] of Object.entries(files)) assert.equal(!left.has(name), removed, name);
  });

  test("a render removes a killed run's temporaries from the folders it writes", async () => {
    const dir = await makeProject({ "tpl/a.txt": "a\n", "promplate.yaml": projectFile([["tpl/", "out/"]]) });
    const holder = await otherProcess();
    await holder.stop();
    await mkdir(join(dir, "out"));
    const leftover = join(dir, "out", `.${holder.identity.pid}-${holder.identity.start ?? ""}-00112233aabb.promplate.tmp`);
    await writeFile(leftover, "half a fi");
    assert.equal((await render(dir)).code, 0);
    assert.ok(!existsSync(leftover));
  });

  test("a single-file write (secret files, render FILE --out, compose) removes a killed run's temporaries beside it", async () => {
    const dir = await makeProject({ "a.yml": "a: 1\n" });
    const holder = await otherProcess();
    await holder.stop();
    const leftover = join(dir, "secrets", `.${holder.identity.pid}-${holder.identity.start ?? ""}-00112233aabb.promplate.tmp`);
    await mkdir(dirname(leftover));
    await writeFile(leftover, "pw-secret-", { mode: 0o600 });
    assert.equal((await runPromplate(["-C", dir, "render", "a.yml", "--out", "secrets/a.yml"], {}, dir)).code, 0);
    assert.ok(!existsSync(leftover));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Templates

describe("templates", () => {
  const outside = async () => {
    const folder = await mkdtemp(join(tmpdir(), "promplate-outside-"));
    await writeFile(join(folder, "key"), "root-only: secret\n", { mode: 0o600 });
    return join(folder, "key");
  };

  test("a template that is a symlink leaving the project is exit 2", async () => {
    const key = await outside();
    const dir = await makeProject({ "t.yml": { link: key }, "promplate.yaml": projectFile([["t.yml", "out/t.yml"]]) });
    const result = await render(dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /template t\.yml is a symlink to .*key, outside the project folder/);
    assert.ok(!existsSync(join(dir, "out")));
  });

  test("a template folder's entry, or the folder itself, leaving the project is exit 2", async () => {
    const key = await outside();
    const layouts: Record<string, string | { link: string }>[] = [{ "tpl/a.txt": "a\n", "tpl/b.txt": { link: key } }, { tpl: { link: dirname(key) } }];
    for (const files of layouts) {
      const dir = await makeProject({ ...files, "promplate.yaml": projectFile([["tpl/", "out/"]]) });
      const result = await render(dir);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /outside the project folder/);
      assert.ok(!existsSync(join(dir, "out")));
    }
  });

  test("promplate.yaml or a rule test file leading outside the project is exit 2, and none of its lines is shown", async () => {
    const key = await outside();
    await writeFile(key, "https://user:ghp_TokenLine1234567890@github.com\n");
    const linked = await makeProject({ "promplate.yaml": { link: key } });
    const tests = await makeProject({ "a.txt": "a\n", "tests/t.yml": { link: key }, "promplate.yaml": projectFile([["a.txt", "out/a.txt"]], ["tests/t.yml"]) });
    const climbing = await makeProject({ "a.txt": "a\n", "promplate.yaml": projectFile([["a.txt", "out/a.txt"]], [`../${basename(dirname(key))}/key`]) });
    for (const dir of [linked, tests, climbing]) {
      for (const args of [["check", "--examples", "--no-tools"], ["render"]]) {
        const result = await runPromplate(["-C", dir, ...args], {}, dir);
        assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
        assert.match(result.stderr, /outside the project folder/);
        assert.doesNotMatch(result.stdout + result.stderr, /ghp_Token/);
      }
    }
    const inside = await makeProject({
      "real/promplate.yaml": projectFile([["a.txt", "out/a.txt"]]),
      "a.txt": "a\n",
      "promplate.yaml": { link: "real/promplate.yaml" },
    });
    assert.equal((await render(inside)).code, 0, "a link inside the project is fine");
  });

  test("symlinks inside the project are followed, each real folder read once", async () => {
    const dir = await makeProject({
      "shared/a.txt": "a\n",
      "tpl/b.txt": { link: "../shared/a.txt" },
      "tpl/self": { link: "." },
      "promplate.yaml": projectFile([["tpl/", "out/"]]),
    });
    const result = await render(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readdir(join(dir, "out")), ["b.txt"]);
  });

  test("an output is never readable by more people than its template", async () => {
    const dir = await makeProject({
      "secret.txt": "root only\n",
      "group.txt": "group\n",
      "open.txt": "open\n",
      "promplate.yaml": projectFile([
        ["secret.txt", "out/secret.txt"],
        ["group.txt", "out/group.txt"],
        ["open.txt", "out/open.txt"],
      ]),
    });
    await chmod(join(dir, "secret.txt"), 0o600);
    await chmod(join(dir, "group.txt"), 0o640);
    assert.equal((await render(dir)).code, 0);
    const modeOf = async (path: string) => (await stat(join(dir, path))).mode & 0o777;
    assert.equal(await modeOf("out/secret.txt"), 0o600);
    assert.equal(await modeOf("out/group.txt"), 0o640);
    assert.equal(await modeOf("out/open.txt"), 0o644);
    const single = await runPromplate(["render", "secret.txt", "--out", "one.txt"], {}, dir);
    assert.equal(single.code, 0, single.stderr);
    assert.equal(await modeOf("one.txt"), 0o600);
  });

  test("invalid UTF-8 in a template is exit 2 with the file and byte offset", async () => {
    const dir = await makeProject({ "promplate.yaml": projectFile([["t.txt", "out/t.txt"]]) });
    await writeFile(join(dir, "t.txt"), Buffer.concat([Buffer.from("ok: 1\nbad: "), Buffer.from([0xff]), Buffer.from("\n")]));
    for (const argv of [["render"], ["render", "t.txt"]]) {
      const result = await runPromplate(["-C", dir, ...argv], {}, dir);
      assert.equal(result.code, 2, argv.join(" "));
      assert.match(result.stderr, /t\.txt is not valid UTF-8: byte 11 \(0xff\)/);
      assert.ok(!existsSync(join(dir, "out")));
    }
  });

  test("utf8Problem finds the first byte that starts no UTF-8 character", () => {
    const cases: [number[], number | undefined][] = [
      [[0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80], undefined], // a, é, 😀
      [[0x61, 0x80], 1], // a lone continuation byte
      [[0xc0, 0xaf], 0], // overlong '/'
      [[0x61, 0x62, 0xe0, 0x80, 0xaf], 2], // overlong three-byte form
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // cut short
    ];
    for (const [bytes, offset] of cases) {
      const problem = utf8Problem(Uint8Array.from(bytes), "t");
      assert.equal(problem === undefined ? undefined : Number(/byte (\d+)/.exec(problem.message)![1]), offset, JSON.stringify(bytes));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes ConfigMap folders

test("a ConfigMap-style template folder is read by its visible names, so rule_files globs match", async () => {
  const version = "..2026_11_29_10_00_00.123456789";
  const rule = "groups:\n  - name: up\n    rules:\n      - alert: Down\n        expr: up == 0\n";
  const dir = await makeProject({
    [`rules/${version}/node.yml`]: rule,
    [`rules/${version}/disk.yml`]: rule.replace("Down", "DiskDown"),
    "rules/..data": { link: version },
    "rules/node.yml": { link: "..data/node.yml" },
    "rules/disk.yml": { link: "..data/disk.yml" },
    "prometheus.yml": "global:\n  scrape_interval: 15s\nrule_files:\n  - /etc/prometheus/rules/*.yml\n",
    "promplate.yaml": [
      "outputs:",
      "  - { service: p, kind: prometheus-config, template: prometheus.yml, path: out/prometheus.yml, runtimePath: /etc/prometheus/prometheus.yml }",
      "  - { service: p, kind: prometheus-rules, template: rules/, path: out/rules/, runtimePath: /etc/prometheus/rules/ }",
      "",
    ].join("\n"),
  });
  const result = await render(dir);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /matches no rule file/);
  assert.deepEqual((await readdir(join(dir, "out/rules"))).sort(), ["disk.yml", "node.yml"]);
  assert.equal(await readFile(join(dir, "out/rules/node.yml"), "utf8"), rule);
  // The real path of a rendered file's folder is the visible one: no `..` folder appears among the outputs.
  assert.equal(resolveReal(join(dir, "out/rules")), join(resolveReal(dir), "out/rules"));
});
