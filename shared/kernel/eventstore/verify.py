"""Walk the whole log and check its hash chain, in bounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg

from shared.kernel.eventstore.hashing import Row, VerifyReport, verify_chain
from shared.platform.db import plain_url

BATCH = 5000


async def rows(conn: asyncpg.Connection, after: int = 0) -> AsyncIterator[list[Row]]:
    """Raw rows in position order, keyset-paginated; data and metadata as stored text."""
    while True:
        batch = await conn.fetch(
            "SELECT position, id, stream_id, version, type, schema_version, recorded_at,"
            " data::text, metadata::text, hash FROM events WHERE position > $1"
            " ORDER BY position LIMIT $2",
            after,
            BATCH,
        )
        if not batch:
            return
        yield [tuple(r) for r in batch]
        after = batch[-1][0]


async def verify_pool(
    pool: asyncpg.Pool, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    async with pool.acquire() as conn:
        return await verify_chain(rows(conn), progress=progress)


async def verify_database(url: str, progress: Callable[[int], None] | None = None) -> VerifyReport:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return await verify_chain(rows(conn), progress=progress)
    finally:
        await conn.close()
