#!/usr/bin/env -S node --
// The `promplate` executable: binds the CLI to this process. The `--` in the shebang ends Node's own options: Node
// 20 and 24 read `--env-file` anywhere in the arguments, even after the script, and promplate has an --env-file.
import { enableCompileCache } from "./compile-cache.js";

// The compile cache covers only modules loaded after it is enabled: the CLI is imported afterwards.
enableCompileCache(process.env);
const { runCli } = await import("./cli.js");

// A closed pipe (`promplate vars | head`) is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: readStdinBounded,
  stdinIsTTY: process.stdin.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  color,
});

/** Standard input as a template: read up to the template size limit, not one byte more into memory. */
async function readStdinBounded(): Promise<string> {
  const { BadInputError } = await import("./errors.js");
  const { MAX_TEMPLATE_BYTES, tooLargeMessage } = await import("./template/read.js");
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin) {
    length += (chunk as Buffer).length;
    if (length > MAX_TEMPLATE_BYTES) {
      process.stdin.destroy();
      throw new BadInputError([{ id: "template/too-large", severity: "error", message: `standard input ${tooLargeMessage()}` }]);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, length).toString("utf8");
}
