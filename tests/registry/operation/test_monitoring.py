"""Monitoring plans and observations over HTTP: raw rows out of the log, summaries in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.registry.operation.sweeper import sweep
from tests.support.apps import app_of, auth
from tests.support.operation import DRIFT, RECALL, observation, observe, plan
from tests.support.registry import ADMIN, MLOPS, OWNER, VIEWER, register

BOB = auth("bob", "system_owner")


async def events_of(log, system_id: str) -> dict[str, int]:
    rows = await log.pool.fetch(
        "SELECT type, count(*) AS n FROM events WHERE data->>'system_id' = $1 GROUP BY type",
        system_id,
    )
    return {r["type"]: r["n"] for r in rows}


async def raw_count(log, system_id: str) -> int:
    return await log.pool.fetchval(
        "SELECT count(*) FROM registry_observation WHERE system_id = $1::uuid", system_id
    )


async def test_the_plan_is_the_owners_and_setting_it_again_records_its_review(registry, log):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}/monitoring"
    body = {"metrics": [DRIFT, RECALL], "review_every_days": 30}
    assert (await c.put(url, json=body, headers=BOB)).status_code == 403
    assert (await c.put(url, json=body, headers=MLOPS)).status_code == 403
    first = (await plan(c, s["id"], DRIFT, RECALL)).json()
    assert [m["name"] for m in first["metrics"]] == ["drift", "recall"]
    due = datetime.fromisoformat(first["review_due_at"])
    assert timedelta(days=29) < due - datetime.now(UTC) <= timedelta(days=30)
    assert first["review_overdue"] is False and first["reviewed_by"] == "alice"
    again = (await c.put(url, json=body, headers=ADMIN)).json()
    assert again["version"] == 2 and again["reviewed_by"] == "ada"
    stream = await log.read_stream(f"monitoring-{s['id']}")
    assert [e.type for e in stream] == ["MonitoringPlanSet", "MonitoringPlanReviewed"]
    got = (await c.get(url, headers=VIEWER)).json()
    assert got["version"] == 2 and got["review_due_at"] >= first["review_due_at"]


@pytest.mark.parametrize("body", [
    {"metrics": []},
    {"metrics": [DRIFT, DRIFT]},
    {"metrics": [DRIFT | {"window": "1w"}]},
    {"metrics": [DRIFT | {"kind": "vibes"}]},
    {"metrics": [DRIFT | {"threshold": {"op": "ge", "value": 1}}]},
    {"metrics": [DRIFT], "review_every_days": 0},
])  # fmt: skip
async def test_a_malformed_plan_is_a_422(registry, body):
    s = await register(registry)
    r = await registry.put(f"/v1/systems/{s['id']}/monitoring", json=body, headers=OWNER)
    assert r.status_code == 422, r.text


async def test_observations_need_a_plan_and_a_system(registry):
    c = registry
    s = await register(c)
    assert (await observe(c, s["id"], [observation(0.1)])).status_code == 409
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await observe(c, unknown, [observation(0.1)])).status_code == 404
    r = await c.post(f"/v1/systems/{s['id']}/observations",
                     json={"observations": [observation(0.1)]}, headers=OWNER)  # fmt: skip
    assert r.status_code == 403  # a monitoring job (mlops) reports observations


async def test_a_batch_of_1000_observations_writes_summaries_not_1000_events(registry, log):
    c = registry
    s = await register(c)
    await plan(c, s["id"], DRIFT, RECALL)
    start = datetime.now(UTC) - timedelta(minutes=20)
    batch = [observation(0.1 + (i % 10) / 100, at=start + timedelta(seconds=i))
             for i in range(600)]  # fmt: skip
    batch += [observation(0.95 - (i % 5) / 100, "recall", start + timedelta(seconds=i))
              for i in range(400)]  # fmt: skip
    before = await events_of(log, s["id"])
    r = await observe(c, s["id"], batch)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1000 and body["metrics"] == {"drift": 600, "recall": 400}
    assert body["breaches"] == [] and sorted(body["summarised"]) == ["drift", "recall"]
    after = await events_of(log, s["id"])
    assert after["ObservationsSummarized"] - before.get("ObservationsSummarized", 0) == 2
    assert sum(after.values()) - sum(before.values()) == 2
    assert await raw_count(log, s["id"]) == 1000
    summaries = {e.data["metric"]: e.data
                 for e in await log.read_stream(f"telemetry-{s['id']}")}  # fmt: skip
    drift = summaries["drift"]
    assert drift["count"] == 600 and drift["min"] == 0.1 and drift["max"] == 0.19
    assert drift["mean"] == pytest.approx(0.145) and drift["last"] == 0.19
    assert summaries["recall"]["last"] == pytest.approx(0.91)
    # Within the window the next batch is only tallied: no event at all.
    r = await observe(c, s["id"], [observation(0.2)])
    assert r.json()["summarised"] == [] and await events_of(log, s["id"]) == after
    assert int(r.headers["aims-position"]) >= 1


async def test_a_quiet_metric_is_summarised_by_the_sweep_once_its_window_passed(registry, log):
    c = registry
    s = await register(c)
    await plan(c, s["id"], DRIFT)
    await observe(c, s["id"], [observation(0.1)])  # the first summary, at once
    await observe(c, s["id"], [observation(0.2), observation(0.25)])
    telemetry = app_of(c).state.telemetry
    await sweep(telemetry, datetime.now(UTC) + timedelta(minutes=30))
    assert len(await log.read_stream(f"telemetry-{s['id']}")) == 1
    await sweep(telemetry, datetime.now(UTC) + timedelta(minutes=61))
    summaries = await log.read_stream(f"telemetry-{s['id']}")
    assert [e.data["count"] for e in summaries] == [1, 2]
    assert summaries[1].data["max"] == 0.25 and summaries[1].metadata["actor"]["sub"] == "aims"
    await sweep(telemetry, datetime.now(UTC) + timedelta(hours=3))
    assert len(await log.read_stream(f"telemetry-{s['id']}")) == 2  # nothing new to summarise


def _json_with(value: str) -> str:
    return json.dumps({"observations": [observation(0.1)]}).replace("0.1", value, 1)


@pytest.mark.parametrize("case", [
    "unknown metric", "NaN", "Infinity", "far future", "value as text", "over 1000",
    "naive time", "empty",
])  # fmt: skip
async def test_bad_input_is_a_422_that_writes_nothing(registry, log, case):
    c = registry
    s = await register(c)
    await plan(c, s["id"], DRIFT)
    url = f"/v1/systems/{s['id']}/observations"
    good = [observation(0.1) for _ in range(5)]
    bad: object = {
        "unknown metric": good + [observation(0.1, metric="latency")],
        "far future": good + [observation(0.1, at=datetime.now(UTC) + timedelta(days=2))],
        "value as text": good + [observation(0.1) | {"value": "0.1"}],
        "over 1000": [observation(0.1)] * 1001,
        "naive time": good + [observation(0.1) | {"observed_at": "2026-01-01T00:00:00"}],
        "empty": [],
    }.get(case)
    head = await log.head_position()
    if bad is None:  # a non-finite number, which JSON itself cannot spell
        r = await c.post(url, content=_json_with(case),
                         headers={**MLOPS, "Content-Type": "application/json"})  # fmt: skip
    else:
        r = await c.post(url, json={"observations": bad}, headers=MLOPS)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert await log.head_position() == head and await raw_count(log, s["id"]) == 0


async def test_a_backfill_of_old_observations_is_taken_and_kept_from_its_receipt(registry, log):
    c = registry
    s = await register(c)
    await plan(c, s["id"], DRIFT)
    last_year = datetime.now(UTC) - timedelta(days=400)
    r = await observe(c, s["id"], [observation(0.1, at=last_year), observation(0.2)])
    assert r.status_code == 200, r.text
    received = await log.pool.fetch(
        "SELECT tableoid::regclass::text AS part FROM registry_observation WHERE system_id = $1",
        s["id"],
    )
    assert {p["part"] for p in received} == {f"registry_observation_{datetime.now(UTC):%Y%m%d}"}


async def test_retention_drops_whole_day_partitions(registry, log):
    telemetry = app_of(registry).state.telemetry
    today = datetime.now(UTC).date()
    old = today - timedelta(days=20)
    await log.pool.fetchval("SELECT registry_observation_partitions(30, $1::date[])", [old])
    name = f"registry_observation_{old:%Y%m%d}"

    async def exists() -> bool:
        return bool(await log.pool.fetchval("SELECT to_regclass($1) IS NOT NULL", name))

    assert await exists()
    assert await log.pool.fetchval("SELECT registry_observation_partitions(30, '{}')") == 0
    assert await exists()
    dropped = await log.pool.fetchval("SELECT registry_observation_partitions(5, '{}')")
    assert dropped >= 1 and not await exists()
    assert await telemetry.maintain() == 0  # the app's own retention (90 days) keeps the rest
    tomorrow = f"registry_observation_{today + timedelta(days=1):%Y%m%d}"
    assert await log.pool.fetchval("SELECT to_regclass($1) IS NOT NULL", tomorrow)
