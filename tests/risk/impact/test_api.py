"""Impact assessments over HTTP: draft, revise, submit, approve, review-due."""

import uuid

from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth
from tests.support.readmodels import fingerprint
from tests.support.risk import (
    APPROVER,
    OFFICER,
    VIEWER,
    event_count,
    new_risk,
)


def impact_body(system_id, **over):
    body = {
        "system_id": str(system_id),
        "intended_use": "score consumer loans",
        "foreseeable_misuse": "used for employment screening",
        "affected_individuals": "applicants",
        "affected_groups": "protected groups",
        "affected_society": "",
        "severity": "high",
        "reversibility": "partially_reversible",
        "jurisdictions": ["EU"],
        "mitigations": ["human review of declines"],
    }
    body.update(over)
    return body


async def _approved_impact(c, system_id, **over):
    r = await c.post("/v1/impact-assessments", json=impact_body(system_id, **over), headers=OFFICER)
    assert r.status_code == 201, r.text
    ia = r.json()
    assert ia["status"] == "draft" and ia["author"] == "rita"
    sub = await c.post(f"/v1/impact-assessments/{ia['id']}/submit", headers=OFFICER)
    assert sub.json()["status"] == "submitted"
    ok = await c.post(f"/v1/impact-assessments/{ia['id']}/approve", headers=APPROVER)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    return ok


async def test_an_impact_assessment_is_drafted_submitted_and_approved_by_someone_else(service):
    async with service("risk") as c:
        system = uuid.uuid4()
        risk = await new_risk(c, system_id=system)
        r = await c.post(
            "/v1/impact-assessments",
            json=impact_body(system, risk_ids=[risk["id"]]),
            headers=auth("rita", "risk_officer", "approver"),
        )
        ia = r.json()
        assert ia["risk_ids"] == [risk["id"]]
        patched = await c.patch(
            f"/v1/impact-assessments/{ia['id']}",
            json={"severity": "critical"},
            headers={**OFFICER, "If-Match": '"1"'},
        )
        assert patched.json()["severity"] == "critical" and patched.headers["etag"] == '"2"'
        await c.post(f"/v1/impact-assessments/{ia['id']}/submit", headers=OFFICER)
        own = await c.post(
            f"/v1/impact-assessments/{ia['id']}/approve",
            headers=auth("rita", "risk_officer", "approver"),
        )
        assert own.status_code == 403
        assert (
            await c.post(f"/v1/impact-assessments/{ia['id']}/approve", headers=OFFICER)
        ).status_code == 403
        ok = await c.post(f"/v1/impact-assessments/{ia['id']}/approve", headers=APPROVER)
        assert ok.json()["approved_by"] == "alex"
        got = await c.get(f"/v1/impact-assessments/{ia['id']}", headers=VIEWER)
        assert got.json()["status"] == "approved"
        listed = await c.get(
            f"/v1/impact-assessments?system_id={system}&min_position={ok.headers['aims-position']}",
            headers=VIEWER,
        )
        assert [i["status"] for i in listed.json()["items"]] == ["approved"]


async def test_impact_assessments_with_bad_input_get_422_and_write_nothing(service, pool):
    async with service("risk") as c:
        system = uuid.uuid4()
        other = await new_risk(c)
        before = await event_count(pool)
        for body in (
            impact_body(system, severity="apocalyptic"),
            impact_body(system, intended_use=""),
            impact_body(system, risk_ids=[other["id"]]),
            {"system_id": "nope"},
        ):
            r = await c.post("/v1/impact-assessments", json=body, headers=OFFICER)
            assert r.status_code == 422, body
        assert await event_count(pool) == before


async def test_a_significant_system_change_makes_the_approved_assessment_review_due(service, store):
    async with service("risk") as c:
        system = uuid.uuid4()
        ia_id = (await _approved_impact(c, system)).json()["id"]
        minor = await store.append(
            f"system-{system}",
            [
                NewEvent(
                    "SystemUpdated",
                    {"system_id": str(system), "changes": {"name": "x"}, "significant": False},
                )
            ],
            expected_version=None,
        )
        r = await c.get(f"/v1/impact-assessments?min_position={minor.position}", headers=VIEWER)
        assert r.json()["items"][0]["status"] == "approved"
        big = await store.append(
            f"system-{system}",
            [
                NewEvent(
                    "SystemUpdated",
                    {
                        "system_id": str(system),
                        "changes": {"eu_ai_act_tier": "high"},
                        "significant": True,
                    },
                )
            ],
            expected_version=None,
        )
        await c.get(f"/v1/impact-assessments?min_position={big.position}", headers=VIEWER)
        got = await c.get(f"/v1/impact-assessments/{ia_id}", headers=VIEWER)
        assert got.json()["status"] == "review_due"
        assert got.json()["review_reason"] == "significant change to the AI system"


