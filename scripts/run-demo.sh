#!/usr/bin/env bash
# Starts the office server on the embedded default (SQLite in var/data) and, when a
# display is available, the kiosk beside it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
.venv/bin/loket server &
pids+=($!)
if [[ -n "${DISPLAY:-}" && -f kiosk_app/main.py ]]; then
  key="${LOKET_DATA_DIR:-var/data}/kiosk/api_key"
  if [[ ! -f "$key" ]]; then
    mkdir -p "$(dirname "$key")"
    .venv/bin/loket add-kiosk --name "demo-kiosk-$(hostname)" --key-file "$key"
  fi
  sleep 2
  .venv/bin/loket-kiosk &
  pids+=($!)
fi
wait "${pids[0]}"
