"""The read model of training records: one row per record."""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid


class TrainingList(WritesProjection):
    """One row per training record (withdrawn ones marked)."""

    name = "risk.training"
    tables = ("risk_training_record",)
    types = frozenset({"TrainingRecorded", "TrainingRecordWithdrawn"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        key, rid = [("training", d["record_id"])], uid(d["record_id"])
        if e.type == "TrainingRecordWithdrawn":
            w.add(key,
                  "UPDATE risk_training_record SET withdrawn = true, version = $2,"
                  " updated_at = $3 WHERE id = $1",
                  rid, e.version, e.recorded_at)  # fmt: skip
            return
        evidence = d.get("evidence_id")
        w.add(key,
              "INSERT INTO risk_training_record (id, person, competence, completed_at,"
              " expires_at, evidence_id, provider, recorded_by, withdrawn, version,"
              " created_position, created_at, updated_at) VALUES ($1, $2, $3,"
              " $4::text::timestamptz, $5::text::timestamptz, $6, $7, $8, false, $9, $10, $11,"
              " $11) ON CONFLICT DO NOTHING",
              rid, d["person"], d["competence"], d["completed_at"], d.get("expires_at"),
              uid(evidence) if evidence else None, d.get("provider", ""), d["recorded_by"],
              e.version, e.position, e.recorded_at)  # fmt: skip
