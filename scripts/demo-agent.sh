#!/usr/bin/env bash
# Run a command (the demo web server) with the Uniqc card agent's bridge beside it, and stop
# the agent (and whatever this script started for it) when the command exits.
#
#   scripts/demo-agent.sh .venv/bin/python manage.py runserver localhost:8000
#
# The demo card is the virtual PIV card (card_agent.emulator) behind pcscd's vpcd reader
# when pcscd, vpcd and pyscard are all present; otherwise the software demo card, which the
# pages label as a demo card (DEMO_CARD=softcard forces it). Both keep the card in
# DEMO_CARD_STATE (var/demo-card.json; PIN 123456 until someone sets theirs), issued on the
# first run to DEMO_CARD_HOLDER (the demo shopper unless set; a registrar's card comes from
# the demo superuser), and the logs in log/ beside it. The bridge runs in registrar mode
# with PIN entry on the page: on the demo machine, the registrar's workstation and the
# holder's computer are one. It listens on 127.0.0.1:AGENT_PORT (34567) for the pages of
# UNIQC_AGENT_ORIGINS (unset: SITE_URL, itself http://localhost:PORT unless set), and the
# pages reach it at CARD_AGENT_URL (unset: http://127.0.0.1:AGENT_PORT); `make run` passes
# all of them.
set -uo pipefail

PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
AGENT_PORT=${AGENT_PORT:-34567}
# The command and the agent see the same addresses (exported: the web server reads them).
export SITE_URL=${SITE_URL:-http://localhost:$PORT}
export CARD_AGENT_URL=${CARD_AGENT_URL:-http://127.0.0.1:$AGENT_PORT}
STATE=${DEMO_CARD_STATE:-var/demo-card.json}
HOLDER=${DEMO_CARD_HOLDER:-shopper@demo.uniqc.coop}
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
VPCD_READER="Virtual PCD 00 00"
LOG_DIR=$(dirname "$STATE")/log
export UNIQC_AGENT_ORIGINS=${UNIQC_AGENT_ORIGINS:-$SITE_URL}

started=()  # the pids this script started, stopped in reverse order on exit
stop_started() {
  local index
  for ((index = ${#started[@]} - 1; index >= 0; index--)); do
    kill "${started[index]}" 2>/dev/null
  done
  for pid in "${started[@]}"; do
    wait "$pid" 2>/dev/null
  done
}
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$(dirname "$STATE")" "$LOG_DIR"
# On the first run, the holder receives the demo card (before anything opens it).
"$PY" manage.py card_demo_issue --state "$STATE" --holder "$HOLDER"

pcsc_readers() {
  "$PY" -c 'from smartcard.System import readers; print("\n".join(map(str, readers())))' \
    2>/dev/null
}

wait_for_vpcd_reader() {
  for _ in $(seq 50); do
    pcsc_readers | grep -q "^$VPCD_READER" && return 0
    sleep 0.1
  done
  return 1
}

pcsc_usable() {
  command -v pcscd >/dev/null 2>&1 || return 1
  [ -e "$VPCD_DRIVER" ] || return 1
  "$PY" -c 'import smartcard' 2>/dev/null || return 1
  if ! pgrep -x pcscd >/dev/null 2>&1; then
    pcscd --foreground >"$LOG_DIR/pcscd.log" 2>&1 &
    started+=($!)
  fi
  wait_for_vpcd_reader
}

if [ "${DEMO_CARD:-}" != softcard ] && pcsc_usable; then
  "$PY" -m card_agent.emulator --state "$STATE" >"$LOG_DIR/demo-card.log" 2>&1 &
  started+=($!)
  "$PY" -m card_agent.agent --reader "$VPCD_READER" \
    serve --port "$AGENT_PORT" --pin-entry page --registrar >"$LOG_DIR/agent.log" 2>&1 &
  started+=($!)
  card="the virtual PIV card in pcscd's vpcd reader ($STATE)"
else
  "$PY" -m card_agent.agent --softcard "$STATE" \
    serve --port "$AGENT_PORT" --pin-entry page --registrar >"$LOG_DIR/agent.log" 2>&1 &
  started+=($!)
  card="the software demo card ($STATE)"
  [ "${DEMO_CARD:-}" = softcard ] || card="$card: pcscd with vpcd, or pyscard, is not available"
fi

sleep 0.5
if kill -0 "${started[-1]}" 2>/dev/null; then
  echo "Card agent on http://127.0.0.1:$AGENT_PORT (registrar mode, for $UNIQC_AGENT_ORIGINS)"
  echo "  with $card."
  echo "  Log: $LOG_DIR/agent.log. A new card's PIN is 123456."
  echo
  echo "The first ten minutes: open $SITE_URL/compte/connexion/, choose"
  echo "\"Se connecter avec ma carte\" (the card is $HOLDER's, PIN 123456), add a passkey"
  echo "from your account, sign out, then sign in with the passkey."
else
  echo "The card agent did not start (is port $AGENT_PORT taken?); see $LOG_DIR/agent.log." >&2
fi
echo

"$@"
