/**
 * Temporary AWS credentials in a rendered Prometheus config's ec2_sd_configs / lightsail_sd_configs, refused by
 * render (exit 2). Apart from src/aws.ts so that this check, which runs on every render with AWS key values, loads
 * neither the credential chain nor the AWS SDK.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Finding } from "./finding.js";
import type { OutputFile } from "./project.js";
import type { ResolvedVariable } from "./variables.js";

/** Marks credentials that come with a session token (temporary): Prometheus' ec2_sd_configs cannot use them. */
export const TEMPORARY = ", temporary";

/** Credentials that need a session token, which Prometheus' ec2_sd_configs / lightsail_sd_configs cannot take. */
export function isTemporaryCredential(variable: ResolvedVariable, all: Iterable<ResolvedVariable>): boolean {
  if (typeof variable.value !== "string") return false;
  if (variable.source === "aws" && (variable.expires !== undefined || (variable.origin ?? "").endsWith(TEMPORARY))) return true;
  const list = [...all];
  const keyId = list.find((v) => v.declaration.aws === "accessKeyId" && typeof v.value === "string");
  if (typeof keyId?.value === "string" && /^ASIA/.test(keyId.value)) return true;
  return list.some(
    (v) => v.declaration.aws === "sessionToken" && typeof v.value === "string" && v.value !== "" && v.source !== "example" && v.source !== "synthesized",
  );
}

export interface RenderedConfig {
  source: OutputFile;
  content: string;
  lineMap: number[];
}

/**
 * Problems (exit 2) for each `access_key` / `secret_key` of an `ec2_sd_configs` or `lightsail_sd_configs` entry in a
 * rendered Prometheus config that holds a temporary credential from an x-aws variable.
 */
export async function findTemporaryCredentialProblems(files: readonly RenderedConfig[], variables: ReadonlyMap<string, ResolvedVariable>): Promise<Finding[]> {
  const all = [...variables.values()];
  const temporary = all.filter(
    (v) =>
      (v.declaration.aws === "accessKeyId" || v.declaration.aws === "secretAccessKey") &&
      v.source !== "example" &&
      v.source !== "synthesized" &&
      isTemporaryCredential(v, all),
  );
  if (temporary.length === 0) return [];
  const byValue = new Map(temporary.map((v) => [v.value as string, v]));
  const problems: Finding[] = [];
  for (const file of files) {
    if (file.source.output.kind !== "prometheus-config") continue;
    const lineCounter = new LineCounter();
    const document = parseDocument(file.content, { lineCounter });
    const scrapeConfigs = document.get("scrape_configs", true);
    if (!isSeq(scrapeConfigs)) continue;
    for (const job of scrapeConfigs.items) {
      if (!isMap(job)) continue;
      for (const sdKey of ["ec2_sd_configs", "lightsail_sd_configs"]) {
        const sdConfigs = job.get(sdKey, true);
        if (!isSeq(sdConfigs)) continue;
        for (const sd of sdConfigs.items) {
          if (!isMap(sd)) continue;
          for (const field of ["access_key", "secret_key"]) {
            const node = sd.get(field, true);
            if (!isScalar(node) || typeof node.value !== "string") continue;
            const variable = byValue.get(node.value);
            if (!variable) continue;
            const outputLine = lineCounter.linePos(node.range?.[0] ?? 0).line;
            problems.push({
              id: "aws/temporary-credentials",
              severity: "error",
              message: `${sdKey} ${field} gets ${variable.declaration.name}, a temporary AWS credential (from ${variable.source === "aws" ? (variable.origin ?? "").replace(TEMPORARY, "") : variable.source}${variable.expires ? `, expires ${variable.expires.toISOString()}` : ""}): Prometheus has no session-token field there, so discovery would fail to authenticate`,
              hint: "leave access_key and secret_key out and let Prometheus use the instance/task role, or leave them out and run promplate exec --aws-env, which passes AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to the server's environment only",
              file: file.source.templateName,
              line: file.lineMap[outputLine - 1] ?? outputLine,
            });
          }
        }
      }
    }
  }
  return problems;
}
