"""Read side of AI roles: the list from its projection."""

from __future__ import annotations

import asyncpg

from shared.http.pagination import Page, keyset_page

COLUMNS = (
    "id, name, description, owner, responsibilities, competences, members, status, defined_by,"
    " version, created_position, created_at, updated_at"
)


async def list_roles(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, status: str | None,
    member: str | None,
) -> Page:  # fmt: skip
    """AI roles, newest first; `member` keeps the roles a person holds."""
    conditions = [("status = {}", status), ("{} = ANY(members)", member)]
    return await keyset_page(pool, "risk_ai_role", conditions, cursor=cursor, limit=limit,
                             columns=COLUMNS, keep_key=False)  # fmt: skip
