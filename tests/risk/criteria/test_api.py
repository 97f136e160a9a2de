"""Risk criteria over HTTP: who may set them, versions, inconsistent ones write nothing."""

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


async def test_criteria_default_until_an_approver_sets_new_ones(service, pool):
    async with service("risk") as c:
        got = await c.get("/v1/criteria", headers=VIEWER)
        assert got.json()["criteria_version"] == 0 and got.headers["etag"] == '"0"'
        assert (await c.put("/v1/criteria", json=CRITERIA, headers=OFFICER)).status_code == 403
        put = await c.put("/v1/criteria", json=CRITERIA, headers=APPROVER)
        assert put.status_code == 200, put.text
        assert put.json()["criteria_version"] == 1 and "aims-position" in put.headers
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
