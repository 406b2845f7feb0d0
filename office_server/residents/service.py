"""The village register: imported from OpenSID's export or a CSV, read and corrected by
operators. Reports and audit events name lines and fields, never a NIK or a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.models import AuditEvent
from office_server.audit.service import Actor
from office_server.errors import NotFound, ValidationFailed
from office_server.residents import codes
from office_server.residents.models import Resident
from office_server.residents.nik import NikError, validate_nik
from office_server.residents.register_file import parse_date, read_rows, text

# What an import writes and an operator may correct, with the words the pages show.
FIELDS: dict[str, str] = {
    "name": "Nama",
    "no_kk": "No. KK",
    "shdk": "Hubungan dalam keluarga (SHDK)",
    "sex": "Jenis kelamin",
    "birth_place": "Tempat lahir",
    "birth_date": "Tanggal lahir",
    "religion": "Agama",
    "marital_status": "Status perkawinan",
    "education": "Pendidikan",
    "occupation": "Pekerjaan",
    "citizenship": "Kewarganegaraan",
    "dusun": "Dusun",
    "rt": "RT",
    "rw": "RW",
    "address": "Alamat",
}
_LENGTHS = {"name": 120, "no_kk": 16, "shdk": 40, "birth_place": 80, "religion": 30,
            "marital_status": 30, "education": 60, "occupation": 80, "citizenship": 30,
            "dusun": 80, "rt": 4, "rw": 4, "address": 300}  # fmt: skip


def find_by_nik(session: Session, *, nik: str) -> Resident | None:
    return session.scalars(select(Resident).where(Resident.nik == nik)).first()


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # Not living in the village any more (OpenSID's status_dasar: died, moved, ...).
    skipped: int = 0
    # (line number, Indonesian message): no NIK or name, they are personal data.
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # Field names changed, how many residents each: what a re-import changed.
    changed_fields: dict[str, int] = field(default_factory=dict)


def import_file(
    session: Session, *, path: Path, actor: Actor = audit.SYSTEM, dry_run: bool = False
) -> ImportReport:
    """Adds new residents and updates known ones by NIK; a bad row is reported by line
    and skipped. A dry run reads and checks everything and writes nothing.

    Raises RegisterFileError (a ValueError) when the file as a whole cannot be read.
    """
    report = ImportReport()
    known = {r.nik: r for r in session.scalars(select(Resident))}
    seen: dict[str, int] = {}
    for line, row in read_rows(path):
        try:
            nik, values = _checked(row)
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        if nik in seen:
            report.rejected.append((line, f"NIK sama dengan baris {seen[nik]}."))
            continue
        seen[nik] = line
        if values is None:
            report.skipped += 1
            continue
        resident = known.get(nik)
        if resident is None:
            report.added += 1
            if not dry_run:
                session.add(Resident(nik=nik, **values))
            continue
        changed = [f for f, v in values.items() if getattr(resident, f) != v]
        if not changed:
            report.unchanged += 1
            continue
        report.updated += 1
        for name in changed:
            report.changed_fields[name] = report.changed_fields.get(name, 0) + 1
        if not dry_run:
            for name in changed:
                setattr(resident, name, values[name])
            audit.record(
                session,
                actor=actor,
                action="resident_import_update",
                details={"resident_id": resident.id, "fields": changed},
            )
    if not dry_run:
        audit.record(
            session,
            actor=actor,
            action="resident_import",
            details={
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
                "rejected": len(report.rejected),
            },
        )
        session.flush()
    return report


def import_csv(session: Session, *, path: Path) -> ImportReport:
    """The old name of `import_file` (CSV or xlsx alike)."""
    return import_file(session, path=path)


def _checked(row: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The NIK and our values for a row; None for a resident no longer in the village."""
    raw_nik = row.get("nik")
    if isinstance(raw_nik, float):
        raise ValueError(
            "NIK tersimpan sebagai angka di Excel (angka terakhir hilang); jadikan teks."
        )
    try:
        info = validate_nik(text(raw_nik))
    except NikError as exc:
        raise ValueError(exc.message) from exc
    if text(row.get("status_dasar")).upper() not in codes.ALIVE:
        return info.nik, None
    birth = parse_date(row.get("birth_date"))
    if birth is None:
        raise ValueError("tanggal lahir harus berformat YYYY-MM-DD atau DD-MM-YYYY.")
    if birth != info.birth_date:
        raise ValueError("tanggal lahir tidak sama dengan tanggal lahir pada NIK.")
    values: dict[str, Any] = {"birth_date": birth, "name": text(row.get("name"))}
    if not values["name"]:
        raise ValueError("nama kosong.")
    raw_sex = text(row.get("sex"))
    sex = codes.SEX.get(raw_sex.upper()) if raw_sex else info.sex
    if sex is None:
        raise ValueError("jenis kelamin harus L/P (atau kode 1/2).")
    values["sex"] = sex
    for name in ("no_kk", "birth_place", "occupation", "dusun", "rt", "rw", "address"):
        values[name] = text(row.get(name))
    if values["no_kk"] and not (values["no_kk"].isdigit() and len(values["no_kk"]) == 16):
        raise ValueError("No. KK harus 16 angka.")
    if values["occupation"].isdigit():
        raise ValueError("pekerjaan: tulis nama pekerjaannya, bukan kodenya.")
    values["dusun"] = values["dusun"].replace("_", " ").upper().removeprefix("DUSUN ").strip()
    for name, (table, label) in codes.CODED.items():
        raw = text(row.get(name))
        decoded = codes.decode(table, raw) if raw else ""
        if decoded is None:
            raise ValueError(f"kode {label} tidak dikenal.")
        values[name] = decoded
    for name, value in values.items():
        if isinstance(value, str) and len(value) > _LENGTHS.get(name, 300):
            raise ValueError(f"{FIELDS[name].lower()} terlalu panjang.")
    return info.nik, values


