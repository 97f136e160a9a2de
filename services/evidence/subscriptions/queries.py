"""Read-side SQL of subscriptions: the list, the relay's progress, the delivery attempts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page

_DELIVERY = (
    "id, position, event_id, event_type, attempt, outcome, http_status, error, duration_ms,"
    " attempted_at"
)


async def list_subscriptions(
    pool: asyncpg.Pool, *, status: str | None, cursor: str | None, limit: int
) -> Page:
    """Subscriptions, newest first."""
    return await keyset_page(
        pool, "evidence_subscription", [("status = {}", status)], cursor=cursor, limit=limit
    )


async def relay_state(pool: asyncpg.Pool, subscription_id: UUID) -> dict[str, Any] | None:
    """Where the relay is with one subscription (None before it has seen it)."""
    row = await pool.fetchrow(
        "SELECT cursor, failures, next_attempt_at, last_error FROM relay_subscription"
        " WHERE id = $1", subscription_id,
    )  # fmt: skip
    return dict(row) if row else None


async def list_deliveries(
    pool: asyncpg.Pool, subscription_id: UUID, *, outcome: str | None, cursor: str | None,
    limit: int,
) -> Page:  # fmt: skip
    """Delivery attempts of one subscription, newest first (`outcome=failed`: the failures)."""
    return await keyset_page(
        pool, "relay_delivery", [("subscription_id = {}", subscription_id),
                                 ("outcome = {}", outcome)],
        cursor=cursor, limit=limit, key="id", columns=_DELIVERY,
    )  # fmt: skip
