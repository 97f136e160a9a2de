"""Read-side SQL of the concerns feature."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page


async def list_concerns(
    pool: asyncpg.Pool, *, status: str | None, system_id: UUID | None, cursor: str | None,
    limit: int,
) -> Page:  # fmt: skip
    """Concerns, newest first (reporter columns as stored: the API decides what to show)."""
    return await keyset_page(pool, "evidence_concern", [
        ("status = {}", status), ("{} = ANY(system_ids)", system_id)],
        cursor=cursor, limit=limit)  # fmt: skip
