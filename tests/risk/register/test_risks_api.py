"""The risk register over HTTP: roles, errors, projections, bad input writes nothing."""

import uuid

from tests.support.approvals import approved
from tests.support.risk import (
    OFFICER,
    OWNER,
    VIEWER,
    event_count,
    new_risk,
    risk_body,
)


async def test_a_risk_is_registered_with_its_computed_level_and_read_back(service):
    async with service("risk") as c:
        r = await c.post("/v1/risks", json=risk_body(), headers=OFFICER)
        assert r.status_code == 201, r.text
        risk = r.json()
        assert (risk["level"], risk["status"], risk["above_appetite"]) == (
            "high",
            "identified",
            True,
        )
        assert r.headers["location"] == f"/v1/risks/{risk['id']}"
        got = await c.get(r.headers["location"], headers=VIEWER)
        assert got.json()["title"] == "Biased credit decisions" and got.headers["etag"] == '"1"'
        before = await c.get(f"/v1/risks/{risk['id']}?as_of=2000-01-01T00:00:00Z", headers=VIEWER)
        assert before.status_code == 404


async def test_likelihood_six_unknown_category_and_extra_fields_get_422_and_write_nothing(
    service, pool
):
    async with service("risk") as c:
        before = await event_count(pool)
        for body in (
            risk_body(likelihood=6),
            risk_body(category="vibes"),
            risk_body(affects=[]),
            {**risk_body(), "extra": 1},
            risk_body(title=""),
        ):
            r = await c.post("/v1/risks", json=body, headers=OFFICER)
            assert r.status_code == 422, body
            assert r.json()["errors"]
        assert await event_count(pool) == before


async def test_roles_and_missing_resources_are_refused(service):
    async with service("risk") as c:
        assert (await c.post("/v1/risks", json=risk_body())).status_code == 401
        assert (await c.post("/v1/risks", json=risk_body(), headers=VIEWER)).status_code == 403
        assert (await c.get(f"/v1/risks/{uuid.uuid4()}", headers=VIEWER)).status_code == 404
        assert (await c.get("/v1/risks/not-a-uuid", headers=VIEWER)).status_code == 422


async def test_risks_are_listed_newest_first_with_filters_and_cursor(service):
    async with service("risk") as c:
        system = uuid.uuid4()
        await new_risk(c, system_id=system, likelihood=1, consequence=1)
        await new_risk(c, system_id=system)
        r = await c.post("/v1/risks", json=risk_body(owner="zed"), headers=OFFICER)
        pos = r.headers["aims-position"]
        page = await c.get(
            f"/v1/risks?system_id={system}&limit=1&min_position={pos}", headers=VIEWER
        )
        first = page.json()
        assert first["items"][0]["level"] == "high" and first["next_cursor"]
        nxt = await c.get(
            f"/v1/risks?system_id={system}&cursor={first['next_cursor']}", headers=VIEWER
        )
        assert [i["level"] for i in nxt.json()["items"]] == ["low"]
        owned = await c.get("/v1/risks?owner=zed", headers=VIEWER)
        assert len(owned.json()["items"]) == 1
        low = await c.get("/v1/risks?level=low&status=identified", headers=VIEWER)
        assert len(low.json()["items"]) == 1


async def test_reassessment_rescores_with_if_match(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        url = f"/v1/risks/{risk['id']}/assessments"
        stale = await c.post(url, json={"likelihood": 1}, headers={**OFFICER, "If-Match": '"7"'})
        assert stale.status_code == 412
        r = await c.post(
            url,
            json={"likelihood": 1, "reason": "monitoring shows fewer errors"},
            headers={**OFFICER, "If-Match": '"1"'},
        )
        # Within appetite now: the reassessment waits for an approver (the request is v2).
        assert r.status_code == 202 and r.headers["etag"] == '"2"', r.text
        await approved(c, r)
        got = await c.get(f"/v1/risks/{risk['id']}", headers=OFFICER)
        assert (got.json()["level"], got.json()["status"], got.headers["etag"]) == (
            "low",
            "assessed",
            '"3"',
        )
        raised = await c.post(url, json={"likelihood": 5}, headers={**OFFICER, "If-Match": '"3"'})
        assert raised.status_code == 200 and raised.json()["level"] != "low"  # no approval


async def test_treatments_validate_controls_and_overdue_ones_are_listed(service, pool):
    async with service("risk") as c:
        risk = await new_risk(c)
        url = f"/v1/risks/{risk['id']}/treatments"
        before = await event_count(pool)
        bad = {
            "option": "modify",
            "controls": ["A.6.2.4", "A.42"],
            "plan": "p",
            "owner": "olga",
            "due": "2030-01-01",
        }
        r = await c.post(url, json=bad, headers=OFFICER)
        assert r.status_code == 422 and r.json()["unknown_controls"] == ["A.42"]
        assert await event_count(pool) == before
        late = {**bad, "controls": ["A.6.2.4"], "due": "2020-01-01"}
        r = await c.post(url, json=late, headers=OFFICER)
        assert r.status_code == 201, r.text
        tid = r.json()["id"]
        r = await c.post(url, json={**late, "due": "2999-01-01"}, headers=OFFICER)
        pos = r.headers["aims-position"]
        overdue = await c.get(f"/v1/treatments?overdue=true&min_position={pos}", headers=VIEWER)
        assert [t["id"] for t in overdue.json()["items"]] == [tid]
        assert overdue.json()["items"][0]["overdue"] is True
        on_time = await c.get("/v1/treatments?overdue=false", headers=VIEWER)
        assert len(on_time.json()["items"]) == 1
        done = await c.post(f"{url}/{tid}/complete", headers=OFFICER)
        assert done.status_code == 200 and done.json()["status"] == "treatment_planned"
        got = await c.get(f"/v1/risks/{risk['id']}", headers=VIEWER)
        assert {t["status"] for t in got.json()["treatments"]} == {"completed", "planned"}


async def test_residual_and_close_update_the_register(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        r = await c.post(
            f"/v1/risks/{risk['id']}/residual",
            json={"likelihood": 1, "consequence": 2},
            headers=OWNER,
        )
        await approved(c, r)
        body = (await c.get(f"/v1/risks/{risk['id']}", headers=OWNER)).json()
        assert body["residual"]["level"] == "low" and body["above_appetite"] is False
        assert (
            await c.post(
                f"/v1/risks/{risk['id']}/residual",
                json={"likelihood": 9, "consequence": 1},
                headers=OWNER,
            )
        ).status_code == 422
        closed = await c.post(
            f"/v1/risks/{risk['id']}/close", json={"reason": "avoided"}, headers=OFFICER
        )
        assert closed.json()["status"] == "closed"
        again = await c.post(f"/v1/risks/{risk['id']}/close", json={"reason": "x"}, headers=OFFICER)
        assert again.status_code == 409
