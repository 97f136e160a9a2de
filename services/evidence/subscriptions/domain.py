"""The webhook subscription aggregate: created by an admin, paused by the relay, resumed."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from shared.contract.events.subscriptions import (
    SubscriptionCreated,
    SubscriptionPaused,
    SubscriptionRedeliveryRequested,
    SubscriptionResumed,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid

SECRET_PREFIX = "whsec_"
ALL_TYPES = "*"
Status = Literal["active", "paused"]


def secret_bytes(secret: str) -> bytes:
    """The key of a Standard Webhooks secret (`whsec_` + base64 of 24 to 64 random bytes)."""
    if not secret.startswith(SECRET_PREFIX):
        raise Invalid("the secret must be a Standard Webhooks secret: whsec_<base64>",
                      code="bad_secret", field="secret")  # fmt: skip
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("the secret after whsec_ is not base64", code="bad_secret",
                      field="secret") from exc  # fmt: skip
    if not 24 <= len(key) <= 64:
        raise Invalid("the secret must hold 24 to 64 bytes (192 to 512 bits)",
                      code="bad_secret", field="secret")  # fmt: skip
    return key


def unknown_types(types: list[str]) -> list[str]:
    """The names among `types` that are no event type of the contract (`*` is every type)."""
    known = DomainEvent.registry
    return [t for t in types if t != ALL_TYPES and t not in known]


@dataclass
class Subscription(Aggregate):
    category = "subscription"
    url: str = ""
    types: list[str] = field(default_factory=list)
    secret_sealed: str = ""
    created_by: str = ""
    after_position: int = 0
    status: Status = "active"
    paused_at_position: int | None = None
    pause_reason: str | None = None
    redeliveries: int = 0

    @classmethod
    def create(
        cls, id: UUID, *, url: str, types: list[str], secret_sealed: str, by: str,
        after_position: int,
    ) -> Subscription:  # fmt: skip
        """A new active subscription; deliveries start after `after_position`."""
        bad = unknown_types(types)
        if bad:
            raise Invalid("unknown event types", code="unknown_type", field="types", types=bad)
        sub = cls(id)
        sub._emit(SubscriptionCreated(
            subscription_id=id, url=url, types=list(dict.fromkeys(types)),
            secret_sealed=secret_sealed, created_by=by, after_position=after_position,
        ))  # fmt: skip
        return sub

    def pause(self, position: int, failures: int, reason: str) -> None:
        """Stop deliveries after `failures` failed attempts at `position` (the relay)."""
        if self.status == "paused":
            return
        self._emit(SubscriptionPaused(subscription_id=self.id, position=position,
                                      failures=failures, reason=reason[:2000]))  # fmt: skip

    def resume(self, by: str) -> None:
        """Deliver again from the event that failed."""
        if self.status != "paused":
            raise Conflict("the subscription is not paused", code="not_paused")
        self._emit(SubscriptionResumed(subscription_id=self.id, resumed_by=by))

    def redeliver(self, from_position: int, by: str) -> None:
        """Deliver again every matching event from `from_position` on (resumes a paused one)."""
        self._emit(SubscriptionRedeliveryRequested(
            subscription_id=self.id, from_position=from_position, requested_by=by))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case SubscriptionCreated():
                self.url, self.types = event.url, list(event.types)
                self.secret_sealed, self.created_by = event.secret_sealed, event.created_by
                self.after_position = event.after_position
            case SubscriptionPaused():
                self.status, self.paused_at_position = "paused", event.position
                self.pause_reason = event.reason
            case SubscriptionResumed() | SubscriptionRedeliveryRequested():
                self.status, self.paused_at_position, self.pause_reason = "active", None, None
                self.redeliveries += 1
