"""sealed requests from the regency hub: the refusals an operator may see

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sealed_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("public_code", sa.String(length=12), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_refusals")),
        sa.UniqueConstraint("event_id", name=op.f("uq_sealed_refusals_event_id")),
    )
    op.create_index(
        op.f("ix_sealed_refusals_request_id"), "sealed_refusals", ["request_id"], unique=False
    )
    op.create_index(
        op.f("ix_sealed_refusals_received_at"), "sealed_refusals", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sealed_refusals_received_at"), table_name="sealed_refusals")
    op.drop_index(op.f("ix_sealed_refusals_request_id"), table_name="sealed_refusals")
    op.drop_table("sealed_refusals")
