"""Projection versions and the schemas a rebuild works in.

`projection_checkpoint.version` is the version of the projection code that built the read
model; a service whose projection is newer rebuilds it. A rebuild fills copies of the
read-model tables in schema `aims_shadow` while the services keep reading the live ones,
then swaps them in with one transaction; the replaced tables pass through
`aims_retired` and are dropped in that same transaction.
"""

from __future__ import annotations

from migrations import run_sql

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    run_sql(
        """
        ALTER TABLE projection_checkpoint ADD COLUMN version integer NOT NULL DEFAULT 1;
        CREATE SCHEMA IF NOT EXISTS aims_shadow;
        CREATE SCHEMA IF NOT EXISTS aims_retired;
        """
    )


def downgrade() -> None:
    run_sql(
        "DROP SCHEMA aims_retired CASCADE; DROP SCHEMA aims_shadow CASCADE;"
        " ALTER TABLE projection_checkpoint DROP COLUMN version;"
    )
