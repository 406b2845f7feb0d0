"""Queue number: taken only when the receipt printer can print it, then printed."""

from __future__ import annotations

from kivy.properties import NumericProperty, OptionProperty, StringProperty

from kiosk_app.api_client import KioskError, Ticket, new_idempotency_key
from kiosk_app.flows import take_queue_ticket
from kiosk_app.printing import PrintFailed
from kiosk_app.screens import KioskScreen


class QueueScreen(KioskScreen):
    state = OptionProperty(
        "idle", options=["idle", "taking", "printed", "not_printed", "printer_down", "error"]
    )
    number = StringProperty("")
    waiting = NumericProperty(0)
    message = StringProperty("")

    def take(self) -> None:
        if self.state == "taking":
            return
        app = self.app
        self.state = "taking"
        self.busy = True
        self.number = self.message = ""
        # One key per button press: a network retry cannot take two numbers.
        key = new_idempotency_key()

        def job() -> tuple[Ticket, PrintFailed | None]:
            with app.print_lock:
                return take_queue_ticket(
                    api=app.api,
                    printer=app.receipt,
                    idempotency_key=key,
                    village=app.village,
                    lang=app.lang,
                )

        app.submit(job, self._taken, self._failed)

    def _taken(self, result: tuple[Ticket, PrintFailed | None]) -> None:
        ticket, err = result
        self.busy = False
        self.number = ticket.number
        self.waiting = ticket.waiting_before
        self.state = "printed" if err is None else "not_printed"
        self.app.event("queue_ticket", number=ticket.number, printed=err is None)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        lang = self.app.lang
        if isinstance(exc, PrintFailed):
            self.state = "printer_down"
            self.message = exc.localized(lang)
        else:
            self.state = "error"
            self.message = exc.localized(lang) if isinstance(exc, KioskError) else str(exc)
        self.app.event("queue_failed", error=repr(exc))

    def reset(self) -> None:
        super().reset()
        self.state = "idle"
        self.number = self.message = ""
        self.waiting = 0
