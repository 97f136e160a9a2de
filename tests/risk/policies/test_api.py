"""The AI policy over HTTP: versions, approval by someone else, review, acknowledgements."""

import uuid
from datetime import UTC, datetime, timedelta

from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth
from tests.support.records import (
    APPROVER,
    BOTH,
    OFFICER,
    VIEWER,
    caught_up,
    event_count,
    iso,
    ok,
    record_evidence,
)

BODY = {
    "title": "AI policy",
    "body": "# AI policy\n\nWe develop and use AI responsibly.",
    "scope": "All AI systems the organisation develops or uses",
    "control_ids": ["A.2.2", "A.2.3"],
    "review_every_days": 365,
}


async def test_a_policy_is_drafted_then_approved_by_an_approver_who_did_not_write_it(service):
    async with service("risk") as c:
        r = await c.post("/v1/policies", json=BODY, headers=BOTH)
        p = ok(r, 201)
        assert r.headers["location"] == f"/v1/policies/{p['id']}" and r.headers["etag"] == '"1"'
        assert (p["author"], p["owner"], p["policy_version"]) == ("bob", "bob", 1)
        assert p["approval_status"] == "pending" and p["in_force_version"] is None
        own = await c.post(f"/v1/policies/{p['id']}/approve", json={}, headers=BOTH)
        assert own.status_code == 403 and own.json()["relation"] == "author"
        assert own.json()["type"].endswith("separation_of_duties")
        officer = await c.post(f"/v1/policies/{p['id']}/approve", headers=OFFICER)
        assert officer.status_code == 403
        done = ok(await c.post(f"/v1/policies/{p['id']}/approve",
                               json={"comment": "Board approval"}, headers=APPROVER))  # fmt: skip
        assert (done["approval_status"], done["in_force_version"], done["approved_by"]) == (
            "approved", 1, "alex",
        )  # fmt: skip
        due = datetime.fromisoformat(done["next_review_at"])
        assert abs(due - (datetime.now(UTC) + timedelta(days=365))) < timedelta(minutes=1)
        assert done["review_due"] is False
        got = ok(await c.get(f"/v1/policies/{p['id']}", headers=VIEWER))
        assert got["body"] == BODY["body"] and got["control_ids"] == ["A.2.2", "A.2.3"]


async def test_a_new_version_waits_for_approval_while_the_approved_one_stays_in_force(service):
    async with service("risk") as c:
        p = ok(await c.post("/v1/policies", json=BODY, headers=OFFICER), 201)
        url = f"/v1/policies/{p['id']}"
        ok(await c.post(f"{url}/approve", headers=APPROVER))
        new = {**BODY, "body": "# AI policy\n\nVersion two.", "change_note": "annual update"}
        r = await c.post(f"{url}/versions", json=new, headers={**BOTH, "If-Match": '"2"'})
        v2 = ok(r, 201)
        assert r.headers["location"] == f"{url}/versions/2"
        assert (v2["policy_version"], v2["written_by"], v2["in_force"]) == (2, "bob", False)
        stale = await c.post(f"{url}/versions", json=BODY, headers={**OFFICER, "If-Match": '"2"'})
        assert stale.status_code == 412
        same = await c.post(f"{url}/versions", json=new, headers=OFFICER)
        assert same.status_code == 200 and same.json()["policy_version"] == 2
        got = ok(await c.get(url, headers=VIEWER))
        assert (got["approval_status"], got["in_force_version"], got["revisers"]) == (
            "pending", 1, ["bob"],
        )  # fmt: skip
        reviser = await c.post(f"{url}/approve", headers=BOTH)
        assert reviser.status_code == 403 and reviser.json()["relation"] == "revisers"
        done = ok(await c.post(f"{url}/approve", headers=auth("bea", "approver")))
        assert done["in_force_version"] == 2 and done["approved_by"] == "bea"
        versions = ok(await c.get(f"{url}/versions", headers=VIEWER))["items"]
        assert [(v["policy_version"], v["approved_by"], v["in_force"]) for v in versions] == [
            (1, "alex", False), (2, "bea", True),
        ]  # fmt: skip
        assert ok(await c.get(f"{url}/versions/1", headers=VIEWER))["body"] == BODY["body"]
        assert (await c.get(f"{url}/versions/3", headers=VIEWER)).status_code == 404


async def test_the_separation_of_duties_route_and_policy_ids_live_side_by_side(service):
    async with service("risk") as c:
        sod = ok(await c.get("/v1/policies/separation-of-duties", headers=VIEWER))
        assert sod["decisions"]["policy.approval"]["exclude"] == ["author", "revisers"]
        p = ok(await c.post("/v1/policies", json=BODY, headers=OFFICER), 201)
        assert ok(await c.get(f"/v1/policies/{p['id']}", headers=VIEWER))["id"] == p["id"]
        assert (await c.get(f"/v1/policies/{uuid.uuid4()}", headers=VIEWER)).status_code == 404
        assert (await c.get("/v1/policies/not-a-policy", headers=VIEWER)).status_code == 422
        paths = c.app.openapi()["paths"]
        assert "/v1/policies/separation-of-duties" in paths and "/v1/policies/{policy_id}" in paths


