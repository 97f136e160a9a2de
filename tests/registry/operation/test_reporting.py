"""The `reporting` views of systems in operation, read as the reporting role."""

from __future__ import annotations

import asyncpg

from tests.support.operation import (
    APPROVER,
    RECALL,
    caught_up,
    observation,
    observe,
    oversee,
    plan,
)
from tests.support.registry import register


async def test_oversight_plans_breaches_and_summaries_are_reported(registry, module_database):
    c = registry
    s = await register(c, name="Claims triage")
    await oversee(c, s["id"], ["olga", "omar"])
    await plan(c, s["id"], RECALL)
    r = await observe(c, s["id"], [observation(0.9, "recall"), observation(0.6, "recall")])
    [opened] = r.json()["breaches"]
    done = await c.post(f"/v1/systems/{s['id']}/breaches/{opened['breach_id']}/review",
                        json={"decision": "accept", "comment": "holiday traffic"},
                        headers=APPROVER)  # fmt: skip
    await caught_up(c, int(done.headers["aims-position"]))
    conn = await asyncpg.connect(module_database.admin_url)
    try:
        await conn.execute("SET ROLE aims_reporting")
        one = "SELECT * FROM reporting.{} WHERE system_id = $1"
        o = await conn.fetchrow(one.format("human_oversight"), s["id"])
        assert (o["system_name"], o["overseers"], o["updated_by"]) == (
            "Claims triage", ["olga", "omar"], "alice")  # fmt: skip
        p = await conn.fetchrow(one.format("monitoring_plans"), s["id"])
        assert (p["metric_count"], p["review_every_days"], p["review_overdue"]) == (1, 30, False)
        b = await conn.fetchrow(one.format("monitoring_breaches"), s["id"])
        assert (b["metric"], b["threshold_op"], b["threshold_value"], b["crossings"]) == (
            "recall", "lt", 0.8, 1)  # fmt: skip
        assert (b["status"], b["decision"], b["reviewed_by"]) == ("reviewed", "accept", "paula")
        m = await conn.fetchrow(one.format("monitoring_summaries"), s["id"])
        assert (m["count"], m["min"], m["max"], m["last"], m["crossings"]) == (2, 0.6, 0.9, 0.6, 1)
    finally:
        await conn.close()
