"""What the risk service reads about AI systems: the registry's events in the shared log."""

from __future__ import annotations

from uuid import UUID

from shared.domain.aggregate import stream_id
from shared.domain.repository import Repository

# The system's current owner, from the registry's events (no projection lag).
_SYSTEM_OWNER = (
    "SELECT data->>'owner' AS owner FROM events WHERE stream_id = $1"
    " AND type IN ('SystemRegistered', 'SystemOwnerAssigned') ORDER BY version DESC LIMIT 1"
)


async def system_owner(repo: Repository, system_id: UUID) -> str | None:
    """The current owner of an AI system, read from the log; None for an unknown system."""
    owner = await repo.store.pool.fetchval(_SYSTEM_OWNER, stream_id("system", system_id))
    return None if owner is None else str(owner)
