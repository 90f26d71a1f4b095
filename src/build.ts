/**
 * The `build` job: plan the image build (the engine, promplate's own files, the project, a temporary folder for the
 * context and the archives), then build, scan and push through src/image.ts. Planning reads only; a dry run makes
 * no folder.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BadInputError, EnvironmentError } from "./errors.js";
import {
  buildImages,
  ENGINES,
  findPromplateRoot,
  IMAGE_SERVICES,
  planImageBuild,
  type Engine,
  type ImageBuildPlan,
  type ImageBuildResult,
  type ScanSecrets,
} from "./image.js";
import { findExecutable, type StreamingRunner } from "./process.js";
import { loadProject, type Project } from "./project.js";
import { refuseUndeclaredSet } from "./variables.js";

export interface PrepareBuildOptions {
  /** The project folder. */
  dir: string;
  /** A module inside promplate's own folder, whose Dockerfiles and dist/ go into the context. */
  moduleUrl: string;
  env: Readonly<Record<string, string | undefined>>;
  /** @default the first of ENGINES on PATH */
  engine?: Engine;
  tag?: string;
  push?: boolean;
  pull?: "always" | "missing" | "never";
  buildArgs?: Record<string, string>;
  /** Plan only: the temporary folder is named, not made. */
  dryRun?: boolean;
  /** `--set` values: one the project does not declare is refused before anything is built, a dry run included. */
  set?: Record<string, string>;
}

export interface PreparedBuild {
  plan: ImageBuildPlan;
  project: Project;
  /** The temporary folder holding the context and the archives; `runBuild` removes it. */
  work: string;
}

export async function prepareBuild(options: PrepareBuildOptions): Promise<PreparedBuild> {
  const project = await loadProject(options.dir);
  refuseUndeclaredSet(options.set ?? {}, project.variables);
  const root = await findPromplateRoot(options.moduleUrl);
  const engine = options.engine ?? (await detectEngine(options.env.PATH));
  const dockerfiles: Record<string, string> = {};
  for (const service of IMAGE_SERVICES) dockerfiles[service] = await readFile(join(root, `Dockerfile.${service}`), "utf8").catch(() => "");
  const temporaries = options.env.TMPDIR ?? tmpdir();
  const work = options.dryRun ? join(temporaries, "promplate-build-XXXXXX") : await mkdtemp(join(temporaries, "promplate-build-"));
  const plan = planImageBuild({
    engine,
    promplateRoot: root,
    project: { dir: project.dir, services: [...new Set(project.outputs.map((o) => o.service))], outputPaths: project.outputs.map((o) => o.path) },
    dockerfiles,
    contextDir: join(work, "context"),
    archiveDir: join(work, "archives"),
    tag: options.tag,
    push: options.push,
    pull: options.pull,
    buildArgs: options.buildArgs ?? {},
  });
  if (plan.images.length === 0) {
    if (!options.dryRun) await rm(work, { recursive: true, force: true });
    throw new BadInputError([
      { id: "build/no-service", severity: "error", message: "the project has no prometheus or alertmanager outputs to build an image for" },
    ]);
  }
  return { plan, project, work };
}

export interface RunBuildOptions {
  run: StreamingRunner;
  log(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  secrets: ScanSecrets;
}

/** Builds, scans and (when every scan is clean) pushes; the temporary folder is removed however it ends. */
export async function runBuild(prepared: PreparedBuild, options: RunBuildOptions): Promise<ImageBuildResult> {
  const { project } = prepared;
  // The engine gets the environment without the project's variables: nothing in a build should see them.
  const env = Object.fromEntries(
    Object.entries(options.env).filter(([name]) => !project.variables.has(name) && !project.variables.has(name.replace(/_FILE$/, ""))),
  );
  try {
    return await buildImages(prepared.plan, { run: options.run, log: options.log, env, secrets: options.secrets });
  } finally {
    await rm(prepared.work, { recursive: true, force: true });
  }
}

/** The first image builder on PATH. */
async function detectEngine(pathVariable: string | undefined): Promise<Engine> {
  for (const engine of ENGINES) if (await findExecutable(engine, pathVariable)) return engine;
  throw new EnvironmentError([
    {
      id: "build/engine",
      severity: "error",
      message: "no image builder found: docker, podman or buildah",
      hint: "install one, or pass --engine with one that is installed",
    },
  ]);
}
