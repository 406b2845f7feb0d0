"""Image bombs as the village logo (issue 11, items 10c and 11a): an image is refused
from its header, before a pixel is decoded; nothing is stored."""

from __future__ import annotations

import struct
import zlib

import pytest
from fastapi.testclient import TestClient

from office_server.database import Database
from office_server.letters import context
from office_server.village.models import VillageProfile
from tests.web.test_admin_pages import login


def png_of_zeros(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG, a few KB however many pixels it declares."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = bytes(1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def stored_logo(db: Database) -> bytes | None:
    with db.session(write=False) as session:
        profile = session.get(VillageProfile, 1)
        assert profile is not None
        return profile.logo_png


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # item 10c: Pillow's DecompressionBombError was a 500
        (13_000, 13_000),  # item 11a: decoded to over a gigabyte
        (5_000, 5_000),  # under Pillow's own limit, over ours: decoded whole on main
    ],
)
def test_an_oversized_logo_is_refused_from_its_header(
    client: TestClient, sqlite_db: Database, width: int, height: int
) -> None:
    csrf = login(client, "admin")
    before = stored_logo(sqlite_db)
    bomb = png_of_zeros(width, height)
    assert len(bomb) < 1_000_000
    files = {"logo": ("logo.png", bomb, "image/png")}
    r = client.post("/admin/desa/logo", data={"csrf_token": csrf}, files=files)
    assert r.status_code == 422, r.status_code
    assert "Gambar logo terlalu besar" in r.text
    assert stored_logo(sqlite_db) == before  # nothing stored


def test_a_logo_stored_before_the_bound_prints_without_being_decoded() -> None:
    """The kop surat decodes the stored logo too; an oversized one is left out."""
    assert context.logo_data_uri(png_of_zeros(5_000, 5_000)) is None
    small = context.logo_data_uri(png_of_zeros(400, 300))
    assert small is not None and small.startswith("data:image/png;base64,")
    from office_server.village import logo

    with pytest.raises(logo.LogoRefused, match="bukan gambar"):
        logo.shrunk_png(b"<svg xmlns='http://www.w3.org/2000/svg'/>", max_side=600)
