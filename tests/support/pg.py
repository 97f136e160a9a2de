"""A real PostgreSQL for the test session: embedded (pgserver) unless AIMS_TEST_DATABASE_URL."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from shared.platform import db, embedded

TEMPLATE = "aims_template"


@dataclass
class Server:
    """A PostgreSQL server the tests may create databases on."""

    admin_base: str  # superuser URL (with its password), database part replaced per database
    app_base: str | None  # the services' role URL (with its password); None: use the admin's
    pg: embedded.EmbeddedPostgres | None = None

    def url(self, database: str, *, admin: bool = False) -> str:
        parts = urlsplit(self.admin_base if admin or not self.app_base else self.app_base)
        return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


@dataclass
class Database:
    """One migrated database: `url` for the services' role, `admin_url` for the superuser."""

    name: str
    url: str
    admin_url: str


def start(tmp_dir: str) -> Server:
    """Start the server and build a migrated template database."""
    external = os.environ.get("AIMS_TEST_DATABASE_URL")
    if external:
        server = Server(db.plain_url(external), None)
    else:
        # the same password-protected cluster as `aims up`'s: it creates the services' role
        pg = embedded.start(Path(tmp_dir) / "pg")
        server = Server(pg.url(database="postgres"), pg.url(embedded.APP_ROLE, "postgres"), pg)
    import asyncio

    asyncio.run(_template(server))
    return server


async def _template(server: Server) -> None:
    conn = await asyncpg.connect(server.url("postgres", admin=True))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    await db.migrate(server.url(TEMPLATE, admin=True))


async def create_database(server: Server) -> Database:
    """A fresh database cloned from the migrated template (about 100 ms)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server.url("postgres", admin=True))
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await conn.close()
    return Database(name, server.url(name), server.url(name, admin=True))


async def drop_database(server: Server, database: Database) -> None:
    conn = await asyncpg.connect(server.url("postgres", admin=True))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")
    finally:
        await conn.close()
