"""Oversight, plans, breaches, reviews and summaries reach the audit trail by system."""

from __future__ import annotations

from tests.support.operation import APPROVER, caught_up, observation, observe, oversee, plan
from tests.support.registry import VIEWER, register


async def test_the_audit_trail_of_a_system_shows_its_operation(service):
    async with service("registry") as reg, service("evidence") as ev:
        s = await register(reg)
        await oversee(reg, s["id"])
        await plan(reg, s["id"])
        [opened] = (await observe(reg, s["id"], [observation(0.9)])).json()["breaches"]
        done = await reg.post(
            f"/v1/systems/{s['id']}/breaches/{opened['breach_id']}/review",
            json={"decision": "retrain", "comment": "new data"}, headers=APPROVER,
        )  # fmt: skip
        head = int(done.headers["aims-position"])
        await caught_up(reg, head)
        r = await ev.get(f"/v1/audit-trail?system_id={s['id']}&min_position={head}&limit=50",
                         headers=VIEWER)  # fmt: skip
        assert r.status_code == 200, r.text
        types = {e["type"] for e in r.json()["items"]}
        assert {"OversightAssigned", "MonitoringPlanSet", "ObservationsSummarized",
                "MonitoringThresholdBreached", "MonitoringBreachReviewed"} <= types  # fmt: skip
        actors = {e["type"]: e["actor"] for e in r.json()["items"]}
        assert actors["MonitoringBreachReviewed"] == "paula"
        assert actors["MonitoringThresholdBreached"] == "max"
