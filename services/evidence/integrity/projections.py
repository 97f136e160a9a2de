"""Read model the audit pack needs: the Statement of Applicability."""

from __future__ import annotations

from services.evidence.trail.domain import actor
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection


class StatementOfApplicability(WritesProjection):
    """The current SoA row of each Annex A control (for audit packs)."""

    name = "evidence.soa"
    tables = ("evidence_soa",)
    types = frozenset({"SoAEntrySet"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        w.add(
            [("soa", d["control_id"])],
            "INSERT INTO evidence_soa (control_id, applicable, justification, status, owner,"
            " set_by, set_at, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (control_id) DO UPDATE SET applicable = $2, justification = $3,"
            " status = $4, owner = $5, set_by = $6, set_at = $7, position = $8",
            d["control_id"], d["applicable"], d["justification"], d["status"],
            d.get("owner", ""), actor(e), e.recorded_at, e.position,
        )  # fmt: skip
