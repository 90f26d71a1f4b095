// Loaded with `node --require` by the benchmark: reports the process' own CPU time (user + system, all threads,
// from its start) and peak memory on stderr when it exits. CommonJS and a bare write to fd 2, so that it adds little
// to `node -e 0` (no ES module loader, no stderr stream).
process.on("exit", () => {
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  require("node:fs").writeSync(2, `\npromplate-bench-usage=${userCPUTime + systemCPUTime} ${maxRSS}\n`);
});
