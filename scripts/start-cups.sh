#!/usr/bin/env bash
# Starts a private CUPS scheduler for the printer_drivers tests and writes how to reach
# it to var/test-services/cups.env. Idempotent: a second run reuses a running scheduler
# and re-checks its queues.
#
# Private, not the system's /etc/cups: its own config, spool and logs under
# $LOKET_TEST_CUPS_DIR (default /tmp/loket-test-cups), listening only on a Unix socket
# there, so the tests never touch a developer's real printers and a system cupsd (or
# none) makes no difference. Queues:
#   loket-test-pdf   cups-pdf, writing PDFs to $dir/pdf-out. cups-pdf reads its config
#                    only from /etc/cups, per device URI cups-pdf:/NAME from
#                    cups-pdf-NAME.conf, so that one file is ours and cups-pdf.conf stays.
#   loket-test-fail  socket:// to a closed local port, error policy abort-job
#   loket-test-stop  the same device, error policy stop-printer
#   loket-test-retry the same device, error policy retry-job (Debian's default)
# Prints a loud "!!! ... tests will SKIP" line and exits 0 when CUPS cannot run here.
set -uo pipefail
cd "$(dirname "$0")/.."
out=var/test-services
mkdir -p "$out"
rm -f "$out/cups.env"
dir=${LOKET_TEST_CUPS_DIR:-/tmp/loket-test-cups}
sock=$dir/cups.sock
closed_port=${LOKET_TEST_CUPS_CLOSED_PORT:-9}
ppd=/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd
skip() {
  echo "!!! $*: CUPS tests will SKIP" >&2
  exit 0
}
for tool in cupsd lpadmin lpstat lp cancel cupsenable cupsaccept; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install cups cups-client cups-bsd)"
done
[[ -x /usr/lib/cups/backend/cups-pdf && -f $ppd ]] ||
  skip "cups-pdf is not installed (apt-get install printer-driver-cups-pdf)"
# cupsd runs backends with mode 0700 (cups-pdf) as root only when it is root itself.
[[ $(id -u) -eq 0 ]] || skip "not root; the test CUPS must run as root for the cups-pdf backend"

export LC_ALL=C
running() { lpstat -h "$sock" -r 2>/dev/null | grep -q "scheduler is running"; }

if ! running; then
  # Stop our own earlier scheduler if it is wedged (only the pid we recorded, and only
  # if it is still a cupsd using our config).
  if [[ -f $dir/cupsd.pid ]]; then
    old=$(cat "$dir/cupsd.pid")
    if [[ -n $old ]] && grep -qs "$dir/etc/cupsd.conf" "/proc/$old/cmdline"; then
      kill "$old" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -rf "$dir"
  mkdir -p "$dir"/{etc/ppd,etc/ssl,spool/tmp,cache,state,log,pdf-out}
  cat >"$dir/etc/cups-files.conf" <<EOF
ServerRoot $dir/etc
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/state
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
SystemGroup root
EOF
  cat >"$dir/etc/cupsd.conf" <<EOF
LogLevel info
Listen $sock
Browsing No
WebInterface No
PreserveJobHistory Yes
MaxJobs 1000
# Failing jobs are retried only when the queue's own policy says so (retry-job).
JobRetryInterval 5
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
  if ! cupsd -t -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" >"$dir/log/configtest" 2>&1; then
    skip "cupsd rejects the test config (see $dir/log/configtest)"
  fi
  # -f keeps cupsd in the foreground of its own session, so its pid is ours to record.
  setsid cupsd -f -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" \
    >"$dir/log/cupsd.out" 2>&1 </dev/null &
  echo $! >"$dir/cupsd.pid"
  disown || true
  for _ in $(seq 1 100); do
    running && break
    sleep 0.1
  done
  running || skip "cupsd did not start within 10 s (see $dir/log/error_log and $dir/log/cupsd.out)"
fi

cat >/etc/cups/cups-pdf-loket-test-pdf.conf <<EOF
# Written by loket-desa scripts/start-cups.sh for the test queue loket-test-pdf only.
Out $dir/pdf-out
AnonDirName $dir/pdf-out
Spool $dir/spool/cups-pdf
Log $dir/log
Label 2
TitlePref 0
Grp root
UserUMask 0022
AnonUMask 0022
EOF

admin() {
  local name=$1
  shift
  if ! lpadmin -h "$sock" -p "$name" -E "$@" 2>"$dir/log/lpadmin-$name"; then
    skip "lpadmin could not add queue $name ($(tail -n 1 "$dir/log/lpadmin-$name"))"
  fi
  # A test leaves loket-test-stop stopped on purpose; start every run from enabled.
  cupsenable -h "$sock" "$name" && cupsaccept -h "$sock" "$name"
}
# pdftocairo keeps the text extractable in cups-pdf's output (the default, gs, turns
# fonts into glyph soup), so the tests can compare text.
admin loket-test-pdf -v cups-pdf:/loket-test-pdf -P "$ppd" \
  -o printer-error-policy=abort-job -o pdftops-renderer-default=pdftocairo
# contimeout: the socket backend gives up after 1 s instead of retrying for days.
admin loket-test-fail -v "socket://127.0.0.1:$closed_port/?contimeout=1" -P "$ppd" \
  -o printer-error-policy=abort-job -o pdftops-renderer-default=pdftocairo
admin loket-test-stop -v "socket://127.0.0.1:$closed_port/?contimeout=1" -P "$ppd" \
  -o printer-error-policy=stop-printer -o pdftops-renderer-default=pdftocairo
admin loket-test-retry -v "socket://127.0.0.1:$closed_port/?contimeout=1" -P "$ppd" \
  -o printer-error-policy=retry-job -o pdftops-renderer-default=pdftocairo

cat >"$out/cups.env" <<EOF
LOKET_TEST_CUPS_SERVER=$sock
LOKET_TEST_CUPS_PDF_QUEUE=loket-test-pdf
LOKET_TEST_CUPS_PDF_OUT=$dir/pdf-out
LOKET_TEST_CUPS_FAIL_QUEUE=loket-test-fail
LOKET_TEST_CUPS_STOP_QUEUE=loket-test-stop
LOKET_TEST_CUPS_RETRY_QUEUE=loket-test-retry
LOKET_TEST_CUPS_LOG=$dir/log/error_log
EOF
echo "==> CUPS test scheduler on $sock (queues loket-test-pdf, -fail, -stop, -retry)"
