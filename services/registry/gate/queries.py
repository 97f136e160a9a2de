"""The gate's read side: its facts from the `registry.gate_facts` projection and the log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.registry.gate.domain import Fact, GateFacts, SystemView
from services.registry.gate.projections import NAME
from services.registry.systems.domain import AISystem
from shared.domain.aggregate import stream_id
from shared.kernel.eventstore import EventStore

# The projection's checkpoint is read in the same statement (one snapshot), so the
# position recorded in a decision's basis is exactly what the facts reflect.
_FACTS = (
    "SELECT key, kind, stream_id, version, data FROM registry_gate_fact"
    " WHERE system_id = $1 OR system_id IS NULL"
    " UNION ALL SELECT 'checkpoint', 'checkpoint', '', 0, jsonb_build_object('position',"
    " position) FROM projection_checkpoint WHERE name = $2"
)


async def load_facts(pool: asyncpg.Pool, system_id: UUID) -> tuple[list[Fact], int]:
    """Every fact about a system plus the organisation-wide ones, and the position they reach."""
    rows = await pool.fetch(_FACTS, system_id, NAME)
    facts = [Fact(r["key"], r["kind"], r["stream_id"], r["version"], r["data"]) for r in rows]
    position = next((int(f.data["position"]) for f in facts if f.kind == "checkpoint"), 0)
    return [f for f in facts if f.kind != "checkpoint"], position


class ProjectedFacts:
    """The gate's facts port: systems from their streams, other services' facts projected."""

    def __init__(self, pool: asyncpg.Pool, store: EventStore) -> None:
        self.pool, self.store = pool, store  # pool: projection reads (maybe a replica)

    async def of_system(
        self, system_id: UUID, model_version: str | None = None
    ) -> GateFacts | None:
        """The system and its facts: two indexed reads, side by side; None for no system."""
        events, (facts, position) = await asyncio.gather(
            self.store.read_stream(stream_id("system", system_id), must_exist=False),
            load_facts(self.pool, system_id),
        )
        if not events:
            return None
        system = AISystem.replay(system_id, events).view()
        return GateFacts(system, facts, position, model_version)

    async def of_view(self, system: SystemView) -> GateFacts:
        """The facts about a system the caller has already loaded."""
        facts, position = await load_facts(self.pool, system.id)
        return GateFacts(system, facts, position)

    async def logged_versions(self, streams: Sequence[str]) -> dict[str, int]:
        """The version each stream has in the log itself (absent streams are 0)."""
        return await self.store.stream_versions(streams)
