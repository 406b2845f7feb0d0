"""Printing a letter: progress, then "please take your letter" or what to do next."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty, OptionProperty, StringProperty

from kiosk_app.api_client import Claim, KioskError, RequestInfo
from kiosk_app.flows import PrintOutcome, print_letter, print_receipt_safely
from kiosk_app.i18n import tr
from kiosk_app.printing import PrintFailed, failed_receipt
from kiosk_app.screens import KioskScreen


class PrintingScreen(KioskScreen):
    state = OptionProperty("idle", options=["idle", "printing", "done", "failed"])
    step = StringProperty("printing_check")
    progress = NumericProperty(0)
    letter_number = StringProperty("")
    failure = StringProperty("")
    ticket_note = StringProperty("")
    title_text = StringProperty("")

    def start(self, claim: Claim, request: RequestInfo | None) -> None:
        app = self.app
        self.busy = True
        self.state = "printing"
        self.step, self.progress = "printing_check", 0.05
        self.letter_number = claim.letter_number
        self.title_text = request.letter_type_title if request else ""
        self.failure = self.ticket_note = ""
        code = request.code if request else ""
        app.event("print_start", claim_id=claim.claim_id)

        def progress(step: str, frac: float) -> None:
            # Stamped here, on the worker thread, so the trail has the real time of each step.
            app.event("print_step", step=step)
            Clock.schedule_once(lambda _dt: self._progress(step, frac))

        def job() -> PrintOutcome:
            with app.print_lock:
                return print_letter(
                    api=app.api,
                    printer=app.a4,
                    outbox=app.outbox,
                    claim=claim,
                    media=app.kc.letter_media,
                    progress=progress,
                )

        app.submit(job, self._done, lambda exc: self._failed(exc, code))

    def _progress(self, step: str, frac: float) -> None:
        if self.state == "printing":
            self.step, self.progress = step, frac

    def _done(self, outcome: PrintOutcome) -> None:
        self.busy = False
        self.state = "done"
        self.progress = 1
        self.app.event("print_done", claim_id=outcome.claim_id, confirmed=outcome.confirmed)

    def _failed(self, exc: BaseException, code: str) -> None:
        app = self.app
        lang = app.lang
        if isinstance(exc, PrintFailed | KioskError):
            self.failure = exc.localized(lang)
        else:
            self.failure = tr("printer_error", lang)
        self.state = "failed"
        app.event("print_failed", error=repr(exc))
        self.ticket_note = tr("printing_failed_noticket", lang, code=code) if code else ""
        if not app.receipt.configured:
            self.busy = False
            return
        lines = failed_receipt(
            village=app.village, code=code, title=self.title_text, reason=self.failure, lang=lang
        )

        def ticket_done(err: PrintFailed | None) -> None:
            self.busy = False
            if err is None:
                self.ticket_note = tr("printing_failed_ticket", app.lang)
            app.event("failure_ticket", printed=err is None)

        app.submit(lambda: print_receipt_safely(app.receipt, lines), ticket_done, ticket_done)

    def reset(self) -> None:
        super().reset()
        self.state = "idle"
        self.letter_number = self.failure = self.ticket_note = self.title_text = ""
        self.progress = 0
