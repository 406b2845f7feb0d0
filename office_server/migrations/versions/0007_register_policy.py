"""the register policy: which UMKM register fields may leave the village (none by default)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("send_umkm", sa.Boolean(), nullable=False),
        sa.Column("business_name", sa.Boolean(), nullable=False),
        sa.Column("business_kind", sa.Boolean(), nullable=False),
        sa.Column("since", sa.Boolean(), nullable=False),
        sa.Column("dusun", sa.Boolean(), nullable=False),
        sa.Column("rt_rw", sa.Boolean(), nullable=False),
        sa.Column("owner_name", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_policy")),
    )


def downgrade() -> None:
    op.drop_table("register_policy")
