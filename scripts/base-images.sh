#!/usr/bin/env bash
# Local stand-ins for the images Dockerfile.prometheus and Dockerfile.alertmanager build FROM, for machines that
# cannot reach a registry (CI, tests). They carry the official images' names, so the Dockerfiles build unchanged
# with `--pull=never`:
#   docker.io/library/node:24-bookworm-slim   Debian bookworm (debootstrap minbase) + Node 24 + tini
#   docker.io/prom/prometheus:vX.Y.Z          /bin/prometheus, /bin/promtool   (Debian's, which link only libc)
#   docker.io/prom/alertmanager:vX.Y.Z        /bin/alertmanager, /bin/amtool
# The prom/* stand-ins hold the current servers scripts/fetch-servers.sh unpacks (Debian testing's), tagged with the
# version their binaries report, which may differ from the Dockerfiles' pinned ARG: build with
# `--build-arg PROMETHEUS_VERSION=vX.Y.Z --build-arg ALERTMANAGER_VERSION=vX.Y.Z` (the tags are printed at the end).
# Node 24: NODE_BINARY, else scripts/node24.sh --exact (the `node` on PATH when it is 24, else a cached install).
# Needs root, debootstrap, buildah, tini and prometheus-node-exporter, and a Debian mirror configured for apt.
# Cached: the root file system tarball is kept in $PROMPLATE_BASE_CACHE, and an image is rebuilt only when its
# inputs (this script, the binaries) change, so a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${PROMPLATE_BASE_CACHE:-/var/cache/promplate-base-images}
NODE=${NODE_BINARY:-$(scripts/node24.sh --exact)}
mkdir -p "$CACHE"

log() { printf 'base-images: %s\n' "$*" >&2; }

case "$("$NODE" --version)" in
  v24.*) ;;
  *) log "$NODE is $("$NODE" --version), not Node 24 (set NODE_BINARY)"; exit 3 ;;
esac
for tool in debootstrap buildah tini; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install debootstrap buildah tini)"; exit 3; }
done
scripts/fetch-servers.sh current
SERVERS=${PROMPLATE_SERVERS_CACHE:-/var/cache/promplate-servers}/current
version() { "$SERVERS/usr/bin/$1" --version 2>&1 | sed -n 's/^[a-z]*, version \([0-9][0-9.]*\).*/v\1/p' | head -n1; }
PROMETHEUS_VERSION=$(version prometheus)
ALERTMANAGER_VERSION=$(version prometheus-alertmanager)
[ -n "$PROMETHEUS_VERSION" ] && [ -n "$ALERTMANAGER_VERSION" ] || { log "cannot read the versions of the servers in $SERVERS"; exit 3; }

# The mirror apt already uses; no address is built in.
mirror() { scripts/apt-mirror.sh | cut -d' ' -f1; }

fingerprint() { cat "$0" "$@" | sha256sum | cut -c1-16; }

# An image is current when it carries the fingerprint of its inputs as a label.
current() {
  [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "org.promplate.stand-in"}}{{index .OCIv1.Config.Labels "org.promplate.stand-in"}}' "$1" 2>/dev/null || true)" = "$2" ]
}

ROOTFS_TAR=$CACHE/bookworm-minbase.tar
if [ ! -s "$ROOTFS_TAR" ]; then
  uri=$(mirror) || exit 3
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  log "debootstrap --variant=minbase bookworm from $uri (about 40 s)"
  start=$SECONDS
  debootstrap --variant=minbase bookworm "$dir" "$uri" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$dir"; exit 3; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar --numeric-owner --xattrs -C "$dir" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$dir"
  log "root file system ready in $((SECONDS - start)) s"
fi

NODE_IMAGE=docker.io/library/node:24-bookworm-slim
# Debian's alertmanager reads its notification templates from here (upstream's binary embeds them); the Dockerfile
# copies only the binary, so the base stand-in carries them, from the same package as the binary.
AM_TEMPLATES=/usr/share/prometheus/alertmanager
stamp=$(fingerprint "$ROOTFS_TAR" "$NODE" "$(command -v tini)" "$SERVERS$AM_TEMPLATES/default.tmpl" "$SERVERS$AM_TEMPLATES/email.tmpl")
if current "$NODE_IMAGE" "$stamp"; then
  log "$NODE_IMAGE is current"
