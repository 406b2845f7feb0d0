"""The end-to-end story uses the browser of the web tests, the kiosk's real window and
the CUPS test scheduler of the printer tests."""

from tests.kiosk.conftest import display, receipt_emulator, receipt_output, receipt_url
from tests.printer_drivers.conftest import cups
from tests.web.conftest import browser, shots

__all__ = [
    "browser",
    "cups",
    "display",
    "receipt_emulator",
    "receipt_output",
    "receipt_url",
    "shots",
]
