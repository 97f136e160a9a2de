"""Projection runner: checkpoint with rows, resume after a crash, identical replays."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.kernel.eventstore import NewEvent, StoredEvent
from shared.kernel.eventstore.store import Notifier
from shared.kernel.projections import Projection, ProjectionRunner, checkpoint, replay, run_batch


class Tally(Projection):
    """Counts each event once per stream; a duplicate application breaks its primary key."""

    name = "test.tally"
    tables = ("test_tally_seen", "test_tally")
    types = frozenset({"Counted"})
    fail_at: int | None = None

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        if self.fail_at is not None and e.position == self.fail_at:
            raise RuntimeError("crash mid-batch")
        await conn.execute("INSERT INTO test_tally_seen (event_id) VALUES ($1)", e.id)
        await conn.execute(
            "INSERT INTO test_tally (stream_id, n, total) VALUES ($1, 1, $2)"
            " ON CONFLICT (stream_id) DO UPDATE SET n = test_tally.n + 1,"
            " total = test_tally.total + $2",
            e.stream_id, e.data["amount"],
        )  # fmt: skip


@pytest.fixture
async def tally_tables(database):
    admin = await asyncpg.connect(database.admin_url)
    await admin.execute(
        "CREATE TABLE test_tally_seen (event_id uuid PRIMARY KEY);"
        "CREATE TABLE test_tally (stream_id text PRIMARY KEY, n int, total bigint);"
        "GRANT ALL ON test_tally_seen, test_tally TO aims_app;"
    )
    await admin.close()


async def seed(store, n: int) -> None:
    for i in range(n):
        s = f"acct-{uuid.UUID(int=i % 7)}"
        await store.append(s, [NewEvent("Counted", {"amount": i}), NewEvent("Noise", {})],
                           expected_version=None)  # fmt: skip


async def table_checksum(pool) -> str:
    return await pool.fetchval(
        "SELECT md5(string_agg(stream_id || ':' || n || ':' || total, ',' ORDER BY stream_id))"
        " FROM test_tally"
    )


async def test_a_crash_mid_batch_resumes_without_applying_anything_twice(store, pool, tally_tables):
    await seed(store, 30)
    proj = Tally()
    async with pool.acquire() as conn:
        assert await run_batch(conn, proj, 10) == (5, 10, True)  # positions 1-10: 5 Counted
        proj.fail_at = 13  # a Counted event in the next batch
        with pytest.raises(RuntimeError):
            await run_batch(conn, proj, 10)
        assert await checkpoint(conn, proj.name) == 10  # rows and checkpoint rolled back together
        proj.fail_at = None
        while (await run_batch(conn, proj, 10))[2]:
            pass
    assert await pool.fetchval("SELECT count(*) FROM test_tally_seen") == 30
    assert await pool.fetchval("SELECT sum(n) FROM test_tally") == 30
    assert await checkpoint(pool, proj.name) == 60


async def test_replay_from_zero_rebuilds_identical_tables(store, pool, tally_tables):
    await seed(store, 40)
    proj = Tally()
    async with pool.acquire() as conn:
        while (await run_batch(conn, proj, 7))[2]:
            pass
    before = await table_checksum(pool)
    applied = await replay(pool, [proj], batch=9)
    assert applied == {"test.tally": 40}
    assert await table_checksum(pool) == before
    assert await pool.fetchval("SELECT sum(total) FROM test_tally") == sum(range(40))


async def test_only_one_runner_runs_a_projection_and_both_see_it_advance(
    store, pool, tally_tables, database
):
    await seed(store, 5)
    a = ProjectionRunner(pool, [Tally()], Notifier(database.url, 0.1), poll_interval=0.1)
    b = ProjectionRunner(pool, [Tally()], Notifier(database.url, 0.1), poll_interval=0.1)
    for r in (a, b):
        r.notifier.start()
        r.start()
    try:
        head = await store.head_position()
        assert await a.wait_for(head, 10) and await b.wait_for(head, 10)
        assert len(a.owned) + len(b.owned) == 1  # the advisory lock admits one
        await seed(store, 5)
        head = await store.head_position()
        assert await a.wait_for(head, 10) and await b.wait_for(head, 10)
        assert await pool.fetchval("SELECT count(*) FROM test_tally_seen") == 10
        assert a.lag() == {"test.tally": 0}
    finally:
        for r in (a, b):
            await r.stop()
            await r.notifier.stop()


async def test_a_live_runner_is_woken_by_notify_well_before_its_poll_interval(
    store, pool, tally_tables, database
):
    runner = ProjectionRunner(pool, [Tally()], Notifier(database.url, 30), poll_interval=30)
    runner.notifier.start()
    runner.start()
    try:
        await seed(store, 1)
        assert await runner.wait_for(await store.head_position(), 10)
        await asyncio.wait_for(runner.notifier.listening.wait(), 10)
        await seed(store, 1)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        assert await runner.wait_for(await store.head_position(), 20)
        # NOTIFY, not the 30 s poll (half of it: slack for a loaded machine, still not a poll)
        assert loop.time() - t0 < 15
    finally:
        await runner.stop()
        await runner.notifier.stop()


class Slow(Tally):
    """A tally whose first batch lasts until an append made meanwhile has been notified."""

    def __init__(self) -> None:
        self.started, self.notified = asyncio.Event(), asyncio.Event()

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        await super().handle_batch(events, conn)
        if not self.started.is_set():
            self.started.set()
            await self.notified.wait()


async def test_an_append_notified_while_the_runner_folds_is_not_left_for_the_poll(
    store, pool, tally_tables, database
):
    notifier = Notifier(database.url, 3600)  # a missed wake-up would wait an hour
    slow = Slow()
    runner = ProjectionRunner(pool, [slow], notifier, poll_interval=3600)
    notifier.start()
    await asyncio.wait_for(notifier.listening.wait(), 10)
    runner.start()
    try:
        await seed(store, 1)
        await asyncio.wait_for(slow.started.wait(), 30)  # the first batch is being folded
        before = notifier.generation
        await seed(store, 1)
        while notifier.generation == before:
            await asyncio.sleep(0.01)
        slow.notified.set()  # the batch ends after the notification came: no other will come
        assert await runner.wait_for(await store.head_position(), 30)
    finally:
        await runner.stop()
        await notifier.stop()
