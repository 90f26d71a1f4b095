#!/usr/bin/env bash
# `npm test`: lints, typechecks and builds, runs the unit tier (test/unit: in-process, no system tool), fetches the
# current Prometheus and Alertmanager (scripts/fetch-servers.sh, cached) and runs the end-to-end tier (test/e2e:
# the real tools and servers, the built program). With files given — `npm test -- test/e2e/exec.test.ts` — it runs
# those instead of the tiers. All on Node 24 or newer (scripts/node24.sh: the running Node when new enough, else a
# cached install), first on PATH so that whatever the tests start runs on it too.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run lint
node=$(scripts/node24.sh)
PATH=$(dirname "$node"):$PATH
export PATH
echo "test: node $(node --version) ($node)"

npm run typecheck
npm run build
if [ $# -gt 0 ]; then
  scripts/fetch-servers.sh current
  exec node --import tsx --test --test-concurrency=2 "$@"
fi

echo "test: the unit tier (test/unit)"
started=$SECONDS
npm run test:unit
echo "test: the unit tier took $((SECONDS - started)) s"

scripts/fetch-servers.sh current
echo "test: the end-to-end tier (test/e2e)"
node --import tsx --test --test-concurrency=2 test/e2e/*.test.ts
