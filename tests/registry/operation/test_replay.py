"""Replaying the log from zero rebuilds the read models of systems in operation exactly."""

from __future__ import annotations

from services.registry.gate.projections import GateFactsProjection
from services.registry.operation.projections import OperationList
from services.risk.posture.projections import MonitoringReviews
from shared.kernel.projections import replay
from tests.support.operation import (
    APPROVER,
    RECALL,
    caught_up,
    observation,
    observe,
    oversee,
    plan,
)
from tests.support.readmodels import catch_up, fingerprint
from tests.support.registry import register


async def test_replay_rebuilds_oversight_plans_breaches_summaries_and_posture(service, pool):
    async with service("registry") as c:
        s = await register(c, eu_ai_act_tier="high")
        await oversee(c, s["id"], ["olga"])
        await plan(c, s["id"], RECALL)
        [opened] = (await observe(c, s["id"], [observation(0.5, "recall")])).json()["breaches"]
        await observe(c, s["id"], [observation(0.4, "recall")])
        url = f"/v1/systems/{s['id']}/breaches/{opened['breach_id']}/review"
        body = {"decision": "accept", "comment": "known"}
        done = await c.post(url, json=body, headers=APPROVER)
        await caught_up(c, int(done.headers["aims-position"]))
    async with pool.acquire() as conn:
        await catch_up(conn)  # the risk service's posture too
    before = await fingerprint(pool)
    assert await pool.fetchval("SELECT count(*) FROM registry_breach") == 1
    await replay(pool, [OperationList(), GateFactsProjection(), MonitoringReviews()])
    assert await fingerprint(pool) == before