def get(session: Session, *, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("Data penduduk tidak ditemukan.", "Resident not found.")
    return resident


def search(session: Session, *, query: str, limit: int = 50) -> list[Resident]:
    """By NIK, No. KK or part of the name (a POST: a search never goes into a URL)."""
    q = " ".join(query.split())
    if len(q) < 3:
        return []
    if q.isdigit():
        condition = or_(Resident.nik.startswith(q), Resident.no_kk == q)
    else:
        condition = Resident.name.ilike(f"%{q.replace('%', '').replace('_', '')}%")
    return list(
        session.scalars(select(Resident).where(condition).order_by(Resident.name).limit(limit))
    )


def view(session: Session, *, resident_id: int, actor: Actor) -> Resident:
    """One resident's data for an operator; the reading is audited (who, which row)."""
    resident = get(session, resident_id=resident_id)
    audit.record(session, actor=actor, action="resident_view", details={"resident_id": resident.id})
    return resident


def correct(
    session: Session, *, resident_id: int, changes: dict[str, str], actor: Actor
) -> list[str]:
    """An operator's correction; returns the field names changed (audited, no values)."""
    resident = get(session, resident_id=resident_id)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        if name not in changes:
            continue
        raw = " ".join(changes[name].split())
        if name == "birth_date":
            parsed = parse_date(raw)
            if parsed is None:
                errors[name] = "Tanggal lahir harus berformat YYYY-MM-DD."
            elif parsed != validate_nik(resident.nik).birth_date:
                errors[name] = "Tanggal lahir tidak sama dengan tanggal lahir pada NIK."
            else:
                values[name] = parsed
            continue
        if name == "sex" and raw.upper() not in ("L", "P"):
            errors[name] = "Pilih L atau P."
            continue
        if name == "name" and not raw:
            errors[name] = "Nama wajib diisi."
            continue
        if name == "no_kk" and raw and not (raw.isdigit() and len(raw) == 16):
            errors[name] = "No. KK harus 16 angka."
            continue
        if len(raw) > _LENGTHS.get(name, 300):
            errors[name] = "Terlalu panjang."
            continue
        values[name] = raw.upper() if name == "sex" else raw
    if errors:
        raise ValidationFailed(errors)
    changed = [n for n, v in values.items() if getattr(resident, n) != v]
    for name in changed:
        setattr(resident, name, values[name])
    if changed:
        audit.record(
            session,
            actor=actor,
            action="resident_correct",
            details={"resident_id": resident.id, "fields": changed},
        )
    session.flush()
    return changed


def history(session: Session, *, resident_id: int) -> list[dict[str, Any]]:
    """What happened to a resident's row: imports that changed it, corrections, reads."""

    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action.in_(("resident_import_update", "resident_correct", "resident_view")),
            AuditEvent.details["resident_id"].as_integer() == resident_id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(50)
    )
    return [
        {
            "at": e.at,
            "action": e.action,
            "who": e.actor_label,
            "fields": e.details.get("fields", []),
        }
        for e in events
    ]


def birth_date_text(value: date) -> str:
    return value.strftime("%d-%m-%Y")
