/**
 * Where rendered outputs are checked: a temporary folder laid out like the container (each output at its
 * `runtimePath` under the folder), so relative references (`rule_files: [rules/*.yaml]`) resolve as they will at
 * run time. Files that only exist at run time (credentials, TLS keys) are stubbed; absolute paths in the copies the
 * tools read are rebased onto the folder, in place, so line numbers stay the same.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, posix } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import type { OutputKind } from "../project.js";
import { readAsGoYaml, sourceOffset } from "./go-yaml.js";

export interface LayoutInput {
  kind: OutputKind;
  /** Where the file lives at run time (absolute), or its render path when it has no runtimePath. */
  runtimePath: string;
  content: string;
  /** The parsed document, when it parsed. */
  data?: unknown;
}

export interface LaidOutFile {
  input: LayoutInput;
  /** The file's path inside the temporary folder. */
  checkedPath: string;
}

/** Keys whose values name files read at run time and absent from the project by design. */
const RUNTIME_FILE_KEY = /(^|_)(file|ca_file|cert_file|key_file|password_file|credentials_file|bearer_token_file|client_secret_file)$/;
/** Keys listing files the project itself must provide (rendered outputs): rebased, never stubbed. */
const PROJECT_FILE_KEYS = new Set(["rule_files", "scrape_config_files", "templates"]);

export function runtimeLocation(root: string, runtimePath: string): string {
  return join(root, isAbsolute(runtimePath) ? runtimePath.slice(1) : runtimePath);
}

export async function writeLayout(root: string, inputs: LayoutInput[]): Promise<LaidOutFile[]> {
  const produced = new Set(inputs.map((i) => posix.normalize(i.runtimePath)));
  const laidOut: LaidOutFile[] = [];
  for (const input of inputs) {
    const checkedPath = runtimeLocation(root, input.runtimePath);
    let content = input.content;
    if (input.data !== undefined && (input.kind === "prometheus-config" || input.kind === "alertmanager-config" || input.kind === "web-config")) {
      const references = fileReferences(input.data);
      const configDir = posix.dirname(input.runtimePath);
      for (const reference of references.runtimeFiles) {
        const runtime = posix.isAbsolute(reference) ? reference : posix.join(configDir, reference);
        if (produced.has(posix.normalize(runtime))) continue;
        const stub = runtimeLocation(root, runtime);
        await mkdir(dirname(stub), { recursive: true });
        await writeFile(stub, "", { mode: 0o600 });
      }
      content = rebaseAbsolutePaths(content, root);
    }
    await mkdir(dirname(checkedPath), { recursive: true });
    await writeFile(checkedPath, content, { mode: 0o600 });
    laidOut.push({ input, checkedPath });
  }
  return laidOut;
}

/** File names a config reads at run time, found by key (`*_file`, `ca_file`, …). */
export function fileReferences(data: unknown): { runtimeFiles: string[] } {
  const runtimeFiles: string[] = [];
  const visit = (node: unknown, key: string | undefined) => {
    if (Array.isArray(node)) node.forEach((item) => visit(item, key));
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) visit(v, k);
    else if (typeof node === "string" && key && RUNTIME_FILE_KEY.test(key) && !PROJECT_FILE_KEYS.has(key) && node !== "") {
      runtimeFiles.push(node);
    }
  };
  visit(data, undefined);
  return { runtimeFiles };
}

/** Prefixes every absolute path under a file-naming key with `root`, editing only those scalars' text. */
function rebaseAbsolutePaths(text: string, root: string): string {
  // Parsed as go-yaml reads it (see go-yaml.ts); the offsets found are mapped back to the text the tools get.
  const reading = readAsGoYaml(text);
  const document = parseDocument(reading.text, { keepSourceTokens: true, uniqueKeys: false, logLevel: "silent" });
  const insertions: number[] = [];
  const visit = (node: unknown, key: string | undefined) => {
    if (isMap(node)) {
      for (const pair of node.items) visit(pair.value, isScalar(pair.key) ? String(pair.key.value) : undefined);
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, key);
    } else if (
      isScalar(node) &&
      typeof node.value === "string" &&
      node.value.startsWith("/") &&
      key &&
      (RUNTIME_FILE_KEY.test(key) || PROJECT_FILE_KEYS.has(key))
    ) {
      const range = (node as Node).range;
      if (!range) return;
      const quoted = node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE";
      insertions.push(sourceOffset(reading, range[0] + (quoted ? 1 : 0)));
    }
  };
  visit(document.contents, undefined);
  let result = text;
  for (const offset of insertions.sort((a, b) => b - a)) result = result.slice(0, offset) + root + result.slice(offset);
  return result;
}

/** Go's filepath.Match syntax (`*`, `?`, `[…]`) as a regular expression over whole paths. */
export function globToRegExp(glob: string): RegExp {
  let pattern = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") pattern += "[^/]*";
    else if (c === "?") pattern += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close === -1) pattern += "\\[";
      else {
        pattern += `[${glob
          .slice(i + 1, close)
          .replace(/^\^/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < glob.length) pattern += `\\${glob[++i]}`;
    else pattern += c.replace(/[.+^${}()|\]\\]/g, "\\$&");
  }
  return new RegExp(`^${pattern}$`);
}
