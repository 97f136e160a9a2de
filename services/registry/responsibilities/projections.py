"""Read model of responsibilities: one row per system, for the console and `reporting`."""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_RACI = """
INSERT INTO registry_responsibility (system_id, accountable, responsible, consulted, informed,
    version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (system_id) DO UPDATE SET accountable = $2, responsible = $3, consulted = $4,
    informed = $5, version = $6, updated_by = $7, updated_at = $8
"""


class ResponsibilityList(WritesProjection):
    """Who is accountable, responsible, consulted and informed, per system."""

    name = "registry.responsibilities"
    tables = ("registry_responsibility",)
    types = frozenset({"ResponsibilitiesAssigned"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, system_id = e.data, uid(e.data["system_id"])
        actor = (e.metadata.get("actor") or {}).get("sub")
        w.add([system_id], _RACI, system_id, d["accountable"], d["responsible"], d["consulted"],
              d["informed"], e.version, actor, e.recorded_at)  # fmt: skip
