"""Read side of impact assessments: the list from its projection, and the log's ids."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.domain.repository import Repository
from shared.http.pagination import Page, keyset_page

# Uses a partial expression index on `events` (migration 0003).
_IMPACTS = (
    "SELECT stream_id FROM events WHERE type = 'ImpactAssessmentDrafted'"
    " AND data->>'system_id' = $1 ORDER BY position"
)


async def list_impacts(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, system_id: UUID | None,
    status: str | None,
) -> Page:  # fmt: skip
    """Impact assessments, newest first."""
    conditions = [("system_id = {}", system_id), ("status = {}", status)]
    return await keyset_page(
        pool, "risk_impact_assessment", conditions, cursor=cursor, limit=limit, keep_key=False
    )


async def impact_ids(repo: Repository, system_id: UUID) -> list[UUID]:
    """Ids of every impact assessment of an AI system, oldest first, from the log itself."""
    rows = await repo.store.pool.fetch(_IMPACTS, str(system_id))
    return [UUID(r["stream_id"].split("-", 1)[1]) for r in rows]
