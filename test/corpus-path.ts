/**
 * The corpus of real configs and rules the acceptance tests run against: copied verbatim from public repositories
 * (test/corpus/SOURCES.tsv lists them and their commits) into the repository, so CI needs nothing outside it.
 * Left out: the example TLS private keys of alertmanager/examples/ha (no test reads them).
 */
export const CORPUS = new URL("corpus/", import.meta.url).pathname.replace(/\/$/, "");
