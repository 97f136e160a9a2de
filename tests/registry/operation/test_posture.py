"""Monitoring in the risk service's posture: an overdue plan review, breaches awaiting one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from shared.contract.events import registry as reg
from tests.support.operation import DRIFT
from tests.support.registry import VIEWER, put


async def posture(c, system_id, position: int) -> dict:
    r = await c.get(f"/v1/systems/{system_id}/posture?min_position={position}", headers=VIEWER)
    assert r.status_code == 200, r.text
    return r.json()["monitoring"]


async def test_an_overdue_plan_review_and_open_breaches_show_in_the_posture(service, store):
    system_id, breach_id = uuid4(), uuid4()
    metric = reg.MonitoredMetric.model_validate(DRIFT)
    now = datetime.now(UTC)
    async with service("risk") as c:
        assert (await posture(c, system_id, 0)) == {
            "plan": False,
            "review_overdue": False,
            "open_breaches": [],
        }
        pos = await put(store, f"monitoring-{system_id}", reg.MonitoringPlanSet(
            system_id=system_id, metrics=[metric], review_every_days=30,
            review_due_at=now - timedelta(days=1),
        ))  # fmt: skip
        shown = await posture(c, system_id, pos)
        assert shown["plan"] is True and shown["review_overdue"] is True
        assert shown["metrics"] == 1 and shown["review_every_days"] == 30
        pos = await put(store, f"breach-{breach_id}", reg.MonitoringThresholdBreached(
            breach_id=breach_id, system_id=system_id, metric="drift", kind="drift",
            threshold=metric.threshold, window="1h", observations=[], plan_version=1,
        ))  # fmt: skip
        assert (await posture(c, system_id, pos))["open_breaches"] == [str(breach_id)]
        pos = await put(store, f"monitoring-{system_id}", reg.MonitoringPlanReviewed(
            system_id=system_id, review_due_at=now + timedelta(days=30)))  # fmt: skip
        pos = await put(store, f"breach-{breach_id}", reg.MonitoringBreachReviewed(
            breach_id=breach_id, system_id=system_id, metric="drift", decision="accept",
            comment="seasonal", reviewed_by="paula"))  # fmt: skip
        shown = await posture(c, system_id, pos)
        assert shown["review_overdue"] is False and shown["open_breaches"] == []
