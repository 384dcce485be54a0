"""Initial schema: trainees, scenario versions, exams, attempts, answers, grades, practice, auth.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "exams",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=True),
        sa.Column("scenario_sha", sa.String(length=64), nullable=False),
        sa.Column("scenario_yaml", sa.Text(), nullable=False),
        sa.Column("source_path", sa.String(length=500), nullable=True),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_policy", sa.String(length=16), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("roster", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_failed_attempts_key_at", "failed_attempts", ["key", "at"], unique=False)

    op.create_table(
        "instructor_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "scenario_versions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("scenario_id", "version"),
    )
    op.create_index(
        op.f("ix_scenario_versions_scenario_id"), "scenario_versions", ["scenario_id"], unique=False
    )

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "trainees",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exam_code", sa.String(length=16), nullable=False),
        sa.Column("trainee_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["exam_code"],
            ["exams.code"],
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"],
            ["trainees.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exam_code", "trainee_id"),
    )
    op.create_index(op.f("ix_attempts_exam_code"), "attempts", ["exam_code"], unique=False)

    op.create_table(
        "practice_progress",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trainee_id", sa.String(length=64), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainee_id"],
            ["trainees.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trainee_id", "scenario_id", "task_id"),
    )
    op.create_table(
        "answer_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=True),
        sa.Column("file_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_answer_history_attempt_task", "answer_history", ["attempt_id", "task_id"], unique=False
    )

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=True),
        sa.Column("file_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id", "task_id"),
    )
    op.create_table(
        "grades",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("trainee_id", sa.String(length=64), nullable=True),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=True),
        sa.Column("scenario_sha", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grades_attempt_current", "grades", ["attempt_id", "current"], unique=False)
    op.create_index("ix_grades_practice", "grades", ["trainee_id", "scenario_id"], unique=False)

    op.create_table(
        "manual_grades",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("rater", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id", "task_id", "rater"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("manual_grades")
    op.drop_index("ix_grades_practice", table_name="grades")
    op.drop_index("ix_grades_attempt_current", table_name="grades")

    op.drop_table("grades")
    op.drop_table("answers")
    op.drop_index("ix_answer_history_attempt_task", table_name="answer_history")

    op.drop_table("answer_history")
    op.drop_table("practice_progress")
    op.drop_index(op.f("ix_attempts_exam_code"), table_name="attempts")

    op.drop_table("attempts")
    op.drop_table("trainees")
    op.drop_table("settings")
    op.drop_index(op.f("ix_scenario_versions_scenario_id"), table_name="scenario_versions")

    op.drop_table("scenario_versions")
    op.drop_table("instructor_sessions")
    op.drop_index("ix_failed_attempts_key_at", table_name="failed_attempts")

    op.drop_table("failed_attempts")
    op.drop_table("exams")
