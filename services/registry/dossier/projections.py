"""The index the dossier is assembled from: every event of the log that names a system."""

from __future__ import annotations

import asyncpg

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, named_systems

_INDEX = (
    "INSERT INTO registry_system_event (system_id, position)"
    " SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING"
)


class SystemEventIndex(Projection):
    """(system, position) for every event of any service that names the system."""

    name = "registry.system_events"
    tables = ("registry_system_event",)
    types = None  # every service's events, including types added later
    # Inserts only, each position's pairs from that event alone (a rebuild folds ranges of
    # the log in parallel and builds the key after the fold).
    write_only = by_range = True

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        pairs = [(s, e.position) for e in events for s in named_systems(e.data)]
        if pairs:
            await conn.execute(_INDEX, [s for s, _ in pairs], [p for _, p in pairs])
