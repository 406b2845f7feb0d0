#!/usr/bin/env bash
# Installs or upgrades Loket Desa on a Debian 12 PC: one command, run as root from a
# copy of the source (a release tarball or a git checkout).
#
#   sudo deploy/install.sh                         # the office PC (server + nightly backup)
#   sudo deploy/install.sh --role kiosk --server http://192.168.1.10:8000 --kiosk-key-file K
#   sudo deploy/install.sh --role both             # one PC with the touchscreen: all of it
#
# Run again from a newer copy, the same command upgrades: a backup first, the migration
# with the new code, and if it fails the data is restored from that backup and the old
# release keeps running. Settings (/etc/loket/) and data (/var/lib/loket/) are kept.
#
# A script, not a .deb: it runs from the checkout the office already has, needs no
# package repository, and `--root DIR` installs into an empty directory tree, so the tests
# check what it writes (users, modes, units) without a systemd of their own.
set -euo pipefail
umask 022

SRC=$(cd "$(dirname "$0")/.." && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)   # the units and package lists come with the script
ROOT=/
ROLE=office
PYTHON_ENV=""
APT=1
START=1
PUBLIC_URL=""
HUB_CREDENTIALS=""
USB_LABEL=""
KEEP=7
SERVER_URL=""
KIOSK_KEY_FILE=""
PORT=8000

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --role office|kiosk|both  what this PC is (default office)
  --public-url URL          the address phones use (default http://<this PC's LAN IP>:8000)
  --hub-credentials FILE    the file `loket hub add-village` printed: the server syncs
  --usb-label LABEL         copy each nightly backup to the USB disk with this label
  --keep N                  nightly backups kept (default 7)
  --server URL              (kiosk) the office server
  --kiosk-key-file FILE     (kiosk) the key printed by `loket add-kiosk`
  --root DIR                install into DIR instead of / (tests; no apt, no systemctl start)
  --python-env VENV         use this Python environment instead of building one
  --source DIR              install the code in DIR (default: this script's checkout)
  --no-apt                  do not install Debian packages
  --no-start                write and enable everything, start nothing
EOF
}

while (($#)); do
  case $1 in
    --root) ROOT=$2; shift ;;
    --source) SRC=$(cd "$2" && pwd); shift ;;
    --role) ROLE=$2; shift ;;
    --python-env) PYTHON_ENV=$2; shift ;;
    --public-url) PUBLIC_URL=$2; shift ;;
    --hub-credentials) HUB_CREDENTIALS=$(realpath "$2"); shift ;;
    --usb-label) USB_LABEL=$2; shift ;;
    --keep) KEEP=$2; shift ;;
    --server) SERVER_URL=$2; shift ;;
    --kiosk-key-file) KIOSK_KEY_FILE=$2; shift ;;
    --port) PORT=$2; shift ;;
    --no-apt) APT=0 ;;
    --no-start) START=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $ROLE in office | kiosk | both) ;; *) echo "--role is office, kiosk or both" >&2; exit 2 ;; esac
[[ $KEEP =~ ^[1-9][0-9]*$ ]] || { echo "--keep must be a whole number of at least 1" >&2; exit 2; }
if [[ $(id -u) -ne 0 ]]; then
  echo "Jalankan sebagai root: sudo $0 $*" >&2
  exit 1
fi
ROOT=$(realpath -m "$ROOT")
R=${ROOT%/}   # prefix for every path below ("" on a real install)
LIVE=0        # a real machine with systemd running: apt, systemctl and starting happen
if [[ -z $R ]]; then
  [[ -d /run/systemd/system ]] && LIVE=1
else
  APT=0
  START=0
  mkdir -p "$R/etc"
