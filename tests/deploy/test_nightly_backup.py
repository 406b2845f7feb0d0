"""The backup timer's two steps: dated backups of which the newest N are kept, and a copy
to a USB disk found by its file-system label (an ext4 image on a loop device)."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from office_server.config import Settings
from office_server.database import Database
from office_server.nightly_backup import backups, copy_to_usb, mount_point, nightly
from tests.deploy import peers


def test_nightly_keeps_the_newest_copies(settings: Settings, sqlite_db: Database) -> None:
    folder = settings.data_dir.parent / "backups"
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    for day in range(5):
        nightly(settings, folder=folder, keep=3, now=start + timedelta(days=day))
    kept = [p.name for p in backups(folder)]
    assert kept == [
        "loket-20261103-020000.zip",
        "loket-20261104-020000.zip",
        "loket-20261105-020000.zip",
    ]
    for path in backups(folder):
        assert path.stat().st_mode & 0o777 == 0o600
        with zipfile.ZipFile(path) as zf:
            assert "manifest.json" in zf.namelist()
    assert not list(folder.glob("*.partial"))
    with pytest.raises(ValueError):
        nightly(settings, folder=folder, keep=0)


def test_the_newest_backup_goes_to_the_usb_disk_by_its_label(
    settings: Settings, sqlite_db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    nightly(settings, folder=folder, keep=2, now=datetime(2026, 11, 1, 2, tzinfo=UTC))
    newest = nightly(settings, folder=folder, keep=2, now=datetime(2026, 11, 2, 2, tzinfo=UTC))
    label = f"LKT{secrets.token_hex(4).upper()}"  # unique on this machine, ext4's 16 chars
    assert copy_to_usb(label, folder).copied_to is None  # not plugged in: said, not failed

    image = tmp_path / "usb.img"
    with image.open("wb") as fh:
        fh.truncate(16 * 2**20)
    made = subprocess.run(
        ["mkfs.ext4", "-q", "-L", label, str(image)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"!!! USB COPY TEST SKIPPED: mkfs.ext4: {made.stderr.strip()}")
    with peers.loop_device(image) as device:
        result = copy_to_usb(label, folder)
        assert result.copied_to is not None, result.message
        assert result.copied_to.name == newest.name
        assert mount_point(device) is None  # what it mounted, it unmounted
        again = copy_to_usb(label, folder)  # twice: the same one file, no leftovers
        assert again.copied_to is not None
        check = tmp_path / "check"
        check.mkdir()
        subprocess.run(["mount", str(device), str(check)], check=True, timeout=120)
        try:
            on_usb = sorted(p.name for p in (check / "loket-cadangan").iterdir())
            assert on_usb == [newest.name]
            copied = (check / "loket-cadangan" / newest.name).read_bytes()
            assert hashlib.sha256(copied).digest() == hashlib.sha256(newest.read_bytes()).digest()
            # Mounted already (by the operator's file manager, say): used where it is.
            assert copy_to_usb(label, folder).copied_to == check / "loket-cadangan" / newest.name
        finally:
            subprocess.run(["umount", str(check)], check=True, timeout=120)
