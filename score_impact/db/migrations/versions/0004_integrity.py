"""integrity: enrolled tablets, response exclusions, throttling, kept pair ids

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 17:10:00

Adds the device and device_enrolment tables (tablets enrolled by a trainer), the device
of each response and draft, response_exclusion (data-quality decisions), throttle
(progressive delays for sign-in and resume codes) and response.pair_id (pairs kept once the
element hashes are dropped). Drops user_account.failed_logins and locked_until: the hard
account lock they kept is replaced by the throttle table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle")),
    )
    with op.batch_alter_table("throttle") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_throttle_last_failure_at"), ["last_failure_at"], unique=False
        )
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_by", sa.String(length=80), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_device_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_token_hash")),
    )
    op.create_table(
        "device_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("join_code", sa.String(length=12), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_devices", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_device_enrolment_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_enrolment")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_enrolment_token_hash")),
    )
    op.create_table(
        "response_exclusion",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excluded_by", sa.String(length=80), nullable=False),
        sa.Column("excluded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_response_exclusion_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_response_exclusion")),
    )
    with op.batch_alter_table("attempt_draft") as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_attempt_draft_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attempt_draft_device_id_device"),
            "device",
            ["device_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("response") as batch_op:
        batch_op.add_column(sa.Column("pair_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("device_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_response_device_id"), ["device_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_response_device_id_device"),
            "device",
            ["device_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_response_device_id_device"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_response_device_id"))
        batch_op.drop_column("device_id")
        batch_op.drop_column("pair_id")
    with op.batch_alter_table("attempt_draft") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_attempt_draft_device_id_device"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_attempt_draft_expires_at"))
        batch_op.drop_column("device_id")
    op.drop_table("response_exclusion")
    op.drop_table("device_enrolment")
    op.drop_table("device")
    with op.batch_alter_table("throttle") as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_last_failure_at"))
    op.drop_table("throttle")
