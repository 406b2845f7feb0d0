"""What the kiosk does after a button or a scan, without any Kivy: run in worker threads.

Each flow takes its collaborators explicitly, so the tests and the benchmark drive the same
code the screens do.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.api_client import (
    Claim,
    KioskApiClient,
    KioskError,
    ServerUnreachable,
    Ticket,
)
from kiosk_app.printing import KioskPrinter, PrintFailed, queue_receipt
from printer_drivers.base import ReceiptLine

log = logging.getLogger(__name__)


class Outbox:
    """Claim updates the server must hear about, kept on disk until it has.

    "Printed" is recorded before the call, so a letter that came out of the printer is
    never left "ready" because the network failed or the kiosk restarted at that moment.
    Holds claim ids and reasons only, no personal data.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def _load(self) -> list[dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            log.warning("outbox %s unreadable; starting empty", self.path)
            return []
        return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []

    def _save(self, items: list[dict[str, str]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(items), encoding="utf-8")
        tmp.replace(self.path)

    def add(self, op: str, claim_id: str, reason: str = "") -> None:
        with self._lock:
            items = [i for i in self._load() if i.get("claim_id") != claim_id]
            items.append({"op": op, "claim_id": claim_id, "reason": reason})
            self._save(items)

    def remove(self, claim_id: str) -> None:
        with self._lock:
            self._save([i for i in self._load() if i.get("claim_id") != claim_id])

    def pending(self) -> list[dict[str, str]]:
        with self._lock:
            return self._load()

    def send(self, api: KioskApiClient, op: str, claim_id: str, reason: str = "") -> bool:
        """Record, then try once; True if the server has it now (else kept for later)."""
        self.add(op, claim_id, reason)
        return self._deliver(api, {"op": op, "claim_id": claim_id, "reason": reason})

    def flush(self, api: KioskApiClient) -> int:
        """Try every pending update; returns how many are still pending."""
        left = 0
        for item in self.pending():
            if not self._deliver(api, item):
                left += 1
        return left

    def _deliver(self, api: KioskApiClient, item: dict[str, str]) -> bool:
        try:
            if item["op"] == "printed":
                api.mark_printed(item["claim_id"])
            else:
                api.mark_failed(item["claim_id"], item.get("reason") or "kiosk")
        except ServerUnreachable:
            return False
        except KioskError as exc:
            # The server refused (claim gone, already picked up): nothing more to tell it.
            log.warning("outbox %s %s dropped: %s", item.get("op"), item.get("claim_id"), exc)
        self.remove(item["claim_id"])
        return True


Progress = Callable[[str, float], None]


@dataclass
class PrintOutcome:
    claim_id: str
    letter_number: str
    confirmed: bool  # the server already knows it is picked up (else the outbox will tell)
    completed: bool = True  # the printer confirmed it finished (False: it only accepted it)


def print_letter(
    *,
    api: KioskApiClient,
    printer: KioskPrinter,
    outbox: Outbox,
    claim: Claim,
    media: str = "A4",
    progress: Progress = lambda step, frac: None,
) -> PrintOutcome:
    """Check the printer, fetch the PDF, print, then (only then) mark it picked up.

    On any failure the claim is released (``failed``) so the letter stays ready, and the
    exception goes up for the screen to explain.
    """
    try:
        progress("printing_check", 0.1)
        printer.check_ready()
        progress("printing_download", 0.3)
        pdf = api.claim_pdf(claim)
        progress("printing_send", 0.6)
        # The letter says which paper it was laid out on; the config's media is the fallback.
        completed = printer.print_pdf(pdf, claim.paper if claim.paper in ("A4", "F4") else media)
    except (PrintFailed, KioskError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        outbox.send(api, "failed", claim.claim_id, reason)
        raise
    progress("printing_confirm", 0.9)
    confirmed = outbox.send(api, "printed", claim.claim_id)
    progress("printing_ok", 1.0)
    return PrintOutcome(claim.claim_id, claim.letter_number, confirmed, completed)


def take_queue_ticket(
    *,
    api: KioskApiClient,
    printer: KioskPrinter,
    idempotency_key: str,
    village: str,
    lang: str,
    service: str = "A",
) -> tuple[Ticket, PrintFailed | None]:
    """Take a number only when the receipt printer can print it; then print it.

    Returns the ticket and the print error if printing failed after the number was taken
    (the screen then shows the number big so the resident can still use it).
    """
    printer.check_ready()
    ticket = api.take_ticket(service=service, idempotency_key=idempotency_key)
    lines = queue_receipt(
        village=village,
        number=ticket.number,
        service_date=ticket.service_date,
        waiting_before=ticket.waiting_before,
        lang=lang,
    )
    try:
        printer.print_receipt(lines, qr_payload=ticket.follow_url or None)
    except PrintFailed as exc:
        return ticket, exc
    return ticket, None


def print_receipt_safely(
    printer: KioskPrinter, lines: list[ReceiptLine], qr_payload: str | None = None
) -> PrintFailed | None:
    try:
        printer.print_receipt(lines, qr_payload)
    except PrintFailed as exc:
        return exc
    return None
