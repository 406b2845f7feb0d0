"""The Buku Agenda of outgoing letters (Permendagri 47/2016, administrasi umum) for a
month or a year, from the archive: as a spreadsheet (openpyxl) and as a PDF.

Its columns are those of the book's outgoing half: Nomor Urut, Tanggal Pengiriman, Nomor
Surat, Tanggal Surat, Ditujukan Kepada, Isi Singkat, Keterangan. A letter of a kantor desa
goes to the resident who asked for it, so "Ditujukan Kepada" is that resident's name:
the export is personal data, made by an operator and audited (which period, never who).
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from loket_protocol.months import BULAN
from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.letters.context import format_tanggal
from office_server.letters.models import Letter
from office_server.letters.rendering import html_to_pdf
from office_server.requests.models import LetterRequest

COLUMNS = (
    "Nomor Urut",
    "Tanggal Pengiriman",
    "Nomor Surat",
    "Tanggal Surat",
    "Ditujukan Kepada",
    "Isi Singkat",
    "Keterangan",
)


@dataclass(frozen=True)
class AgendaRow:
    order: int
    sent_on: date
    number: str
    dated: date
    addressee: str
    subject: str
    remark: str


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def after(self) -> date:
        if self.month is None or self.month == 12:
            return date(self.year + 1, 1, 1)
        return date(self.year, self.month + 1, 1)

    @property
    def label(self) -> str:
        return f"{BULAN[self.month - 1]} {self.year}" if self.month else f"Tahun {self.year}"

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)


def rows(session: Session, *, period: Period, actor: Actor) -> list[AgendaRow]:
    """The period's issued letters in the order they were numbered (date, then id)."""
    found = session.execute(
        select(Letter, LetterRequest)
        .join(LetterRequest, LetterRequest.id == Letter.request_id)
        .where(Letter.issued_on >= period.first, Letter.issued_on < period.after)
        .order_by(Letter.issued_on, Letter.id)
    ).all()
    audit.record(session, actor=actor, action="agenda_export", details={"period": period.slug})
    result = []
    for order, (letter, request) in enumerate(found, start=1):
        remark = f"Ditandatangani {letter.signer_title} {letter.signer_name}"
        if letter.print_count:
            remark += f"; dicetak {letter.print_count}x"
        result.append(
            AgendaRow(
                order=order,
                # A letter is handed over (sent) the day it is signed, at the earliest.
                sent_on=letter.issued_on,
                number=letter.number,
                dated=letter.issued_on,
                addressee=request.applicant_name,
                subject=request.letter_type.title,
                remark=remark,
            )
        )
    return result


def title(village_name: str, period: Period) -> str:
    return f"BUKU AGENDA SURAT KELUAR DESA {village_name.upper()} \u2014 {period.label.upper()}"


def to_xlsx(agenda: list[AgendaRow], *, village_name: str, period: Period) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Agenda {period.slug}"
    sheet.append([title(village_name, period)])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([])
    sheet.append(list(COLUMNS))
    thin = Side(style="thin")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row in agenda:
        sheet.append(
            [row.order, row.sent_on, row.number, row.dated, row.addressee, row.subject, row.remark]
        )
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        line[1].number_format = line[3].number_format = "DD-MM-YYYY"
    for column, width in zip("ABCDEFG", (8, 14, 32, 14, 28, 36, 36), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(agenda: list[AgendaRow], *, village_name: str, period: Period) -> bytes:
    """A4 landscape, the book's columns; rendered by WeasyPrint like the letters."""
    cells = (
        "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    r.order,
                    format_tanggal(r.sent_on),
                    r.number,
                    format_tanggal(r.dated),
                    r.addressee,
                    r.subject,
                    r.remark,
                )
            )
            + "</tr>"
            for r in agenda
        )
        or f'<tr><td colspan="{len(COLUMNS)}">Tidak ada surat keluar.</td></tr>'
    )
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    document = f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{html.escape(title(village_name, period))}</title><style>
@page {{ size: A4 landscape; margin: 12mm; @bottom-right {{ content: "Halaman " counter(page)
  " dari " counter(pages); font-size: 8pt; }} }}
body {{ font-family: "Liberation Serif", "DejaVu Serif", serif; font-size: 9pt; }}
h1 {{ font-size: 12pt; text-align: center; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border: 0.6pt solid #000; padding: 1mm 1.5mm; vertical-align: top; }}
thead {{ display: table-header-group; }}
</style></head><body><h1>{html.escape(title(village_name, period))}</h1>
<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table></body></html>"""
    return html_to_pdf(document)
