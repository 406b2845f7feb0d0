"""the sync outbox (events for the regency hub) and the regency's announcements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hub_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_sync_outbox_event_id")),
    )
    op.create_index("ix_sync_outbox_pending", "sync_outbox", ["sent_at", "id"], unique=False)
    op.create_table(
        "sync_regency_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_regency_announcements")),
        sa.UniqueConstraint("event_id", name=op.f("uq_sync_regency_announcements_event_id")),
    )


def downgrade() -> None:
    op.drop_table("sync_regency_announcements")
    op.drop_index("ix_sync_outbox_pending", table_name="sync_outbox")
    op.drop_table("sync_outbox")
