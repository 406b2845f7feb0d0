"""The NATS names the village and the hub agree on: subjects, streams, consumers.

Village -> hub: `loket.up.<village>.<kind>` into the stream LOKET_UP; the hub reads it with
one durable consumer. Hub -> village: `loket.down.<village>.<kind>` for one village and
`loket.down.all.<kind>` for every village, in the stream LOKET_DOWN; each village has its
own durable pull consumer there, filtered to those two subjects. `<village>` is the
village's code as a subject token: dots (Kemendagri's separators) become underscores.
"""

from __future__ import annotations

import re

UP_STREAM = "LOKET_UP"
DOWN_STREAM = "LOKET_DOWN"
HUB_CONSUMER = "hub_ingest"
BROADCAST = "all"

_KODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$")


def village_token(kode_desa: str) -> str:
    """The village code as one subject token ("36.04.01.2001" -> "36_04_01_2001")."""
    if not _KODE_RE.match(kode_desa):
        raise ValueError(f"not a village code: {kode_desa!r}")
    token = kode_desa.replace(".", "_")
    if token.lower() == BROADCAST:
        raise ValueError("a village may not be called 'all'")
    return token


def up_subject(kode_desa: str, kind: str) -> str:
    return f"loket.up.{village_token(kode_desa)}.{kind}"


def up_prefix(kode_desa: str) -> str:
    return f"loket.up.{village_token(kode_desa)}"


def down_subject(kode_desa: str | None, kind: str) -> str:
    """To one village, or with None to every village."""
    target = BROADCAST if kode_desa is None else village_token(kode_desa)
    return f"loket.down.{target}.{kind}"


def village_consumer(kode_desa: str) -> str:
    """The village's durable consumer on LOKET_DOWN (no dots allowed in consumer names)."""
    return f"village_{village_token(kode_desa)}"


def inbox_prefix(kode_desa: str) -> str:
    """Reply subjects of the village's client: no village can listen to another's replies."""
    return f"_INBOX_{village_token(kode_desa)}"


# The off-site archive lives in a NATS account of the village's own (not in the shared
# one the events use): its object-store buckets, its JetStream API and its reply inboxes
# are then invisible to every other village by construction, whatever client (nats-py,
# Litestream's nats.go) talks to them. The bucket names are the same in every account.
ARCHIVE_DB_BUCKET = "loket_db"
ARCHIVE_PDF_BUCKET = "loket_pdf"


def archive_account(kode_desa: str) -> str:
    return f"ARCHIVE_{village_token(kode_desa)}"


def archive_user(kode_desa: str) -> str:
    return f"archive-{village_token(kode_desa)}"
