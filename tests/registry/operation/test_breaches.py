"""A breach moves the system to re-evaluation and flips the gate; a review restores it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.registry.operation.sweeper import sweep
from tests.support.apps import app_of
from tests.support.operation import (
    APPROVER,
    breaches,
    caught_up,
    in_operation,
    observation,
    observe,
    plan,
)
from tests.support.registry import MLOPS, OWNER, VIEWER, at_verification, decide, move


def codes(decision: dict) -> set[str]:
    return {r["code"] for r in decision["reasons"]}


async def stage(c, system_id: str) -> str:
    return (await c.get(f"/v1/systems/{system_id}", headers=VIEWER)).json()["stage"]


async def review(c, system_id: str, breach_id: str, headers=APPROVER, decision="retrain"):
    return await c.post(f"/v1/systems/{system_id}/breaches/{breach_id}/review",
                        json={"decision": decision, "comment": "retrain on Q1 data"},
                        headers=headers)  # fmt: skip


async def test_a_breach_moves_the_system_and_flips_the_gate_until_reviewed(registry, log):
    c, store = registry, log
    s = await in_operation(c, store)
    await plan(c, s["id"])
    assert (await decide(c, s["id"])).json()["decision"] == "allow"
    r = await observe(c, s["id"], [observation(0.1), observation(0.45), observation(0.5)])
    assert r.status_code == 200, r.text
    [opened] = r.json()["breaches"]
    assert opened["metric"] == "drift" and opened["crossings"] == 2
    breach_id, pos = opened["breach_id"], int(r.headers["aims-position"])
    await caught_up(c, pos)
    assert await stage(c, s["id"]) == "re_evaluation"
    moved = [
        e for e in await log.read_stream(f"system-{s['id']}") if e.type == "SystemStageChanged"
    ]
    assert breach_id in moved[-1].data["reason"] and moved[-1].metadata["actor"]["sub"] == "aims"
    assert moved[-1].data["basis"]["streams"][f"breach-{breach_id}"] == 1
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert d["decision"] == "deny" and "monitoring_breach" in codes(d)
    assert [x["breach_id"] for x in d["reasons"] if x["code"] == "monitoring_breach"] == [breach_id]
    # More crossings while it awaits review belong to it: no second breach.
    again = (await observe(c, s["id"], [observation(0.9)])).json()
    assert again["breaches"] == [] and again["open_breaches"] == {"drift": breach_id}
    [listed] = await breaches(c, s["id"], pos)
    assert listed["status"] == "open" and listed["review"] is None
    assert [o["value"] for o in listed["observations"]] == [0.45, 0.5]

    assert (await review(c, s["id"], breach_id, headers=OWNER)).status_code == 403
    done = await review(c, s["id"], breach_id)
    assert done.status_code == 200, done.text
    assert done.json()["review"]["reviewed_by"] == "paula"
    assert (await review(c, s["id"], breach_id, decision="accept")).status_code == 409
    pos = int(done.headers["aims-position"])
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert "monitoring_breach" not in codes(d) and codes(d) == {"stage_not_ready"}
    [listed] = await breaches(c, s["id"], pos)
    assert listed["status"] == "reviewed" and listed["review"]["decision"] == "retrain"
    # Back through the lifecycle as usual, and the gate allows again.
    assert (await move(c, s["id"], "operation")).status_code == 200
    assert (await decide(c, s["id"])).json()["decision"] == "allow"
    # After the review, the next crossing is a new breach.
    r = await observe(c, s["id"], [observation(0.7)])
    assert [b["metric"] for b in r.json()["breaches"]] == ["drift"]
    assert r.json()["breaches"][0]["breach_id"] != breach_id


async def test_a_breach_of_a_system_not_yet_deployed_leaves_its_stage(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    await plan(c, s["id"])
    r = await observe(c, s["id"], [observation(0.6)])
    [opened] = r.json()["breaches"]
    await caught_up(c, int(r.headers["aims-position"]))
    assert await stage(c, s["id"]) == "verification"
    d = (await decide(c, s["id"])).json()
    assert "monitoring_breach" in codes(d)
    one = await c.get(f"/v1/systems/{s['id']}/breaches/{opened['breach_id']}", headers=VIEWER)
    assert one.status_code == 200 and one.json()["observations"][0]["value"] == 0.6
    other = await at_verification(c, store)
    elsewhere = f"/v1/systems/{other['id']}/breaches/{opened['breach_id']}"
    assert (await c.get(elsewhere, headers=VIEWER)).status_code == 404
    assert (await review(c, other["id"], opened["breach_id"])).status_code == 404


async def test_an_allow_given_before_a_breach_cannot_be_cited_after_it(registry, log):
    c, store = registry, log
    s = await in_operation(c, store)
    await plan(c, s["id"])
    allowed = (await decide(c, s["id"])).json()
    assert allowed["decision"] == "allow"
    [opened] = (await observe(c, s["id"], [observation(0.8)])).json()["breaches"]
    breach_id = opened["breach_id"]
    r = await c.post("/v1/deployments", json={"decision_id": allowed["decision_id"]},
                     headers=MLOPS)  # fmt: skip
    assert r.status_code == 409 and r.json()["type"].endswith("/basis_changed")
    assert f"breach-{breach_id}" in r.json()["changed"]


async def test_concurrent_batches_open_one_breach_and_each_observation_is_summarised_once(
    registry, log
):
    c, store = registry, log
    s = await at_verification(c, store)
    await plan(c, s["id"])
    batches = [[observation(0.1 * (i % 3)), observation(0.9)] * 50 for i in range(6)]
    answers = await asyncio.gather(*(observe(c, s["id"], b) for b in batches))
    assert all(a.status_code == 200 for a in answers)
    opened = [b for a in answers for b in a.json()["breaches"]]
    assert len(opened) == 1 and opened[0]["crossings"] == 50
    assert all(a.json()["open_breaches"] == {"drift": opened[0]["breach_id"]}
               for a in answers if not a.json()["breaches"])  # fmt: skip
    await sweep(app_of(c).state.telemetry, datetime.now(UTC) + timedelta(hours=2))
    summaries = [e.data for e in await log.read_stream(f"telemetry-{s['id']}")]
    assert sum(x["count"] for x in summaries) == 600
    assert sum(x["crossings"] for x in summaries) == 300


async def test_a_retried_batch_with_its_idempotency_key_writes_nothing_twice(registry, log):
    c = registry
    s = await at_verification(c, log)
    await plan(c, s["id"])
    body, key = {"observations": [observation(0.2), observation(0.7)]}, {"Idempotency-Key": "b1"}
    first = await c.post(f"/v1/systems/{s['id']}/observations", json=body,
                         headers={**MLOPS, **key})  # fmt: skip
    head = await log.head_position()
    again = await c.post(f"/v1/systems/{s['id']}/observations", json=body,
                         headers={**MLOPS, **key})  # fmt: skip
    assert again.json() == first.json() and await log.head_position() == head
    stored = await log.pool.fetchval(
        "SELECT count(*) FROM registry_observation WHERE system_id = $1", s["id"]
    )
    assert stored == 2


async def test_open_breaches_of_every_system_are_listed_in_one_place(registry, log):
    c, store = registry, log
    first, second = await in_operation(c, store), await in_operation(c, store)
    opened = {}
    for s in (first, second):
        await plan(c, s["id"])
        r = await observe(c, s["id"], [observation(0.8)])
        opened[s["id"]] = r.json()["breaches"][0]["breach_id"]
    pos = int(r.headers["aims-position"])

    async def listed(status="open"):
        """Every page of the list, one breach a page, then only this test's systems."""
        items, query = [], f"/v1/breaches?status={status}&limit=1&min_position={pos}"
        while query:
            r = await c.get(query, headers=VIEWER)
            assert r.status_code == 200, r.text
            page = r.json()
            assert len(page["items"]) <= 1
            items += page["items"]
            query = page["next_cursor"] and f"/v1/breaches?status={status}&limit=1&cursor=" + (
                page["next_cursor"]
            )  # fmt: skip
        mine = {first["id"], second["id"]}  # other tests' systems share the database
        return [b for b in items if b["system_id"] in mine]

    newest_first = [(b["system_id"], b["breach_id"]) for b in await listed()]
    assert newest_first == [(s, opened[s]) for s in (second["id"], first["id"])]
    done = await review(c, first["id"], opened[first["id"]])
    pos = int(done.headers["aims-position"])
    assert [b["breach_id"] for b in await listed()] == [opened[second["id"]]]
    assert [b["breach_id"] for b in await listed("reviewed")] == [opened[first["id"]]]
    bad = await c.get("/v1/breaches?status=closed", headers=VIEWER)
    assert bad.status_code == 422


async def test_one_batch_of_observations_is_handled_at_a_time(registry, log, monkeypatch):
    """Batches arriving together are validated and recorded one after another, so other
    requests (the gate's) wait behind one batch at most, not behind all of them."""
    from services.registry.operation import handlers

    c, store = registry, log
    s = await in_operation(c, store)
    await plan(c, s["id"])
    inside, peak = 0, 0
    record = handlers.record_observations

    async def counted(*args, **kwargs):
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        try:
            await asyncio.sleep(0.01)  # a pause: another batch would come in now if it could
            return await record(*args, **kwargs)
        finally:
            inside -= 1

    monkeypatch.setattr(handlers, "record_observations", counted)  # as the route calls it
    answers = await asyncio.gather(
        *(observe(c, s["id"], [observation(0.1 + i / 100)]) for i in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4
    assert peak == 1
