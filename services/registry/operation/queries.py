"""Read-side queries of systems in operation: breaches with their reviews."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page

_BREACH_COLUMNS = (
    "id, system_id, metric, kind, threshold, metric_window, observations, crossings, plan_version,"
    " detected_at, decision, comment, reviewed_by, reviewed_at, created_position"
)


async def breaches(
    pool: asyncpg.Pool, system_id: UUID | None, *, status: str | None, cursor: str | None,
    limit: int,
) -> Page:  # fmt: skip
    """Breaches of a system or (None) of every system: open ones, reviewed ones or all,
    newest first."""
    conditions = [
        ("system_id = {}", system_id),
        ("decision IS NULL", ... if status == "open" else None),
        ("decision IS NOT NULL", ... if status == "reviewed" else None),
    ]
    return await keyset_page(pool, "registry_breach", conditions, cursor=cursor, limit=limit,
                             columns=_BREACH_COLUMNS)  # fmt: skip
