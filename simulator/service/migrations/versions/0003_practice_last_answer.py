"""Practice: the last typed answer and the last check's result per task, restored after a reload.

Revision ID: 0003_practice_last_answer
Revises: 0002_raters
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003_practice_last_answer"
down_revision: str | Sequence[str] | None = "0002_raters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two nullable JSON-text columns on practice_progress (existing rows keep NULL: nothing to restore)."""
    with op.batch_alter_table("practice_progress") as batch:
        batch.add_column(sa.Column("last_answer_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_result_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("practice_progress") as batch:
        batch.drop_column("last_result_json")
        batch.drop_column("last_answer_json")
