"""Contract suite of the event store against a real PostgreSQL (guarantees 1-5, 7)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.kernel.eventstore import (
    AppendResult,
    DuplicateEventId,
    EventStore,
    InvalidEventData,
    NewEvent,
    WrongExpectedVersion,
)
from shared.kernel.eventstore.verify import verify_database, verify_pool
from shared.platform import db


def ev(n: int = 0, **data) -> NewEvent:
    return NewEvent("Something", {"n": n, **data})


def stream() -> str:
    return f"thing-{uuid.uuid4()}"


async def test_appended_events_read_back_in_version_order(store):
    s = stream()
    r = await store.append(s, [ev(1), ev(2), ev(3)], expected_version=0, metadata={"a": 1})
    assert (r.version, r.position) == (3, 3)
    got = await store.read_stream(s)
    assert [e.data["n"] for e in got] == [1, 2, 3]
    assert [e.version for e in got] == [1, 2, 3]
    assert all(e.metadata == {"a": 1} for e in got)


async def test_racing_writers_on_one_stream_exactly_one_wins_each_version(pool):
    s = stream()
    stores = [EventStore(pool) for _ in range(20)]  # 20 independent writers
    for version in range(3):
        results = await asyncio.gather(
            *(st.append(s, [ev(i)], expected_version=version) for i, st in enumerate(stores)),
            return_exceptions=True,
        )
        wins = [r for r in results if isinstance(r, AppendResult)]
        losses = [r for r in results if isinstance(r, Exception)]
        assert len(wins) == 1
        assert all(isinstance(e, WrongExpectedVersion) for e in losses)
        assert wins[0].version == version + 1
    assert len(await stores[0].read_stream(s)) == 3


async def test_a_conflicting_multi_event_append_writes_none_of_its_events(store):
    s = stream()
    await store.append(s, [ev(1)], expected_version=0)
    with pytest.raises(WrongExpectedVersion):
        await store.append(s, [ev(2), ev(3), ev(4)], expected_version=0)
    assert [e.data["n"] for e in await store.read_stream(s)] == [1]


async def test_a_batch_keeps_each_request_atomic_and_independent(pool):
    store = EventStore(pool)
    s1, s2 = stream(), stream()
    await store.append(s1, [ev(0)], expected_version=0)
    ok, bad = await asyncio.gather(
        store.append(s2, [ev(1), ev(2)], expected_version=0),
        store.append(s1, [ev(3)], expected_version=5),
        return_exceptions=True,
    )
    assert isinstance(ok, AppendResult) and ok.version == 2
    assert isinstance(bad, WrongExpectedVersion)
    assert len(await store.read_stream(s1)) == 1


async def test_appending_the_same_event_ids_again_writes_nothing_new(store):
    s = stream()
    events = [NewEvent("Something", {"n": i}, uuid.uuid4()) for i in range(2)]
    first = await store.append(s, events, expected_version=0)
    again = await store.append(s, events, expected_version=0)
    assert again.duplicate and (again.version, again.position) == (first.version, first.position)
    assert len(await store.read_stream(s)) == 2
    with pytest.raises(DuplicateEventId):
        await store.append(stream(), events[:1], expected_version=0)


async def test_the_database_rejects_update_delete_and_truncate(store, database):
    await store.append(stream(), [ev()], expected_version=0)
    admin = await asyncpg.connect(database.admin_url)  # a superuser: only the trigger stops it
    try:
        for sql in ("UPDATE events SET type = 'x'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await admin.execute(sql)
    finally:
        await admin.close()
    for sql in ("UPDATE events SET type = 'x'", "DELETE FROM events", "TRUNCATE events"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await store.pool.execute(sql)  # the services' role has no such grant


async def test_a_tailing_reader_never_skips_an_event_past_a_slow_transaction(pool, database):
    """10 writers append while one transaction holds its positions open for 2 s."""
    committed: set[uuid.UUID] = set()
    done = asyncio.Event()
    slow_started = asyncio.Event()

    async def slow_writer() -> None:
        st = EventStore(pool)

        async def stall() -> None:  # inside the transaction, after its INSERT
            slow_started.set()
            await asyncio.sleep(2)  # the slow transaction under test, not a wait for a result

        st.before_commit = stall
        e = NewEvent("Slow", {}, uuid.uuid4())
        await st.append(stream(), [e], expected_version=0)
        committed.add(e.id)  # type: ignore[arg-type]

    async def writer(i: int) -> None:
        st = EventStore(pool)
        for j in range(30):
            e = NewEvent("Something", {"w": i, "j": j}, uuid.uuid4())
            await st.append(f"w{i}-{uuid.uuid4()}", [e], expected_version=0)
            committed.add(e.id)  # type: ignore[arg-type]

    async def reader() -> list[int]:
        store, seen, after = EventStore(pool), [], 0
        while not (done.is_set() and after >= await store.head_position()):
            batch = await store.read_all(after, limit=50)
            for e in batch:
                seen.append(e.position)
                read_ids.add(e.id)
                after = e.position
            if not batch:
                await asyncio.sleep(0.005)  # polling cadence of the tailing reader
        return seen

    read_ids: set[uuid.UUID] = set()
    tail = asyncio.create_task(reader())
    slow = asyncio.create_task(slow_writer())
    await slow_started.wait()
    await asyncio.gather(*(writer(i) for i in range(10)), slow)
    done.set()
    positions = await tail
    assert read_ids == committed
    assert positions == list(range(1, len(committed) + 1))  # gapless, in order, no skip


async def test_a_tailing_reader_sees_every_event_of_concurrent_batched_writers(pool):
    stores = [EventStore(pool) for _ in range(4)]
    ids: list[uuid.UUID] = []

    async def write(st: EventStore, n: int) -> None:
        for _ in range(n):
            e = NewEvent("Something", {}, uuid.uuid4())
            ids.append(e.id)  # type: ignore[arg-type]
            await st.append(stream(), [e], expected_version=0)

    await asyncio.gather(*(write(st, 25) for st in stores for _ in range(4)))
    all_events = await stores[0].read_all(0, limit=10_000)
    assert [e.position for e in all_events] == list(range(1, 401))
    assert {e.id for e in all_events} == set(ids)


async def test_the_hash_chain_verifies_on_an_untouched_log(store, database):
    for i in range(50):
        await store.append(
            stream(), [ev(i, text="ünïcødé \\u0000 ✓ \t", f=1.5e300)], expected_version=0
        )
    report = await verify_pool(store.pool)
    assert report.ok and report.events_verified == 50 and report.first_mismatch is None
    head = await store.pool.fetchval("SELECT hash FROM events WHERE position = 50")
    assert report.head_hash == bytes(head).hex()


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE events SET data = '{\"n\": 999}' WHERE position = $1",
        'UPDATE events SET metadata = \'{"actor": "mallory"}\' WHERE position = $1',
        "UPDATE events SET type = 'Other' WHERE position = $1",
        "UPDATE events SET recorded_at = recorded_at + interval '1 s' WHERE position = $1",
        "UPDATE events SET hash = sha256(hash) WHERE position = $1",
    ],
)
async def test_verification_names_the_first_tampered_position(store, database, tamper):
    for i in range(20):
        await store.append(stream(), [ev(i)], expected_version=0)
    admin = await asyncpg.connect(database.admin_url)
    try:
        await admin.execute("SET session_replication_role = replica")  # triggers off
        await admin.execute(tamper, 13)
    finally:
        await admin.close()
    report = await verify_database(database.url)
    assert not report.ok and report.first_mismatch is not None
    assert report.first_mismatch["position"] == 13
    assert report.events_verified == 12


async def test_nul_characters_are_refused_before_they_can_stall_a_projection(store):
    s = stream()
    with pytest.raises(InvalidEventData):
        await store.append(s, [ev(text="a\x00b")], expected_version=0)
    with pytest.raises(InvalidEventData):
        await store.append(s, [ev()], expected_version=0, metadata={"note": "\x00"})
    assert await store.stream_version(s) == 0


async def test_deleting_a_row_and_reinserting_an_altered_copy_is_detected(store, database):
    for i in range(10):
        await store.append(stream(), [ev(i)], expected_version=0)
    admin = await asyncpg.connect(database.admin_url)
    try:
        await admin.execute("SET session_replication_role = replica")
        row = await admin.fetchrow("SELECT * FROM events WHERE position = 4")
        await admin.execute("DELETE FROM events WHERE position = 4")
        report = await verify_database(database.url)
        assert report.first_mismatch == {
            "position": 4,
            "reason": "missing",
            "detail": (report.first_mismatch or {})["detail"],
        }
        await admin.execute(
            "INSERT INTO events SELECT $1, $2, $3, $4, $5, $6, $7::json, $8::json, $9, $10",
            row["position"], row["id"], row["stream_id"], row["version"], row["type"],
            row["schema_version"], '{"n": 4, "x": 1}', row["metadata"], row["recorded_at"],
            row["hash"],
        )  # fmt: skip
    finally:
        await admin.close()
    report = await verify_database(database.url)
    assert report.first_mismatch is not None
    assert report.first_mismatch["position"] == 4 and report.first_mismatch["reason"] == "hash"


async def test_an_unreachable_database_is_an_error_not_a_version_conflict(database):
    bad = await db.create_pool(database.url.replace("/t_", "/missing_t_"), size=2, timeout=2)
    with pytest.raises(Exception) as info:
        await EventStore(bad).append(stream(), [ev()], expected_version=0)
    assert not isinstance(info.value, WrongExpectedVersion)
    await bad.close()
