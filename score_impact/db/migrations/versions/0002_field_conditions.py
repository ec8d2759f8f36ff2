"""field conditions: drafts, paper entries, improvement actions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:54:10.741377
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "improvement_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("outcome_id", sa.String(length=60), nullable=False),
        sa.Column("outcome_kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("responsible_role", sa.String(length=80), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_improvement_action_cohort_id_cohort"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_improvement_action_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_action")),
    )
    op.create_table(
        "attempt_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resume_code", sa.String(length=12), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_attempt_draft_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_draft")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_attempt_draft_client_uuid")),
        sa.UniqueConstraint("resume_code", name=op.f("uq_attempt_draft_resume_code")),
    )
    op.create_table(
        "paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("sheet_number", sa.String(length=20), nullable=False),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("entered_by", sa.String(length=80), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_paper_entry_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_paper_entry_response_id_response"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["survey_round.id"],
            name=op.f("fk_paper_entry_round_id_survey_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_entry")),
        sa.UniqueConstraint(
            "round_id", "sheet_number", "pass_number", name=op.f("uq_paper_entry_round_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("paper_entry")
    op.drop_table("attempt_draft")
    op.drop_table("improvement_action")
