"""Read-side SQL of the audit trail: one statement per page, time bounds as positions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.http.pagination import BIGINT_MAX, Condition, Page, keyset_page

_COLUMNS = (
    "t.position, t.event_id, t.type, t.stream_id, t.actor, t.source, t.recorded_at, t.summary,"
    " t.system_ids, t.basis, t.links"
)
# A time range as a position range (recorded_at never decreases along the log), computed
# inside the page's own statement: one round trip per page instead of three, and each
# bound is one probe of (recorded_at, position) evaluated once (an InitPlan), so the page
# stays one index range on (actor|type|system, position). No row at or after `from`, or
# none at or before `to`, leaves the range empty.
_FROM = (
    "{key} >= coalesce((SELECT b.position FROM evidence_trail b WHERE b.recorded_at >= {{}}"
    f" ORDER BY b.recorded_at, b.position LIMIT 1), {BIGINT_MAX})"
)
_TO = (
    "{key} <= coalesce((SELECT b.position FROM evidence_trail b WHERE b.recorded_at <= {{}}"
    " ORDER BY b.recorded_at DESC, b.position DESC LIMIT 1), 0)"
)


async def trail_page(
    pool: asyncpg.Pool, *, system_id: UUID | None, actor: str | None, types: list[str] | None,
    frm: datetime | None, to: datetime | None, cursor: str | None, limit: int,
) -> Page:  # fmt: skip
    """Trail rows matching the filters, newest first."""
    source, key = "evidence_trail t", "t.position"
    if system_id is not None:
        source = "evidence_trail_system s JOIN evidence_trail t ON t.position = s.position"
        key = "s.position"
    conditions: list[Condition] = [
        ("t.actor = {}", actor), ("t.type = ANY({})", types),
        (_FROM.format(key=key), frm), (_TO.format(key=key), to),
        ("s.system_id = {}", system_id),
    ]  # fmt: skip
    return await keyset_page(
        pool, source, conditions, cursor=cursor, limit=limit, key=key, columns=_COLUMNS
    )
