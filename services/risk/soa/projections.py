"""Read models of the SoA: the decision per control, and the evidence linked to controls."""

from __future__ import annotations

from typing import Any

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid


class SoAEntries(WritesProjection):
    """The latest SoA decision per Annex A control."""

    name = "risk.soa"
    tables = ("risk_soa_entry",)
    types = frozenset({"SoAEntrySet"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        w.add(
            [("soa", d["control_id"])],
            "INSERT INTO risk_soa_entry (control_id, applicable, justification, status, owner,"
            " deployment_gate, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (control_id) DO UPDATE SET applicable = $2, justification = $3,"
            " status = $4, owner = $5, deployment_gate = $6, version = $7, updated_at = $8",
            d["control_id"], d["applicable"], d["justification"], d["status"], d["owner"],
            d["deployment_gate"], e.version, e.recorded_at,
        )  # fmt: skip


class ControlEvidence(WritesProjection):
    """Evidence recorded by the evidence service, per Annex A control it supports."""

    name = "risk.control_evidence"
    tables = ("risk_control_evidence",)
    types = frozenset({"EvidenceRecorded", "EvidenceSuperseded"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d: dict[str, Any] = e.data
        if e.type == "EvidenceSuperseded":
            _supersede(w, d["evidence_id"], d["superseded_by"])
            return
        for control_id in dict.fromkeys(d.get("control_ids") or []):
            w.add(
                [("evidence", uid(d["evidence_id"]))],
                "INSERT INTO risk_control_evidence (evidence_id, control_id, title, kind,"
                " system_ids, collected_at, valid_until) VALUES ($1, $2, $3, $4, $5,"
                " $6::text::timestamptz, $7::text::timestamptz) ON CONFLICT DO NOTHING",
                uid(d["evidence_id"]), control_id, d["title"], d["kind"],
                [uid(s) for s in d.get("system_ids") or []], d["collected_at"],
                d.get("valid_until"),
            )  # fmt: skip
        if d.get("supersedes"):
            _supersede(w, d["supersedes"], d["evidence_id"])


def _supersede(w: Writes, old: str, new: str) -> None:
    w.add(
        [("evidence", uid(old))],
        "UPDATE risk_control_evidence SET superseded_by = $2 WHERE evidence_id = $1",
        uid(old), uid(new),
    )  # fmt: skip
