"""Rebuilds into shadow tables: reads answer the old read model until one atomic swap."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import ClassVar

import asyncpg
import pytest

from shared.kernel.eventstore import NewEvent, StoredEvent
from shared.kernel.eventstore.store import Notifier
from shared.kernel.projections import Projection, ProjectionRunner, checkpoint, replay
from shared.kernel.rebuild import connect, groups, rebuild, rebuild_stale, stale

N = 120  # Counted events seeded before the rebuild


class Labelled(Projection):
    """Writes one row per event and a per-stream row, each tagged with its code's label."""

    name = "test.labelled"
    tables = ("test_labelled_event", "test_labelled_stream")
    types = frozenset({"Counted"})
    label: ClassVar[str] = "old"

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        await conn.executemany(
            "INSERT INTO test_labelled_event (position, tag) VALUES ($1, $2)",
            [(e.position, self.label) for e in events],
        )
        await conn.executemany(
            "INSERT INTO test_labelled_stream (stream_id, n, tag) VALUES ($1, 1, $2)"
            " ON CONFLICT (stream_id) DO UPDATE SET n = test_labelled_stream.n + 1, tag = $2",
            [(e.stream_id, self.label) for e in events],
        )
        if self.gate is not None:  # hold the rebuild half-way until the test lets it go
            self.entered.set()
            await self.gate.wait()
            self.gate = None


class Relabelled(Labelled):
    version = 2
    label = "new"


@pytest.fixture
async def labelled_tables(database):
    admin = await asyncpg.connect(database.admin_url)
    await admin.execute(
        "CREATE TABLE test_labelled_event (position bigint PRIMARY KEY, tag text NOT NULL);"
        "CREATE INDEX test_labelled_event_tag ON test_labelled_event (tag, position);"
        "CREATE TABLE test_labelled_stream (stream_id text PRIMARY KEY, n int, tag text);"
        "CREATE VIEW test_labelled_summary AS SELECT count(*) AS events, min(tag) AS tag"
        " FROM test_labelled_event;"
        "GRANT ALL ON test_labelled_event, test_labelled_stream TO aims_app;"
        "GRANT SELECT ON test_labelled_summary TO aims_app;"
    )
    await admin.close()


