"""Risk criteria over HTTP: who may set them, versions, inconsistent ones write nothing."""

from tests.support.approvals import approved
from tests.support.risk import (
    ADMIN,
    APPROVER,
    OFFICER,
    VIEWER,
    event_count,
    new_risk,
    risk_body,
)

CRITERIA = {
    "likelihood_labels": ["low", "medium", "high"],
    "consequence_labels": ["minor", "major", "severe"],
    "levels": ["low", "high"],
    "matrix": [["low", "low", "high"], ["low", "high", "high"], ["high", "high", "high"]],
    "appetite": "low",
}


async def test_criteria_default_until_a_second_approver_approves_new_ones(service, pool):
    async with service("risk") as c:
        got = await c.get("/v1/criteria", headers=VIEWER)
        assert got.json()["criteria_version"] == 0 and got.headers["etag"] == '"0"'
        assert (await c.put("/v1/criteria", json=CRITERIA, headers=OFFICER)).status_code == 403
        put = await c.put("/v1/criteria", json=CRITERIA, headers=APPROVER)
        assert put.status_code == 202, put.text
        pending = put.json()
        assert pending["status"] == "pending" and pending["decision"] == "criteria.change"
        assert put.headers["location"] == f"/v1/approvals/{pending['approval_id']}"
        # Until approved the criteria in force stay the same.
        assert (await c.get("/v1/criteria", headers=VIEWER)).json()["criteria_version"] == 0
        again = await c.put("/v1/criteria", json={**CRITERIA, "appetite": "high"}, headers=ADMIN)
        assert again.status_code == 409 and again.json()["type"].endswith("approval_pending")
        own = await c.post(put.headers["location"] + "/approve", json={}, headers=APPROVER)
        assert own.status_code == 403 and own.json()["relation"] == "requester"
        done = await approved(c, put)
        assert done.json()["decided_by"] == "cora"
        got = await c.get("/v1/criteria", headers=VIEWER)
        assert got.json()["criteria_version"] == 1 and got.json()["appetite"] == "low"
        stale = await c.put(
            "/v1/criteria",
            json={**CRITERIA, "appetite": "high"},
            headers={**ADMIN, "If-Match": '"0"'},
        )
        assert stale.status_code == 412
        risk = await new_risk(c, likelihood=2, consequence=2)
        assert (risk["level"], risk["criteria_version"]) == ("high", 1)
        off_scale = await c.post("/v1/risks", json=risk_body(likelihood=4), headers=OFFICER)
        assert off_scale.status_code == 422


async def test_inconsistent_criteria_get_422_and_write_nothing(service, pool):
    async with service("risk") as c:
        before = await event_count(pool)
        bad = {**CRITERIA, "matrix": [["low", "nope"]], "appetite": "medium"}
        r = await c.put("/v1/criteria", json=bad, headers=APPROVER)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert {"matrix", "appetite"} <= {e["loc"][1] for e in r.json()["errors"]}
        assert await event_count(pool) == before
