"""The one exception printer_drivers raises, in the package's own terms.

Every backend translates its library's failures (escpos, OSError, socket, pyusb,
pyserial, subprocess, pypdfium2) into a PrinterError at its seam, so the kiosk handles
one type and switches on ``kind``. ``str(error)`` is English for logs; ``message_id``
is the Indonesian sentence to show an operator or a resident.
"""

from __future__ import annotations

from enum import StrEnum


class PrinterErrorKind(StrEnum):
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    TIMEOUT = "timeout"
    UNSUPPORTED_JOB = "unsupported_job"
    BAD_CONFIGURATION = "bad_configuration"
    JOB_FAILED = "job_failed"


# What a resident or operator reads when the backend has nothing more specific to say.
DEFAULT_MESSAGES_ID: dict[PrinterErrorKind, str] = {
    PrinterErrorKind.OFFLINE: "Printer tidak terhubung atau mati. Periksa kabel dan daya printer.",
    PrinterErrorKind.PAPER_OUT: "Kertas printer habis. Isi kertas lalu coba lagi.",
    PrinterErrorKind.COVER_OPEN: "Tutup printer terbuka. Tutup lalu coba lagi.",
    PrinterErrorKind.TIMEOUT: "Printer tidak menjawab tepat waktu. Coba lagi.",
    PrinterErrorKind.UNSUPPORTED_JOB: "Printer ini tidak dapat mencetak dokumen ini.",
    PrinterErrorKind.BAD_CONFIGURATION: "Pengaturan printer salah. Hubungi operator.",
    PrinterErrorKind.JOB_FAILED: "Pencetakan gagal. Coba lagi atau hubungi operator.",
}


class PrinterError(Exception):
    """A print or status call failed.

    Attributes:
        kind: what went wrong, one of PrinterErrorKind.
        detail: English explanation for logs and technicians (also ``str(error)``).
        message_id: Indonesian text for the screen.
        printer: the printer's URL (as given to the factory), when known.
        job_id: the spooler's or backend's job id, when a job had been created.
    """

    def __init__(
        self,
        kind: PrinterErrorKind | str,
        detail: str,
        *,
        message_id: str | None = None,
        printer: str | None = None,
        job_id: str | None = None,
    ) -> None:
        self.kind = PrinterErrorKind(kind)
        self.detail = detail
        self.message_id = message_id or DEFAULT_MESSAGES_ID[self.kind]
        self.printer = printer
        self.job_id = job_id
        super().__init__(detail)

    def __str__(self) -> str:
        where = f" [{self.printer}]" if self.printer else ""
        job = f" (job {self.job_id})" if self.job_id else ""
        return f"{self.kind.value}{where}{job}: {self.detail}"

    def __repr__(self) -> str:
        return f"PrinterError({self.kind.value!r}, {self.detail!r})"

    @classmethod
    def unexpected(
        cls, exc: Exception, *, printer: str | None = None, job_id: str | None = None
    ) -> PrinterError:
        """A backend's own bug or a library's surprise, as a failed job (the seam's last net)."""
        return cls(
            PrinterErrorKind.JOB_FAILED,
            f"unexpected {type(exc).__name__}: {exc}",
            printer=printer,
            job_id=job_id,
        )

    def with_context(
        self, *, printer: str | None = None, job_id: str | None = None
    ) -> PrinterError:
        """Fill in where the error happened, keeping what is already known."""
        self.printer = self.printer or printer
        self.job_id = self.job_id or job_id
        return self
