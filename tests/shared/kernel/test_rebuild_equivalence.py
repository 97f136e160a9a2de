"""A rebuild (groups and ranges in worker processes) builds the read models the live path builds."""

from __future__ import annotations

import asyncpg

from bench import dataset
from services import all_projections
from shared.kernel import rebuild as rebuilding
from shared.kernel.eventstore.store import Notifier
from shared.kernel.projections import Projection, ProjectionRunner, run_batch
from tests.support.readmodels import fingerprint

SYSTEMS = 24  # about 2,400 events of every service, interleaved as in real traffic


def read_models() -> list[Projection]:
    """Every projection with rows (reactors append events, which would move the log)."""
    return [p for p in all_projections() if p.rebuild]


async def catch_up(conn: asyncpg.Connection) -> None:
    """Fold the log one projection at a time, as `run_batch` folds them live."""
    for proj in read_models():
        while (await run_batch(conn, proj, 500))[2]:
            pass


async def keys_and_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """Every index of the read-model tables, by table (keys included)."""
    tables = [t for p in all_projections() for t in p.tables]
    rows = await conn.fetch(
        "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
        " AND tablename = ANY($1) ORDER BY 1, 2",
        tables,
    )
    return [(r["tablename"], r["indexname"]) for r in rows]


async def test_a_parallel_rebuild_equals_the_live_fold_of_every_projection(
    store, pool, database, monkeypatch
):
    await dataset.load(store, SYSTEMS)
    async with pool.acquire() as conn:
        await catch_up(conn)
        live, indexes = await fingerprint(conn), await keys_and_indexes(conn)
    assert sum(1 for v in live.values() if v) >= 12  # the log feeds many read models

    monkeypatch.setattr(rebuilding, "PARALLEL_FROM", 0)  # two processes, ranges split
    head = await store.head_position()
    jobs = rebuilding.plan(read_models(), 2, head)
    assert len(jobs) == 2 and all(ranges for _, ranges in jobs)
    applied = await rebuilding.rebuild(
        database.admin_url, all_projections(), factory="services:all_projections", workers=2,
        batch=300,
    )  # fmt: skip
    assert applied["evidence.audit_trail"] == head  # every range folded exactly once
    assert applied["registry.system_events"] == head
    async with pool.acquire() as conn:
        assert await fingerprint(conn) == live
        assert await keys_and_indexes(conn) == indexes  # deferred keys built after the fold
        positions = await conn.fetch("SELECT name, position FROM projection_checkpoint")
    chosen = {p.name for p in read_models()}
    assert {r["name"]: r["position"] for r in positions if r["name"] in chosen} == dict.fromkeys(
        chosen, head
    )


async def test_a_runner_folding_its_projections_together_equals_the_one_at_a_time_fold(
    store, pool, database
):
    await dataset.load(store, SYSTEMS // 2)
    async with pool.acquire() as conn:
        await catch_up(conn)
        one_at_a_time = await fingerprint(conn)
    async with pool.acquire() as conn:
        for p in read_models():
            await p.reset(conn)
        await conn.execute("DELETE FROM projection_checkpoint")
    notifier = Notifier(database.url, 0.05)
    runner = ProjectionRunner(pool, read_models(), notifier, batch=250, poll_interval=0.05)
    notifier.start()
    runner.start()
    try:
        assert await runner.wait_for(await store.head_position(), timeout=120)
    finally:
        await runner.stop()
        await notifier.stop()
    assert await fingerprint(pool) == one_at_a_time
