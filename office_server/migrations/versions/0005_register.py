"""residents: what letters need from the register (No. KK, SHDK, marital status, ...)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("dusun", 80),
    ("no_kk", 16),
    ("shdk", 40),
    ("marital_status", 30),
    ("education", 60),
    ("citizenship", 30),
)


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
