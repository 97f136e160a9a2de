"""Read model of evidence records: one row per piece of evidence."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.evidence.trail.domain import actor
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, Rows, instant, uid


def _uuids(values: list[str] | None) -> list[UUID]:
    return [uid(v) for v in values or []]


class EvidenceList(Projection):
    """One row per piece of evidence, with its links and whether it was superseded."""

    name = "evidence.evidence_list"
    tables = ("evidence_evidence",)
    types = frozenset({"EvidenceRecorded", "EvidenceSuperseded"})

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        rows = Rows("evidence_evidence", EVIDENCE_COLUMNS)
        await rows.load(conn, (uid(e.data["evidence_id"]) for e in events))
        for e in events:
            d = e.data
            if e.type == "EvidenceRecorded":
                rows.add({
                    "id": uid(d["evidence_id"]), "kind": d["kind"], "title": d["title"],
                    "sha256": d["sha256"], "uri": d["uri"],
                    "system_ids": _uuids(d.get("system_ids")),
                    "control_ids": d.get("control_ids") or [],
                    "risk_ids": _uuids(d.get("risk_ids")), "stored": d.get("stored", False),
                    "size": d.get("size"), "media_type": d.get("media_type"),
                    "source": d.get("source", ""), "collected_at": instant(d["collected_at"]),
                    "valid_until": instant(d.get("valid_until")),
                    "supersedes": uid(d["supersedes"]) if d.get("supersedes") else None,
                    "recorded_by": actor(e), "version": e.version,
                    "created_position": e.position, "created_at": e.recorded_at,
                    "updated_at": e.recorded_at,
                })  # fmt: skip
            else:
                rows.change(
                    uid(d["evidence_id"]), superseded_by=uid(d["superseded_by"]),
                    version=e.version, updated_at=e.recorded_at,
                )  # fmt: skip
        await rows.flush(conn)


EVIDENCE_COLUMNS = (
    "id", "kind", "title", "sha256", "uri", "system_ids", "control_ids", "risk_ids", "stored",
    "size", "media_type", "source", "collected_at", "valid_until", "supersedes",
    "superseded_by", "recorded_by", "version", "created_position", "created_at", "updated_at",
)  # fmt: skip
