#!/usr/bin/env bash
# `npm test`: lints, fetches the current Prometheus and Alertmanager (scripts/fetch-servers.sh, cached), then
# typechecks, builds and runs every test file — or the files given: `npm test -- test/exec.test.ts` — on Node 24
# or newer (scripts/node24.sh: the running Node when new enough, else a cached install), first on PATH so that
# whatever the tests start runs on it too.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run lint
scripts/fetch-servers.sh current
node=$(scripts/node24.sh)
PATH=$(dirname "$node"):$PATH
export PATH
echo "test: node $(node --version) ($node)"

npm run typecheck
npm run build
[ $# -gt 0 ] || set -- test/*.test.ts
node --import tsx --test --test-concurrency=2 "$@"
