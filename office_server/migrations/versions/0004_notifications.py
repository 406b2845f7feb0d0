"""notifications: the outbox of messages to residents, its settings, opt-outs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("gateway_url", sa.String(length=300), nullable=False),
        sa.Column("token", sa.String(length=300), nullable=False),
        sa.Column("token_header", sa.String(length=60), nullable=False),
        sa.Column("body_format", sa.String(length=10), nullable=False),
        sa.Column("body_template", sa.Text(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("public_code", sa.String(length=12), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=40), nullable=False),
        sa.Column("stop_token", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["letter_requests.id"],
            name=op.f("fk_notification_outbox_request_id_letter_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_outbox_idempotency_key")),
        sa.UniqueConstraint("stop_token", name=op.f("uq_notification_outbox_stop_token")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        for column in ("request_id", "status", "next_attempt_at", "sent_at"):
            batch_op.create_index(batch_op.f(f"ix_notification_outbox_{column}"), [column])
    op.create_table(
        "notification_optouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_optouts")),
        sa.UniqueConstraint("phone", name=op.f("uq_notification_optouts_phone")),
    )


def downgrade() -> None:
    op.drop_table("notification_optouts")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        for column in ("sent_at", "next_attempt_at", "status", "request_id"):
            batch_op.drop_index(batch_op.f(f"ix_notification_outbox_{column}"))
    op.drop_table("notification_outbox")
    op.drop_table("notification_settings")
