"""Context and scope over HTTP: interested parties, the AIMS scope and its approval."""

import uuid

from tests.support.apps import auth
from tests.support.records import (
    APPROVER,
    BOTH,
    OFFICER,
    VIEWER,
    caught_up,
    event_count,
    ok,
)

A, B = str(uuid.uuid4()), str(uuid.uuid4())
PARTY = {
    "name": "Loan applicants",
    "kind": "affected_person",
    "description": "Consumers whose applications the credit model scores",
    "requirements": [
        {"requirement": "An explanation of an automated refusal", "source": "GDPR Art. 22"},
        {"requirement": "Human review on request"},
    ],
    "system_ids": [A],
}
SCOPE = {
    "statement": "The AI management system covers every AI system the bank develops or uses.",
    "boundaries": "Retail banking, all EU sites",
    "exclusions": "Research prototypes that never leave the lab",
    "system_ids": [A],
}


async def test_interested_parties_are_recorded_revised_and_retired(service):
    async with service("risk") as c:
        r = await c.post("/v1/interested-parties", json=PARTY, headers=OFFICER)
        p = ok(r, 201)
        assert p["requirements"][1] == {"requirement": "Human review on request", "source": ""}
        url = f"/v1/interested-parties/{p['id']}"
        more = {
            **PARTY,
            "requirements": [
                *PARTY["requirements"],
                {"requirement": "Complaints answered in 30 days"},
            ],
        }
        changed = await c.put(url, json=more, headers={**OFFICER, "If-Match": '"1"'})
        assert len(ok(changed)["requirements"]) == 3 and changed.json()["version"] == 2
        same = await c.put(url, json=more, headers=OFFICER)
        assert same.status_code == 200 and same.json()["version"] == 2
        listed = await caught_up(c, f"/v1/interested-parties?kind=affected_person&system_id={A}",
                                 changed)  # fmt: skip
        assert [i["id"] for i in listed["items"]] == [p["id"]]
        assert len(listed["items"][0]["requirements"]) == 3
        gone = await c.post(f"{url}/retire", json={"reason": "covered by customers"},
                            headers=OFFICER)  # fmt: skip
        assert ok(gone)["status"] == "retired"
        assert (await c.put(url, json=PARTY, headers=OFFICER)).status_code == 409


async def test_the_scope_takes_effect_once_someone_who_wrote_no_version_approves_it(service):
    async with service("risk") as c:
        assert (await c.get("/v1/scope", headers=VIEWER)).status_code == 404
        first = await c.put("/v1/scope", json=SCOPE, headers=BOTH)
        s = ok(first, 201)
        assert first.headers["location"] == "/v1/scope" and s["scope_version"] == 1
        assert s["in_force"] is None and s["approval_status"] == "pending"
        own = await c.post("/v1/scope/approve", headers=BOTH)
        assert own.status_code == 403 and own.json()["relation"] == "author"
        ok(await c.post("/v1/scope/approve", json={"comment": "board"}, headers=APPROVER))
        again = await c.post("/v1/scope/approve", headers=APPROVER)
        assert again.status_code == 409
        wider = {**SCOPE, "system_ids": [A, B]}
        stale = await c.put("/v1/scope", json=wider, headers={**OFFICER, "If-Match": '"1"'})
        assert stale.status_code == 412
        second = ok(await c.put("/v1/scope", json=wider, headers={**OFFICER, "If-Match": '"2"'}))
        assert (second["scope_version"], second["approval_status"]) == (2, "pending")
        assert second["in_force"]["system_ids"] == [A] and second["owner"] == "bob"
        reviser = await c.post("/v1/scope/approve", headers=auth("rita", "approver"))
        assert reviser.status_code == 403 and reviser.json()["relation"] == "revisers"
        assert (await c.post("/v1/scope/approve", headers=BOTH)).status_code == 403
        done = ok(await c.post("/v1/scope/approve", headers=auth("bea", "approver")))
        assert done["in_force_version"] == 2 and done["in_force"]["system_ids"] == [A, B]
        assert [v["approved_by"] for v in done["versions"]] == ["alex", "bea"]
        same = await c.put("/v1/scope", json=wider, headers=OFFICER)
        assert same.status_code == 200 and same.json()["scope_version"] == 2


async def test_bad_parties_and_scopes_get_422_and_write_nothing(service, pool):
    async with service("risk") as c:
        before = await event_count(pool)
        for body in (
            {**PARTY, "kind": "alien"},
            {**PARTY, "requirements": [{"requirement": ""}]},
            {**PARTY, "requirements": [{"text": "x"}]},
            {**PARTY, "system_ids": ["1"]},
        ):
            r = await c.post("/v1/interested-parties", json=body, headers=OFFICER)
            assert r.status_code == 422, body
        for scope in ({**SCOPE, "statement": " "}, {**SCOPE, "system_ids": [A, A]},
                      {"system_ids": [A]}):  # fmt: skip
            assert (await c.put("/v1/scope", json=scope, headers=OFFICER)).status_code == 422
        assert (await c.put("/v1/scope", json=SCOPE, headers=VIEWER)).status_code == 403
        assert (await c.post("/v1/scope/approve", headers=APPROVER)).status_code == 404
        assert await event_count(pool) == before
