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
  readStdin: async () => (await import("./value-files.js")).readStream(process.stdin),
  stdinIsTTY: process.stdin.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  color,
});
