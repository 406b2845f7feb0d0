"""photos of required documents sent with a request, and how long the village keeps them

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_key", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=False),
        sa.Column("upload_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["letter_requests.id"],
            name=op.f("fk_request_documents_request_id_letter_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_documents")),
        sa.UniqueConstraint("document_key", name=op.f("uq_request_documents_document_key")),
        sa.UniqueConstraint("file_name", name=op.f("uq_request_documents_file_name")),
    )
    op.create_index(
        op.f("ix_request_documents_request_id"), "request_documents", ["request_id"], unique=False
    )
    with op.batch_alter_table("village_profile") as batch:
        batch.add_column(
            sa.Column("document_retention_days", sa.Integer(), nullable=False, server_default="30")
        )


def downgrade() -> None:
    with op.batch_alter_table("village_profile") as batch:
        batch.drop_column("document_retention_days")
    op.drop_index(op.f("ix_request_documents_request_id"), table_name="request_documents")
    op.drop_table("request_documents")
