"""Evidence read models."""

from migrations import run_sql

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    run_sql("SELECT 1")


def downgrade() -> None:
    pass
