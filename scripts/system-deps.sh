#!/usr/bin/env bash
# Make sure the system packages that `make test` needs are present.
#
# On a machine where we are root and apt-get exists (ours and CI's), install what is
# missing. Anywhere else, say exactly what is missing and how to get it, and fail.
set -euo pipefail

# package -> a file that proves it is installed. `system-deps.sh bench` adds what the
# benchmarks need.
declare -A PROBES=(
  [chromium]=/usr/bin/chromium
  [gettext]=/usr/bin/msgfmt
  # Smart cards: the PC/SC daemon, the virtual reader our card emulator plugs into, and
  # what pyscard compiles against.
  [pcscd]=/usr/sbin/pcscd
  [vsmartcard-vpcd]=/etc/reader.conf.d/vpcd
  [libpcsclite-dev]=/usr/include/PCSC/winscard.h
  [swig]=/usr/bin/swig
  # ristretto255 for the secret ballot (coop_governance/election/group.py): PyNaCl keeps
  # its bundled copy's ristretto255 functions private, so we call the system's libsodium.
  [libsodium23]=$(ls /usr/lib/*/libsodium.so.23 /usr/lib/libsodium.so.23 2>/dev/null | head -n 1)
  # The booth's committed JavaScript bundle is tested under node (coop_governance/tests/
  # test_election_js.py); any node on the PATH will do, Debian's otherwise.
  [nodejs]=$(command -v node || echo /usr/bin/node)
)
if [ "${1:-}" = "run" ]; then
  # `make run` needs only what the web server itself loads.
  libsodium=${PROBES[libsodium23]}
  unset PROBES
  declare -A PROBES=([libsodium23]=$libsodium)
fi
if [ "${1:-}" = "bench" ]; then
  PROBES[wrk]=/usr/bin/wrk
  PROBES[postgresql-client]=/usr/bin/psql
fi

missing=()
for package in "${!PROBES[@]}"; do
  [ -e "${PROBES[$package]}" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

{
  echo "system-deps: these system packages are missing: ${missing[*]}"
  for package in "${missing[@]}"; do
    echo "  - $package (needs ${PROBES[$package]})"
  done
  echo "On Debian or Ubuntu: sudo apt-get install -y ${missing[*]}"
  echo "Browser tests drive Debian's Chromium at /usr/bin/chromium through Playwright;"
  echo "Playwright's own browser download is not used. Smart-card tests run a virtual PIV"
  echo "card behind pcscd's vpcd reader (packages pcscd, vsmartcard-vpcd)."
} >&2
exit 1
