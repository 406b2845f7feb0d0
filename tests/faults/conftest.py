"""Fault tests drive the kiosk's real window and its emulated printers."""

from tests.kiosk.conftest import escpos_emulator, receipt_emulator, receipt_output, receipt_url

__all__ = ["escpos_emulator", "receipt_emulator", "receipt_output", "receipt_url"]
