"""Alembic migrations of the aims database (one linear history for all services)."""

from alembic import op


def run_sql(script: str) -> None:
    """Run a multi-statement SQL script (triggers, functions) on the migration connection."""
    from sqlalchemy.util import await_

    raw = op.get_bind().connection.dbapi_connection
    await_(raw.driver_connection.execute(script))  # type: ignore[union-attr]
