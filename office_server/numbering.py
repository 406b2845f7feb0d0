"""Letter numbers: a configurable format over a gapless yearly counter.

Format fields: {kode} classification code of the type, {nomor} the counter (format spec
allowed, e.g. {nomor:03}), {kode_desa}, {bulan_romawi} (III), {bulan} (03), {tahun}.
Only these names are accepted: the format is typed by an admin, and str.format would
otherwise reach attributes (`{kode.__class__}`).
"""

from __future__ import annotations

import string
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from office_server.sequences import SequenceCounter, next_value

ALLOWED_FIELDS = frozenset({"kode", "nomor", "kode_desa", "bulan_romawi", "bulan", "tahun"})
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def format_problem(fmt: str) -> str | None:
    """The Indonesian reason a number format cannot be used, or None."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return "Format nomor surat rusak (periksa tanda kurung kurawal { })."
    names = [name for _, name, _, _ in parsed if name is not None]
    unknown = [n for n in names if n not in ALLOWED_FIELDS]
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in sorted(ALLOWED_FIELDS))
        return (
            f"Format nomor surat memakai isian yang tidak dikenal: {unknown[0]}. Boleh: {allowed}."
        )
    if "nomor" not in names:
        return "Format nomor surat harus memuat {nomor}."
    if "tahun" not in names:
        # The counter restarts every year; without the year two letters would share a number.
        return "Format nomor surat harus memuat {tahun}."
    try:
        format_number(fmt, kode="400", nomor=1, kode_desa="X", on=date(2026, 1, 1))
    except (ValueError, KeyError, IndexError):
        return "Format nomor surat tidak dapat dipakai (periksa penulisan seperti {nomor:03})."
    return None


def format_number(fmt: str, *, kode: str, nomor: int, kode_desa: str, on: date) -> str:
    return fmt.format(
        kode=kode,
        nomor=nomor,
        kode_desa=kode_desa,
        bulan_romawi=ROMAN_MONTHS[on.month - 1],
        bulan=f"{on.month:02d}",
        tahun=on.year,
    )


COUNTER_PREFIX = "letter:"


def counter_name(scope: str, letter_type_code: str) -> str:
    return f"{COUNTER_PREFIX}*" if scope == "shared" else f"{COUNTER_PREFIX}{letter_type_code}"


def allocate(session: Session, *, scope: str, letter_type_code: str, on: date) -> tuple[str, int]:
    """Next sequence number for the type (or shared) in the year of `on`; same transaction."""
    name = counter_name(scope, letter_type_code)
    return name, next_value(session, name=name, period=str(on.year))


def numbers_taken(session: Session, *, year: int) -> bool:
    """Whether any letter got a number in `year` (counters are gapless: a number that was
    given back on a rollback does not count)."""
    taken = session.scalar(
        select(func.count())
        .select_from(SequenceCounter)
        .where(
            SequenceCounter.name.startswith(COUNTER_PREFIX),
            SequenceCounter.period == str(year),
            SequenceCounter.last_value > 0,
        )
    )
    return bool(taken)
