"""Connection pools, migrations and the errors that mean "database unavailable"."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import orjson
from alembic.config import Config

from shared.platform import multihost

# Errors that mean the database cannot be reached right now (mapped to 503, retried). During
# a failover every one of them can appear: the dead primary's connections fail mid-query
# (ConnectionDoesNotExistError, an OSError, an InterfaceError), new connections are refused
# until the standby is promoted (OSError, CannotConnectNowError while it starts), and a
# connection that landed on a server that is (again) read-only refuses writes.
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
    asyncpg.InternalClientError,  # a connection that died mid-operation; no host read-write
    asyncpg.ReadOnlySQLTransactionError,  # a write reached a standby (not yet promoted)
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` is, wraps or was raised while handling a database-unavailable error.

    A lost connection often surfaces as another exception: raised from it by a helper, or
    raised while cleaning up after it (a rollback on the dead connection), or inside an
    exception group. Those are still an outage (503), never a bug (500).
    """
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, UNAVAILABLE):
            return True
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        todo.extend(x for x in (e.__cause__, e.__context__) if x is not None)
    return False


MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def plain_url(url: str) -> str:
    """A libpq-style URL (drops a SQLAlchemy driver suffix).

    Multi-host URLs pass through as they are: `postgresql://u:p@h1:5432,h2:5432/aims
    ?target_session_attrs=read-write` makes every new connection try the hosts and keep the
    first that accepts writes, so a pool finds the promoted standby by itself once its
    connections to the old primary have failed (see deploy/failover/README.md).
    """
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


async def keep_session(conn: asyncpg.Connection) -> None:
    """A pool's release step that sends nothing to the server (see `create_pool`)."""


async def create_pool(
    url: str, *, size: int = 10, timeout: float = 5.0, name: str = "aims",
    reset_sessions: bool = True, **kw: Any,
) -> asyncpg.Pool:  # fmt: skip
    """A lazily-connecting pool: the service starts, and recovers, whether or not PG is up.

    With several hosts in the URL, each new connection tries them one by one, each with its
    own `timeout` (see shared/platform/multihost.py).

    `reset_sessions=False` spares the round trip asyncpg spends on every release to reset
    the session (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`). asyncpg still
    rolls back a transaction left open and drops the connection on a failed release. Only for
    pools whose users can never leave session state behind: the services' pools keep the
    reset, since session-level advisory locks are taken on their connections and an unlock
    cut off by a timeout or a failover would otherwise stay with an idle connection.
    """
    url = plain_url(url)
    if len(multihost.hosts(url)) > 1:
        kw.setdefault("connect", multihost.HostList(url, UNAVAILABLE).connect)
    if not reset_sessions:
        kw.setdefault("reset", keep_session)
    pool = await asyncpg.create_pool(
        url,
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


async def close_pool(pool: asyncpg.Pool, grace: float = 10.0) -> None:
    """Close `pool` gracefully; connections still in use after `grace` seconds are cut, so a
    stuck holder cannot keep a stopping service from exiting."""
    try:
        await asyncio.wait_for(pool.close(), grace)
    except Exception:  # the timeout, or a connection that failed to close
        pool.terminate()


def _alembic_config(url: str) -> Config:

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url))
    return cfg


def sqlalchemy_url(url: str) -> str:
    """The URL for SQLAlchemy's asyncpg dialect, which spells several hosts as `?host=h:p&...`."""
    parts = urlsplit(plain_url(url))
    userinfo, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return "postgresql+asyncpg://" + plain_url(url)[len("postgresql://") :]
    extra = "&".join(f"host={quote(h, safe=':[]')}" for h in hosts.split(","))
    query = f"{extra}&{parts.query}" if parts.query else extra
    netloc = f"{userinfo}@" if userinfo else ""
    return urlunsplit(("postgresql+asyncpg", netloc, parts.path, query, ""))


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
