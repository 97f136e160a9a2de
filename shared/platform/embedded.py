"""The private PostgreSQL that `aims up` and the tests start when no server is configured."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

APP_ROLE = "aims_app"
DATABASE = "aims"

logging.getLogger("pgserver").setLevel(logging.WARNING)


@dataclass
class EmbeddedPostgres:
    """A running pgserver instance and the URLs to reach it."""

    pgdata: Path
    server: object
    socket_dir: str

    def url(self, user: str = "postgres", database: str = DATABASE) -> str:
        return f"postgresql://{user}@/{database}?host={self.socket_dir}"

    @property
    def admin_url(self) -> str:
        return self.url()

    @property
    def app_url(self) -> str:
        return self.url(APP_ROLE)

    def stop(self) -> None:
        """Stop PostgreSQL (fast shutdown: running transactions roll back)."""
        self.server.cleanup()  # type: ignore[attr-defined]


def start(pgdata: Path) -> EmbeddedPostgres:
    """Start (initialising on first use) PostgreSQL in `pgdata`."""
    import os

    # pgserver keeps a lock file in the runtime directory; keep it beside the data.
    run = pgdata.parent.resolve() / "run"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run))
    import pgserver

    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    host = dict(p.split("=", 1) for p in urlsplit(server.get_uri()).query.split("&"))["host"]
    return EmbeddedPostgres(pgdata, server, host)


async def bootstrap(pg: EmbeddedPostgres, database: str = DATABASE) -> None:
    """Create the aims database and the limited application role if missing."""
    conn = await asyncpg.connect(pg.url(database="postgres"))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_ROLE):
            await conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
