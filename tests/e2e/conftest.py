"""The end-to-end story uses the kiosk's printer emulators and the CUPS test scheduler."""

from tests.kiosk.conftest import receipt_emulator, receipt_output, receipt_url
from tests.printer_drivers.conftest import cups

__all__ = ["cups", "receipt_emulator", "receipt_output", "receipt_url"]
