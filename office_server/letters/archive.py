"""The letter archive: final PDFs stored once, by content hash, under the data folder.

Files are written to a temporary name, fsynced and renamed, so a crash never leaves a
half-written PDF under a real name. The same bytes always land at the same path. Every
letter holds a resident's data: files are 600 and folders 700, whatever the umask.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def store(self, pdf: bytes) -> str:
        sha = hashlib.sha256(pdf).hexdigest()
        target = self.path_for(sha)
        if target.exists():
            return sha
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")  # mode 600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return sha

    def read(self, sha256: str) -> bytes:
        data = self.path_for(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"archive file {sha256[:12]}... is damaged")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()


def private_dir(path: Path) -> None:
    """Makes the folder and any missing parents with mode 700 (Path.mkdir would give the
    parents the umask's mode, 755 under the usual 022)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another writer
            os.mkdir(folder, 0o700)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
