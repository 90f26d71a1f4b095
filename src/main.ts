#!/usr/bin/env -S node --
// `--` ends Node's own options: Node 20 and 24 otherwise take promplate's `--env-file FILE` as theirs, even after
// the script's name, and exit 9 before promplate starts.
// The `promplate` executable: binds the CLI to this process.
import { runCli } from "./cli.js";

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
