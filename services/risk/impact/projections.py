"""The read model of impact assessments: one row per assessment, with its status."""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_IMPACT_STATUS = {
    "ImpactAssessmentRevised": "draft",
    "ImpactAssessmentSubmitted": "submitted",
    "ImpactAssessmentApproved": "approved",
    "ImpactAssessmentReviewDue": "review_due",
}


class ImpactList(WritesProjection):
    """One row per impact assessment, with its status."""

    name = "risk.impact_list"
    tables = ("risk_impact_assessment",)
    types = frozenset({"ImpactAssessmentDrafted", *_IMPACT_STATUS})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        if e.type == "ImpactAssessmentDrafted":
            w.add(
                [("impact", uid(d["assessment_id"]))],
                "INSERT INTO risk_impact_assessment (id, system_id, author, status, severity,"
                " version, created_position, created_at, updated_at)"
                " VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
                uid(d["assessment_id"]), uid(d["system_id"]), d["author"],
                d["content"].get("severity"), e.version, e.position, e.recorded_at,
            )  # fmt: skip
            return
        w.add(
            [("impact", uid(d["assessment_id"]))],
            "UPDATE risk_impact_assessment SET status = $2, version = $3, updated_at = $4,"
            " severity = CASE WHEN $5::text IS NULL THEN severity ELSE $5 END,"
            " approved_by = coalesce($6, CASE WHEN $2 = 'draft' THEN NULL ELSE approved_by END),"
            " review_reason = $7 WHERE id = $1",
            uid(d["assessment_id"]), _IMPACT_STATUS[e.type], e.version, e.recorded_at,
            (d.get("content") or {}).get("severity"), d.get("approved_by"), d.get("reason"),
        )  # fmt: skip
