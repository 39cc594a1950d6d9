#!/usr/bin/env bash
# Copy the front-end files we take from npm into the repository, so that nothing is ever
# fetched from a CDN or at test time. Run it after changing frontend/package.json, then
# commit what it copied:
#
#   scripts/vendor-assets.sh
#
# - axe-core (MPL-2.0), the accessibility engine the browser tests inject into pages
#   (tests/browser/test_accessibility.py). It is never served to visitors.
# - the QR decoder of the courier app and the kiosk: ZXing's QR reader (@zxing/library,
#   Apache-2.0), bundled by esbuild from frontend/src/qr-decoder.js into one ES module,
#   lockers/static/lockers/vendor/zxing-qr.min.js (docs/decisions/0008-courier-scanner.md).
#   Served to visitors whose browser has no BarcodeDetector.
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

ZXING=node_modules/@zxing/library
ZXING_VERSION=$(node -p "require('./$ZXING/package.json').version")
ZXING_LICENSE=$(node -p "require('./$ZXING/package.json').license")
ESBUILD_VERSION=$(node -p "require('./node_modules/esbuild/package.json').version")
DEST="$ROOT/lockers/static/lockers/vendor"
mkdir -p "$DEST"
npx --no-install esbuild src/qr-decoder.js --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --log-level=warning --outfile="$DEST/zxing-qr.min.js"
{
  cat "$ZXING/LICENSE"
  printf '\n\n--- ts-custom-error (bundled inside, MIT) ---\n\n'
  cat node_modules/ts-custom-error/LICENSE
} >"$DEST/zxing-qr.LICENSE"
cat >"$DEST/zxing-qr.VERSION" <<NOTE
@zxing/library $ZXING_VERSION ($ZXING_LICENSE), from npm through frontend/package-lock.json:
its QR reader only, bundled with frontend/src/qr-decoder.js by esbuild $ESBUILD_VERSION
(minified ES module, no WebAssembly, no worker). Its one dependency, ts-custom-error
(MIT), is inside. Source: https://github.com/zxing-js/library. Built by
scripts/vendor-assets.sh; served to browsers without BarcodeDetector
(lockers/static/lockers/scanner.js).
NOTE
echo "Vendored @zxing/library $ZXING_VERSION (QR reader) into ${DEST#"$ROOT"/}"
