"""ESC/POS over USB, serial and a device file, checked at the byte level.

No printer is attached here. USB goes through python-escpos and pyusb to a fake
device (the one mock in this suite: pyusb cannot talk to hardware that is not there);
serial goes through python-escpos and pyserial to a real pseudo-terminal with the
emulated printer on the other end; the device file is a real file or FIFO.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from array import array
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import usb.core
from escpos_decoder import read_qr, split_commands
from escpos_emulator import PrinterModel

from printer_drivers.base import PrinterState, Receipt, ReceiptLine
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.escpos_backend import EscposPrinter
from printer_drivers.escpos_render import render_receipt, resolve_profile
from printer_drivers.factory import printer_from_url

PICKUP = "LD1-P:7Q2M9XR4T8WZB3NK5D6F"
RECEIPT = Receipt(
    [ReceiptLine("Desa Sukamaju", bold=True, align="center"), "Antrean A-017 – terima kasih"],
    qr_payload=PICKUP,
)


def escpos(url: str) -> EscposPrinter:
    printer = printer_from_url(url)
    assert isinstance(printer, EscposPrinter)
    return printer


# --- USB ---------------------------------------------------------------------------------


class _NotLibusb1:
    pass


class FakeUsbPrinter:
    """What pyusb's usb.core.find returns for a printer: bulk OUT 0x02, bulk IN 0x81."""

    def __init__(self, model: PrinterModel, *, fail_writes_after: int | None = None) -> None:
        self.model = model
        self.written = bytearray()
        self.replies = bytearray()
        self.fail_writes_after = fail_writes_after
        self.write_error: usb.core.USBError | None = None
        self.endpoints_used: set[int] = set()
        self.backend = _NotLibusb1()  # python-escpos then skips the kernel-driver detach
        self._ctx = SimpleNamespace(dispose=lambda device: None)

    def set_configuration(self) -> None:
        pass

    def reset(self) -> None:
        pass

    def get_active_configuration(self) -> dict[tuple[int, int], list[Any]]:
        bulk = 0x02
        return {
            (0, 0): [
                SimpleNamespace(bEndpointAddress=0x81, bmAttributes=bulk),
                SimpleNamespace(bEndpointAddress=0x02, bmAttributes=bulk),
            ]
        }

    def write(self, endpoint: int, data: Any, timeout: int) -> int:
        self.endpoints_used.add(endpoint)
        if self.write_error is not None and len(self.written) >= (self.fail_writes_after or 0):
            raise self.write_error
        self.written += bytes(data)
        self.replies += self.model.feed(bytes(data))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> array[int]:
        self.endpoints_used.add(endpoint)
        if not self.replies:
            time.sleep(min(timeout / 1000, 0.01))  # a real read blocks until its timeout
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
        data = array("B", self.replies[:size])
        del self.replies[:size]
        return data


@pytest.fixture
def usb_printer(monkeypatch: pytest.MonkeyPatch) -> FakeUsbPrinter:
    device = FakeUsbPrinter(PrinterModel())

    def find(**match: int) -> FakeUsbPrinter | None:
        return device if (match["idVendor"], match["idProduct"]) == (0x0416, 0x5011) else None

    monkeypatch.setattr(usb.core, "find", find)
    return device


@pytest.mark.device_bytes
def test_usb_receipt_bytes_status_and_confirmation(usb_printer: FakeUsbPrinter) -> None:
    printer = escpos("escpos+usb://0416:5011?profile=POS-5890")
    assert printer.status().state is PrinterState.ONLINE
    usb_printer.written.clear()

    result = printer.print_receipt(RECEIPT)

    assert result.completed
    # The endpoints come from the descriptors, not python-escpos's 0x82/0x01 guess.
    assert usb_printer.endpoints_used == {0x02, 0x81}
    job = render_receipt(resolve_profile("POS-5890"), RECEIPT)
    status_queries = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"  # DLE EOT 1, 2, 4
    assert bytes(usb_printer.written) == status_queries + job + b"\x1dr\x01"  # then GS r 1
    paper = usb_printer.model.paper()
    assert paper.text[:2] == ["Desa Sukamaju", "Antrean A-017 - terima kasih"]
    assert read_qr(paper.pictures[0].image) == [PICKUP]


@pytest.mark.device_bytes
def test_usb_paper_out_is_reported_before_sending(usb_printer: FakeUsbPrinter) -> None:
    usb_printer.model.paper_out = True
    with pytest.raises(PrinterError) as refused:
        escpos("escpos+usb://0416:5011").print_receipt(RECEIPT)
    assert refused.value.kind is PrinterErrorKind.PAPER_OUT
    assert b"\x1b@" not in usb_printer.written


@pytest.mark.device_bytes
def test_usb_printer_not_plugged_in(usb_printer: FakeUsbPrinter) -> None:
    printer = escpos("escpos+usb://04b8:0202")
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as missing:
        printer.print_receipt(RECEIPT)
    assert missing.value.kind is PrinterErrorKind.OFFLINE
    assert "USB" in missing.value.message_id


@pytest.mark.device_bytes
def test_usb_permission_denied_is_a_configuration_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def find(**match: int) -> None:
        raise usb.core.USBError("Access denied (insufficient permissions)", errno=errno.EACCES)

    monkeypatch.setattr(usb.core, "find", find)
    with pytest.raises(PrinterError) as denied:
        escpos("escpos+usb://0416:5011").print_receipt(RECEIPT)
    assert denied.value.kind is PrinterErrorKind.BAD_CONFIGURATION
    assert "udev" in str(denied.value)


