"""The village register (optional): imported from CSV, used to check NIK + birth date."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from office_server.residents.models import Resident
from office_server.residents.nik import NikError, validate_nik

CSV_COLUMNS = ("nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin")
OPTIONAL_COLUMNS = ("agama", "pekerjaan", "alamat", "rt", "rw")


def find_by_nik(session: Session, *, nik: str) -> Resident | None:
    return session.scalars(select(Resident).where(Resident.nik == nik)).first()


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    # (line number, Indonesian message): no NIK or name, they are personal data.
    rejected: list[tuple[int, str]] | None = None


def import_csv(session: Session, *, path: Path) -> ImportReport:
    """Adds or updates residents; a bad row is reported by line number and skipped."""
    report = ImportReport(rejected=[])
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"Kolom CSV kurang: {', '.join(missing)}. Kolom wajib: {', '.join(CSV_COLUMNS)}."
            )
        for line, row in enumerate(reader, start=2):
            problem = _import_row(session, row, report)
            if problem:
                report.rejected.append((line, problem))  # type: ignore[union-attr]
    session.flush()
    return report


def _import_row(session: Session, row: dict[str, str], report: ImportReport) -> str | None:
    try:
        info = validate_nik(row["nik"])
    except NikError as exc:
        return exc.message
    try:
        birth = date.fromisoformat(row["tanggal_lahir"].strip())
    except ValueError:
        return "tanggal_lahir harus berformat YYYY-MM-DD."
    if birth != info.birth_date:
        return "tanggal_lahir tidak sama dengan tanggal lahir pada NIK."
    sex = row["jenis_kelamin"].strip().upper()[:1]
    if sex not in ("L", "P"):
        return "jenis_kelamin harus L atau P."
    if not row["nama"].strip():
        return "nama kosong."
    resident = find_by_nik(session, nik=info.nik)
    if resident is None:
        resident = Resident(nik=info.nik)
        session.add(resident)
        report.added += 1
    else:
        report.updated += 1
    resident.name = row["nama"].strip()
    resident.birth_place = row.get("tempat_lahir", "").strip()
    resident.birth_date = birth
    resident.sex = sex
    resident.religion = (row.get("agama") or "").strip()
    resident.occupation = (row.get("pekerjaan") or "").strip()
    resident.address = (row.get("alamat") or "").strip()
    resident.rt = (row.get("rt") or "").strip()
    resident.rw = (row.get("rw") or "").strip()
    return None
