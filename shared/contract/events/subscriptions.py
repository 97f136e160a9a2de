"""Webhook subscription events (evidence service, `subscription-<id>` streams).

The signing secret is never in the clear here: `secret_sealed` is the Standard Webhooks
secret sealed (AES-256-GCM, the subscription id as associated data) under a key that only
the evidence service and the relay hold, so the audit trail, audit packs, the reporting
views and the API never show it. `SubscriptionPaused` is written by the relay.
"""

from __future__ import annotations

from uuid import UUID

from shared.domain.aggregate import DomainEvent


class SubscriptionCreated(DomainEvent):
    subscription_id: UUID
    url: str
    types: list[str]  # event types delivered; ["*"] for every type
    secret_sealed: str
    created_by: str
    after_position: int  # deliveries start after this position (the log head at creation)


class SubscriptionPaused(DomainEvent):
    subscription_id: UUID
    position: int  # the event that kept failing
    failures: int
    reason: str


class SubscriptionResumed(DomainEvent):
    subscription_id: UUID
    resumed_by: str


class SubscriptionRedeliveryRequested(DomainEvent):
    subscription_id: UUID
    from_position: int  # deliveries restart at this position (and resume a paused one)
    requested_by: str
