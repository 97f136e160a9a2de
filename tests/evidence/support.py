"""Helpers of the evidence tests: events of the other services, appended straight to the log."""

from __future__ import annotations

import uuid
from typing import Any

from shared.kernel.eventstore import EventStore, NewEvent


def meta(sub: str, source: str, *roles: str) -> dict[str, Any]:
    return {"actor": {"sub": sub, "roles": list(roles)}, "source": source}


async def register_system(store: EventStore, owner: str, name: str = "Credit scoring") -> str:
    """A system as the registry records it; returns its id."""
    sid = str(uuid.uuid4())
    await store.append(
        f"system-{sid}",
        [
            NewEvent(
                "SystemRegistered",
                {
                    "system_id": sid,
                    "name": name,
                    "purpose": "score loans",
                    "owner": owner,
                    "provider_role": "provider",
                    "eu_ai_act_tier": "high",
                    "intended_use": "",
                    "tags": [],
                },
            )
        ],
        expected_version=0,
        metadata=meta(owner, "registry", "system_owner"),
    )
    return sid
