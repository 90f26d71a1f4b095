/** What several test files share: running the CLI in-process, waiting for a server, finding a free port. */
import { createServer } from "node:net";
import { runCli } from "../src/cli.js";

export const ROOT = new URL("..", import.meta.url).pathname;

/**
 * Runs `promplate ARGV` in-process with exactly the given environment (plus PATH and, so no test ever probes the
 * real instance-metadata address, AWS_EC2_METADATA_DISABLED).
 */
export async function runPromplate(argv: string[], env: Record<string, string | undefined> = {}, cwd = ROOT) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => "",
    env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: "true", ...env },
    cwd,
  });
  return { code, stdout, stderr };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` until it returns something other than undefined or false (errors count as "not yet"). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
