"""Read models of systems in operation: oversight, monitoring plans, breaches, summaries.

Reads of one system's oversight, plan or breach come from their streams; these tables
serve the lists, the console and the `reporting` views.
"""

from __future__ import annotations

from typing import Any

import orjson

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, instant, uid

_OVERSIGHT = """
INSERT INTO registry_oversight (system_id, overseers, measures, can_override, stop_procedure,
    version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (system_id) DO UPDATE SET overseers = $2, measures = $3, can_override = $4,
    stop_procedure = $5, version = $6, updated_by = $7, updated_at = $8
"""
_PLAN = """
INSERT INTO registry_monitoring_plan (system_id, metrics, review_every_days, review_due_at,
    reviewed_by, reviewed_at, version) VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7)
ON CONFLICT (system_id) DO UPDATE SET metrics = $2::jsonb, review_every_days = $3,
    review_due_at = $4, reviewed_by = $5, reviewed_at = $6, version = $7
"""
_PLAN_REVIEWED = """
UPDATE registry_monitoring_plan SET review_due_at = $2, reviewed_by = $3, reviewed_at = $4,
    version = $5 WHERE system_id = $1
"""
_BREACH = """
INSERT INTO registry_breach (id, system_id, metric, kind, threshold, metric_window, observations,
    crossings, plan_version, detected_at, created_position)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING
"""
_REVIEW = """
UPDATE registry_breach SET decision = $2, comment = $3, reviewed_by = $4, reviewed_at = $5
WHERE id = $1
"""
_SUMMARY = """
INSERT INTO registry_observation_summary (position, system_id, metric, count, min, max, mean,
    last, first_observed_at, last_observed_at, crossings, since, until)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING
"""


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _actor(e: StoredEvent) -> str | None:
    return (e.metadata.get("actor") or {}).get("sub")


class OperationList(WritesProjection):
    """Oversight, plans (with review dates), breaches (with reviews) and metric summaries."""

    name = "registry.operation"
    tables = ("registry_oversight", "registry_monitoring_plan", "registry_breach",
              "registry_observation_summary")  # fmt: skip
    types = frozenset({
        "OversightAssigned", "MonitoringPlanSet", "MonitoringPlanReviewed",
        "MonitoringThresholdBreached", "MonitoringBreachReviewed", "ObservationsSummarized",
    })  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, system_id = e.data, uid(e.data["system_id"])
        match e.type:
            case "OversightAssigned":
                w.add([("oversight", system_id)], _OVERSIGHT, system_id, d["overseers"],
                      d["measures"], d["can_override"], d["stop_procedure"], e.version,
                      _actor(e), e.recorded_at)  # fmt: skip
            case "MonitoringPlanSet":
                w.add([("plan", system_id)], _PLAN, system_id, _json(d["metrics"]),
                      d["review_every_days"], instant(d["review_due_at"]), _actor(e),
                      e.recorded_at, e.version)  # fmt: skip
            case "MonitoringPlanReviewed":
                w.add([("plan", system_id)], _PLAN_REVIEWED, system_id,
                      instant(d["review_due_at"]), _actor(e), e.recorded_at, e.version)  # fmt: skip
            case "MonitoringThresholdBreached":
                breach_id = uid(d["breach_id"])
                seen = d["observations"]
                w.add([("breach", breach_id)], _BREACH, breach_id, system_id, d["metric"],
                      d["kind"], _json(d["threshold"]), d["window"], _json(seen), len(seen),
                      d["plan_version"], e.recorded_at, e.position)  # fmt: skip
            case "MonitoringBreachReviewed":
                w.add([("breach", uid(d["breach_id"]))], _REVIEW, uid(d["breach_id"]),
                      d["decision"], d["comment"], d["reviewed_by"], e.recorded_at)  # fmt: skip
            case "ObservationsSummarized":
                w.add([("summary", e.position)], _SUMMARY, e.position, system_id, d["metric"],
                      d["count"], d["min"], d["max"], d["mean"], d["last"],
                      instant(d["first_observed_at"]), instant(d["last_observed_at"]),
                      d["crossings"], instant(d["since"]), instant(d["until"]))  # fmt: skip
