#!/usr/bin/env bash
# The system tools the tests drive, from Debian's packages, when missing: Chromium (browser tests) and
# Prometheus with promtool (alert-rule and real-scrape tests). Nothing is downloaded from elsewhere.
set -euo pipefail

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v promtool >/dev/null || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing ${missing[*]} from Debian's packages"
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
