"""Commands of the subscriptions feature."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class CreateSubscription:
    url: str
    types: list[str]
    secret: str


@dataclass(frozen=True)
class ResumeSubscription:
    subscription_id: UUID


@dataclass(frozen=True)
class RedeliverSubscription:
    subscription_id: UUID
    from_position: int