async def test_policies_past_their_review_are_listed_as_review_due(service, store):
    async with service("risk") as c:
        fresh = ok(await c.post("/v1/policies", json=BODY, headers=OFFICER), 201)
        ok(await c.post(f"/v1/policies/{fresh['id']}/approve", headers=APPROVER))
        old = uuid.uuid4()
        overdue = datetime.now(UTC) - timedelta(days=3)
        meta = {"actor": {"sub": "rita", "roles": ["risk_officer"]}, "source": "risk"}
        drafted = {
            "policy_id": str(old),
            "policy_version": 1,
            "title": "Old policy",
            "body": "old",
            "review_every_days": 30,
            "owner": "rita",
            "author": "rita",
        }
        approved = {"policy_id": str(old), "policy_version": 1, "approved_by": "alex",
                    "next_review_at": iso(overdue)}  # fmt: skip
        await store.append(f"policy-{old}", [NewEvent("PolicyDrafted", drafted),
                                             NewEvent("PolicyApproved", approved)],
                           expected_version=0, metadata=meta)  # fmt: skip
        head = await store.head_position()
        due = ok(await c.get(f"/v1/policies?review_due=true&min_position={head}", headers=VIEWER))
        assert [p["id"] for p in due["items"]] == [str(old)] and due["items"][0]["review_due"]
        not_due = ok(await c.get("/v1/policies?review_due=false", headers=VIEWER))
        assert [p["id"] for p in not_due["items"]] == [fresh["id"]]
        assert ok(await c.get(f"/v1/policies/{old}", headers=VIEWER))["review_due"] is True
        r = await c.post(f"/v1/policies/{old}/approve", json={"comment": "still fit"},
                         headers=APPROVER)  # fmt: skip
        reviewed = ok(r)
        assert reviewed["reviewed_by"] == "alex" and reviewed["review_due"] is False
        assert reviewed["in_force_version"] == 1
        after = await caught_up(c, "/v1/policies?review_due=true", r)
        assert after["items"] == []
        trail = await store.pool.fetchval(
            "SELECT type FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1",
            f"policy-{old}",
        )
        assert trail == "PolicyReviewed"


async def test_acknowledgements_say_who_of_the_role_holders_has_not_read_the_policy(service):
    async with service("risk") as c:
        role = {"name": "Model developer", "competences": ["bias-testing"],
                "members": ["Vic", "erin"]}  # fmt: skip
        ok(await c.post("/v1/ai-roles", json=role, headers=OFFICER), 201)
        p = ok(await c.post("/v1/policies", json=BODY, headers=OFFICER), 201)
        url = f"/v1/policies/{p['id']}/acknowledgements"
        early = await c.post(url, headers=VIEWER)
        assert early.status_code == 409 and early.json()["type"].endswith("policy_not_approved")
        ok(await c.post(f"/v1/policies/{p['id']}/approve", headers=APPROVER))
        wrong = await c.post(url, json={"policy_version": 2}, headers=VIEWER)
        assert wrong.status_code == 409
        first = await c.post(url, json={"policy_version": 1}, headers=VIEWER)
        assert ok(first, 201)["person"] == "vic" and first.json()["acknowledged_at"]
        again = await c.post(url, headers=VIEWER)
        assert again.status_code == 200 and again.headers.get("aims-position") is None
        state = await caught_up(c, url, first)
        assert state["policy_version"] == 1 and state["audience"] == ["erin", "vic"]
        assert [a["person"] for a in state["acknowledged"]] == ["vic"]
        assert state["missing"] == ["erin"]
        r = await c.post(f"/v1/policies/{p['id']}/versions", json={**BODY, "body": "v2"},
                         headers=OFFICER)  # fmt: skip
        ok(await c.post(f"/v1/policies/{p['id']}/approve", headers=APPROVER))
        state = ok(await c.get(url, headers=VIEWER))
        assert state["policy_version"] == 2 and state["missing"] == ["erin", "vic"]
        assert r.status_code == 201


async def test_bad_policies_get_422_and_write_nothing(service, pool, store):
    async with service("risk") as c:
        unknown_evidence = str(uuid.uuid4())
        before = await event_count(pool)
        for body in (
            {k: v for k, v in BODY.items() if k != "body"},  # neither body nor evidence_id
            {**BODY, "control_ids": ["A.99"]},
            {**BODY, "control_ids": ["A.2.2", "A.2.2"]},
            {**BODY, "evidence_id": unknown_evidence},
            {**BODY, "review_every_days": 0},
            {**BODY, "review_every_days": "30"},
            {**BODY, "title": "  "},
            {**BODY, "approved": True},
        ):
            r = await c.post("/v1/policies", json=body, headers=OFFICER)
            assert r.status_code == 422, body
            assert r.headers["content-type"].startswith("application/problem+json")
        assert (await c.post("/v1/policies", json=BODY, headers=VIEWER)).status_code == 403
        assert await event_count(pool) == before
        evidence = await record_evidence(store)
        doc = {"title": "AI policy (signed PDF)", "evidence_id": evidence}
        p = ok(await c.post("/v1/policies", json=doc, headers=OFFICER), 201)
        assert p["evidence_id"] == evidence and p["body"] == ""
