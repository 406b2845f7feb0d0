"""A request was filed (at the kiosk or from an offline-request QR): show and print its ticket.

The pickup QR and its secret are printed as they came from the server and never
re-requested: a retried request would replace the secret and void the ticket already printed.
An offline-request QR scanned again gets the same ticket as its first scan (``again``):
the screen says so, and that the first ticket stays valid.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from kiosk_app.flows import print_receipt_safely
from kiosk_app.printing import PrintFailed, pickup_receipt
from kiosk_app.screens import KioskScreen
from printer_drivers.errors import PrinterErrorKind


class TicketScreen(KioskScreen):
    code = StringProperty("")
    title_text = StringProperty("")
    status_label = StringProperty("")
    pickup_qr = StringProperty("")
    pickup_secret = StringProperty("")
    again = BooleanProperty(False)
    print_state = OptionProperty("idle", options=["idle", "printing", "printed", "failed"])

    def show_filed(
        self,
        *,
        code: str,
        title: str,
        status_label: str,
        pickup_qr: str,
        pickup_secret: str,
        again: bool = False,
    ) -> None:
        self.code, self.title_text, self.status_label = code, title, status_label
        self.pickup_qr, self.pickup_secret = pickup_qr, pickup_secret
        self.again = again
        self.app.event("filed", code=code, again=again)
        self.print_ticket()

    def print_ticket(self) -> None:
        app = self.app
        if self.print_state == "printing" or not self.pickup_qr:
            return
        self.print_state = "printing"
        self.busy = True
        lines = pickup_receipt(
            village=app.village,
            title=self.title_text,
            code=self.code,
            status_label=self.status_label,
            pickup_secret=self.pickup_secret,
            lang=app.lang,
        )
        qr = self.pickup_qr

        def done(err: PrintFailed | None) -> None:
            self.busy = False
            if self.pickup_qr != qr:
                return
            self.print_state = "printed" if err is None else "failed"
            app.event("ticket_printed", ok=err is None)

        app.submit(
            lambda: print_receipt_safely(app.receipt, lines, qr),
            done,
            lambda e: done(PrintFailed(PrinterErrorKind.JOB_FAILED, repr(e))),
        )

    def reset(self) -> None:
        super().reset()
        self.code = self.title_text = self.status_label = ""
        self.pickup_qr = self.pickup_secret = ""
        self.again = False
        self.print_state = "idle"
