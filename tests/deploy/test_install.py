"""deploy/install.sh into a fresh directory tree: users, modes, settings, units, and a
server that starts from what it wrote and speaks systemd's notify protocol."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy.tree import Tree, require_root
from tests.support.server import free_port
from tests.support.waiting import HANG_GUARD, wait_until

OFFICE_UNITS = (
    "loket-server.service",
    "loket-backup.service",
    "loket-backup.timer",
)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    require_root()
    return Tree(tmp_path / "root")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _owner(path: Path) -> tuple[int, int]:
    st = path.lstat()
    return st.st_uid, st.st_gid


def _enabled(tree: Tree, target: str) -> set[str]:
    wants = tree.path(f"/etc/systemd/system/{target}.target.wants")
    return {p.name for p in wants.iterdir()} if wants.exists() else set()


def test_an_office_and_kiosk_install_makes_locked_users_private_data_and_enabled_units(
    tree: Tree, tmp_path: Path
) -> None:
    hub_credentials = tmp_path / "sukamaju.json"
    hub_credentials.write_text('{"kode_desa": "36.04.01.2001"}')
    tree.install(
        "--role",
        "both",
        "--public-url",
        "http://10.0.0.5:8000",
        "--hub-credentials",
        str(hub_credentials),
        "--usb-label",
        "CADANGAN",
    )
    loket = tree.ids("loket")
    kiosk = tree.ids("loket-kiosk")
    passwd = tree.path("/etc/passwd").read_text()
    assert "loket:x:" in passwd and "loket-kiosk:x:" in passwd
    for line in passwd.splitlines():
        if line.startswith("loket"):
            assert line.endswith(":/usr/sbin/nologin"), line
    assert _mode(tree.path("/etc/passwd")) == 0o644 and _mode(tree.path("/etc/shadow")) == 0o640
    shadow = dict(
        line.split(":", 2)[:2] for line in tree.path("/etc/shadow").read_text().splitlines()
    )
    assert shadow["loket"].startswith("!") and shadow["loket-kiosk"].startswith("!")  # locked

    for folder in ("/var/lib/loket", "/var/lib/loket/data", "/var/lib/loket/backups"):
        assert _mode(tree.path(folder)) == 0o700, folder
        assert _owner(tree.path(folder)) == loket, folder
    database = tree.path("/var/lib/loket/data/loket.sqlite3")
    assert _mode(database) == 0o600 and _owner(database) == loket
    assert _mode(tree.path("/var/lib/loket-kiosk")) == 0o700
    assert _owner(tree.path("/var/lib/loket-kiosk")) == kiosk

    key = tree.path("/etc/loket/secret.key")
    assert _mode(key) == 0o600 and _owner(key) == loket
    assert len(key.read_text().strip()) >= 64
    env_file = tree.path("/etc/loket/loket.env")
    assert _mode(env_file) == 0o640 and _owner(env_file) == (0, loket[1])
    settings = tree.settings_file()
    assert settings["LOKET_ENVIRONMENT"] == "production"
    assert settings["LOKET_PUBLIC_URL"] == "http://10.0.0.5:8000"
    assert settings["LOKET_SECRET_KEY_FILE"] == "/etc/loket/secret.key"
    assert settings["LOKET_BACKUP_USB_LABEL"] == "CADANGAN"
    assert key.read_text().strip() not in env_file.read_text()
    # The hub's login for this village: the server reads it, nobody else.
    assert settings["LOKET_HUB_CREDENTIALS"] == "/etc/loket/hub-credentials.json"
    installed = tree.path("/etc/loket/hub-credentials.json")
    assert installed.read_text() == hub_credentials.read_text()
    assert _mode(installed) == 0o640 and _owner(installed) == (0, loket[1])

    units = tree.path("/etc/systemd/system")
    for unit in (*OFFICE_UNITS, "loket-kiosk.service"):
        assert _mode(units / unit) == 0o644, unit
    assert _enabled(tree, "multi-user") == {"loket-server.service"}
    assert _enabled(tree, "timers") == {"loket-backup.timer"}
    assert _enabled(tree, "graphical") == {"loket-kiosk.service"}
    assert os.readlink(units / "default.target") == "/lib/systemd/system/graphical.target"
    assert tree.path("/etc/loket/kiosk.toml").exists()
    # One PC with the touchscreen: its own kiosk is registered, its key the kiosk's only.
    kiosk_key = tree.path("/etc/loket/kiosk.key")
    assert _mode(kiosk_key) == 0o600 and _owner(kiosk_key) == kiosk
    current = tree.path("/opt/loket/current")
    assert (current / "bin" / "loket").exists() and (current / "src" / "office_server").is_dir()


def test_the_kiosk_pc_boots_into_the_kiosk_with_no_desktop_or_prompt(
    tree: Tree, tmp_path: Path
) -> None:
    key_file = tmp_path / "kiosk.key"
    key_file.write_text("lk_dari-halaman-pemasangan-0123456789\n")
    tree.install(
        "--role",
        "kiosk",
        "--server",
        "http://192.168.1.10:8000",
        "--kiosk-key-file",
        str(key_file),
    )
    key = tree.path("/etc/loket/kiosk.key")
    assert _mode(key) == 0o600 and _owner(key) == tree.ids("loket-kiosk")
    assert key.read_text() == key_file.read_text()
    unit = tree.path("/etc/systemd/system/loket-kiosk.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0] != "#"
    )
    # cage shows the one app; without -s it refuses to switch to a console.
    assert (
        settings["ExecStart"] == "/usr/bin/cage -- /opt/loket/current/bin/loket-kiosk --fullscreen"
    )
    assert settings["User"] == "loket-kiosk" and settings["PAMName"] == "login"
    assert settings["TTYPath"] == "/dev/tty1" and settings["Conflicts"] == "getty@tty1.service"
    assert settings["Restart"] == "always" and settings["StartLimitIntervalSec"] == "0"
    assert _enabled(tree, "graphical") == {"loket-kiosk.service"}
    assert _enabled(tree, "multi-user") == set()  # no server on a kiosk PC
    assert os.readlink(tree.path("/etc/systemd/system/default.target")).endswith("graphical.target")
    shadow = tree.path("/etc/shadow").read_text()
    assert "loket-kiosk:!" in shadow  # no password: nobody logs in as it at a prompt
    config = tree.path("/etc/loket/kiosk.toml").read_text()
    assert 'server_url = "http://192.168.1.10:8000"' in config
    # The kiosk user reads its settings, through a folder it may only pass through.
    assert _mode(tree.path("/etc/loket")) == 0o751
    assert not tree.path("/var/lib/loket").exists()


def test_an_office_without_a_hub_has_no_hub_settings_and_no_kiosk(tree: Tree) -> None:
    tree.install("--role", "office")
    assert _enabled(tree, "multi-user") == {"loket-server.service"}
    assert "LOKET_HUB_CREDENTIALS" not in tree.settings_file()
    assert not tree.path("/etc/loket/hub-credentials.json").exists()
    assert not tree.path("/etc/loket/kiosk.toml").exists()
    assert not tree.path("/etc/systemd/system/loket-kiosk.service").exists()


def test_every_unit_passes_systemd_analyze_verify(tree: Tree) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("!!! systemd-analyze is not installed")
    tree.install("--role", "both")
    tree.complete_for_systemd()
    units = sorted(p.name for p in tree.path("/etc/systemd/system").glob("loket-*"))
    assert len(units) == 4
    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            f"--root={tree.root}",
            *(f"/etc/systemd/system/{u}" for u in units),
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    # A misspelt setting is only a warning to systemd (exit 0): any output is a failure.
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stderr


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(HANG_GUARD)
    try:
        yield sock, path
    finally:
        sock.close()


def test_the_server_starts_from_the_written_settings_and_pings_the_watchdog(
    tree: Tree, notify_socket: tuple[socket.socket, str], tmp_path: Path
) -> None:
    tree.install("--role", "office")
    sock, path = notify_socket
    port = free_port()
    env = tree.env(
        LOKET_HOST="127.0.0.1", LOKET_PORT=str(port), NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000"
    )
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [str(tree.path("/opt/loket/current/bin/loket")), "server"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    env["WATCHDOG_PID"] = str(server.pid)
    try:
        # READY=1 comes only once the server answers HTTP.
        first = sock.recv(1024).decode()
        assert first.startswith("READY=1"), first
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=HANG_GUARD)
        # No village yet (the wizard or `loket init` comes next), but it answers.
        assert answer.status_code == 404
        assert sock.recv(1024) == b"WATCHDOG=1"
        assert sock.recv(1024) == b"WATCHDOG=1"
        # It uses the installed key, not one of its own in the data folder.
        assert not tree.path("/var/lib/loket/data/session-secret.key").exists()
    finally:
        server.terminate()
        server.wait(HANG_GUARD)
        log.close()


def test_an_all_in_one_pc_runs_its_kiosk_from_the_installed_release(
    tree: Tree, display: str, tmp_path: Path
) -> None:
    tree.install("--role", "both")
    key = tree.path("/etc/loket/kiosk.key").read_text().strip()
    port = free_port()
    env = tree.env(LOKET_HOST="127.0.0.1", LOKET_PORT=str(port))
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [str(tree.path("/opt/loket/current/bin/loket")), "server"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                httpx.get(f"{url}/healthz", timeout=HANG_GUARD)
                return True
            except httpx.TransportError:
                return False

        wait_until(answers, "the installed server")
        scan = httpx.post(
            f"{url}/api/v1/kiosk/scans",
            headers={"Authorization": f"Bearer {key}"},
            json={"payload": "BUKAN-QR"},
            timeout=HANG_GUARD,
        )
        assert scan.status_code != 401  # the installed key is a registered kiosk's
        smoke = subprocess.run(
            [str(tree.path("/opt/loket/current/bin/loket-kiosk")), "--smoke"],
            env={
                "PATH": os.environ["PATH"],
                "DISPLAY": display,
                "HOME": str(tmp_path),
                "KIVY_HOME": str(tmp_path / "kivy"),
                "LOKET_DATA_DIR": str(tmp_path / "k"),
                "LOKET_KIOSK_CONFIG": str(tree.path("/etc/loket/kiosk.toml")),
                "LOKET_KIOSK_API_KEY_FILE": str(tree.path("/etc/loket/kiosk.key")),
                "LOKET_KIOSK_SERVER_URL": url,
            },
            capture_output=True,
            text=True,
            timeout=HANG_GUARD * 3,
            check=False,
        )
        output = smoke.stdout + smoke.stderr
        assert smoke.returncode == 0, output[-3000:]
        assert re.search(r"smoke: (\d+) of \1 screens drawn, 0 errors in the UI", output)
    finally:
        server.terminate()
        server.wait(HANG_GUARD)
