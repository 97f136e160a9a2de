"""Risk read models."""

from migrations import run_sql

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    run_sql("SELECT 1")


def downgrade() -> None:
    pass
