"""Request and response bodies of the subscriptions API (the secret is never in a response)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from services.evidence.fields import In
from services.evidence.subscriptions.commands import CreateSubscription
from services.evidence.subscriptions.domain import Subscription

_TYPES = "event types to deliver, as named in the log (`DeploymentDecisionMade`); `*`: every type"
_SECRET = "Standard Webhooks signing secret: `whsec_` + base64 of 24 to 64 random bytes"
TypeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SubscriptionIn(In):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
    types: Annotated[list[TypeName], Field(min_length=1, max_length=200, description=_TYPES)]
    secret: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200),
                      Field(description=_SECRET)]  # fmt: skip

    def to_command(self) -> CreateSubscription:
        return CreateSubscription(self.url, self.types, self.secret)


def subscription_out(sub: Subscription, relay: dict[str, Any] | None) -> dict[str, Any]:
    """A subscription as the API shows it, with the relay's progress when it has started."""
    relay = relay or {}
    return {
        "id": sub.id, "url": sub.url, "types": sub.types, "status": sub.status,
        "created_by": sub.created_by, "after_position": sub.after_position,
        "paused_at_position": sub.paused_at_position, "pause_reason": sub.pause_reason,
        "delivered_position": relay.get("cursor"), "failures": relay.get("failures", 0),
        "next_attempt_at": relay.get("next_attempt_at"), "last_error": relay.get("last_error"),
        "version": sub.version, "created_at": sub.created_at, "updated_at": sub.last_event_at,
    }  # fmt: skip
