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
# - Chart.js (MIT), the store's sales chart (docs/decisions/0009-charts.md): its UMD build,
#   copied as published (its own header names the version and the licence) without the
#   source-map comment, to marketplace/static/marketplace/vendor/chart.umd.min.js. Its one
#   dependency, @kurkle/color (MIT), is inside; both licences are in chart.LICENSE.
# - the election cryptography of the booth and the trustee ceremony: frontend/src/election.js
#   and shuffle.js on @noble/curves (ristretto255) and @noble/hashes (SHA-2), both MIT,
#   bundled by esbuild into coop_governance/static/coop_governance/vendor/election.min.js
#   (docs/election-record.md), tested with node (frontend/test/). The sealed tender's bid
#   encryption, frontend/src/tender.js (docs/tender-record.md), is in the same bundle.
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

CHART=node_modules/chart.js
CHART_VERSION=$(node -p "require('./$CHART/package.json').version")
CHART_LICENSE=$(node -p "require('./$CHART/package.json').license")
DEST="$ROOT/marketplace/static/marketplace/vendor"
mkdir -p "$DEST"
# The map is not shipped: Django's manifest storage would refuse a comment naming a missing file.
grep -v '^//# sourceMappingURL=' "$CHART/dist/chart.umd.min.js" >"$DEST/chart.umd.min.js"
head -n 5 "$DEST/chart.umd.min.js" | grep -q "Chart.js v$CHART_VERSION" # its header names it
{
  cat "$CHART/LICENSE.md"
  printf '\n\n--- @kurkle/color (bundled inside, MIT) ---\n\n'
  cat node_modules/@kurkle/color/LICENSE.md
} >"$DEST/chart.LICENSE"
cat >"$DEST/chart.VERSION" <<NOTE
chart.js $CHART_VERSION ($CHART_LICENSE), from npm through frontend/package-lock.json: its
dist/chart.umd.min.js as published, less its source-map comment. Its one dependency,
@kurkle/color (MIT), is inside. Source: https://github.com/chartjs/Chart.js. Copied by
scripts/vendor-assets.sh; loaded by marketplace/static/marketplace/sales-chart.js's page
(the store's sales dashboard).
NOTE
echo "Vendored chart.js $CHART_VERSION into ${DEST#"$ROOT"/}"

CURVES=node_modules/@noble/curves
HASHES=node_modules/@noble/hashes
CURVES_VERSION=$(node -p "require('./$CURVES/package.json').version")
HASHES_VERSION=$(node -p "require('./$HASHES/package.json').version")
DEST="$ROOT/coop_governance/static/coop_governance/vendor"
mkdir -p "$DEST"
npx --no-install esbuild src/election-bundle.js --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --log-level=warning --outfile="$DEST/election.min.js"
{
  printf -- '--- @noble/curves %s (MIT) ---\n\n' "$CURVES_VERSION"
  cat "$CURVES/LICENSE"
  printf -- '\n\n--- @noble/hashes %s (MIT) ---\n\n' "$HASHES_VERSION"
  cat "$HASHES/LICENSE"
} >"$DEST/election.LICENSE"
cat >"$DEST/election.VERSION" <<NOTE
@noble/curves $CURVES_VERSION (MIT) and @noble/hashes $HASHES_VERSION (MIT), from npm through
frontend/package-lock.json: the ristretto255 group and SHA-256/SHA-512, bundled with our
frontend/src/election.js (ballots, proofs, the Benaloh audit, the trustee's key generation
and partial decryption), frontend/src/shuffle.js (the mixnet) and frontend/src/tender.js (the
sealed tender's bid encryption, with WebCrypto's AES-GCM) by esbuild $ESBUILD_VERSION into one
minified ES module. Sources: https://github.com/paulmillr/noble-curves and
https://github.com/paulmillr/noble-hashes. Built by scripts/vendor-assets.sh; imported by
coop_governance/static/coop_governance/booth.js and trustee.js, and by civic's tender pages.
The formats it implements are docs/election-record.md and docs/tender-record.md.
NOTE
echo "Vendored @noble/curves $CURVES_VERSION and @noble/hashes $HASHES_VERSION (election) into ${DEST#"$ROOT"/}"
