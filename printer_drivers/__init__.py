"""printer_drivers: one Printer protocol over CUPS, ESC/POS and a PDF folder.

Knows nothing about letters or the office server: it prints a PDF (bytes) or a
receipt (lines, a QR payload, a cut), reports status, and fails with PrinterError.

Public API::

    from printer_drivers.factory import printer_from_url
    from printer_drivers.base import Receipt, ReceiptLine, PrinterState
    from printer_drivers.errors import PrinterError, PrinterErrorKind

    printer = printer_from_url("escpos+tcp://192.168.1.50:9100?profile=TM-T88V")
    printer.capabilities        # Capabilities(pdf, receipt, paper_width_dots, reports_status)
    printer.status()            # PrinterStatus(state, detail, paper_low); never raises
    printer.print_pdf(pdf_bytes, copies=1, media="A4")       # -> PrintResult
    printer.print_receipt(
        Receipt(
            lines=[ReceiptLine("KANTOR DESA SUKAMAJU", bold=True, align="center", size="double"),
                   "Nomor antrean: A-017"],
            qr_payload="LD1-P:...",
            cut=True,
        )
    )                           # -> PrintResult(job_id, completed, detail, bytes_sent, ...)

Every call takes ``timeout=`` (seconds) and returns or raises within it.
``PrintResult.completed`` is True when the spooler or printer confirmed the job
finished, False when the device cannot tell (see printer_drivers.base).

Errors: ``PrinterError.kind`` is one of offline, paper_out, cover_open, timeout,
unsupported_job, bad_configuration, job_failed; ``str(error)`` is English for logs,
``error.message_id`` is the Indonesian text for the screen.

Printer URLs (printer_drivers.factory; README.md beside this file)::

    cups://QUEUE                          A4/F4 PDFs through CUPS (lp tools)
    escpos+tcp://HOST:9100?profile=TM-T88V
    escpos+usb://VID:PID?profile=POS-5890
    escpos+serial:///dev/ttyUSB0?baudrate=19200
    escpos+file:///dev/usb/lp0
    folder:///path                        PDFs and receipt pictures into a folder

Modules: base (protocol, job and status types), errors, factory, cups_backend,
escpos_backend (+ escpos_links, escpos_render), pdf_folder, receipt (text shaping),
raster (PDF to thermal raster), deadline (timeouts that hold).
"""

from printer_drivers.base import (
    Capabilities,
    Printer,
    PrinterState,
    PrinterStatus,
    PrintResult,
    Receipt,
    ReceiptLine,
)
from printer_drivers.errors import PrinterError, PrinterErrorKind
from printer_drivers.factory import printer_from_url

__all__ = [
    "Capabilities",
    "PrintResult",
    "Printer",
    "PrinterError",
    "PrinterErrorKind",
    "PrinterState",
    "PrinterStatus",
    "Receipt",
    "ReceiptLine",
    "printer_from_url",
]
