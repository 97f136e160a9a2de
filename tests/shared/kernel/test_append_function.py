"""The one-statement append (`aims_append`, migration 0013) against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from shared.kernel.eventstore import (
    AppendResult,
    DuplicateEventId,
    EventStore,
    NewEvent,
    OneConnection,
    WrongExpectedVersion,
)
from shared.kernel.eventstore.hashing import GENESIS_HASH, canonical, chain
from shared.kernel.eventstore.verify import verify_pool
from shared.platform import db


class CountingConnection(asyncpg.Connection):  # type: ignore[misc]
    """Counts the statements the store sends (the pool's own reset on release is not one)."""

    statements: list[str] = []

    async def fetch(self, query: str, *args: Any, **kw: Any) -> Any:
        self.statements.append(query)
        return await super().fetch(query, *args, **kw)

    async def execute(self, query: str, *args: Any, **kw: Any) -> Any:
        if not query.startswith("SELECT pg_advisory_unlock_all()"):
            self.statements.append(query)
        return await super().execute(query, *args, **kw)


def ev(n: int = 0, type_: str = "Something", **data: Any) -> NewEvent:
    return NewEvent(type_, {"n": n, **data}, uuid.uuid4())


async def test_an_append_of_several_events_is_one_statement(database):
    pool = await db.create_pool(database.url, size=2, connection_class=CountingConnection)
    try:
        store = EventStore(pool)
        await store.append(f"thing-{uuid.uuid4()}", [ev(1)], expected_version=0)  # warm up
        CountingConnection.statements.clear()
        r = await store.append(
            f"thing-{uuid.uuid4()}", [ev(i) for i in range(10)], expected_version=0
        )
        assert (r.version, r.position) == (10, 11)
        assert len(CountingConnection.statements) == 1
        assert "aims_append" in CountingConnection.statements[0]
    finally:
        await pool.close()


async def test_the_database_chains_the_same_bytes_as_the_python_definition(store):
    streams = ['thing-"quoted"\\back\tslash', "thing-ünïcødé ✓ \u2028", "thing-\x01\x1f\x7f"]
    types = ['Odd"Type\\', "Typé ✓", "Ctl\x02"]
    for s, t in zip(streams, types, strict=True):
        await store.append(
            s,
            [ev(1, t, text='a\\u0000 b "c" \n ✓', f=1.5e300), NewEvent(t, {}, None, 7)],
            expected_version=0,
            metadata={"z": 1, "a": ["é", None]},
        )
    prev = GENESIS_HASH
    for e in await store.read_all(0):
        raw = await store.pool.fetchrow(
            "SELECT data::text, metadata::text FROM events WHERE position = $1", e.position
        )
        expected = chain(
            canonical(e.position, str(e.id), e.stream_id, e.version, e.type, e.schema_version,
                      e.recorded_at, raw["data"], raw["metadata"]),
            prev,
        )  # fmt: skip
        assert e.hash == expected
        prev = expected
    report = await verify_pool(store.pool)
    assert report.ok and report.events_verified == 6


async def test_the_services_role_appends_with_its_own_rights(store, database):
    role = await store.pool.fetchval("SELECT current_user")
    superuser = await store.pool.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = $1", role)
    definer = await store.pool.fetchval(
        "SELECT bool_or(prosecdef) FROM pg_proc WHERE proname = 'aims_append'"
    )
    assert not superuser and definer is False  # no SECURITY DEFINER path around the grants
    await store.append(f"thing-{uuid.uuid4()}", [ev()], expected_version=0)


async def test_several_requests_for_one_stream_in_one_batch_see_each_other(pool):
    store, s = EventStore(pool), f"thing-{uuid.uuid4()}"
    results = await asyncio.gather(
        *(store.append(s, [ev(v)], expected_version=v) for v in range(6)),
        store.append(s, [ev(99)], expected_version=2),
        return_exceptions=True,
    )
    assert [r.version for r in results[:6] if isinstance(r, AppendResult)] == [1, 2, 3, 4, 5, 6]
    assert isinstance(results[6], WrongExpectedVersion) and results[6].actual == 6
    assert [e.data["n"] for e in await store.read_stream(s)] == [0, 1, 2, 3, 4, 5]


async def test_a_batch_repeating_event_ids_treats_the_later_request_as_a_retry(pool):
    store, s = EventStore(pool), f"thing-{uuid.uuid4()}"
    events = [ev(1), ev(2)]
    first, again, elsewhere = await asyncio.gather(
        store.append(s, events, expected_version=0),
        store.append(s, events, expected_version=0),
        store.append(f"thing-{uuid.uuid4()}", events[1:], expected_version=0),
        return_exceptions=True,
    )
    assert isinstance(first, AppendResult) and not first.duplicate
    assert isinstance(again, AppendResult) and again.duplicate
    assert (again.version, again.position) == (first.version, first.position)
    assert isinstance(elsewhere, DuplicateEventId) and elsewhere.event_id == events[1].id
    assert len(await store.read_stream(s)) == 2


async def test_a_request_repeating_an_id_fails_alone_and_writes_nothing(pool):
    store, s, t = EventStore(pool), f"thing-{uuid.uuid4()}", f"thing-{uuid.uuid4()}"
    e = ev()
    bad, good = await asyncio.gather(
        store.append(s, [e, e], expected_version=0),
        store.append(t, [ev()], expected_version=0),
        return_exceptions=True,
    )
    assert isinstance(bad, WrongExpectedVersion) and isinstance(good, AppendResult)
    assert await store.stream_version(s) == 0


@pytest.mark.parametrize("commit", [True, False])
async def test_inside_a_callers_transaction_events_land_or_vanish_with_it(pool, commit):
    s = f"thing-{uuid.uuid4()}"
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        r = await EventStore(OneConnection(conn)).append(s, [ev(), ev()], expected_version=0)
        await conn.execute("SELECT 1")  # the caller's transaction is still usable
        await (tx.commit() if commit else tx.rollback())
    assert r.version == 2 and r.recorded_at is not None
    assert await EventStore(pool).stream_version(s) == (2 if commit else 0)


async def test_a_cancelled_caller_does_not_abort_the_batch_it_joined(pool):
    store, s, t = EventStore(pool), f"thing-{uuid.uuid4()}", f"thing-{uuid.uuid4()}"
    cancelled = asyncio.create_task(store.append(s, [ev(1)], expected_version=0))
    await asyncio.sleep(0)  # queued
    other = asyncio.create_task(store.append(t, [ev(2)], expected_version=0))
    cancelled.cancel()
    assert (await other).version == 1
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await store.stream_version(s) == 1  # what was queued is written all the same
