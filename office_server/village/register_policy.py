"""The register policy: which fields of the UMKM register the village lets go up to its
regency hub (DHIS2's "skip synchronization", per field). The default is nothing: with no
row, or sending off, no register event is written at all. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.database import utcnow
from office_server.village.models import RegisterPolicy

# The fields an admin may let go up, in the page's order. The owner's name is asked
# separately (off by default, with a warning); the NIK is not a field at all.
FIELDS = ("business_name", "business_kind", "since", "dusun", "rt_rw")
OWNER = "owner_name"
POLICY_ID = 1


@dataclass(frozen=True)
class Policy:
    """The policy as the rest of the server reads it."""

    send_umkm: bool = False
    business_name: bool = False
    business_kind: bool = False
    since: bool = False
    dusun: bool = False
    rt_rw: bool = False
    owner_name: bool = False

    def allows(self, field: str) -> bool:
        return self.send_umkm and bool(getattr(self, field))

    @property
    def allowed(self) -> list[str]:
        return [f for f in (*FIELDS, OWNER) if self.allows(f)]


NOTHING = Policy()


def get(session: Session) -> Policy:
    row = session.get(RegisterPolicy, POLICY_ID)
    if row is None:
        return NOTHING
    return Policy(
        send_umkm=row.send_umkm,
        business_name=row.business_name,
        business_kind=row.business_kind,
        since=row.since,
        dusun=row.dusun,
        rt_rw=row.rt_rw,
        owner_name=row.owner_name,
    )


def update(session: Session, *, send_umkm: bool, fields: set[str], actor: Actor) -> Policy:
    """Sets the whole policy at once (unknown field names are ignored) and audits it."""
    before = get(session)
    row = session.get(RegisterPolicy, POLICY_ID)
    if row is None:
        row = RegisterPolicy(id=POLICY_ID)
        session.add(row)
    row.send_umkm = send_umkm
    for name in (*FIELDS, OWNER):
        setattr(row, name, name in fields)
    row.updated_at = utcnow()
    after = get(session)
    # Field names and switches only: the policy holds no personal data.
    audit.record(
        session,
        actor=actor,
        action="register_policy",
        details={
            "send_umkm": send_umkm,
            "fields": [f for f in (*FIELDS, OWNER) if f in fields],
            "was_sending": before.send_umkm,
            "was_fields": before.allowed,
        },
    )
    return after
