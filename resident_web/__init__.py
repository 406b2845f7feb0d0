"""What the residents' phone pages share, served by the office and by the regency hub.

A leaf (it imports no project package): the stylesheet, the form's checks and its offline
request QR (form.js, qr.js), and the Jinja macro that renders a form field. The office
serves these from its own `/static/` and template folder as before; the hub serves them
for every village's pages. One copy, so a fix reaches residents on both sides.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"


def owns(name: str) -> bool:
    """Whether a static file name is one of ours (else the server's own folder has it)."""
    return "/" not in name and (STATIC_DIR / name).is_file()


@lru_cache
def static_version(name: str) -> str:
    """A short content hash, so browsers and service workers cache the file forever."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
