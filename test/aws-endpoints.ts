/**
 * The AWS endpoints the AWS tests serve on 127.0.0.1 (container credentials, instance metadata, STS, SSO, SSM,
 * Secrets Manager), the answers they give, and a project whose one output holds the AWS values. Shared by the
 * in-process tests (test/unit/aws.test.ts) and the built program's (test/e2e/aws.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

export interface Endpoint {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}

export const servers: Endpoint[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** An HTTP server on 127.0.0.1 that records each request. */
export async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Endpoint> {
  const requests: Endpoint["requests"] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint: Endpoint = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(endpoint);
  return endpoint;
}

/** Accepts connections and never answers: an unreachable endpoint that does not refuse. */
export async function blackhole(): Promise<Endpoint> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint: Endpoint = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
  servers.push(endpoint);
  return endpoint;
}

export const json = (res: ServerResponse, status: number, data: unknown, type = "application/json") => {
  res.writeHead(status, { "content-type": type });
  res.end(typeof data === "string" ? data : JSON.stringify(data));
};

export const HOUR = 3600_000;
export const future = () => new Date(Date.now() + HOUR).toISOString();
export const past = () => new Date(Date.now() - HOUR).toISOString();

/** Temporary credentials as AWS hands them out; the secrets carry the canary. */
export function temporary(tag: string) {
  return {
    AccessKeyId: `ASIA${tag.toUpperCase().padEnd(16, "X").slice(0, 16)}`,
    SecretAccessKey: `Secret-Leak-Canary-${tag}`,
    Token: `Token-Leak-Canary-${tag}`,
  };
}

export function stsXml(action: "AssumeRole" | "AssumeRoleWithWebIdentity", tag: string, expiration = future()): string {
  const c = temporary(tag);
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result><Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey><SessionToken>${c.Token}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/monitoring/s</Arn><AssumedRoleId>AROAEXAMPLEEXAMPLE:s</AssumedRoleId></AssumedRoleUser></${action}Result><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></${action}Response>`;
}

export const PROJECT_YAML = `variables:
  AWS_ACCESS_KEY: { type: string, writeOnly: true, x-aws: accessKeyId }
  AWS_SECRET_KEY: { type: string, writeOnly: true, x-aws: secretAccessKey }
  AWS_TOKEN: { type: string, writeOnly: true, x-aws: sessionToken, x-optional: true }
  REGION: { type: string, x-aws: region, default: eu-west-1 }
outputs:
  - { service: app, kind: yaml, template: creds.yml, path: out/creds.yml }
`;

/** A project whose one output holds the AWS values, and a HOME of its own. */
export function awsProject(
  yaml = PROJECT_YAML,
  template = "key: ${AWS_ACCESS_KEY}\nsecret: ${AWS_SECRET_KEY}\ntoken: '{{#if AWS_TOKEN}}{{AWS_TOKEN}}{{/if}}'\nregion: ${REGION}\n",
): string {
  const dir = mkdtempSync(join(tmpdir(), "promplate-aws-"));
  writeFileSync(join(dir, "promplate.yaml"), yaml);
  writeFileSync(join(dir, "creds.yml"), template);
  mkdirSync(join(dir, "home", ".aws"), { recursive: true });
  return dir;
}

export const rendered = (dir: string) => readFileSync(join(dir, "out/creds.yml"), "utf8");

export interface VarsRow {
  name: string;
  source?: string;
  origin?: string;
  expires?: string;
  value: string;
  status: string;
}
