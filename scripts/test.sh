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
# The files that build images with buildah run one at a time, after the rest: two builds at once share the
# stand-in base images and buildah's storage, and one of them could fail on the other's half-made image.
images=(test/e2e/image.test.ts test/e2e/stack.test.ts test/e2e/ecs.test.ts)
others=()
for file in test/e2e/*.test.ts; do [[ " ${images[*]} " == *" $file "* ]] || others+=("$file"); done
node --import tsx --test --test-concurrency=2 "${others[@]}"
node --import tsx --test --test-concurrency=1 "${images[@]}"
