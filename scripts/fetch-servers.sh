#!/usr/bin/env bash
# Fetches current Prometheus and Alertmanager servers for the tests and the stand-in images, without installing
# anything into the system: Debian's `prometheus`, `promtool` (a package of its own since Prometheus 3; part of
# `prometheus` before) and `prometheus-alertmanager` (prometheus-alertmanager, amtool) packages, downloaded with `apt-get download` through a private sources list and
# package index (the mirror apt already uses, see apt-mirror.sh) and unpacked with `dpkg-deb -x`.
#
#   scripts/fetch-servers.sh [current] [stable]
#     current  the newest line: Debian testing, else unstable, else stable            (the default)
#     stable   Debian stable's line, an older one
#
# Layout, relied on by test/helpers.ts and scripts/base-images.sh:
#   ${PROMPLATE_SERVERS_CACHE:-/var/cache/promplate-servers}/LINE/usr/bin/{prometheus,promtool,prometheus-alertmanager,amtool}
#   ${PROMPLATE_SERVERS_CACHE:-/var/cache/promplate-servers}/LINE/VERSIONS        suite and package versions
# Versions are discovered, not pinned. A line already in the cache is kept as it is (no network): set
# PROMPLATE_SERVERS_REFRESH=1 to fetch again. Exit 3 when no suite has the packages or the mirror cannot be reached.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

CACHE=${PROMPLATE_SERVERS_CACHE:-/var/cache/promplate-servers}
PACKAGES=(prometheus prometheus-alertmanager)
BINARIES=(prometheus promtool prometheus-alertmanager amtool)

log() { printf 'fetch-servers: %s\n' "$*" >&2; }
fail() { log "$*"; exit 3; }

complete() { local bin; for bin in "${BINARIES[@]}"; do [ -x "$1/usr/bin/$bin" ] || return 1; done; }

# apt-get or apt-cache with a private index and cache for one suite: reads only the system's keyrings and status
# file, changes nothing outside $CACHE.
suite_apt() {
  local tool=$1 suite=$2; shift 2
  local dir=$CACHE/apt/$suite
  "$tool" -q \
    -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
    -o Acquire::Languages=none -o APT::Get::List-Cleanup=false "$@"
}

# Downloads the packages from SUITE into DEST/debs; fails (status 1) when the suite lacks one of them.
download() {
  local suite=$1 dest=$2 uri key dir
  read -r uri key < <("$here/apt-mirror.sh") || exit 3
  dir=$CACHE/apt/$suite
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  if [ "$key" = - ]; then
    echo "deb $uri $suite main" >"$dir/sources.list"
  else
    echo "deb [signed-by=$key] $uri $suite main" >"$dir/sources.list"
  fi
  log "$suite: updating its package index"
  suite_apt apt-get "$suite" update >"$dir/update.log" 2>&1 || { tail -n 5 "$dir/update.log" >&2; return 1; }
  local package packages=()
  for package in "${PACKAGES[@]}"; do
    suite_apt apt-cache "$suite" show "$package" >/dev/null 2>&1 || { log "$suite has no $package"; return 1; }
    packages+=("$package")
  done
  if suite_apt apt-cache "$suite" show promtool >/dev/null 2>&1; then packages+=(promtool); fi
  mkdir -p "$dest/debs"
  # apt's download sandbox user must be able to write where it downloads.
  if id _apt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then chown _apt "$dest/debs"; fi
  log "$suite: downloading ${packages[*]}"
  (cd "$dest/debs" && suite_apt apt-get "$suite" download "${packages[@]}" >"$dest/download.log" 2>&1) \
    || { tail -n 5 "$dest/download.log" >&2; return 1; }
}

fetch_line() {
  local line=$1; shift
  local target=$CACHE/$line
  if complete "$target" && [ -z "${PROMPLATE_SERVERS_REFRESH:-}" ]; then
    log "$line: cached in $target ($(tr '\n' ' ' <"$target/VERSIONS"))"
    return
  fi
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || fail "apt-get and dpkg-deb are needed (Debian or Ubuntu)"
  mkdir -p "$CACHE"
  local work suite deb
  work=$(mktemp -d "$CACHE/.$line.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  for suite in "$@"; do
    if download "$suite" "$work"; then
      for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
      complete "$work/root" || { log "$suite: the packages lack one of ${BINARIES[*]}"; rm -rf "$work/root" "$work/debs"; continue; }
      {
        echo "suite=$suite"
        for deb in "$work"/debs/*.deb; do echo "$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"; done
      } >"$work/root/VERSIONS"
      rm -rf "$target"
      mv "$work/root" "$target"
      rm -rf "$work"; trap - EXIT
      log "$line: $(tr '\n' ' ' <"$target/VERSIONS")in $target"
      return
    fi
  done
  fail "none of the suites $* has ${PACKAGES[*]} (or the mirror cannot be reached; see $CACHE/apt/*/update.log)"
}

lines=("$@")
[ ${#lines[@]} -gt 0 ] || lines=(current)
for line in "${lines[@]}"; do
  case $line in
    current) fetch_line current testing unstable stable ;;
    stable) fetch_line stable stable ;;
    *) log "unknown line '$line' (current or stable)"; exit 2 ;;
  esac
done
