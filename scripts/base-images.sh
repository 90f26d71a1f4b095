#!/usr/bin/env bash
# Local stand-ins for the images Dockerfile.prometheus and Dockerfile.alertmanager build FROM, for machines that
# cannot reach a registry (CI, tests). They are tagged exactly as the official images, so the Dockerfiles build
# unchanged with `--pull=never`:
#   docker.io/library/node:20-bookworm-slim      Debian bookworm (debootstrap minbase) + this host's Node 20 + tini
#   docker.io/prom/prometheus:$PROMETHEUS_VERSION     /bin/prometheus, /bin/promtool   (Debian's, which link only libc)
#   docker.io/prom/alertmanager:$ALERTMANAGER_VERSION /bin/alertmanager, /bin/amtool
# The stand-in binaries are Debian's (Prometheus 2.42, Alertmanager 0.25), whatever version the tag says.
# Needs root, debootstrap, buildah, and Debian's prometheus, prometheus-alertmanager and tini packages.
# Cached: the root file system tarball is kept in $PROMPLATE_BASE_CACHE, and an image is rebuilt only when its
# inputs (this script, the binaries) change, so a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

PROMETHEUS_VERSION=${PROMETHEUS_VERSION:-$(sed -n 's/^ARG PROMETHEUS_VERSION=//p' Dockerfile.prometheus)}
ALERTMANAGER_VERSION=${ALERTMANAGER_VERSION:-$(sed -n 's/^ARG ALERTMANAGER_VERSION=//p' Dockerfile.alertmanager)}
CACHE=${PROMPLATE_BASE_CACHE:-/var/cache/promplate-base-images}
NODE=${NODE_BINARY:-/usr/bin/node}
mkdir -p "$CACHE"

log() { printf 'base-images: %s\n' "$*" >&2; }

case "$("$NODE" --version)" in
  v20.*) ;;
  *) log "$NODE is $("$NODE" --version), not Node 20 (set NODE_BINARY)"; exit 3 ;;
esac
for tool in debootstrap buildah tini prometheus promtool prometheus-alertmanager amtool; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install debootstrap buildah tini prometheus prometheus-alertmanager)"; exit 3; }
done

# The mirror apt already uses (deb822 `URIs:` or a one-line `deb URL bookworm …`).
mirror() {
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

fingerprint() { cat "$0" "$@" | sha256sum | cut -c1-16; }

# An image is current when it carries the fingerprint of its inputs as a label.
current() {
  [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "org.promplate.stand-in"}}{{index .OCIv1.Config.Labels "org.promplate.stand-in"}}' "$1" 2>/dev/null || true)" = "$2" ]
}

ROOTFS_TAR=$CACHE/bookworm-minbase.tar
if [ ! -s "$ROOTFS_TAR" ]; then
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  log "debootstrap --variant=minbase bookworm from $(mirror) (about 40 s)"
  start=$SECONDS
  debootstrap --variant=minbase bookworm "$dir" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$dir"; exit 3; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar --numeric-owner --xattrs -C "$dir" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$dir"
  log "root file system ready in $((SECONDS - start)) s"
fi

NODE_IMAGE=docker.io/library/node:20-bookworm-slim
# Debian's alertmanager reads its notification templates from here (upstream's binary embeds them); the Dockerfile
# copies only the binary, so the base stand-in carries them.
AM_TEMPLATES=/usr/share/prometheus/alertmanager
stamp=$(fingerprint "$ROOTFS_TAR" "$NODE" "$(command -v tini)" "$AM_TEMPLATES/default.tmpl" "$AM_TEMPLATES/email.tmpl")
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
  install -D -m 0644 -t "$mnt$AM_TEMPLATES" "$AM_TEMPLATES/default.tmpl" "$AM_TEMPLATES/email.tmpl"
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
  "/bin/prometheus=$(command -v prometheus)" "/bin/promtool=$(command -v promtool)"
binaries_image "docker.io/prom/alertmanager:$ALERTMANAGER_VERSION" \
  "/bin/alertmanager=$(command -v prometheus-alertmanager)" "/bin/amtool=$(command -v amtool)"

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
