"""The demo village and the starting letter types."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from office_server.letter_types.catalog import SEED_LETTER_TYPES
from office_server.letter_types.models import LetterType
from office_server.operators import service as operators
from office_server.operators.models import Operator
from office_server.village.models import Announcement, VillageProfile

DEMO_PASSWORDS = {
    "admin": "admin-demo-123",
    "operator": "operator-demo-123",
    "kades": "kades-demo-123",
}


def is_empty(session: Session) -> bool:
    return session.get(VillageProfile, 1) is None


# (type code, the code seeded before issue 14, the annex's code; see catalog.py).
CODE_FIXES = (
    ("domisili", "400.12.2.2", "400.12.2.1"),
    ("sktm", "400.12.2.5", "400.9.14"),
    ("usaha", "500.2.3", "500.3"),
    ("skck", "400.12.2.6", "100.2.5"),
    ("kematian", "400.12.3.2", "400.12.3.1"),
    ("pindah", "400.12.2.1", "400.12.2.2"),
    ("belum_menikah", "400.12.3.3", "400.12.3.2"),
    ("penghasilan_ortu", "400.12.2.7", "400.10.4.3"),
    ("beda_identitas", "400.12.2.8", "400.12.2.1"),
)


def fix_classification_codes(session: Session) -> list[str]:
    """Codes still as first seeded, corrected to the annex; an admin's own code stays.
    Returns "type: old -> new" for each change."""
    changed = []
    for code, old, new in CODE_FIXES:
        lt = session.scalars(select(LetterType).where(LetterType.code == code)).first()
        if lt is not None and lt.classification_code == old:
            lt.classification_code = new
            changed.append(f"{code}: {old} -> {new}")
    session.flush()
    return changed


def seed_letter_types(session: Session, *, active: bool = True) -> list[str]:
    """Adds the standard letter types that are missing (never overwrites an admin's edits)
    and returns their codes. A village upgrading adds them inactive (`active=False`): the
    admin decides which to offer."""
    existing = set(session.scalars(select(LetterType.code)))
    added = []
    for order, spec in enumerate(SEED_LETTER_TYPES):
        if spec["code"] in existing:
            continue
        # "annex" is the citation kept beside the code in the catalog, not a column.
        columns = {k: v for k, v in spec.items() if k != "annex"}
        session.add(
            LetterType(sort_order=order, template_name=spec["code"], active=active, **columns)
        )
        added.append(spec["code"])
    session.flush()
    return added


def init_village(
    session: Session,
    *,
    name: str,
    kode_desa: str,
    kecamatan: str,
    kabupaten: str,
    provinsi: str,
    head_name: str,
) -> VillageProfile:
    """A real village's first setup: its profile and the standard letter types. The rest
    of the profile (address, logo, number format, paper) is filled in at /admin/desa."""
    profile = VillageProfile(
        id=1,
        name=name,
        kode_desa=kode_desa,
        kecamatan=kecamatan,
        kabupaten=kabupaten,
        provinsi=provinsi,
        address=f"Kantor Desa {name}",
        head_name=head_name,
        head_title=f"Kepala Desa {name}",
    )
    session.add(profile)
    seed_letter_types(session)
    session.flush()
    return profile


def seed_demo(session: Session) -> dict[str, str]:
    """A demo village (Desa Sukamaju, Kabupaten Serang) with accounts for each role."""
    session.add(
        VillageProfile(
            id=1,
            name="Sukamaju",
            kode_desa="DS-2004",
            kecamatan="Cikeusal",
            kabupaten="Serang",
            provinsi="Banten",
            address="Jl. Raya Sukamaju No. 1, Cikeusal, Serang",
            postal_code="42176",
            phone="0254-123456",
            email="desa.sukamaju@example.id",
            office_hours="Senin–Jumat 08.00–15.00",
            head_name="H. Ahmad Suryana",
            head_title="Kepala Desa Sukamaju",
            about="Desa Sukamaju melayani surat keterangan secara mandiri lewat Loket Desa.",
        )
    )
    session.add(
        Announcement(
            title="Layanan surat mandiri sudah dibuka",
            body="Isi permohonan dari HP Anda, lalu ambil suratnya di anjungan kantor desa.",
        )
    )
    seed_letter_types(session)
    has_operators = session.scalar(select(func.count()).select_from(Operator))
    if not has_operators:
        operators.create(
            session,
            username="admin",
            full_name="Admin Desa",
            role="admin",
            password=DEMO_PASSWORDS["admin"],
        )
        operators.create(
            session,
            username="operator",
            full_name="Siti Rahmawati",
            role="operator",
            password=DEMO_PASSWORDS["operator"],
        )
        operators.create(
            session,
            username="kades",
            full_name="H. Ahmad Suryana",
            role="signer",
            title="Kepala Desa Sukamaju",
            password=DEMO_PASSWORDS["kades"],
        )
    session.flush()
    return DEMO_PASSWORDS
