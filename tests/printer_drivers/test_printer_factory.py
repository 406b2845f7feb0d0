"""printer_from_url: the config line an operator types. No I/O happens here."""

from __future__ import annotations

import pytest

from printer_drivers import Printer
from printer_drivers.cups_backend import CupsPrinter
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.escpos_backend import EscposPrinter
from printer_drivers.escpos_links import FileLink, SerialLink, TcpLink, UsbLink
from printer_drivers.factory import printer_from_url
from printer_drivers.pdf_folder import FolderPrinter


def test_cups_url() -> None:
    printer = printer_from_url("cups://Kantor_A4?server=/run/cups/cups.sock&timeout=45")
    assert isinstance(printer, CupsPrinter)
    assert (printer.queue, printer.server, printer.timeout) == (
        "Kantor_A4",
        "/run/cups/cups.sock",
        45.0,
    )
    assert printer.capabilities.pdf and not printer.capabilities.receipt
    assert printer.media_names["F4"] == "Custom.215x330mm"
    assert printer_from_url("cups://Q?f4_media=F4").media_names["F4"] == "F4"  # type: ignore[attr-defined]


def test_escpos_tcp_url_with_profile() -> None:
    printer = printer_from_url("escpos+tcp://192.168.1.50:9100?profile=TM-T88V")
    assert isinstance(printer, EscposPrinter)
    assert printer.link == TcpLink("192.168.1.50", 9100)
    assert printer.profile.name == "TM-T88V"
    assert printer.profile.native_qr
    assert printer.capabilities.paper_width_dots == 512
    assert printer.url == "escpos+tcp://192.168.1.50:9100?profile=TM-T88V"


def test_escpos_tcp_defaults_port_and_a_58mm_safe_width() -> None:
    printer = printer_from_url("escpos+tcp://printer.local")
    assert isinstance(printer, EscposPrinter)
    assert printer.link == TcpLink("printer.local", 9100)
    assert printer.capabilities.paper_width_dots == 384  # profile "default" has no width


def test_escpos_width_and_codepage_overrides() -> None:
    printer = printer_from_url("escpos+tcp://p?profile=tm-t88v&width=576&codepage=cp858")
    assert isinstance(printer, EscposPrinter)
    assert printer.profile.width_dots == 576
    assert printer.profile.columns == 48
    assert (printer.profile.codepage, printer.profile.codepage_slot) == ("CP858", 19)


def test_escpos_usb_url() -> None:
    printer = printer_from_url("escpos+usb://0416:5011?profile=POS-5890&out_ep=0x03")
    assert isinstance(printer, EscposPrinter)
    assert printer.link == UsbLink(0x0416, 0x5011, in_ep=None, out_ep=0x03)
    assert not printer.profile.native_qr  # the 58 mm class draws QR codes as images
    assert printer.capabilities.paper_width_dots == 384


def test_escpos_serial_url() -> None:
    printer = printer_from_url("escpos+serial:///dev/ttyUSB0?baudrate=19200&rtscts=1")
    assert isinstance(printer, EscposPrinter)
    assert printer.link == SerialLink("/dev/ttyUSB0", baudrate=19200, rtscts=True)


def test_escpos_file_url_cannot_report_status() -> None:
    printer = printer_from_url("escpos+file:///dev/usb/lp0")
    assert isinstance(printer, EscposPrinter)
    assert printer.link == FileLink("/dev/usb/lp0")
    assert not printer.capabilities.reports_status


def test_folder_url() -> None:
    printer = printer_from_url("folder:///var/lib/loket/cetak?width=384")
    assert isinstance(printer, FolderPrinter)
    assert str(printer.folder) == "/var/lib/loket/cetak"
    assert printer.capabilities.paper_width_dots == 384


def test_every_backend_is_a_printer() -> None:
    for url in (
        "cups://Q",
        "escpos+tcp://h",
        "escpos+usb://1:2",
        "escpos+serial:///dev/ttyS0",
        "escpos+file:///dev/usb/lp0",
        "folder:///tmp/x",
    ):
        assert isinstance(printer_from_url(url), Printer)


def test_timeout_argument_overrides_the_default() -> None:
    printer = printer_from_url("escpos+tcp://h", timeout=12)
    assert isinstance(printer, EscposPrinter)
    assert printer.timeout == 12.0


@pytest.mark.parametrize(
    ("url", "english", "indonesian"),
    [
        ("", "empty", "Alamat printer kosong"),
        ("lpt://x", "unknown printer type 'lpt'", "Jenis printer 'lpt' tidak dikenal"),
        ("escpos+tcp://h:99999", "port must be a number", "Port harus angka"),
        ("escpos+tcp://h?profle=TM-T88V", "unknown parameter 'profle'", "Parameter 'profle'"),
        ("escpos+tcp://h?profile=TM-T88", "Did you mean TM-T88V", "Mungkin maksudnya: TM-T88V"),
        ("escpos+tcp://h?codepage=CP999", "code page CP999", "Halaman kode CP999"),
        ("escpos+tcp://h?width=abc", "width must be one of", "width harus"),
        ("escpos+tcp://h?timeout=0", "timeout must be a number", "timeout harus angka"),
        ("escpos+tcp://h?confirm=maybe", "confirm must be 1 or 0", "confirm harus 1 atau 0"),
        ("escpos+usb://04b8", "VID:PID", "VID:PID"),
        ("escpos+usb://zzzz:0202", "VID:PID", "heksadesimal"),
        ("escpos+serial://dev/ttyUSB0", "three slashes", "tiga garis miring"),
        ("escpos+serial:///dev/ttyS0?baudrate=1234", "baudrate must be one of", "baudrate"),
        ("escpos+serial:///dev/ttyS0?parity=X", "parity", "parity"),
        ("escpos+file://", "absolute path", "diawali '/'"),
        ("folder:relative/path", "absolute path", "diawali '/'"),
        ("cups://", "queue name", "nama antrean"),
        ("cups://two words", "not a CUPS queue name", "Nama antrean CUPS tidak valid"),
        ("cups://Q?timeout=5&timeout=6", "given twice", "dua kali"),
    ],
)
def test_bad_urls_say_what_is_wrong_with_an_example(
    url: str, english: str, indonesian: str
) -> None:
    with pytest.raises(PrinterError) as bad:
        printer_from_url(url)
    error = bad.value
    assert error.kind is PrinterErrorKind.BAD_CONFIGURATION
    assert english in str(error)
    assert indonesian in error.message_id
    assert "Contoh: " in error.message_id
    assert "://" in error.message_id.split("Contoh: ", 1)[1]
