"""The index the dossier is assembled from: every event of the log that names a system."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, uid

_INDEX = (
    "INSERT INTO registry_system_event (system_id, position)"
    " SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING"
)


def named_systems(data: dict[str, Any]) -> list[UUID]:
    """The systems an event's data names (`system_id`, `system_ids`); bad ids are skipped."""
    one, many = data.get("system_id"), data.get("system_ids")
    if not many:  # most events name one system or none
        sid = _system_id(one)
        return [] if sid is None else [sid]
    found: list[UUID] = []
    for value in (one, *many):
        sid = _system_id(value)
        if sid is not None and sid not in found:
            found.append(sid)
    return found


def _system_id(value: Any) -> UUID | None:
    try:
        return uid(str(value)) if value else None
    except ValueError:
        return None


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
