"""AI roles and competence over HTTP: roles with their holders, training records, gaps."""

import uuid

from tests.support.records import (
    OFFICER,
    VIEWER,
    caught_up,
    days,
    event_count,
    iso,
    ok,
    record_evidence,
)

ROLE = {
    "name": "Model validator",
    "description": "Validates models before deployment",
    "responsibilities": ["Sign off validation reports (A.6.2.4)"],
    "competences": ["bias-testing", "eu-ai-act"],
    "members": ["Ann", "ben"],
}


def training(person: str, competence: str, completed: float, expires: float | None, **over):
    body = {"person": person, "competence": competence, "completed_at": iso(days(completed))}
    if expires is not None:
        body["expires_at"] = iso(days(expires))
    return {**body, **over}


async def test_an_ai_role_is_defined_revised_and_retired(service):
    async with service("risk") as c:
        r = await c.post("/v1/ai-roles", json=ROLE, headers=OFFICER)
        role = ok(r, 201)
        assert r.headers["location"] == f"/v1/ai-roles/{role['id']}"
        assert role["members"] == ["ann", "ben"] and role["owner"] == "rita"
        url = f"/v1/ai-roles/{role['id']}"
        more = {**ROLE, "members": ["ann", "ben", "cleo"]}
        changed = await c.put(url, json=more, headers={**OFFICER, "If-Match": '"1"'})
        assert ok(changed)["members"] == ["ann", "ben", "cleo"] and changed.headers["etag"] == '"2"'
        stale = await c.put(url, json=ROLE, headers={**OFFICER, "If-Match": '"1"'})
        assert stale.status_code == 412
        same = await c.put(url, json=more, headers=OFFICER)
        assert same.status_code == 200 and "aims-position" not in same.headers
        listed = await caught_up(c, "/v1/ai-roles?member=Cleo", changed)
        assert [i["id"] for i in listed["items"]] == [role["id"]]
        retired = await c.post(f"{url}/retire", json={"reason": "merged"}, headers=OFFICER)
        assert ok(retired)["status"] == "retired"
        again = await c.post(f"{url}/retire", json={"reason": "twice"}, headers=OFFICER)
        assert again.status_code == 409
        assert (await c.put(url, json=ROLE, headers=OFFICER)).status_code == 409
        active = await caught_up(c, "/v1/ai-roles?status=active", retired)
        assert active["items"] == []
        assert (await c.put(url, json=ROLE, headers=VIEWER)).status_code == 403
        before = await c.get(f"{url}?as_of={iso(days(-1))}", headers=VIEWER)
        assert before.status_code == 404


async def test_gaps_show_each_holders_missing_and_expired_competences(service):
    async with service("risk") as c:
        role = ok(await c.post("/v1/ai-roles", json=ROLE, headers=OFFICER), 201)
        other = ok(await c.post("/v1/ai-roles", json={"name": "Overseer", "members": ["ann"],
                                                      "competences": ["oversight"]},
                                headers=OFFICER), 201)  # fmt: skip
        current = ok(await c.post("/v1/training-records",
                                  json=training("ann", "bias-testing", -10, 100),
                                  headers=OFFICER), 201)  # fmt: skip
        assert current["status"] == "current" and current["person"] == "ann"
        ok(await c.post("/v1/training-records", json=training("ann", "eu-ai-act", -400, -35),
                        headers=OFFICER), 201)  # fmt: skip
        ok(await c.post("/v1/training-records", json=training("ann", "oversight", -5, None),
                        headers=OFFICER), 201)  # fmt: skip
        wrong = ok(await c.post("/v1/training-records", json=training("BEN", "bias-testing", -1, 9),
                                headers=OFFICER), 201)  # fmt: skip
        r = await c.post(
            f"/v1/training-records/{wrong['id']}/withdraw",
            json={"reason": "recorded for the wrong person"},
            headers=OFFICER,
        )
        assert ok(r)["status"] == "withdrawn"
        again = await c.post(f"/v1/training-records/{wrong['id']}/withdraw",
                             json={"reason": "twice"}, headers=OFFICER)  # fmt: skip
        assert again.status_code == 409
        gaps = (await caught_up(c, "/v1/competence/gaps", r))["items"]
        by = {(g["role"], g["person"]): g for g in gaps}
        assert set(by) == {("Model validator", "ann"), ("Model validator", "ben"),
                           ("Overseer", "ann")}  # fmt: skip
        ann = by[("Model validator", "ann")]
        assert [x["competence"] for x in ann["current"]] == ["bias-testing"]
        assert [x["competence"] for x in ann["expired"]] == ["eu-ai-act"]
        assert ann["missing"] == [] and ann["gaps"] == ["eu-ai-act"] and not ann["complete"]
        ben = by[("Model validator", "ben")]
        assert ben["missing"] == ["bias-testing", "eu-ai-act"] and ben["current"] == []
        assert by[("Overseer", "ann")]["complete"] is True
        only = ok(await c.get("/v1/competence/gaps?gaps_only=true&person=ANN", headers=VIEWER))
        assert [(g["role_id"], g["person"]) for g in only["items"]] == [(role["id"], "ann")]
        of_role = ok(await c.get(f"/v1/competence/gaps?role_id={other['id']}", headers=VIEWER))
        assert [g["person"] for g in of_role["items"]] == ["ann"]
        expired = ok(await c.get("/v1/training-records?person=ann&status=expired",
                                 headers=VIEWER))  # fmt: skip
        assert [t["competence"] for t in expired["items"]] == ["eu-ai-act"]


async def test_bad_training_records_get_422_and_write_nothing(service, pool, store):
    async with service("risk") as c:
        before = await event_count(pool)
        for body in (
            training("ann", "bias-testing", -10, -20),  # expires before it was completed
            training("ann", "bias-testing", 2, None),  # completed in the future
            training("ann", "Bias Testing", -1, None),
            training(" ", "bias-testing", -1, None),
            training("ann", "bias-testing", -1, None, evidence_id=str(uuid.uuid4())),
            training("ann", "bias-testing", -1, None, completed_at="2025-01-01"),
            {"person": "ann", "competence": "bias-testing"},
        ):
            r = await c.post("/v1/training-records", json=body, headers=OFFICER)
            assert r.status_code == 422, body
        for body in ({**ROLE, "competences": ["Bias"]}, {**ROLE, "members": ["ann", "ann"]},
                     {**ROLE, "name": ""}):  # fmt: skip
            assert (await c.post("/v1/ai-roles", json=body, headers=OFFICER)).status_code == 422
        denied = await c.post("/v1/training-records", json=training("ann", "x", -1, None),
                              headers=VIEWER)  # fmt: skip
        assert denied.status_code == 403
        assert await event_count(pool) == before
        evidence = await record_evidence(store, "Certificate")
        rec = ok(await c.post("/v1/training-records",
                              json=training("ann", "bias-testing", -1, None, evidence_id=evidence),
                              headers=OFFICER), 201)  # fmt: skip
        assert rec["evidence_id"] == evidence and rec["expires_at"] is None
