"""Read model of webhook subscriptions (the list); the secret never reaches it."""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid


class Subscriptions(WritesProjection):
    """Subscriptions with their URL, types and status."""

    name = "evidence.subscriptions"
    tables = ("evidence_subscription",)
    types = frozenset({
        "SubscriptionCreated", "SubscriptionPaused", "SubscriptionResumed",
        "SubscriptionRedeliveryRequested",
    })  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, sid = e.data, uid(e.data["subscription_id"])
        key, at = [("subscription", sid)], e.recorded_at
        match e.type:
            case "SubscriptionCreated":
                w.add(
                    key,
                    "INSERT INTO evidence_subscription (id, url, types, status, created_by,"
                    " created_position, created_at, updated_at) VALUES ($1, $2, $3, 'active',"
                    " $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING",
                    sid, d["url"], d["types"], d["created_by"], e.position, at,
                )  # fmt: skip
            case "SubscriptionPaused":
                w.add(key, "UPDATE evidence_subscription SET status = 'paused', updated_at = $2"
                           " WHERE id = $1", sid, at)  # fmt: skip
            case _:
                w.add(key, "UPDATE evidence_subscription SET status = 'active', updated_at = $2"
                           " WHERE id = $1", sid, at)  # fmt: skip
