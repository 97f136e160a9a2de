"""Read model of concerns (an anonymous reporter only sealed, as in the log)."""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid


class Concerns(WritesProjection):
    """Concerns and how triage decided them."""

    name = "evidence.concerns"
    tables = ("evidence_concern",)
    types = frozenset({"ConcernRaised", "ConcernTriaged"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, cid = e.data, uid(e.data["concern_id"])
        match e.type:
            case "ConcernRaised":
                w.add(
                    [("concern", cid)],
                    "INSERT INTO evidence_concern (id, description, system_ids, anonymous,"
                    " reporter, reporter_sealed, status, created_position, created_at,"
                    " updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $8)"
                    " ON CONFLICT (id) DO NOTHING",
                    cid, d["description"], [uid(s) for s in d.get("system_ids") or []],
                    d["anonymous"], d.get("reporter"), d.get("reporter_sealed"), e.position,
                    e.recorded_at,
                )  # fmt: skip
            case "ConcernTriaged":
                w.add(
                    [("concern", cid)],
                    "UPDATE evidence_concern SET status = $2, reason = $3, triaged_by = $4,"
                    " incident_id = $5, triaged_at = $6, updated_at = $6 WHERE id = $1",
                    cid, d["outcome"], d["reason"], d["triaged_by"],
                    uid(d["incident_id"]) if d.get("incident_id") else None, e.recorded_at,
                )  # fmt: skip
