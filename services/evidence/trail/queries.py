"""Read-side SQL of the audit trail: time bounds as positions, filtered pages."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.http.pagination import Condition, Page, keyset_page

_COLUMNS = (
    "t.position, t.event_id, t.type, t.stream_id, t.actor, t.source, t.recorded_at, t.summary,"
    " t.system_ids, t.basis, t.links"
)


async def time_bounds(
    pool: asyncpg.Pool, frm: datetime | None, to: datetime | None
) -> tuple[int | None, int | None]:
    """A time range as a position range (recorded_at never decreases along the log)."""
    lo = hi = None
    if frm is not None:
        lo = await pool.fetchval(
            "SELECT position FROM evidence_trail WHERE recorded_at >= $1"
            " ORDER BY recorded_at, position LIMIT 1", frm,
        ) or -1  # fmt: skip
    if to is not None:
        hi = await pool.fetchval(
            "SELECT position FROM evidence_trail WHERE recorded_at <= $1"
            " ORDER BY recorded_at DESC, position DESC LIMIT 1", to,
        ) or 0  # fmt: skip
    if lo == -1:  # nothing at or after `from`
        lo, hi = 1, 0
    return lo, hi


async def trail_page(
    pool: asyncpg.Pool, *, system_id: UUID | None, actor: str | None, types: list[str] | None,
    frm: datetime | None, to: datetime | None, cursor: str | None, limit: int,
) -> Page:  # fmt: skip
    """Trail rows matching the filters, newest first."""
    lo, hi = await time_bounds(pool, frm, to)
    conditions: list[Condition] = [
        ("t.actor = {}", actor), ("t.type = ANY({})", types),
        ("t.position >= {}", lo), ("t.position <= {}", hi),
    ]  # fmt: skip
    source, key = "evidence_trail t", "t.position"
    if system_id is not None:
        source = "evidence_trail_system s JOIN evidence_trail t ON t.position = s.position"
        conditions.append(("s.system_id = {}", system_id))
        key = "s.position"
    return await keyset_page(
        pool, source, conditions, cursor=cursor, limit=limit, key=key, columns=_COLUMNS
    )
