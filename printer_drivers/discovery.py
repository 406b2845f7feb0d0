"""Printers this PC can see, as printer URLs (factory.printer_from_url takes them back):
the CUPS queues, and ESC/POS printers on USB (USB interface class 7, printer).

Used by the office's first-run wizard; finding nothing is an empty list, never an error.
"""

from __future__ import annotations

import os
import subprocess

USB_PRINTER_CLASS = 7


def cups_queues(*, server: str | None = None) -> list[str]:
    """cups://QUEUE for every queue `lpstat -e` lists (the default server, CUPS_SERVER,
    or `server`)."""
    command = ["lpstat", *(["-h", server] if server else []), "-e"]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    suffix = f"?server={server}" if server else ""
    return [f"cups://{queue}{suffix}" for queue in done.stdout.split()]


def usb_escpos_printers() -> list[str]:
    """escpos+usb://VID:PID for every USB device with a printer interface."""
    try:
        import usb.core
    except ImportError:
        return []
    try:
        devices = list(usb.core.find(find_all=True) or [])
    except (usb.core.NoBackendError, usb.core.USBError):
        return []
    found = []
    for device in devices:
        try:
            classes = {i.bInterfaceClass for config in device for i in config}
        except (usb.core.USBError, ValueError):
            continue
        if USB_PRINTER_CLASS in classes:
            found.append(f"escpos+usb://{device.idVendor:04x}:{device.idProduct:04x}")
    return found
