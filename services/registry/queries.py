"""Read-side queries of the registry's projections and of the log (no writes)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from shared.domain.aggregate import stream_id
from shared.http.pagination import Page, decode_cursor, encode_cursor

_SYSTEM_COLUMNS = (
    "id, name, owner, eu_ai_act_tier, provider_role, stage, tags, mlflow_model_names,"
    " model_versions, last_decision, last_decision_id, last_decision_at, version,"
    " created_at, updated_at, created_position"
)


async def list_systems(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, filters: dict[str, str | None],
    tag: str | None,
) -> Page:  # fmt: skip
    """Systems matching equality filters (and a tag), newest first, keyset-paginated."""
    where: list[str] = []
    args: list[object] = []
    for col, value in filters.items():
        if value is not None:
            args.append(value)
            where.append(f"{col} = ${len(args)}")
    if tag is not None:
        args.append([tag])
        where.append(f"tags @> ${len(args)}::text[]")
    if cursor is not None:
        args.append(decode_cursor(cursor))
        where.append(f"created_position < ${len(args)}")
    args.append(limit + 1)
    rows = await pool.fetch(
        f"SELECT {_SYSTEM_COLUMNS} FROM registry_system"
        f"{' WHERE ' + ' AND '.join(where) if where else ''}"
        f" ORDER BY created_position DESC LIMIT ${len(args)}",
        *args,
    )
    items = [dict(r) for r in rows[:limit]]
    more = len(rows) > limit
    next_cursor = encode_cursor(items[-1]["created_position"]) if more else None
    for item in items:
        item.pop("created_position")
    return Page(items=items, next_cursor=next_cursor)


async def claimed_elsewhere(
    pool: asyncpg.Pool, names: Sequence[str], system_id: UUID
) -> dict[str, UUID]:
    """Names in `names` that another system already claims, with that system."""
    if not names:
        return {}
    rows = await pool.fetch(
        "SELECT name, system_id FROM registry_model_name"
        " WHERE name = ANY($1::text[]) AND system_id <> $2",
        list(names), system_id,
    )  # fmt: skip
    return {r["name"]: r["system_id"] for r in rows}


async def claimant(pool: asyncpg.Pool, name: str) -> UUID | None:
    """The system that claims an MLflow registered-model name, if any."""
    value = await pool.fetchval("SELECT system_id FROM registry_model_name WHERE name = $1", name)
    return value if value is None else UUID(str(value))


async def history(
    pool: asyncpg.Pool, system_id: UUID, *, cursor: str | None, limit: int
) -> tuple[list[asyncpg.Record], str | None]:
    """The system's events and its decisions' events, oldest first."""
    after = decode_cursor(cursor) if cursor is not None else 0
    rows = await pool.fetch(
        "WITH streams AS (SELECT $1::text AS s UNION ALL"
        " SELECT 'decision-' || id FROM registry_decision WHERE system_id = $2)"
        " SELECT position, stream_id, version, type, data, metadata, recorded_at FROM events"
        " WHERE stream_id IN (SELECT s FROM streams) AND position > $3"
        " ORDER BY position LIMIT $4",
        stream_id("system", system_id), system_id, after, limit + 1,
    )  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]["position"]) if more else None
