"""Oversight, plans, batches and breaches as pure domain objects: events in, events out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.registry.operation.domain import (
    Breach,
    MetricTally,
    MonitoringPlan,
    Oversight,
    Reading,
    check_batch,
    opens_breach,
    summarize,
    summary_due,
    tally_batch,
    window_seconds,
)
from shared.contract.events.registry import MonitoredMetric, Threshold
from shared.domain.errors import Conflict, Invalid, NotAllowed

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
DRIFT = MonitoredMetric(name="drift", kind="drift", threshold=Threshold(op="gt", value=0.3),
                        window="1h")  # fmt: skip
RECALL = MonitoredMetric(name="recall", kind="performance",
                         threshold=Threshold(op="lt", value=0.8), window="1d")  # fmt: skip


def a_plan(*metrics: MonitoredMetric) -> MonitoringPlan:
    plan = MonitoringPlan(uuid4())
    plan.set(list(metrics or (DRIFT, RECALL)), 30, NOW)
    plan.version, plan.pending = 1, []
    return plan


def reading(value: float, metric: str = "drift", at: datetime = NOW) -> Reading:
    return Reading(metric, value, at, "m/1", "job")


def test_the_same_oversight_again_records_nothing():
    o = Oversight(uuid4())
    o.assign(["olga"], "reviews", True, "flag off")
    o.version, o.pending = 1, []
    o.assign(["olga"], "reviews", True, "flag off")
    assert o.pending == [] and o.assigned
    o.assign([], "reviews", True, "flag off")
    assert [e.type_name() for e in o.pending] == ["OversightAssigned"] and not o.assigned


def test_setting_the_plan_unchanged_records_a_review_and_moves_the_due_date():
    plan = a_plan()
    later = NOW + timedelta(days=10)
    plan.set([DRIFT, RECALL], 30, later)
    assert [e.type_name() for e in plan.pending] == ["MonitoringPlanReviewed"]
    assert plan.review_due_at == later + timedelta(days=30)
    plan.set([DRIFT], 30, later)
    assert plan.pending[-1].type_name() == "MonitoringPlanSet"
    assert not plan.review_overdue(later) and plan.review_overdue(later + timedelta(days=31))


def test_a_window_is_a_number_and_a_unit():
    assert [window_seconds(w) for w in ("15m", "1h", "7d")] == [900, 3600, 7 * 86400]
    for bad in ("0h", "1w", "h", "1000d"):
        with pytest.raises(ValueError):
            window_seconds(bad)


def test_a_batch_with_any_bad_observation_is_refused_whole():
    plan = a_plan()
    batch = [reading(0.1), reading(0.2, metric="latency"),
             reading(0.1, at=NOW + timedelta(minutes=6)), reading(0.3, metric="Drift")]  # fmt: skip
    with pytest.raises(Invalid) as refused:
        check_batch(plan, batch, NOW)
    found = {(e["loc"][2], e["type"]) for e in refused.value.extra["errors"]}
    assert found == {("1", "unknown_metric"), ("2", "observed_in_future"),
                     ("3", "unknown_metric")}  # fmt: skip
    assert refused.value.code == "invalid_observations"
    late = [reading(0.1, at=NOW + timedelta(minutes=4)), reading(0.1, at=NOW - timedelta(days=400))]
    check_batch(plan, late, NOW)  # clock skew within bounds, and a backfill, are taken


def test_a_batch_is_tallied_per_metric_with_the_readings_that_cross():
    plan = a_plan()
    batch = [reading(0.1, at=NOW - timedelta(minutes=3)), reading(0.5),
             reading(0.2, at=NOW - timedelta(minutes=1)), reading(0.9, "recall"),
             reading(0.7, "recall"), reading(0.8, "recall")]  # fmt: skip
    t = tally_batch(plan, batch)
    drift, recall = t["drift"], t["recall"]
    assert (drift.count, drift.low, drift.high, drift.last) == (3, 0.1, 0.5, 0.5)
    assert [r.value for r in drift.crossing] == [0.5]
    assert [r.value for r in recall.crossing] == [0.7]  # below 0.8; 0.8 itself does not cross
    assert opens_breach(drift, None) and not opens_breach(drift, uuid4())
    assert not opens_breach(MetricTally(RECALL), None)


def test_a_summary_is_due_at_once_then_once_per_window():
    tally = {
        "metric": "drift", "count": 4, "sum": 2.0, "min": 0.1, "max": 0.9, "last_value": 0.3,
        "first_observed_at": NOW, "last_observed_at": NOW, "crossings": 1, "since": NOW,
        "summarised_at": None, "window_seconds": 3600,
    }  # fmt: skip
    assert summary_due(tally, NOW)
    assert not summary_due(tally | {"summarised_at": NOW - timedelta(minutes=59)}, NOW)
    assert summary_due(tally | {"summarised_at": NOW - timedelta(minutes=60)}, NOW)
    assert not summary_due(tally | {"count": 0}, NOW)
    s = summarize(uuid4(), tally, NOW)
    assert (s.count, s.min, s.max, s.mean, s.last, s.crossings) == (4, 0.1, 0.9, 0.5, 0.3, 1)


def test_a_breach_is_reviewed_once():
    system_id = uuid4()
    b = Breach.detect(uuid4(), system_id, DRIFT, [reading(0.5).part()], plan_version=1)
    assert b.pending[0].type_name() == "MonitoringThresholdBreached"
    with pytest.raises(NotAllowed) as refused:
        b.decide("accept", "fine by me", "sam", system_owner="sam")
    assert refused.value.code == "separation_of_duties" and not b.review
    b.decide("retrain", "new data since March", "paula", system_owner="sam")
    assert b.review is not None and b.review["decision"] == "retrain"
    with pytest.raises(Conflict):
        b.decide("accept", "again", "paula", system_owner="sam")
