"""Read-side SQL of the integrity feature: the newest checkpoint, a stored hash."""

from __future__ import annotations

from typing import Any

import asyncpg


async def latest_checkpoint(
    conn: asyncpg.Connection | asyncpg.Pool, stream: str
) -> dict[str, Any] | None:
    """The newest checkpoint event's data, with its stream version and log position."""
    row = await conn.fetchrow(
        "SELECT version, position, data FROM events WHERE stream_id = $1"
        " ORDER BY version DESC LIMIT 1",
        stream,
    )
    if row is None:
        return None
    return {**row["data"], "version": row["version"], "event_position": row["position"]}


async def hash_at(pool: asyncpg.Pool, position: int) -> str | None:
    """The stored hash (hex) of the event at a position, or None when there is none."""
    stored = await pool.fetchval("SELECT hash FROM events WHERE position = $1", position)
    return bytes(stored).hex() if stored is not None else None