async def test_re_evaluation_calls_an_assessment_into_review(service, store):
    async with service("risk") as c:
        system = uuid.uuid4()
        ok = await _approved_impact(c, system)
        ia_id = ok.json()["id"]
        moved = await store.append(
            f"system-{system}",
            [
                NewEvent(
                    "SystemStageChanged",
                    {
                        "system_id": str(system),
                        "frm": "operation",
                        "to": "re_evaluation",
                        "reason": "drift",
                        "policy_version": "1",
                        "policy_hash": "h",
                    },
                )
            ],
            expected_version=None,
        )
        await c.get(f"/v1/risks?min_position={moved.position}", headers=VIEWER)
        got = await c.get(f"/v1/impact-assessments/{ia_id}", headers=VIEWER)
        assert got.json()["review_reason"] == "the AI system entered re-evaluation"
        # The review-due event comes after the change; read models catch up with it too.
        posture = await c.get(
            f"/v1/systems/{system}/posture?min_position={moved.position + 1}", headers=VIEWER
        )
        assert posture.json()["impact_assessment"]["status"] == "review_due"


async def _caught_up(c, pool):
    """The read models at the head of the log (the risk service has caught up)."""
    head = int(await pool.fetchval("SELECT coalesce(max(position), 0) FROM events"))
    await c.get(f"/v1/impact-assessments?min_position={head}", headers=VIEWER)
    return await event_count(pool), await fingerprint(pool)


async def test_an_approver_who_revised_and_submitted_someone_elses_draft_may_not_approve_it(
    service, pool
):
    async with service("risk") as c:
        draft = await c.post(
            "/v1/impact-assessments", json=impact_body(uuid.uuid4()), headers=OFFICER
        )
        ia = draft.json()
        both = auth("bob", "risk_officer", "approver")
        patched = await c.patch(
            f"/v1/impact-assessments/{ia['id']}",
            json={"severity": "low"},
            headers={**both, "If-Match": '"1"'},
        )
        assert patched.status_code == 200 and patched.json()["revisers"] == ["bob"]
        sub = await c.post(f"/v1/impact-assessments/{ia['id']}/submit", headers=both)
        assert sub.json()["submitters"] == ["bob"]
        before = await _caught_up(c, pool)
        r = await c.post(f"/v1/impact-assessments/{ia['id']}/approve", headers=both)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith("separation_of_duties")
        assert r.json()["relation"] == "revisers"
        assert await _caught_up(c, pool) == before
        got = await c.get(f"/v1/impact-assessments/{ia['id']}", headers=VIEWER)
        assert got.json()["status"] == "submitted" and got.json()["approved_by"] is None


async def test_neither_a_submitter_nor_the_system_owner_may_approve_an_impact_assessment(
    service, store, pool
):
    async with service("risk") as c:
        system = uuid.uuid4()
        await store.append(
            f"system-{system}",
            [
                NewEvent(
                    "SystemRegistered",
                    {"system_id": str(system), "name": "Scorer", "purpose": "loans",
                     "owner": "olga", "provider_role": "provider", "eu_ai_act_tier": "high"},
                ),
                NewEvent(
                    "SystemOwnerAssigned",
                    {"system_id": str(system), "owner": "otto", "previous_owner": "olga"},
                ),
            ],
            expected_version=0,
        )  # fmt: skip
        ia = (
            await c.post("/v1/impact-assessments", json=impact_body(system), headers=OFFICER)
        ).json()
        carl = auth("carl", "risk_officer", "approver")
        await c.post(f"/v1/impact-assessments/{ia['id']}/submit", headers=carl)
        before = await _caught_up(c, pool)
        for who, relation in ((carl, "submitters"), (auth("otto", "approver"), "system_owner")):
            r = await c.post(f"/v1/impact-assessments/{ia['id']}/approve", headers=who)
            assert r.status_code == 403, r.text
            assert r.json()["type"].endswith("separation_of_duties")
            assert r.json()["relation"] == relation
        assert await _caught_up(c, pool) == before
        # The previous owner is no longer the system's owner: nothing excludes them.
        ok = await c.post(
            f"/v1/impact-assessments/{ia['id']}/approve", headers=auth("olga", "approver")
        )
        assert ok.status_code == 200 and ok.json()["approved_by"] == "olga"
