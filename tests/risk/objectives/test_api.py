"""AI objectives over HTTP: approval by someone else, measurements, the computed status."""

import uuid
from datetime import UTC, datetime

from tests.support.apps import auth
from tests.support.records import (
    APPROVER,
    BOTH,
    MLOPS,
    OFFICER,
    VIEWER,
    caught_up,
    days,
    event_count,
    iso,
    ok,
)

SYSTEM = str(uuid.uuid4())


def objective(**over):
    body = {
        "title": "Fair credit decisions",
        "measure": "Gap in approval rates between protected groups, percentage points",
        "unit": "pp",
        "target": 2,
        "direction": "at_most",
        "baseline": 6.5,
        "due": days(90).date().isoformat(),
        "owner": "Olga",
        "system_ids": [SYSTEM],
    }
    return {**body, **over}


async def test_an_objective_is_approved_by_someone_else_and_measured_until_met(service):
    async with service("risk") as c:
        r = await c.post("/v1/objectives", json=objective(), headers=BOTH)
        o = ok(r, 201)
        assert (o["owner"], o["author"], o["approval_status"], o["status"]) == (
            "olga", "bob", "pending", "on_track",
        )  # fmt: skip
        url = f"/v1/objectives/{o['id']}"
        own = await c.post(f"{url}/approve", headers=BOTH)
        assert own.status_code == 403 and own.json()["relation"] == "author"
        ok(await c.post(f"{url}/approve", json={"comment": "agreed"}, headers=APPROVER))
        twice = await c.post(f"{url}/approve", headers=auth("bea", "approver"))
        assert twice.status_code == 409
        revised = await c.put(
            url, json=objective(target=1.5), headers={**OFFICER, "If-Match": '"2"'}
        )
        assert ok(revised)["approval_status"] == "pending" and revised.json()["revisers"] == [
            "rita"
        ]
        reviser = await c.post(f"{url}/approve", headers=auth("rita", "risk_officer", "approver"))
        assert reviser.status_code == 403 and reviser.json()["relation"] == "revisers"
        ok(await c.post(f"{url}/approve", headers=auth("bea", "approver")))
        m1 = await c.post(f"{url}/measurements", json={"value": 4.0, "measured_at": iso(days(-1))},
                          headers=MLOPS)  # fmt: skip
        assert ok(m1, 201)["status"] == "on_track" and m1.json()["latest_value"] == 4.0
        m2 = await c.post(f"{url}/measurements",
                          json={"value": 1.2, "measured_at": iso(datetime.now(UTC)),
                                "note": "after reweighting"}, headers=OFFICER)  # fmt: skip
        met = ok(m2, 201)
        assert met["status"] == "met" and [m["value"] for m in met["measurements"]] == [4.0, 1.2]
        listed = await caught_up(c, "/v1/objectives?status=met", m2)
        assert [i["id"] for i in listed["items"]] == [o["id"]]
        assert listed["items"][0]["latest_value"] == 1.2
        # An older measurement recorded later does not move the latest value.
        older = {"value": 9.0, "measured_at": iso(days(-30))}
        late = await c.post(f"{url}/measurements", json=older, headers=OFFICER)
        assert ok(late, 201)["status"] == "met"
        again = await caught_up(
            c, f"/v1/objectives?system_id={SYSTEM}&approval_status=approved", late
        )
        assert again["items"][0]["status"] == "met" and again["items"][0]["measurements"] == 3


async def test_the_list_and_the_objective_agree_on_the_status(service):
    async with service("risk") as c:
        cases = {
            "missed": objective(due=days(-1).date().isoformat()),
            "on_track": objective(),
            "at_risk": objective(baseline=None, direction="at_least", target=60),
            "met": objective(),
        }
        ids, last = {}, None
        for name, body in cases.items():
            o = ok(await c.post("/v1/objectives", json=body, headers=OFFICER), 201)
            ids[name] = o["id"]
            if name == "at_risk":  # falls below where it started
                for v, d in ((50.0, -2), (40.0, -1)):
                    last = await c.post(f"/v1/objectives/{o['id']}/measurements",
                                        json={"value": v, "measured_at": iso(days(d))},
                                        headers=OFFICER)  # fmt: skip
            if name == "met":
                last = await c.post(f"/v1/objectives/{o['id']}/measurements",
                                    json={"value": 2, "measured_at": iso(days(-1))},
                                    headers=OFFICER)  # fmt: skip
        assert last is not None
        listed = await caught_up(c, "/v1/objectives?limit=10", last)
        by_list = {i["id"]: i["status"] for i in listed["items"]}
        for name, oid in ids.items():
            one = ok(await c.get(f"/v1/objectives/{oid}", headers=VIEWER))
            assert one["status"] == by_list[oid] == name, name


async def test_bad_objectives_and_measurements_get_422_and_write_nothing(service, pool):
    async with service("risk") as c:
        o = ok(await c.post("/v1/objectives", json=objective(), headers=OFFICER), 201)
        url = f"/v1/objectives/{o['id']}/measurements"
        before = await event_count(pool)
        for body in (objective(target="2"), objective(direction="lower"), objective(due="soon"),
                     objective(owner=""), {k: v for k, v in objective().items() if k != "measure"},
                     objective(system_ids=["x"])):  # fmt: skip
            assert (await c.post("/v1/objectives", json=body, headers=OFFICER)).status_code == 422
        yesterday = iso(days(-1))
        for body in (
            {"value": 1, "measured_at": iso(days(2))},
            {"value": "1", "measured_at": yesterday},
            {"value": 1, "measured_at": "yesterday"},
            {"value": 1, "measured_at": yesterday, "evidence_id": str(uuid.uuid4())},
        ):
            assert (await c.post(url, json=body, headers=OFFICER)).status_code == 422, body
        assert (await c.post(url, json={"value": 1, "measured_at": iso(days(-1))},
                             headers=VIEWER)).status_code == 403  # fmt: skip
        assert await event_count(pool) == before
