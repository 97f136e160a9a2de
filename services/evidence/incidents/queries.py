"""Read-side SQL of the incidents feature: known systems, the incident list."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Condition, Page, keyset_page

# Past the Art. 73 deadline with no initial notification sent (the clock is the database's).
OVERDUE = "coalesce(serious AND initial_notified_at IS NULL AND notification_due_at < now(), false)"
_COLUMNS = f"*, {OVERDUE} AS overdue"


async def unknown_systems(pool: asyncpg.Pool, system_ids: list[UUID]) -> list[UUID]:
    """The ids among `system_ids` that no registered AI system has."""
    if not system_ids:
        return []
    known = {
        r["system_id"]
        for r in await pool.fetch(
            "SELECT system_id FROM evidence_system WHERE system_id = ANY($1)", system_ids
        )
    }
    return [s for s in dict.fromkeys(system_ids) if s not in known]


async def list_incidents(
    pool: asyncpg.Pool, *, status: str | None, system_id: UUID | None, serious: bool | None,
    severity: str | None, overdue: bool | None, cursor: str | None, limit: int,
) -> Page:  # fmt: skip
    """Incidents, newest first; `overdue` true lists those past their deadline unnotified."""
    conditions: list[Condition] = [
        ("status = {}", status), ("{} = ANY(system_ids)", system_id), ("serious = {}", serious),
        ("severity = {}", severity),
    ]  # fmt: skip
    if overdue is not None:
        conditions.append((OVERDUE if overdue else f"NOT {OVERDUE}", ...))
    return await keyset_page(
        pool, "evidence_incident", conditions, cursor=cursor, limit=limit, columns=_COLUMNS
    )
