"""residents at home: village keys and forms, hub filings, villages' active flag

Revision ID: h0004
Revises: h0002
Create Date: 2026-12-01 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "h0004"
down_revision: str | None = "h0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "villages",
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.create_table(
        "village_keys",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=87), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_village_keys_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_keys")),
        sa.UniqueConstraint("village_id", "kid", name=op.f("uq_village_keys_village_id_kid")),
    )
    op.create_table(
        "village_forms",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_village_forms_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_forms")),
        sa.UniqueConstraint("village_id", "code", name=op.f("uq_village_forms_village_id_code")),
    )
    op.create_table(
        "hub_filings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("letter_type", sa.String(length=40), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_hub_filings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_filings")),
        sa.UniqueConstraint("request_id", name=op.f("uq_hub_filings_request_id")),
        sa.UniqueConstraint("village_id", "code", name=op.f("uq_hub_filings_village_id_code")),
    )


def downgrade() -> None:
    op.drop_table("hub_filings")
    op.drop_table("village_forms")
    op.drop_table("village_keys")
    op.drop_column("villages", "active")
