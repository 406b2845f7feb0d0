"""Fault tests drive the kiosk's real window and its emulated printers."""

from tests.kiosk.conftest import (
    display,
    escpos_emulator,
    receipt_emulator,
    receipt_output,
    receipt_url,
)

__all__ = ["display", "escpos_emulator", "receipt_emulator", "receipt_output", "receipt_url"]
