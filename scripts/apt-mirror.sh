#!/usr/bin/env bash
# Prints the Debian mirror apt is already configured with, and the keyring it is signed with:
#   URI KEYRING        (KEYRING is "-" when the source names none: apt's trusted keys then apply)
# Read from deb822 `.sources` files (`URIs:`, `Signed-By:`) or one-line `deb [signed-by=…] URI suite …` entries;
# security mirrors are skipped (they carry no prometheus). Exits 3 when apt has no Debian mirror configured:
# no address is built in, on purpose.
set -euo pipefail

main_sources() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    # One stanza per blank-line-separated block; keep those whose suites are Debian's (not -security).
    awk -v RS= '
      /(^|\n)Types:[^\n]*deb([ \t\n]|$)/ && /(^|\n)Suites:/ && !/-security/ {
        uri = ""; key = "-"
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          if (lines[i] ~ /^URIs:/) { split(lines[i], f, /[ \t]+/); uri = f[2] }
          if (lines[i] ~ /^Signed-By:[ \t]*\//) { split(lines[i], f, /[ \t]+/); key = f[2] }
        }
        if (uri != "") print uri, key
      }' "$file"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk '$1 == "deb" && !/-security/ {
      key = "-"; uri = $2
      if ($2 ~ /^\[/) {
        for (i = 2; i <= NF && $i !~ /^[a-z]+:\/\//; i++) if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\].*/, "", key) }
        uri = $i
      }
      print uri, key
    }' "$file"
  done
}

# A mirror is Debian's when apt already has its index for one of Debian's suites (the lists folder names it).
while read -r uri key; do
  stem=$(printf '%s' "${uri#*://}" | sed 's:/*$::; s:/:_:g')
  if compgen -G "/var/lib/apt/lists/${stem}_dists_*_InRelease" >/dev/null \
    && grep -qsE '^Origin: Debian$' /var/lib/apt/lists/"${stem}"_dists_*_InRelease; then
    printf '%s %s\n' "$uri" "$key"
    exit 0
  fi
done < <(main_sources)

echo "no Debian mirror configured for apt (looked in /etc/apt/sources.list and /etc/apt/sources.list.d/); add one, run apt-get update, and try again" >&2
exit 3
