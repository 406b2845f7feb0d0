"""the UMKM register: one entry per village and pickup code, fields as the village sent them

Revision ID: h0003
Revises: h0002
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h0003"
down_revision: str | None = "h0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The table was a placeholder until now (no village could send an entry): made anew.
    op.drop_table("umkm_register")
    op.create_table(
        "umkm_register",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_name", sa.String(length=160), nullable=True),
        sa.Column("kind", sa.String(length=160), nullable=True),
        sa.Column("since", sa.String(length=20), nullable=True),
        sa.Column("dusun", sa.String(length=160), nullable=True),
        sa.Column("rt", sa.String(length=5), nullable=True),
        sa.Column("rw", sa.String(length=5), nullable=True),
        sa.Column("owner_name", sa.String(length=160), nullable=True),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_umkm_register_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_umkm_register")),
        sa.UniqueConstraint("village_id", "code", name=op.f("uq_umkm_register_village_id_code")),
    )
    op.create_index(
        "ix_umkm_register_village_name",
        "umkm_register",
        ["village_id", "business_name", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("umkm_register")
    op.create_table(
        "umkm_register",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("business_name", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("since", sa.String(length=20), nullable=True),
        sa.Column("dusun_rt_rw", sa.String(length=60), nullable=True),
        sa.Column("owner_name", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_umkm_register_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_umkm_register")),
        sa.UniqueConstraint("event_id", name=op.f("uq_umkm_register_event_id")),
    )
