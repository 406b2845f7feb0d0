"""Queue pages: the operator's ticket controls per counter, the TV display (`/display`)
with spoken calls, and the resident's ticket page the kiosk's ticket links to."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from office_server.deps import AppSettings, CsrfChecked, DbSession, OperatorUser, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import DomainError, NotFound
from office_server.queue import service as queue
from office_server.templating import render

log = logging.getLogger("loket.queue")
router = APIRouter(include_in_schema=False)

_LABEL_RE = re.compile(r"^([A-Z])-(\d{3,4})$")
COUNTERS = (1, 2, 3)
_MESSAGES = {
    "empty": "Tidak ada antrean yang menunggu.",
    "called": "Nomor dipanggil.",
    "recalled": "Nomor dipanggil ulang.",
    "skipped": "Nomor dilewati.",
}


def announcement_text(label: str, counter_no: int) -> str:
    """What the display says; the number as a number so espeak reads it as words."""
    match = _LABEL_RE.match(label)
    if not match:
        raise ValueError(label)
    return f"Nomor antrean {match.group(1)}, {int(match.group(2))}. Silakan ke loket {counter_no}."


@router.get("/display", response_class=HTMLResponse)
def display(request: Request) -> Response:
    return render(request, "queue/display.html")


@router.get("/display/suara/{label}/{counter_no}.wav")
def announcement_audio(
    label: str, counter_no: int, settings: AppSettings, session: ReadSession
) -> Response:
    """The spoken call as a WAV from espeak-ng (Indonesian voice), cached on disk.

    Only for a number really called to that counter today: the page is public, and any
    label would let a visitor fill the disk with WAVs.
    """
    match = _LABEL_RE.match(label)
    if (
        not match
        or not 1 <= counter_no <= 20
        or not queue.was_called(
            session,
            service=match.group(1),
            number=int(match.group(2)),
            counter_no=counter_no,
        )
    ):
        raise NotFound("Suara tidak ditemukan.", "No such announcement.")
    folder = settings.data_dir / "tts"
    target = folder / f"{label}-{counter_no}.wav"
    if not target.exists():
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            raise NotFound("Suara tidak tersedia di server ini.", "espeak-ng is not installed.")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".wav", delete=False) as tmp:
            partial = Path(tmp.name)
        try:
            subprocess.run(
                [
                    espeak,
                    "-v",
                    "id",
                    "-s",
                    "140",
                    "-w",
                    str(partial),
                    announcement_text(label, counter_no),
                ],
                check=True,
                timeout=20,
                capture_output=True,
            )
            partial.replace(target)  # atomic: a half-written file is never served
        except (OSError, subprocess.SubprocessError) as exc:
            partial.unlink(missing_ok=True)
            log.warning("espeak-ng failed: %s", type(exc).__name__)
            raise NotFound("Suara tidak tersedia.", "Could not synthesise the call.") from exc
    return FileResponse(target, media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})


@router.get("/antrean/{ticket_id}", response_class=HTMLResponse)
def ticket_page(ticket_id: str, request: Request, session: ReadSession) -> Response:
    ticket = queue.get(session, ticket_id=ticket_id[:40])
    return render(
        request,
        "queue/ticket.html",
        {
            "village": None,
            "ticket": ticket,
            "before": queue.waiting_before(session, ticket),
        },
    )


@router.get("/operator/antrean", response_class=HTMLResponse)
def counter_page(
    request: Request, session: ReadSession, operator: OperatorUser, loket: int = 1, msg: str = ""
) -> Response:
    loket = loket if 1 <= loket <= 20 else 1
    return render(
        request,
        "queue/counter.html",
        {
            "me": operator,
            "loket": loket,
            "counters": COUNTERS,
            "current": queue.called_at_counter(session, counter_no=loket),
            "waiting": {s: queue.waiting_count(session, service=s) for s in queue.SERVICES},
            "services": queue.SERVICES,
            "board": queue.board(session),
            "message": _MESSAGES.get(msg, ""),
        },
        csrf=True,
    )


def _back(loket: int, msg: str) -> RedirectResponse:
    return RedirectResponse(f"/operator/antrean?loket={loket}&msg={msg}", status_code=303)


@router.post("/operator/antrean/panggil")
def call_next(
    session: DbSession,
    operator: OperatorUser,
    _: CsrfChecked,
    counter_no: Annotated[int, Form(ge=1, le=20)] = 1,
    service: Annotated[str, Form(max_length=2)] = "A",
) -> Response:
    try:
        queue.call_next(session, counter_no=counter_no, service=service, actor=operator.actor)
    except NotFound as exc:
        raise PageRefused(lambda _: _back(counter_no, "empty")) from exc
    return _back(counter_no, "called")


@router.post("/operator/antrean/{ticket_id}/ulang")
def recall(
    ticket_id: str,
    session: DbSession,
    operator: OperatorUser,
    _: CsrfChecked,
    counter_no: Annotated[int, Form(ge=1, le=20)] = 1,
) -> Response:
    queue.recall(session, ticket_id=ticket_id, actor=operator.actor)
    return _back(counter_no, "recalled")


@router.post("/operator/antrean/{ticket_id}/lewati")
def skip(
    ticket_id: str,
    session: DbSession,
    operator: OperatorUser,
    _: CsrfChecked,
    counter_no: Annotated[int, Form(ge=1, le=20)] = 1,
) -> Response:
    try:
        queue.skip(session, ticket_id=ticket_id, actor=operator.actor)
    except DomainError as exc:
        raise PageRefused(lambda _: _back(counter_no, "")) from exc
    return _back(counter_no, "skipped")
