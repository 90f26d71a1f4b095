/**
 * The findings whose positions test/unit/positions.test.ts checks, with the line and column each one had when
 * test/data/positions/expected.tsv was recorded (from `yaml`'s document API, before positions came from js-yaml's
 * events): every finding the built-in checkers report on the YAML files of test/corpus, test/fixtures and test/data, and
 * synthetic findings at every path of a few files chosen for their YAML forms (block and quoted scalars, anchors,
 * aliases and merge keys, flow collections, empty values, go-yaml's rewritten continuation lines).
 *
 * To record it again (only for a deliberate change of where findings point, reviewed):
 * node --import tsx -e 'import("./test/unit/positions-cases.ts").then((m) => m.writeRecordedPositions())'
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { parseDocumentData } from "../../src/checks/document.js";
import { inferKind, isConfigKind, locate, runChecker } from "../../src/checks/index.js";
import { referencedFileFindings } from "../../src/checks/referenced-files.js";
import type { Finding } from "../../src/checks/types.js";
import { ROOT } from "../helpers.js";

export const RECORDED_POSITIONS = join(ROOT, "test/data/positions/expected.tsv");

/**
 * Files whose every path gets a synthetic finding (relative to the repository), besides test/data/positions/
 * (forms written for this test) and the yaml-* fixtures.
 */
export const SYNTHETIC_FILES = [
  "test/corpus/prometheus/config/testdata/conf.good.yml",
  "test/corpus/prometheus/model/rulefmt/testdata/test.yaml",
  "test/corpus/alertmanager/config/testdata/conf.good.yml",
  "test/corpus/alertmanager/examples/ha/alertmanager.yml",
  "test/corpus/awesome-prometheus-alerts/dist/rules/kubernetes/kubestate-exporter.yml",
  "test/corpus/prometheus/config/testdata/empty_scrape_config.bad.yml",
  "test/corpus/prometheus/config/testdata/labelname.bad.yml",
  "test/corpus/prometheus/config/testdata/labelvalue.bad.yml",
  "test/corpus/prometheus/model/rulefmt/testdata/test_aliases.yaml",
  "test/corpus/elb-tag-pusher/sample/prometheus-deploy.yaml",
];

function hasSyntheticFindings(file: string): boolean {
  if (file === "test/fixtures/yaml-many-merge-keys/rules.yml") return false; // 3,000 alike rules
  return SYNTHETIC_FILES.includes(file) || file.startsWith("test/fixtures/yaml-") || file.startsWith("test/data/positions/");
}

export type PathFinding = Pick<Finding, "id" | "path" | "atKey" | "offsetInValue">;

export interface RecordedPosition {
  /** Relative to the repository. */
  file: string;
  finding: PathFinding;
  line: number;
  column: number;
}

/** Every YAML file of the corpus, the fixtures and the test data, relative to the repository, sorted. */
export function yamlFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) found.push(path);
    }
  };
  walk("test/corpus");
  walk("test/fixtures");
  walk("test/data");
  return found.sort();
}

/** What the checkers report on a file as `check FILE` sees it (kind inferred), or nothing when it is no config. */
export async function checkerFindings(file: string, text: string): Promise<Finding[]> {
  const parsed = parseDocumentData(text);
  if (!("data" in parsed)) return [];
  const kind = inferKind(parsed.data);
  if (!kind || !isConfigKind(kind)) return [];
  const base = dirname(join(ROOT, file));
  const resolve = (name: string) => (isAbsolute(name) ? name : join(base, name));
  const files = {
    exists: (name: string) => existsSync(resolve(name)),
    glob: (glob: string) => (glob.includes("*") ? [] : existsSync(resolve(glob)) ? [resolve(glob)] : []),
  };
  return [...(await runChecker(kind, parsed.data, {})), ...referencedFileFindings(kind, parsed.data, files)];
}

/**
 * A finding at every node of the data (its value, its key, and offsets into string values), and at a key that is
 * missing under every mapping (which points at the mapping).
 */
export function syntheticFindings(data: unknown): PathFinding[] {
  const findings: PathFinding[] = [];
  const visit = (value: unknown, path: (string | number)[]) => {
    findings.push({ id: "synthetic", path });
    if (typeof path[path.length - 1] === "string") findings.push({ id: "synthetic", path, atKey: true });
    if (typeof value === "string") {
      for (const offset of new Set([0, 1, Math.floor(value.length / 2), value.length])) findings.push({ id: "synthetic", path, offsetInValue: offset });
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
      findings.push({ id: "synthetic", path: [...path, value.length] });
    } else if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
      findings.push({ id: "synthetic", path: [...path, "no-such-key"], atKey: true });
    }
  };
  visit(data, []);
  return findings;
}

/** The findings to locate, file by file: the checkers' own, and the synthetic ones. */
export async function positionCases(): Promise<{ file: string; text: string; findings: PathFinding[] }[]> {
  const cases: { file: string; text: string; findings: PathFinding[] }[] = [];
  for (const file of yamlFiles()) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const findings: PathFinding[] = (await checkerFindings(file, text)).map(({ id, path, atKey, offsetInValue }) => ({ id, path, atKey, offsetInValue }));
    if (hasSyntheticFindings(file)) {
      const parsed = parseDocumentData(text);
      if ("data" in parsed) findings.push(...syntheticFindings(parsed.data));
    }
    if (findings.length > 0) cases.push({ file, text, findings });
  }
  return cases;
}

/** One line per finding: file, path (JSON), `key` or the offset in the value, line:column, id. */
export function formatRecorded({ file, finding, line, column }: RecordedPosition): string {
  const where = finding.atKey ? "key" : finding.offsetInValue !== undefined ? `+${finding.offsetInValue}` : "-";
  return [file, JSON.stringify(finding.path), where, `${line}:${column}`, finding.id].join("\t");
}

export function parseRecorded(line: string): RecordedPosition {
  const [file, path, where, at, id] = line.split("\t") as [string, string, string, string, string];
  const [row, column] = at.split(":").map(Number) as [number, number];
  const finding: PathFinding = { id, path: JSON.parse(path) as (string | number)[] };
  if (where === "key") finding.atKey = true;
  else if (where.startsWith("+")) finding.offsetInValue = Number(where.slice(1));
  return { file, finding, line: row, column };
}

export async function writeRecordedPositions(): Promise<void> {
  const lines = new Set<string>();
  for (const { file, text, findings } of await positionCases()) {
    const located = await locate(
      text,
      findings.map((f) => ({ ...f, severity: "error", message: "" })),
    );
    located.forEach((at, index) => lines.add(formatRecorded({ file, finding: findings[index]!, line: at.line!, column: at.column! })));
  }
  writeFileSync(RECORDED_POSITIONS, `${[...lines].join("\n")}\n`);
  process.stdout.write(`${lines.size} positions recorded in ${relative(ROOT, RECORDED_POSITIONS)}\n`);
}
