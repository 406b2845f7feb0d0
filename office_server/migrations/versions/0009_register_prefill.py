"""the register row a request matched (pre-fill without exposure, issue 15)

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("letter_requests") as batch:
        batch.add_column(sa.Column("register_resident_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letter_requests") as batch:
        batch.drop_column("register_resident_id")