@pytest.mark.device_bytes
@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT), "timeout"),
        (usb.core.USBError("No such device", errno=errno.ENODEV), "job_failed"),
    ],
)
def test_usb_write_failures_are_printer_errors(
    usb_printer: FakeUsbPrinter, error: usb.core.USBError, kind: str
) -> None:
    usb_printer.write_error = error
    usb_printer.fail_writes_after = 100  # after the status queries, mid-job
    with pytest.raises(PrinterError) as failed:
        escpos("escpos+usb://0416:5011").print_receipt(RECEIPT)
    assert failed.value.kind == kind
    assert isinstance(failed.value.__cause__, usb.core.USBError)


# --- serial (a pseudo-terminal with the emulated printer behind it) ------------------------


@pytest.fixture
def serial_printer() -> Iterator[tuple[str, PrinterModel]]:
    model = PrinterModel()
    master, slave = os.openpty()
    stop = threading.Event()

    def printer_side() -> None:
        os.set_blocking(master, False)
        while not stop.is_set():
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                time.sleep(0.002)
                continue
            except OSError:
                return
            replies = model.feed(data)
            if replies:
                os.write(master, replies)

    thread = threading.Thread(target=printer_side, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave), model
    finally:
        stop.set()
        thread.join(2)
        os.close(master)
        os.close(slave)


@pytest.mark.device_bytes
def test_serial_receipt_over_a_pty(serial_printer: tuple[str, PrinterModel]) -> None:
    port, model = serial_printer
    printer = escpos(f"escpos+serial://{port}?baudrate=19200&profile=TM-T88V")
    assert printer.status().state is PrinterState.ONLINE

    result = printer.print_receipt(RECEIPT)

    assert result.completed
    paper = model.paper()
    assert paper.text[:2] == ["Desa Sukamaju", "Antrean A-017 - terima kasih"]
    assert paper.qr_symbols[0].payload == PICKUP
    assert model.gs_r_queries == 1


@pytest.mark.device_bytes
def test_serial_paper_out_over_a_pty(serial_printer: tuple[str, PrinterModel]) -> None:
    port, model = serial_printer
    model.paper_out = True
    printer = escpos(f"escpos+serial://{port}")
    assert printer.status().state is PrinterState.PAPER_OUT
    with pytest.raises(PrinterError) as refused:
        printer.print_receipt(RECEIPT)
    assert refused.value.kind is PrinterErrorKind.PAPER_OUT


@pytest.mark.device_bytes
def test_serial_port_that_does_not_exist() -> None:
    printer = escpos("escpos+serial:///dev/ttyUSB-not-here")
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as missing:
        printer.print_receipt(RECEIPT)
    assert missing.value.kind is PrinterErrorKind.OFFLINE


# --- device file ------------------------------------------------------------------------------


def test_file_device_gets_exactly_the_job_bytes(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()
    printer = escpos(f"escpos+file://{device}?profile=POS-5890")

    result = printer.print_receipt(RECEIPT)

    assert not result.completed  # a write-only file cannot confirm
    job = render_receipt(resolve_profile("POS-5890"), RECEIPT)
    assert device.read_bytes() == job
    commands, end = split_commands(job)
    assert end == len(job) and commands[0].name == "ESC @"
    assert printer.status().state is PrinterState.UNKNOWN


def test_file_device_missing_or_wrong(tmp_path: Path) -> None:
    missing = escpos(f"escpos+file://{tmp_path}/no-such-dir/lp0")
    with pytest.raises(PrinterError) as gone:
        missing.print_receipt(RECEIPT)
    assert gone.value.kind is PrinterErrorKind.OFFLINE
    assert missing.status().state is PrinterState.OFFLINE

    with pytest.raises(PrinterError) as folder:
        escpos(f"escpos+file://{tmp_path}").print_receipt(RECEIPT)
    assert folder.value.kind is PrinterErrorKind.BAD_CONFIGURATION


def test_a_device_that_blocks_for_ever_cannot_hang_the_kiosk(tmp_path: Path) -> None:
    # Opening a FIFO for writing blocks until a reader comes, as opening /dev/usb/lp0
    # can while the printer is off. The call must still return at its timeout.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    printer = escpos(f"escpos+file://{fifo}")
    started = time.monotonic()
    with pytest.raises(PrinterError) as stuck:
        printer.print_receipt(RECEIPT, timeout=0.5)
    assert stuck.value.kind is PrinterErrorKind.TIMEOUT
    assert time.monotonic() - started < 10  # its 0.5 s timeout, not for ever
    # A second job waits for the stuck one (one session per device at a time).
    with pytest.raises(PrinterError) as busy:
        printer.print_receipt(RECEIPT, timeout=0.3)
    assert busy.value.kind is PrinterErrorKind.TIMEOUT
    assert "busy" in str(busy.value)
    # Now the "printer" comes on: the abandoned session's open() returns. It must not
    # print the job its caller was told had failed (the resident would get it twice).
    reader = os.open(fifo, os.O_RDONLY)  # a writer is waiting, so this does not block
    try:
        data = b""
        while chunk := os.read(reader, 65536):  # until the session closes its end
            data += chunk
    finally:
        os.close(reader)
    assert data == b""
