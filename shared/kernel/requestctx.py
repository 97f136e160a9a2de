"""Who is acting and why: the context every command carries into event metadata."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

_NS = uuid.UUID("8f3c2a44-5d0e-4d7b-9a51-2c0b6e3f7a10")


@dataclass(frozen=True)
class Actor:
    """The authenticated caller."""

    sub: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM_ACTOR = Actor("aims", frozenset({"system"}))


@dataclass(frozen=True)
class RequestContext:
    """Actor plus request, correlation and causation ids of one command."""

    actor: Actor
    service: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    correlation_id: str | None = None
    causation_id: str | None = None
    idempotency_key: str | None = None
    # Version and sha256 of the separation-of-duties policy in force, recorded with each event.
    sod_policy: dict[str, str] | None = None

    def metadata(self) -> dict[str, Any]:
        """Event metadata recorded with every event of this command."""
        meta: dict[str, Any] = {
            "actor": {"sub": self.actor.sub, "roles": sorted(self.actor.roles)},
            "correlation_id": self.correlation_id or self.request_id,
            "causation_id": self.causation_id,
            "request_id": self.request_id,
            "source": self.service,
        }
        if self.sod_policy is not None:
            meta["sod_policy"] = self.sod_policy
        return meta

    def event_id(self, stream_id: str, version: int) -> uuid.UUID | None:
        """Deterministic event id under an Idempotency-Key, else None (random)."""
        if self.idempotency_key is None:
            return None
        return uuid.uuid5(_NS, f"{self.actor.sub}\n{self.idempotency_key}\n{stream_id}\n{version}")

    def new_id(self, purpose: str = "") -> uuid.UUID:
        """A new entity id; derived from the Idempotency-Key so a retry names the same entity."""
        if self.idempotency_key is None:
            return uuid.uuid4()
        return uuid.uuid5(_NS, f"{self.actor.sub}\n{self.idempotency_key}\nnew\n{purpose}")
