"""Read side of the context: interested parties from their projection."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page

COLUMNS = (
    "id, name, kind, description, requirements, system_ids, owner, status, recorded_by,"
    " version, created_position, created_at, updated_at"
)


async def list_parties(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, kind: str | None,
    system_id: UUID | None, status: str | None,
) -> Page:  # fmt: skip
    """Interested parties, newest first."""
    conditions = [("kind = {}", kind), ("{} = ANY(system_ids)", system_id),
                  ("status = {}", status)]  # fmt: skip
    return await keyset_page(pool, "risk_interested_party", conditions, cursor=cursor,
                             limit=limit, columns=COLUMNS, keep_key=False)  # fmt: skip
