"""Read side of the dossier: a system's events from the log, and the SoA in force."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.kernel.eventstore import StoredEvent

_COLUMNS = (
    "position, id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash"
)
# The events naming the system, plus the latest event of every stream among them: a
# dataset or incident that stopped naming the system says so in an event that does not.
_EVENTS = f"""
WITH named AS (
    SELECT e.{_COLUMNS.replace(", ", ", e.")} FROM registry_system_event x
    JOIN events e ON e.position = x.position WHERE x.system_id = $1
), latest AS (
    SELECT DISTINCT ON (e.stream_id) e.{_COLUMNS.replace(", ", ", e.")} FROM events e
    WHERE e.stream_id IN (SELECT DISTINCT stream_id FROM named)
    ORDER BY e.stream_id, e.version DESC
)
SELECT {_COLUMNS} FROM named UNION ALL SELECT {_COLUMNS} FROM latest
WHERE position NOT IN (SELECT position FROM named) ORDER BY position
"""
# The latest SoA entry of each control (organisation-wide), found through the gate facts.
_SOA = f"""
SELECT DISTINCT ON (e.data->>'control_id') e.{_COLUMNS.replace(", ", ", e.")} FROM events e
WHERE e.type = 'SoAEntrySet' AND e.stream_id IN (
    SELECT DISTINCT stream_id FROM registry_gate_fact WHERE kind = 'soa')
ORDER BY e.data->>'control_id', e.position DESC
"""


async def system_events(pool: asyncpg.Pool, system_id: UUID) -> list[StoredEvent]:
    """Every event naming the system (and its streams' latest), oldest first."""
    return [StoredEvent.from_row(r) for r in await pool.fetch(_EVENTS, system_id)]


async def soa_entries(pool: asyncpg.Pool) -> list[StoredEvent]:
    """The latest SoA entry of every control."""
    return [StoredEvent.from_row(r) for r in await pool.fetch(_SOA)]
