"""Reserved."""

from migrations import run_sql

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    run_sql("SELECT 1;")


def downgrade() -> None:
    run_sql("SELECT 1;")
