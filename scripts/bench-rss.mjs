// Loaded with `node --import` by the benchmark: reports the process' peak memory on stderr when it exits.
process.on("exit", () => process.stderr.write(`promplate-bench-maxrss=${process.resourceUsage().maxRSS}\n`));
