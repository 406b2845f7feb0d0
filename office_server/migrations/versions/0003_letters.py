"""letters a village can issue: signature specimen and stamp, per-type print mode and
validity, and letter numbers unique per counter (schema only: the corrected
classification codes reach an existing village through `loket add-letter-types`, so an
upgrade changes no row)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("letter_types") as batch:
        batch.add_column(
            sa.Column("print_mode", sa.String(length=10), nullable=False, server_default="kiosk")
        )
        batch.add_column(sa.Column("validity_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("village_profile") as batch:
        batch.add_column(sa.Column("stamp_png", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("signature_png", sa.LargeBinary(), nullable=True))
    # Two types may share a classification code while each keeps its own counter: a
    # number is then unique within its counter, not across the office.
    with op.batch_alter_table("letters") as batch:
        batch.drop_constraint("uq_letters_number", type_="unique")
        batch.create_unique_constraint(
            "uq_letters_counter_scope_number", ["counter_scope", "number"]
        )
        batch.create_index("ix_letters_number", ["number"])


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_index("ix_letters_number")
        batch.drop_constraint("uq_letters_counter_scope_number", type_="unique")
        batch.create_unique_constraint("uq_letters_number", ["number"])
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("signature_png")
    with op.batch_alter_table("village_profile") as batch:
        batch.drop_column("stamp_png")
    with op.batch_alter_table("letter_types") as batch:
        batch.drop_column("validity_days")
        batch.drop_column("print_mode")