fi
office() { [[ $ROLE == office || $ROLE == both ]]; }
kiosk() { [[ $ROLE == kiosk || $ROLE == both ]]; }
say() { printf '==> %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------
if ((APT)); then
  lists=()
  office && lists+=("$HERE/apt-office.txt")
  kiosk && lists+=("$HERE/apt-kiosk.txt")
  mapfile -t pkgs < <(cat "${lists[@]}" | grep -v '^\s*#' | grep -v '^\s*$' | sort -u)
  say "apt-get install ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# --- users -----------------------------------------------------------------------
# System users with no password (locked) and no login shell; the kiosk's user logs in
# only through loket-kiosk.service, never at a prompt.
# (An empty --root tree gets the four files useradd needs; a real system has them.)
for f in passwd:022 group:022 shadow:027 gshadow:027; do
  [[ -e $R/etc/${f%:*} ]] || (umask "${f#*:}" && : >"$R/etc/${f%:*}")
done
prefix=()
[[ -n $R ]] && prefix=(--prefix "$R")
add_user() { # name home [groups that exist]
  local name=$1 home=$2 groups=()
  for g in "${@:3}"; do grep -q "^$g:" "$R/etc/group" && groups+=("$g"); done
  if ! grep -q "^$name:" "$R/etc/passwd"; then
    local extra=()
    ((${#groups[@]})) && extra=(--groups "$(IFS=,; echo "${groups[*]}")")
    useradd "${prefix[@]}" --system --user-group --home-dir "$home" --no-create-home \
      --shell /usr/sbin/nologin "${extra[@]}" "$name"
    say "user $name"
  fi
}
uid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$R/etc/passwd"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$R/etc/group"; }
office && add_user loket /var/lib/loket
# video/render/input: the screen and the touch panel; lp/dialout: USB and serial printers.
kiosk && add_user loket-kiosk /var/lib/loket-kiosk video render input lp dialout

# --- folders ---------------------------------------------------------------------
# Data and backups hold every resident's NIK: 700, the loket user's only.
install -d -m 755 "$R/opt/loket/releases" "$R/usr/local/bin" "$R/etc/systemd/system"
install -d -m 750 -o 0 -g 0 "$R/etc/loket"
if office; then
  U=$(uid_of loket) G=$(gid_of loket)
  install -d -m 700 -o "$U" -g "$G" "$R/var/lib/loket" "$R/var/lib/loket/data" \
    "$R/var/lib/loket/backups"
  chgrp "$G" "$R/etc/loket"
fi
if kiosk; then
  KU=$(uid_of loket-kiosk) KG=$(gid_of loket-kiosk)
  install -d -m 700 -o "$KU" -g "$KG" "$R/var/lib/loket-kiosk"
fi

# --- the release: source and Python environment -----------------------------------
STAMP=$(date -u +%Y%m%d-%H%M%S)
REV=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo src)
NEW="$R/opt/loket/releases/$STAMP-$REV"
OLD=""
[[ -L $R/opt/loket/current ]] && OLD=$(readlink -f "$R/opt/loket/current")
[[ -n $OLD && ! -x $OLD/bin/loket ]] && OLD=""
say "release $STAMP-$REV"
install -d -m 755 "$NEW/src" "$NEW/bin"
for part in office_server kiosk_app printer_drivers loket_protocol regency_hub resident_web \
  pyproject.toml README.md deploy; do
  [[ -e $SRC/$part ]] && cp -r "$SRC/$part" "$NEW/src/"
done
find "$NEW/src" -name __pycache__ -type d -prune -exec rm -rf {} +
chmod -R u=rwX,go=rX "$NEW/src"
if [[ -n $PYTHON_ENV ]]; then
  ln -s "$(realpath "$PYTHON_ENV")" "$NEW/venv"
else
  extra=server,printing
  kiosk && extra=all
  [[ $ROLE == kiosk ]] && extra=kiosk
  say "Python environment (a few minutes)"
  python3 -m venv "$NEW/venv"
  "$NEW/venv/bin/pip" install -q --disable-pip-version-check "$NEW/src[$extra]"
fi
# The release runs its own copy of the code (src first on the path; -P: never the current
# folder), so an upgrade that
# is rolled back runs exactly the old code again.
for cmd in loket:office_server.cli:main loket-kiosk:kiosk_app.main:run; do
  name=${cmd%%:*} target=${cmd#*:}
  cat >"$NEW/bin/$name" <<EOF
#!/bin/sh
here=\$(dirname "\$(readlink -f "\$0")")/..
# The session key lives in its own file (600), not in the settings file (640).
if [ -n "\${LOKET_SECRET_KEY_FILE:-}" ] && [ -z "\${LOKET_SECRET_KEY:-}" ]; then
  LOKET_SECRET_KEY=\$(cat "\$LOKET_SECRET_KEY_FILE") || exit 1
  export LOKET_SECRET_KEY
fi
PYTHONPATH="\$here/src" exec "\$here/venv/bin/python" -P -c 'import sys; from ${target%:*} import ${target#*:} as f; sys.exit(f())' "\$@"
EOF
  chmod 755 "$NEW/bin/$name"
done

# --- settings ----------------------------------------------------------------------
ENV_FILE=$R/etc/loket/loket.env
if office && [[ ! -e $ENV_FILE ]]; then
  if [[ -z $PUBLIC_URL ]]; then
    ip=$(hostname -I 2>/dev/null | awk '{print $1}')
    PUBLIC_URL="http://${ip:-127.0.0.1}:$PORT"
  fi
  say "settings $ENV_FILE"
  cat >"$ENV_FILE" <<EOF
# Loket Desa settings (every LOKET_* of office_server/config.py may go here).
# After a change: sudo systemctl restart loket-server
LOKET_ENVIRONMENT=production
LOKET_HOST=0.0.0.0
LOKET_PORT=$PORT
LOKET_PUBLIC_URL=$PUBLIC_URL
LOKET_DATA_DIR=/var/lib/loket/data
LOKET_SECRET_KEY_FILE=/etc/loket/secret.key
LOKET_BACKUP_DIR=/var/lib/loket/backups
LOKET_BACKUP_KEEP=$KEEP
LOKET_BACKUP_USB_LABEL=$USB_LABEL
# The regency hub: run this installer again with --hub-credentials FILE to sync with it.
EOF
  chown 0:"$(gid_of loket)" "$ENV_FILE"
  chmod 640 "$ENV_FILE"
fi
if office && [[ ! -s $R/etc/loket/secret.key ]]; then
  # 64 characters from the kernel's random source; only the server may read it.
  (umask 077 && head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_' >"$R/etc/loket/secret.key")
  chown "$(uid_of loket):$(gid_of loket)" "$R/etc/loket/secret.key"
  chmod 600 "$R/etc/loket/secret.key"
fi

# The settings as this script must use them: under --root every path is inside the tree.
settings() {
  env -i PATH="$PATH" HOME=/root LANG=C.UTF-8 bash -c '
    set -a; . "$1"; set +a
    for v in LOKET_DATA_DIR LOKET_SECRET_KEY_FILE LOKET_BACKUP_DIR LOKET_HUB_CREDENTIALS; do
      [ -n "${!v:-}" ] && export "$v=$2${!v}"
    done
    shift 2; exec "$@"' _ "$ENV_FILE" "$R" "$@"
}
own_data() { chown -R "$(uid_of loket):$(gid_of loket)" "$R/var/lib/loket"; }
systemctl_() { if [[ -n $R ]]; then systemctl --root="$R" "$@"; else systemctl "$@"; fi; }

if office && [[ -n $HUB_CREDENTIALS ]]; then
  # The hub's login for this village: the server (user loket) reads it, nobody else.
  say "hub credentials /etc/loket/hub-credentials.json"
  install -m 640 -o 0 -g "$(gid_of loket)" "$HUB_CREDENTIALS" "$R/etc/loket/hub-credentials.json"
  grep -q '^LOKET_HUB_CREDENTIALS=' "$ENV_FILE" ||
    echo "LOKET_HUB_CREDENTIALS=/etc/loket/hub-credentials.json" >>"$ENV_FILE"
fi

# --- the database: a fresh install migrates; an upgrade backs up first --------------
if office; then
  if [[ -n $OLD ]]; then
    BACKUP=$R/var/lib/loket/backups/sebelum-upgrade-$STAMP.zip
    ((LIVE)) && systemctl stop loket-server.service 2>/dev/null || true
    say "backup before the upgrade: ${BACKUP#"$R"}"
    if ! settings "$OLD/bin/loket" backup "$BACKUP"; then
      echo "Cadangan sebelum upgrade gagal: tidak ada yang diubah." >&2
      rm -rf "$NEW"
      ((LIVE)) && systemctl start loket-server.service
      exit 1
    fi
    say "migrate with the new release"
    if ! settings "$NEW/bin/loket" migrate; then
      echo "Migrasi gagal: data dipulihkan dari $BACKUP, versi lama tetap berjalan." >&2
      DATA=$(settings sh -c 'echo "$LOKET_DATA_DIR"')
      if ! grep -q '^LOKET_DATABASE_URL=postgres' "$ENV_FILE"; then
        # SQLite: the failed database goes aside whole, the backup comes back into an
        # empty data folder. (On PostgreSQL Alembic's one transaction has rolled back.)
        aside=$DATA.gagal-$STAMP
        mv "$DATA" "$aside"
        install -d -m 700 "$DATA"
        [[ -e $aside/session-secret.key ]] && cp -p "$aside/session-secret.key" "$DATA/"
        settings "$OLD/bin/loket" restore "$BACKUP"
        echo "Data yang gagal dimigrasi disimpan di ${aside#"$R"}." >&2
      fi
      own_data
      rm -rf "$NEW"
      ((LIVE)) && systemctl start loket-server.service
      exit 1
    fi
  else
    say "create the database"
    settings "$NEW/bin/loket" migrate
    # The first-run wizard answers the office PC itself, or another PC that gives this
    # code (60 random bits, used until the first admin account exists).
    SETUP_CODE=$(head -c 8 /dev/urandom | base32 | tr -d '=' | cut -c1-12 | sed 's/..../&-/g; s/-$//')
    (umask 077 && echo "$SETUP_CODE" >"$R/var/lib/loket/data/setup-code")
  fi
  own_data
fi

# --- switch to the new release, units, start -----------------------------------------
ln -sfn "releases/$(basename "$NEW")" "$R/opt/loket/current.new"
mv -T "$R/opt/loket/current.new" "$R/opt/loket/current"
# Keep the running release and the one before it (for a manual step back).
mapfile -t releases < <(ls -1d "$R"/opt/loket/releases/* | sort)
while ((${#releases[@]} > 2)); do
  rm -rf "${releases[0]}"
  releases=("${releases[@]:1}")
done

cat >"$R/usr/local/bin/loket" <<'EOF'
#!/bin/sh
# The admin's `loket` (sudo loket doctor, sudo loket create-operator ...): the office's
# settings, run as the loket user so every file it writes stays that user's.
if [ -r /etc/loket/loket.env ]; then set -a; . /etc/loket/loket.env; set +a; fi
user=loket
id loket >/dev/null 2>&1 || user=loket-kiosk   # a kiosk PC: `sudo loket doctor` still works
if [ "$(id -u)" = 0 ]; then exec runuser -u "$user" -- /opt/loket/current/bin/loket "$@"; fi
exec /opt/loket/current/bin/loket "$@"
EOF
chmod 755 "$R/usr/local/bin/loket"

units=()
office && units+=(loket-server.service loket-backup.service loket-backup.timer)
kiosk && units+=(loket-kiosk.service)
for unit in "${units[@]}"; do
  install -m 644 "$HERE/systemd/$unit" "$R/etc/systemd/system/$unit"
done
((LIVE)) && systemctl daemon-reload
enable=()
office && enable+=(loket-server.service loket-backup.timer)
kiosk && enable+=(loket-kiosk.service)
systemctl_ enable --quiet "${enable[@]}"
if kiosk; then
  # Boot to the screen, never to a login prompt on tty1.
  # (what `systemctl set-default graphical.target` does, also inside a --root tree)
  ln -sfn /lib/systemd/system/graphical.target "$R/etc/systemd/system/default.target"
  if [[ ! -e $R/etc/loket/kiosk.toml ]]; then
    server=${SERVER_URL:-http://127.0.0.1:$PORT}
    cat >"$R/etc/loket/kiosk.toml" <<EOF
# The kiosk's settings (kiosk_app/kiosk.example.toml lists every key).
server_url = "$server"
api_key_file = "/etc/loket/kiosk.key"
fullscreen = true

[printers]
a4 = ""
receipt = ""
EOF
    chmod 644 "$R/etc/loket/kiosk.toml"
  fi
  if [[ -z $KIOSK_KEY_FILE && ! -e $R/etc/loket/kiosk.key ]] && office; then
    # One PC with the touchscreen: its own kiosk is registered now, so it starts at once.
    KIOSK_KEY_FILE=$(mktemp)
    settings "$R/opt/loket/current/bin/loket" add-kiosk --name "Anjungan $(hostname -s 2>/dev/null || echo 1)" \
      --key-file "$KIOSK_KEY_FILE" >/dev/null
    own_data
  fi
  if [[ -n $KIOSK_KEY_FILE ]]; then
    install -m 600 -o "$(uid_of loket-kiosk)" -g "$(gid_of loket-kiosk)" "$KIOSK_KEY_FILE" \
      "$R/etc/loket/kiosk.key"
    [[ $KIOSK_KEY_FILE == /tmp/tmp.* ]] && rm -f "$KIOSK_KEY_FILE"
  fi
  [[ -e $R/etc/loket/kiosk.key ]] ||
    echo "Anjungan: letakkan kuncinya di /etc/loket/kiosk.key (600), lalu: sudo systemctl start loket-kiosk" >&2
  # The kiosk's user reads its own settings and key, nothing else of /etc/loket.
  chmod 751 "$R/etc/loket"
fi

if ((START && LIVE)); then
  office && systemctl restart loket-server.service && systemctl start loket-backup.timer
  kiosk && systemctl restart loket-kiosk.service
fi

say "done: release $(basename "$NEW")"
if office && [[ -z $OLD ]]; then
  url=$(grep '^LOKET_PUBLIC_URL=' "$ENV_FILE" | cut -d= -f2-)
  port=$(grep '^LOKET_PORT=' "$ENV_FILE" | cut -d= -f2-)
  cat <<EOF

Loket Desa terpasang. Lanjutkan pemasangan di peramban (browser):
  di PC ini:        http://127.0.0.1:$port/pasang
  dari PC lain:     $url/pasang   dengan kode: $SETUP_CODE
Profil desa, logo, printer (dengan halaman uji), anjungan, lalu akun admin pertama.
Pemeriksaan kapan saja:  sudo loket doctor
EOF
fi
