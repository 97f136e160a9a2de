"""A system's history stays an index lookup on every table it reads once they hold rows."""

from __future__ import annotations

import re
import uuid

import asyncpg

from services.registry.systems.queries import history
from shared.kernel import shadow
from shared.platform.db import plain_url

DATASETS = 20_000
# What the planner costs a lookup in registry_dataset_systems: ~13 when the index is up to
# date, ~300 with 20,000 entries waiting in GIN's pending list (scanned in full).
_INDEX_COST = re.compile(r"Index Scan on registry_dataset_systems  \(cost=[0-9.]+\.\.([0-9.]+)")


async def _plans(conn: asyncpg.Connection, sql: str, args: tuple[object, ...]) -> str:
    rows = await conn.fetch("EXPLAIN " + sql, *args)
    return "\n".join(r[0] for r in rows)


class _Recording:
    """A pool stand-in that keeps the statements a query sends."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        self.calls.append((sql, args))
        return await self.conn.fetch(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)


async def test_history_finds_datasets_by_index_after_batches_of_inserts(database):
    """GIN's pending list (fastupdate) made the planner scan registry_dataset whole."""
    conn = await asyncpg.connect(plain_url(database.admin_url))
    try:
        systems = [uuid.uuid4() for _ in range(DATASETS // 10)]
        for first in range(1, DATASETS + 1, 500):  # commits of 500, as a projection batches
            await conn.execute(
                "INSERT INTO registry_dataset SELECT gen_random_uuid(), 'n', 'o', 's', 'p',"
                " 'l', false, '[]', '1', 'd', 'u', ARRAY[($1::uuid[])[1 + g % $3]], '{}', 1,"
                " g, now(), now() FROM generate_series($2::int, $2::int + 499) g",
                systems, first, len(systems),
            )  # fmt: skip
        await conn.execute("ANALYZE registry_dataset")
        rec = _Recording(conn)
        await history(rec, systems[3], cursor=None, limit=100)
        plans = "\n".join([await _plans(conn, sql, args) for sql, args in rec.calls])
        assert "Seq Scan on registry_dataset" not in plans, plans
        cost = _INDEX_COST.search(plans)
        assert cost is not None and float(cost.group(1)) < 50, plans
    finally:
        await conn.close()


async def test_a_rebuilds_shadow_copy_keeps_the_dataset_index_options(database):
    conn = await asyncpg.connect(plain_url(database.admin_url))
    try:
        await shadow.prepare(conn, ["registry_dataset"])
        definition = await conn.fetchval(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = 'aims_shadow.registry_dataset'::regclass"
            " AND pg_get_indexdef(i.indexrelid) LIKE '%(system_ids)%'"
        )
        assert definition is not None and "fastupdate=off" in definition, definition
    finally:
        await conn.execute("DROP TABLE IF EXISTS aims_shadow.registry_dataset")
        await conn.execute("DROP TABLE IF EXISTS aims_shadow.projection_checkpoint")
        await conn.close()
