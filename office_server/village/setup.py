"""The first-run wizard's state and its test page.

The wizard is open while the office has no operator account at all: its last step makes
the first admin, which closes it for good (`loket create-operator` closes it too). Until
then it answers only the office PC itself (loopback) or a browser that gave the one-time
code deploy/install.sh wrote to `<data_dir>/setup-code` and printed.
"""

from __future__ import annotations

import html
import ipaddress
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from office_server.operators.models import Operator
from office_server.village.models import VillageProfile

SETUP_CODE_FILE = "setup-code"


def is_open(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Operator))


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def code_matches(data_dir: Path, supplied: str) -> bool:
    try:
        expected = (data_dir / SETUP_CODE_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    return bool(expected) and secrets.compare_digest(
        _plain(expected).encode(), _plain(supplied).encode("utf-8", "surrogatepass")
    )


def _plain(code: str) -> str:
    # Typed from a printout: case, spaces and dashes do not matter.
    return "".join(code.split()).replace("-", "").upper()


def forget_code(data_dir: Path) -> None:
    """The wizard is done: its code opens nothing any more."""
    (data_dir / SETUP_CODE_FILE).unlink(missing_ok=True)


def printer_test_page(profile: VillageProfile | None) -> bytes:
    """One page that says which office printed it: the wizard's test print."""
    from weasyprint import HTML

    village = html.escape(f"Desa {profile.name}" if profile else "Loket Desa")
    page = f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 25mm; }}
      body {{ font-family: 'DejaVu Sans', sans-serif; }}
      h1 {{ font-size: 26pt; }} .box {{ border: 2px solid #000; height: 60mm; }}
    </style></head><body>
      <h1>Halaman uji Loket Desa</h1>
      <p>{village}: printer ini siap mencetak surat.</p>
      <p>Bila kotak di bawah tercetak utuh dengan garis lurus, kertas dan printer sudah benar.</p>
      <div class="box"></div>
    </body></html>"""
    pdf = HTML(string=page).write_pdf()
    assert pdf is not None
    return bytes(pdf)
