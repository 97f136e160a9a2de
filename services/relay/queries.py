"""The relay's SQL: reading the log as stored text, its subscriptions, deliveries, checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg

from services.relay.cloudevents import LogRow

_ROW = (
    "SELECT position, id::text AS id, stream_id, version, type, schema_version, recorded_at,"
    " data::text AS data, metadata::text AS metadata FROM events"
)
CONTROL_TYPES = [
    "SubscriptionCreated", "SubscriptionPaused", "SubscriptionResumed",
    "SubscriptionRedeliveryRequested",
]  # fmt: skip

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def try_lock(conn: asyncpg.Connection, key: int) -> bool:
    """Take the session-level advisory lock `key` if it is free."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))


async def unlock(conn: asyncpg.Connection, key: int) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def ping(conn: asyncpg.Connection) -> None:
    """Fails once the connection (and with it the lock it holds) is gone."""
    await conn.fetchval("SELECT 1")


async def head(conn: Conn) -> int:
    """The newest position; every position up to it is committed (writers are serialised)."""
    return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))


async def events(
    conn: Conn, after: int, upto: int, limit: int, types: list[str] | None = None
) -> list[LogRow]:
    """Events at positions after..upto (of `types`, None: all), oldest first, at most `limit`."""
    rows = await conn.fetch(
        f"{_ROW} WHERE position > $1 AND position <= $2"
        " AND ($4::text[] IS NULL OR type = ANY($4)) ORDER BY position LIMIT $3",
        after, upto, limit, types,
    )  # fmt: skip
    return [LogRow.of(r) for r in rows]


async def position_of(conn: Conn, event_id: str) -> int | None:
    """The position of an event id (None when the log has no such event)."""
    try:
        key = UUID(event_id)
    except ValueError:
        return None
    pos = await conn.fetchval("SELECT position FROM events WHERE id = $1", key)
    return int(pos) if pos is not None else None


async def checkpoint(conn: Conn, name: str) -> int:
    pos = await conn.fetchval("SELECT position FROM relay_checkpoint WHERE name = $1", name)
    return int(pos or 0)


async def save_checkpoint(conn: Conn, name: str, position: int) -> None:
    await conn.execute(
        "INSERT INTO relay_checkpoint (name, position, updated_at) VALUES ($1, $2, now())"
        " ON CONFLICT (name) DO UPDATE SET position = $2, updated_at = now()",
        name, position,
    )  # fmt: skip


# -- subscriptions: the relay's fold of subscription events ------------------------------


async def fold_control(conn: asyncpg.Connection, row: LogRow, data: dict[str, Any]) -> None:
    """Apply one subscription event to the relay's state of that subscription."""
    sid = UUID(data["subscription_id"])
    match row.type:
        case "SubscriptionCreated":
            await conn.execute(
                "INSERT INTO relay_subscription (id, url, types, secret_sealed, status, cursor)"
                " VALUES ($1, $2, $3, $4, 'active', $5) ON CONFLICT (id) DO NOTHING",
                sid, data["url"], data["types"], data["secret_sealed"], data["after_position"],
            )  # fmt: skip
        case "SubscriptionPaused":
            await conn.execute("UPDATE relay_subscription SET status = 'paused',"
                               " updated_at = now() WHERE id = $1", sid)  # fmt: skip
        case "SubscriptionResumed" | "SubscriptionRedeliveryRequested":
            restart = data.get("from_position")
            await conn.execute(
                "UPDATE relay_subscription SET status = 'active', failures = 0,"
                " generation = generation + 1, next_attempt_at = now(), last_error = NULL,"
                " cursor = coalesce($2, cursor), updated_at = now() WHERE id = $1",
                sid, restart - 1 if restart is not None else None,
            )  # fmt: skip


async def due(conn: Conn, limit: int) -> list[asyncpg.Record]:
    """Active subscriptions whose next attempt is due, longest waiting first."""
    return list(await conn.fetch(
        "SELECT id, url, types, secret_sealed, cursor, failures, generation FROM"
        " relay_subscription WHERE status = 'active' AND next_attempt_at <= now()"
        " ORDER BY next_attempt_at LIMIT $1", limit,
    ))  # fmt: skip


async def next_due_at(conn: Conn) -> datetime | None:
    """When the next active subscription is due (None: none is active)."""
    at: datetime | None = await conn.fetchval(
        "SELECT min(next_attempt_at) FROM relay_subscription WHERE status = 'active'"
    )
    return at


async def advance(conn: Conn, sid: UUID, generation: int, cursor: int) -> None:
    """Move a cursor past events that match nothing (no delivery to record)."""
    await conn.execute(
        "UPDATE relay_subscription SET cursor = greatest(cursor, $3) WHERE id = $1"
        " AND generation = $2", sid, generation, cursor,
    )  # fmt: skip


async def record_delivery(
    conn: asyncpg.Connection, sid: UUID, generation: int, row: LogRow, attempt: int,
    outcome: dict[str, Any], retry_at: datetime | None,
) -> bool:  # fmt: skip
    """One attempt's row and the subscription's new state, in the caller's transaction.

    Delivered: the cursor moves to the event and failures reset. Failed: the cursor stays,
    failures count up and the next attempt waits until `retry_at`. False (nothing written)
    when a redelivery or resume changed the subscription meanwhile.
    """
    ok = outcome["outcome"] == "delivered"
    changed = await conn.fetchval(
        "UPDATE relay_subscription SET cursor = CASE WHEN $3 THEN $4 ELSE cursor END,"
        " failures = CASE WHEN $3 THEN 0 ELSE failures + 1 END,"
        " next_attempt_at = coalesce($5, now()), last_error = $6, updated_at = now()"
        " WHERE id = $1 AND generation = $2 RETURNING id",
        sid, generation, ok, row.position, retry_at, outcome.get("error"),
    )  # fmt: skip
    if changed is None:
        return False
    await conn.execute(
        "INSERT INTO relay_delivery (subscription_id, position, event_id, event_type, attempt,"
        " outcome, http_status, error, duration_ms, attempted_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        sid, row.position, UUID(row.id), row.type, attempt, outcome["outcome"],
        outcome.get("http_status"), outcome.get("error"), outcome["duration_ms"],
        outcome["attempted_at"],
    )  # fmt: skip
    return True


async def prune_deliveries(conn: Conn, days: int, chunk: int = 10_000) -> int:
    """Drop delivery attempts older than `days`, except those of paused subscriptions (their
    failures explain the pause); in chunks, so no statement holds many row locks for long."""
    dropped = 0
    while True:
        status = await conn.execute(
            "DELETE FROM relay_delivery WHERE id IN (SELECT d.id FROM relay_delivery d"
            " WHERE d.attempted_at < now() - make_interval(days => $1) AND NOT EXISTS ("
            "SELECT 1 FROM relay_subscription s WHERE s.id = d.subscription_id"
            " AND s.status = 'paused') LIMIT $2)",
            days, chunk,
        )  # fmt: skip
        n = int(status.split()[-1])
        dropped += n
        if n < chunk:
            return dropped
