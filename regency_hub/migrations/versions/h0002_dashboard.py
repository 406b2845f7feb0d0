"""the dashboard: staff sessions, login failures, indexes for the dashboard's queries

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-01 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h0002"
down_revision: str | None = "h0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["hub_users.id"],
            name=op.f("fk_hub_sessions_user_id_hub_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_hub_sessions")),
    )
    op.create_table(
        "hub_login_failures",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_hub_login_failures")),
    )
    op.create_table(
        "letter_months",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("letter_type", sa.String(length=40), nullable=False),
        sa.Column("filed", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_letter_months_village_id_villages")
        ),
        sa.PrimaryKeyConstraint(
            "village_id", "month", "letter_type", name=op.f("pk_letter_months")
        ),
    )
    # What the hub already holds, counted once; from here the ingest keeps it.
    op.execute(
        "INSERT INTO letter_months (village_id, month, letter_type, filed) "
        "SELECT village_id, date_trunc('month', filed_at AT TIME ZONE 'Asia/Jakarta')::date, "
        "coalesce(letter_type, '?'), count(*) FROM request_states WHERE filed_at IS NOT NULL "
        "GROUP BY 1, 2, 3"
    )
    # Turnaround and kiosk share of a month: an index-only range scan on filed_at.
    op.create_index(
        "ix_request_states_filed",
        "request_states",
        ["filed_at", "village_id", "letter_type"],
        postgresql_include=["ready_at", "picked_up_at", "picked_up_via"],
    )
    # One village's months (the page filtered to a village).
    op.create_index("ix_request_states_village_filed", "request_states", ["village_id", "filed_at"])


def downgrade() -> None:
    op.drop_index("ix_request_states_village_filed", table_name="request_states")
    op.drop_index("ix_request_states_filed", table_name="request_states")
    op.drop_table("letter_months")
    op.drop_table("hub_login_failures")
    op.drop_table("hub_sessions")
