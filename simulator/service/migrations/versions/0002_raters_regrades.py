"""Rater accounts, signed sessions, an audit trail of manual marks, recorded regrades, feedback as keys.

Revision ID: 0002_raters
Revises: 0001
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002_raters"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "raters",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "manual_grade_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("rater", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("old_score", sa.Float(), nullable=True),
        sa.Column("new_score", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_manual_grade_log_attempt_task", "manual_grade_log", ["attempt_id", "task_id"], unique=False
    )
    op.create_table(
        "regrades",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exam_code", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["exam_code"], ["exams.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_regrades_exam_code"), "regrades", ["exam_code"], unique=False)
    with op.batch_alter_table("grades") as batch:
        batch.add_column(sa.Column("feedback_msgs", sa.JSON(), nullable=True))
    with op.batch_alter_table("instructor_sessions") as batch:
        batch.add_column(sa.Column("rater", sa.String(length=100), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("instructor_sessions") as batch:
        batch.drop_column("rater")
    with op.batch_alter_table("grades") as batch:
        batch.drop_column("feedback_msgs")
    op.drop_index(op.f("ix_regrades_exam_code"), table_name="regrades")
    op.drop_table("regrades")
    op.drop_index("ix_manual_grade_log_attempt_task", table_name="manual_grade_log")
    op.drop_table("manual_grade_log")
    op.drop_table("raters")
