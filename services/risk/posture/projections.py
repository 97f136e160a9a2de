"""The risk service's view of monitoring, for the posture: plan reviews and open breaches.

The registry owns monitoring plans and breaches; the posture reads its own copy, folded
from the registry's events like every other read model (no call to another service).
"""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, instant, uid

_PLAN = """
INSERT INTO risk_monitoring_review (system_id, metrics, review_every_days, review_due_at,
    reviewed_at, reviewed_by) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (system_id) DO UPDATE SET metrics = $2, review_every_days = $3,
    review_due_at = $4, reviewed_at = $5, reviewed_by = $6
"""
_REVIEWED = """
UPDATE risk_monitoring_review SET review_due_at = $2, reviewed_at = $3, reviewed_by = $4
WHERE system_id = $1
"""
# A breach can only follow its plan (observations need one), so the row exists.
_BREACHED = """
UPDATE risk_monitoring_review SET open_breaches = array_append(open_breaches, $2)
WHERE system_id = $1 AND NOT $2 = ANY(open_breaches)
"""
_BREACH_REVIEWED = """
UPDATE risk_monitoring_review SET open_breaches = array_remove(open_breaches, $2)
WHERE system_id = $1
"""


class MonitoringReviews(WritesProjection):
    """One row per monitored system: when its plan is due for review, which breaches are open."""

    name = "risk.monitoring_reviews"
    tables = ("risk_monitoring_review",)
    types = frozenset({
        "MonitoringPlanSet", "MonitoringPlanReviewed", "MonitoringThresholdBreached",
        "MonitoringBreachReviewed",
    })  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, system_id = e.data, uid(e.data["system_id"])
        actor = (e.metadata.get("actor") or {}).get("sub")
        key = [("monitoring", system_id)]
        match e.type:
            case "MonitoringPlanSet":
                w.add(key, _PLAN, system_id, len(d["metrics"]), d["review_every_days"],
                      instant(d["review_due_at"]), e.recorded_at, actor)  # fmt: skip
            case "MonitoringPlanReviewed":
                w.add(key, _REVIEWED, system_id, instant(d["review_due_at"]), e.recorded_at,
                      actor)  # fmt: skip
            case "MonitoringThresholdBreached":
                w.add(key, _BREACHED, system_id, uid(d["breach_id"]))
            case "MonitoringBreachReviewed":
                w.add(key, _BREACH_REVIEWED, system_id, uid(d["breach_id"]))
