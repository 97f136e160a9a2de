"""Read model of the audit trail: every event of all three services, indexed for filters."""

from __future__ import annotations

import asyncpg

from services.evidence.trail.domain import row
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection


class AuditTrail(Projection):
    """Every event of all three services, indexed for the audit-trail filters."""

    name = "evidence.audit_trail"
    tables = ("evidence_trail", "evidence_trail_system")
    types = None
    write_only = True  # COPY only: a rebuild indexes the trail after the fold
    by_range = True  # one row per position, from that event alone

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        # COPY: each position is applied once (rows and checkpoint commit together), so
        # the rows are new and go in as one stream rather than a statement each.
        rows = [row(e) for e in events]
        await conn.copy_records_to_table("evidence_trail", records=rows, columns=TRAIL_COLUMNS)
        links = [(sid, r[0]) for r in rows for sid in r[8]]
        if links:
            await conn.copy_records_to_table(
                "evidence_trail_system", records=links, columns=("system_id", "position")
            )


TRAIL_COLUMNS = (
    "position", "event_id", "type", "stream_id", "actor", "source", "recorded_at", "summary",
    "system_ids", "basis", "links",
)  # fmt: skip
