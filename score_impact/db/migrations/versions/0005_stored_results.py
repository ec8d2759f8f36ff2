"""stored impact results, shared by every app process

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_result",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("data_version", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_result")),
    )
    op.create_index(op.f("ix_stored_result_created_at"), "stored_result", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_stored_result_created_at"), table_name="stored_result")
    op.drop_table("stored_result")
