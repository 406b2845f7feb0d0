"""letters a village can issue: signature specimen and stamp, per-type print mode and
validity, classification codes checked against the Permendagri 83/2022 annex, and
letter numbers unique per counter

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (type code, the code seeded before, the annex's code). Only a code still as seeded is
# changed: an admin's own choice stays.
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


def upgrade() -> None:
    with op.batch_alter_table("letter_types") as batch:
        batch.add_column(
            sa.Column("print_mode", sa.String(length=10), nullable=False, server_default="kiosk")
        )
        batch.add_column(sa.Column("validity_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("village_profile") as batch:
        batch.add_column(sa.Column("stamp_png", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("signature_png", sa.LargeBinary(), nullable=True))
    # Two types may share a classification code while each keeps its own counter: a
    # number is then unique within its counter, not across the office.
    with op.batch_alter_table("letters") as batch:
        batch.drop_constraint("uq_letters_number", type_="unique")
        batch.create_unique_constraint(
            "uq_letters_counter_scope_number", ["counter_scope", "number"]
        )
        batch.create_index("ix_letters_number", ["number"])
    letter_types = sa.table(
        "letter_types",
        sa.column("code", sa.String),
        sa.column("classification_code", sa.String),
    )
    for type_code, old, new in CODE_FIXES:
        op.execute(
            letter_types.update()
            .where(letter_types.c.code == type_code, letter_types.c.classification_code == old)
            .values(classification_code=new)
        )


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_index("ix_letters_number")
        batch.drop_constraint("uq_letters_counter_scope_number", type_="unique")
        batch.create_unique_constraint("uq_letters_number", ["number"])
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("signature_png")
    with op.batch_alter_table("village_profile") as batch:
        batch.drop_column("stamp_png")
    with op.batch_alter_table("letter_types") as batch:
        batch.drop_column("validity_days")
        batch.drop_column("print_mode")
