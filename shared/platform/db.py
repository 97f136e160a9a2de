"""Connection pools, migrations and the errors that mean "database unavailable"."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from alembic.config import Config

# Errors that mean the database cannot be reached right now (mapped to 503, retried).
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.PostgresConnectionError,
    asyncpg.QueryCanceledError,
    asyncpg.InternalClientError,  # raised for a connection that died mid-operation
)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def plain_url(url: str) -> str:
    """A libpq-style URL (drops a SQLAlchemy driver suffix)."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _json_bytes(v: Any) -> bytes:
    return v.encode() if isinstance(v, str) else orjson.dumps(v)


async def init_connection(conn: asyncpg.Connection) -> None:
    """JSON in and out as Python values, in the binary wire format (so COPY can send it).

    A json value's binary form is its exact text; jsonb's is a version byte and the text.
    """
    await conn.set_type_codec(
        "json", encoder=_json_bytes, decoder=orjson.loads, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec(
        "jsonb", encoder=lambda v: b"\x01" + _json_bytes(v),
        decoder=lambda b: orjson.loads(b[1:]), schema="pg_catalog", format="binary",
    )  # fmt: skip


async def create_pool(
    url: str, *, size: int = 10, timeout: float = 5.0, name: str = "aims", **kw: Any
) -> asyncpg.Pool:
    """A lazily-connecting pool: the service starts, and recovers, whether or not PG is up."""
    pool = await asyncpg.create_pool(
        plain_url(url),
        min_size=0,
        max_size=size,
        timeout=timeout,
        command_timeout=timeout,
        init=init_connection,
        server_settings={"application_name": name},
        **kw,
    )
    assert pool is not None
    return pool


def _alembic_config(url: str) -> Config:

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", "postgresql+asyncpg://" + plain_url(url)[13:])
    return cfg


@lru_cache
def head_revision() -> str:
    """The newest migration revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def migrate_sync(url: str) -> None:
    """Apply every pending migration (blocking)."""
    from alembic import command

    command.upgrade(_alembic_config(url), "head")


async def migrate(url: str) -> None:
    """Apply every pending migration without blocking the running loop."""
    await asyncio.to_thread(migrate_sync, url)


async def schema_revision(pool: asyncpg.Pool) -> str | None:
    """The revision the database is at (None before the first migration)."""
    try:
        value = await pool.fetchval("SELECT version_num FROM alembic_version")
        return None if value is None else str(value)
    except asyncpg.UndefinedTableError:
        return None
