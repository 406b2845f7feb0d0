"""The relay's inbox (`sync.relay.Inbox`): what the regency hub sends down that the domains
above the sync layer handle, and what the hub must hold before residents can file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.letter_types import published
from office_server.requests import sealed_intake
from office_server.sync import sealed_keys
from office_server.sync.relay import Inbox


def prepare(session: Session, data_dir: Path) -> None:
    """The village's sealing key (made on first need) and every letter type's form, in
    the outbox if not there yet: at `loket migrate`, `init`, `seed-demo` and server start.
    The outbox fills whether or not a hub exists, so the relay sends them whenever the
    village first links, however much later."""
    sealed_keys.ensure(session, data_dir)
    published.record_missing(session)


class HubInbox(Inbox):
    def __init__(self, *, data_dir: Path) -> None:
        self.data_dir = data_dir

    def receive(self, session: Session, event: events.Event, *, kode_desa: str) -> str | None:
        if isinstance(event.data, events.SealedRequest):
            return sealed_intake.receive(
                session, event, data_dir=self.data_dir, kode_desa=kode_desa
            )
        return None

    def malformed(self, session: Session, *, message_id: str, subject: str, raw: bytes) -> bool:
        if not subject.endswith("." + events.Kind.SEALED_REQUEST.value):
            return False
        sealed_intake.receive_malformed(session, message_id=message_id, raw=raw)
        return True
