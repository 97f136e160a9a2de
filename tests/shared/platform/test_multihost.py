"""Multi-host URLs (a primary and its standbys): pools, the notifier and migrations take them."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qs, quote, urlsplit

import asyncpg

from shared.kernel.eventstore.store import Notifier
from shared.platform import db, multihost
from tests.support.procs import free_port


def test_sqlalchemy_gets_several_hosts_as_host_parameters():
    url = "postgresql://aims_app:p%40ss@h1:5432,h2:5433/aims?target_session_attrs=read-write"
    assert db.sqlalchemy_url(url) == (
        "postgresql+asyncpg://aims_app:p%40ss@/aims"
        "?host=h1:5432&host=h2:5433&target_session_attrs=read-write"
    )
    assert (
        db.sqlalchemy_url("postgres://u:p@h1:5432/aims") == "postgresql+asyncpg://u:p@h1:5432/aims"
    )


def test_an_outage_hidden_behind_another_exception_is_still_an_outage():
    def wrapped() -> None:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        except asyncpg.PostgresError:
            raise RuntimeError("rollback failed") from None

    try:
        wrapped()
    except RuntimeError as exc:
        assert db.is_unavailable(exc)  # the context still names the lost connection
    assert db.is_unavailable(ExceptionGroup("tasks", [ValueError(), ConnectionResetError()]))
    assert db.is_unavailable(asyncpg.ReadOnlySQLTransactionError("read-only"))
    assert not db.is_unavailable(ValueError("a bug"))


def _multi_host(url: str, first: str | None = None) -> str:
    """`url` (a unix-socket URL) behind another host (by default one that refuses), as a
    read-write multi-host URL."""
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query)["host"][0]
    userinfo = parts.netloc.rpartition("@")[0]
    hosts = f"{first or f'127.0.0.1:{free_port()}'},{quote(socket_dir, safe='')}:5432"
    return f"postgresql://{userinfo}@{hosts}{parts.path}?target_session_attrs=read-write"


async def test_a_pool_on_a_multi_host_url_passes_a_dead_host_and_keeps_the_writable_one(database):
    url = _multi_host(database.url)
    pool = await db.create_pool(url, size=2, timeout=10)
    try:
        assert await pool.fetchval("SELECT NOT pg_is_in_recovery()") is True
        assert await pool.fetchval("SELECT count(*) FROM events") == 0
    finally:
        await pool.close()
    notifier = Notifier(url, poll_interval=0.1)
    notifier.start()
    try:
        await asyncio.wait_for(notifier.listening.wait(), 10)
    finally:
        await notifier.stop()


async def test_a_host_that_never_answers_costs_one_timeout_then_the_next_host_is_used(database):
    with socket.socket() as silent:  # accepts TCP (the kernel does) but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        url = _multi_host(database.url, f"127.0.0.1:{silent.getsockname()[1]}")
        pool = await db.create_pool(url, size=2, timeout=1)
        try:  # asyncpg alone would spend its one timeout on the silent host and give up
            assert await pool.fetchval("SELECT 1") == 1
        finally:
            await pool.close()
        hosts = multihost.HostList(url, db.UNAVAILABLE)
        conn = await hosts.connect(timeout=1)
        await conn.close()
        assert hosts.preferred == 1  # the next connection starts with the host that answered