async def seed(store, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        await store.append(f"acct-{uuid.UUID(int=i % 5)}", [NewEvent("Counted", {"i": i})],
                           expected_version=None)  # fmt: skip


# One statement over both tables and the view: a snapshot a swap must never split.
READ = (
    "SELECT (SELECT count(*) FROM test_labelled_event) AS events,"
    " (SELECT array_agg(DISTINCT tag) FROM test_labelled_event) AS event_tags,"
    " (SELECT array_agg(DISTINCT tag) FROM test_labelled_stream) AS stream_tags,"
    " (SELECT sum(n) FROM test_labelled_stream) AS counted,"
    " (SELECT events FROM test_labelled_summary) AS view_events"
)


async def wait_until(predicate, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while not await predicate():
        assert time.monotonic() < end, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_a_rebuild_serves_the_old_read_model_throughout_and_swaps_atomically(
    store, pool, database, labelled_tables
):
    await seed(store, N)
    await replay(pool, [Labelled()])
    seen: list[tuple[int, list[str], list[str], int, int]] = []
    stop = asyncio.Event()

    async def reader() -> None:
        async with pool.acquire() as conn:  # the services' role: grants came along
            while not stop.is_set():
                r = await conn.fetchrow(READ)
                seen.append((r["events"], r["event_tags"], r["stream_tags"], r["counted"],
                             r["view_events"]))  # fmt: skip

    new = Relabelled()
    new.gate = asyncio.Event()
    reading = asyncio.create_task(reader())
    building = asyncio.create_task(rebuild(database.admin_url, [new], batch=40))
    await asyncio.wait_for(new.entered.wait(), 60)
    # Half-built shadow tables exist now; every read still answers the complete old model.
    half = len(seen)
    await wait_until(lambda: asyncio.sleep(0, len(seen) > half + 5))
    assert tuple(await pool.fetchrow(READ)) == (N, ["old"], ["old"], N, N)
    new.gate.set()
    assert await asyncio.wait_for(building, 120) == {"test.labelled": N}
    await wait_until(lambda: asyncio.sleep(0, seen[-1][1] == ["new"]))
    stop.set()
    await reading
    states = {(e, tuple(a), tuple(b), c, v) for e, a, b, c, v in seen}
    assert states == {(N, ("old",), ("old",), N, N), (N, ("new",), ("new",), N, N)}
    first_new = next(i for i, s in enumerate(seen) if s[1] == ["new"])
    assert all(s[1] == ["new"] for s in seen[first_new:])  # one swap, never back
    head = await store.head_position()
    row = await pool.fetchrow(
        "SELECT position, version FROM projection_checkpoint WHERE name = $1", new.name
    )
    assert tuple(row) == (head, 2)  # the checkpoint moved with the swap
    assert await pool.fetchval(
        "SELECT count(*) FROM pg_tables WHERE schemaname IN ('aims_shadow', 'aims_retired')"
    ) == 0  # fmt: skip
    indexes = await pool.fetchval(
        "SELECT array_agg(indexname ORDER BY indexname) FROM pg_indexes"
        " WHERE tablename = 'test_labelled_event' AND schemaname = 'public'"
    )
    assert indexes == ["test_labelled_event_pkey", "test_labelled_event_tag"]


async def test_a_live_runner_pauses_for_the_swap_and_goes_on_from_the_swapped_checkpoint(
    store, pool, database, labelled_tables
):
    await seed(store, N)
    runner = ProjectionRunner(pool, [Labelled()], Notifier(database.url, 0.05), poll_interval=0.05)
    runner.notifier.start()
    runner.start()
    try:
        writing = asyncio.create_task(seed(store, 60, first=N))  # appended during the rebuild
        await rebuild(database.admin_url, [Relabelled()], batch=25)
        await writing
        head = await store.head_position()
        await wait_until(lambda: asyncio.sleep(0, runner.positions.get("test.labelled") == head))
    finally:
        await runner.stop()
        await runner.notifier.stop()
    # Every event exactly once (a second application would break the primary key).
    assert await pool.fetchval("SELECT count(*) FROM test_labelled_event") == N + 60
    assert await pool.fetchval("SELECT sum(n) FROM test_labelled_stream") == N + 60
    assert await checkpoint(pool, "test.labelled") == head


async def test_a_newer_projection_version_is_stale_until_rebuilt(
    store, pool, database, labelled_tables
):
    await seed(store, 10)
    await replay(pool, [Labelled()])
    conn = await connect(database.admin_url)
    try:
        assert await stale(conn, [Labelled()]) == []
        assert [p.name for p in await stale(conn, [Relabelled()])] == ["test.labelled"]
        assert await rebuild_stale(database.admin_url, [Relabelled()]) == {"test.labelled": 10}
        assert await stale(conn, [Relabelled()]) == []
        assert await rebuild_stale(database.admin_url, [Relabelled()]) == {}  # nothing to do
        assert await pool.fetchval("SELECT min(tag) FROM test_labelled_event") == "new"
    finally:
        await conn.close()


def test_groups_keep_a_service_together_and_fill_the_lightest_group():
    from services import all_projections

    projections = [p for p in all_projections() if p.rebuild]
    parts = groups(projections, 2)
    assert len(parts) == 2
    assert sorted(p.name for g in parts for p in g) == sorted(p.name for p in projections)
    for g in parts:
        services = {p.name.split(".")[0] for p in g}
        assert all(
            q.name.split(".")[0] not in services for other in parts if other is not g for q in other
        )


async def test_a_folds_commits_do_not_wait_for_the_disk_while_the_swaps_do(database):
    fold = await connect(database.admin_url, "aims_shadow, public", durable=False)
    swap = await connect(database.admin_url)
    try:
        assert await fold.fetchval("SHOW synchronous_commit") == "off"
        assert await swap.fetchval("SHOW synchronous_commit") == "on"
    finally:
        await asyncio.gather(fold.close(), swap.close())


def test_a_worker_collects_cycles_less_often_and_never_walks_the_imported_objects():
    code = (
        "import gc; from shared.kernel.rebuild import GC_THRESHOLD, _collect_less;"
        " _collect_less(); print(gc.get_threshold()[0] == GC_THRESHOLD, gc.get_freeze_count() > 0)"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["True", "True"], done.stderr
