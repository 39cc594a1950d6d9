#!/usr/bin/env bash
# Copy the front-end files we take from npm into the repository, so that nothing is ever
# fetched from a CDN or at test time. Run it after changing frontend/package.json, then
# commit what it copied:
#
#   scripts/vendor-assets.sh
#
# Today: axe-core (MPL-2.0), the accessibility engine the browser tests inject into pages
# (tests/browser/test_accessibility.py). It is never served to visitors.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/frontend"
npm ci --no-audit --no-fund

AXE=node_modules/axe-core
AXE_VERSION=$(node -p "require('./$AXE/package.json').version")
AXE_LICENSE=$(node -p "require('./$AXE/package.json').license")
DEST="$ROOT/tests/browser/vendor"
mkdir -p "$DEST"
cp "$AXE/axe.min.js" "$DEST/axe.min.js"
cp "$AXE/LICENSE" "$DEST/axe.LICENSE"
cat >"$DEST/axe.VERSION" <<NOTE
axe-core $AXE_VERSION ($AXE_LICENSE), from npm through frontend/package-lock.json.
Source: https://github.com/dequelabs/axe-core. Copied by scripts/vendor-assets.sh;
used by the browser tests only, never served to visitors.
NOTE
echo "Vendored axe-core $AXE_VERSION into ${DEST#"$ROOT"/}"