else
  log "building $NODE_IMAGE"
  ctr=$(buildah from --pull=never scratch)
  trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  mnt=$(buildah mount "$ctr")
  tar --numeric-owner -C "$mnt" -xf "$ROOTFS_TAR"
  install -m 0755 "$NODE" "$mnt/usr/local/bin/node"
  install -m 0755 "$(command -v tini)" "$mnt/usr/bin/tini"
  install -D -m 0644 -t "$mnt$AM_TEMPLATES" "$SERVERS$AM_TEMPLATES/default.tmpl" "$SERVERS$AM_TEMPLATES/email.tmpl"
  # The official image's user: node (1000).
  echo 'node:x:1000:' >>"$mnt/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$mnt/etc/passwd"
  echo 'node:*:19000:0:99999:7:::' >>"$mnt/etc/shadow"
  install -d -o 1000 -g 1000 "$mnt/home/node"
  buildah umount "$ctr" >/dev/null
  buildah config --env NODE_VERSION="$("$NODE" --version | cut -c2-)" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd node --label org.promplate.stand-in="$stamp" "$ctr"
  buildah commit --quiet --rm "$ctr" "$NODE_IMAGE" >/dev/null
  trap - EXIT
fi

# prom/prometheus and prom/alertmanager: only the binaries the Dockerfiles copy, at the official images' paths.
binaries_image() {
  local image=$1; shift
  local stamp ctr mnt
  stamp=$(fingerprint "${@#*=}")
  if current "$image" "$stamp"; then log "$image is current"; return; fi
  log "building $image"
  ctr=$(buildah from --pull=never scratch)
  mnt=$(buildah mount "$ctr")
  for pair in "$@"; do install -D -m 0755 "${pair#*=}" "$mnt${pair%%=*}"; done
  buildah umount "$ctr" >/dev/null
  buildah config --label org.promplate.stand-in="$stamp" "$ctr"
  buildah commit --quiet --rm "$ctr" "$image" >/dev/null
}
binaries_image "docker.io/prom/prometheus:$PROMETHEUS_VERSION" \
  "/bin/prometheus=$SERVERS/usr/bin/prometheus" "/bin/promtool=$SERVERS/usr/bin/promtool"
binaries_image "docker.io/prom/alertmanager:$ALERTMANAGER_VERSION" \
  "/bin/alertmanager=$SERVERS/usr/bin/prometheus-alertmanager" "/bin/amtool=$SERVERS/usr/bin/amtool"

# prom/node-exporter, for the compose stack: Debian's node-exporter (it links libc) on the Debian stand-in, with the
# official image's entrypoint. The tag is the one `promplate compose` writes.
NODE_EXPORTER_IMAGE=docker.io/prom/node-exporter:${NODE_EXPORTER_VERSION:-v1.9.1}
command -v prometheus-node-exporter >/dev/null || { log "prometheus-node-exporter is missing (apt-get install prometheus-node-exporter)"; exit 3; }
stamp=$(fingerprint "$(command -v prometheus-node-exporter)" "$ROOTFS_TAR")
if current "$NODE_EXPORTER_IMAGE" "$stamp"; then
  log "$NODE_EXPORTER_IMAGE is current"
else
  log "building $NODE_EXPORTER_IMAGE"
  ctr=$(buildah from --pull=never "$NODE_IMAGE")
  mnt=$(buildah mount "$ctr")
  install -D -m 0755 "$(command -v prometheus-node-exporter)" "$mnt/bin/node_exporter"
  buildah umount "$ctr" >/dev/null
  buildah config --entrypoint '["/bin/node_exporter"]' --cmd '' --user nobody --label org.promplate.stand-in="$stamp" "$ctr"
  buildah commit --quiet --rm "$ctr" "$NODE_EXPORTER_IMAGE" >/dev/null
fi

# The tags of the prom/* stand-ins, for --build-arg.
echo "PROMETHEUS_VERSION=$PROMETHEUS_VERSION"
echo "ALERTMANAGER_VERSION=$ALERTMANAGER_VERSION"
