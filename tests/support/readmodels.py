"""Fingerprints of read models, to compare databases and replays."""

from __future__ import annotations

import asyncpg

from services import all_projections
from shared.kernel.projections import run_batch


async def fingerprint(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, str]:
    """md5 of every projection table's rows (order-independent)."""
    out = {}
    for proj in all_projections():
        for table in proj.tables:
            out[table] = await conn.fetchval(
                f"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
                f" FROM {table} t"
            )
    return out


async def catch_up(conn: asyncpg.Connection) -> None:
    """Run every projection until it reaches the head of the log."""
    for proj in all_projections():
        while (await run_batch(conn, proj, 1000))[2]:
            pass
