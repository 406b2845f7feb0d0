"""`loket nightly-backup` and `loket usb-copy`: the backup timer's two steps.

The nightly backup keeps the newest N copies in one folder (a power cut mid-backup leaves
only a `.partial`, never a half zip under a backup's name). The USB copy runs as root
(the unit's `ExecStartPost=+`): it finds the disk by its file-system label, mounts it if
nobody has, copies the newest backup and unmounts what it mounted. A missing USB disk is
said plainly and is not a failure: the backup itself is on the PC.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from office_server.backup import create_backup
from office_server.config import Settings

NAME = re.compile(r"loket-(\d{8}-\d{6})\.zip")


def backups(folder: Path) -> list[Path]:
    """The finished backups in `folder`, oldest first (the name holds the UTC time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if NAME.fullmatch(p.name))


def newest_backup_time(folder: Path) -> datetime | None:
    found = backups(folder)
    if not found:
        return None
    stamp = NAME.fullmatch(found[-1].name)
    assert stamp is not None
    return datetime.strptime(stamp.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)


def nightly(settings: Settings, *, folder: Path, keep: int, now: datetime | None = None) -> Path:
    """Writes loket-YYYYMMDD-HHMMSS.zip into `folder`, then deletes all but the newest `keep`."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    now = now or datetime.now(UTC)
    target = folder / f"loket-{now:%Y%m%d-%H%M%S}.zip"
    create_backup(settings, target)
    for old in backups(folder)[:-keep]:
        old.unlink()
    return target


@dataclass(frozen=True)
class UsbCopy:
    copied_to: Path | None
    message: str


def find_label(label: str) -> Path | None:
    """The block device with this file-system label (udev's link, else blkid's scan)."""
    link = Path("/dev/disk/by-label") / label
    if link.exists():
        return link.resolve()
    found = subprocess.run(
        ["blkid", "-L", label], capture_output=True, text=True, check=False, timeout=60
    )
    return Path(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else None


def mount_point(device: Path, *, mounts: Path = Path("/proc/self/mounts")) -> Path | None:
    for line in mounts.read_text().splitlines():
        source, target, *_ = line.split()
        if source.startswith("/") and Path(source).resolve() == device:
            return Path(target.replace("\\040", " "))
    return None


def copy_to_usb(label: str, backup_folder: Path) -> UsbCopy:
    newest = backups(backup_folder)
    if not newest:
        return UsbCopy(None, f"Belum ada cadangan di {backup_folder} untuk disalin.")
    device = find_label(label)
    if device is None:
        return UsbCopy(None, f"Disk USB berlabel {label} tidak terpasang; salinan USB dilewati.")
    mounted = mount_point(device)
    ours: Path | None = None
    if mounted is None:
        ours = Path(tempfile.mkdtemp(prefix="loket-usb-"))
        subprocess.run(["mount", str(device), str(ours)], check=True, timeout=120)
        mounted = ours
    try:
        folder = mounted / "loket-cadangan"
        folder.mkdir(mode=0o700, exist_ok=True)
        partial = folder / (newest[-1].name + ".partial")
        shutil.copyfile(newest[-1], partial)
        os.chmod(partial, 0o600)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        target = partial.rename(folder / newest[-1].name)
        # The USB disk holds every NIK too: keep as many copies there as on the PC.
        names = {p.name for p in newest}
        for old in backups(folder):
            if old.name not in names:
                old.unlink()
    finally:
        if ours is not None:
            subprocess.run(["umount", str(ours)], check=False, timeout=120)
            ours.rmdir()
    return UsbCopy(target, f"Cadangan disalin ke disk USB {label}: {target.name}.")
