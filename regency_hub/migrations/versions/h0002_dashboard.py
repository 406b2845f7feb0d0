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
    # Letters per month per type per village: an index-only range scan on filed_at.
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
    op.drop_table("hub_login_failures")
    op.drop_table("hub_sessions")
