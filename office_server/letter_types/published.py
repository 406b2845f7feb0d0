"""A letter type's form as the regency hub serves it to residents at home (`catalog.form`).

Recorded in the outbox beside `catalog.changed` whenever an admin saves a type, and once
for every type a village has not sent yet (at migrate, server start and the relay's first
connection), so a village that joins its regency later sends its whole catalog.

Text that leaves goes through the event schema: a help text or an option with a long run
of digits (a phone or NIK pasted into it) is left out of the event with a warning that
names only the type and the field, and the admin's change still stands.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol import events
from office_server.letter_types.models import LetterType
from office_server.sync import outbox
from office_server.sync.models import OutboxEvent

log = logging.getLogger("loket.sync")
_SHORT_TEXT: TypeAdapter[str] = TypeAdapter(events.ShortText)
# The envelope around `data`: version, id, kind, the longest village code, time.
_ENVELOPE_ROOM = 200


def _field(lt_code: str, spec: dict[str, Any]) -> events.FormField | None:
    wanted = {
        k: spec.get(k)
        for k in ("name", "label", "type", "required", "options", "max_length", "help", "when")
        if spec.get(k) is not None
    }
    try:
        return events.FormField.model_validate(wanted)
    except ValidationError:
        pass
    for optional in ("help", "options"):
        if optional in wanted:
            log.warning(
                "catalog.form %s: the %s of field %s is not sent to the regency "
                "(refused by the event schema)",
                lt_code,
                optional,
                spec.get("name"),
            )
            wanted.pop(optional)
            try:
                return events.FormField.model_validate(wanted)
            except ValidationError:
                continue
    log.warning("catalog.form %s: field %s is not sent to the regency", lt_code, spec.get("name"))
    return None


def form_of(lt: LetterType) -> events.LetterTypeForm | None:
    """The event of one letter type, or None when even its title cannot leave."""
    fields = [f for f in (_field(lt.code, spec.model_dump()) for spec in lt.fields) if f]
    docs = []
    for doc in lt.required_documents or []:
        try:
            docs.append(_SHORT_TEXT.validate_python(doc))
        except ValidationError:
            log.warning("catalog.form %s: a required document is not sent", lt.code)
    base = {
        "code": lt.code,
        "title": lt.title,
        "self_service": lt.self_service,
        "active": lt.active,
        "required_documents": docs[:30],
        "fields": fields,
    }
    for description in (lt.description or "", ""):
        try:
            return events.LetterTypeForm.model_validate({**base, "description": description})
        except ValidationError:
            log.warning("catalog.form %s: the description is not sent", lt.code)
    return None


def _fits(form: events.LetterTypeForm) -> bool:
    """Whether the event stays under the envelope's limit (the relay cannot send more)."""
    return len(form.model_dump_json().encode()) + _ENVELOPE_ROOM <= events.MAX_EVENT_BYTES


def record(session: Session, lt: LetterType) -> bool:
    form = form_of(lt)
    if form is not None and not _fits(form):
        # Sixty fields with long help texts: the help texts stay home, the form goes up.
        log.warning("catalog.form %s: help texts left out to fit the event", lt.code)
        form = form.model_copy(
            update={"fields": [f.model_copy(update={"help": None}) for f in form.fields]}
        )
        if not _fits(form):
            form = None
    if form is None:
        log.warning("catalog.form %s not sent to the regency: refused by the schema", lt.code)
        return False
    outbox.record(session, form)
    return True


def record_missing(session: Session) -> int:
    """Records the form of every type no `catalog.form` event was ever recorded for."""
    sent = {
        d.get("code")
        for d in session.scalars(
            select(OutboxEvent.data).where(OutboxEvent.kind == str(events.Kind.LETTER_TYPE_FORM))
        )
        if isinstance(d, dict)
    }
    made = 0
    for lt in session.scalars(select(LetterType).order_by(LetterType.sort_order, LetterType.id)):
        if lt.code not in sent and record(session, lt):
            made += 1
    return made
