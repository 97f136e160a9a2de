"""Internal audits (9.2), nonconformities (10.2) and management reviews (9.3)."""

from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth
from tests.support.evidence import meta, register_system
from tests.support.readmodels import fingerprint

ADMIN = auth("ada", "admin")
AUDITOR = auth("carol", "auditor")
OWNER = auth("olivia", "system_owner")


def audit(system_ids, auditors=("carol",)):
    return {
        "title": "Q1 internal audit",
        "scope": "credit models",
        "criteria": "ISO/IEC 42001",
        "system_ids": system_ids,
        "auditors": list(auditors),
        "starts_on": "2025-02-01",
        "ends_on": "2025-02-05",
    }


async def test_an_auditor_may_not_audit_a_system_they_own(service, store):
    sid = await register_system(store, owner="carol")
    async with service("evidence") as c:
        r = await c.post("/v1/audits", json=audit([sid]), headers=ADMIN)
        assert r.status_code == 403, r.text
        assert r.json()["conflicts"] == [{"auditor": "carol", "system_id": sid}]
        ok = await c.post("/v1/audits", json=audit([sid], auditors=["dave"]), headers=ADMIN)
        assert ok.status_code == 201, ok.text


async def test_impartiality_follows_a_change_of_owner(service, store):
    sid = await register_system(store, owner="olivia")
    await store.append(
        f"system-{sid}",
        [
            NewEvent(
                "SystemOwnerAssigned",
                {"system_id": sid, "owner": "carol", "previous_owner": "olivia"},
            )
        ],
        expected_version=1,
        metadata=meta("ada", "registry", "admin"),
    )
    async with service("evidence") as c:
        r = await c.post("/v1/audits", json=audit([sid]), headers=ADMIN)
        assert r.status_code == 403


async def test_findings_come_from_the_audit_team_within_scope(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        a = (await c.post("/v1/audits", json=audit([sid]), headers=ADMIN)).json()
        finding = {
            "kind": "observation",
            "reference": "A.6.2.4",
            "description": "thin tests",
            "system_id": sid,
        }
        outsider = await c.post(
            f"/v1/audits/{a['id']}/findings", json=finding, headers=auth("eve", "auditor")
        )
        assert outsider.status_code == 403
        bad_ref = await c.post(
            f"/v1/audits/{a['id']}/findings", json={**finding, "reference": "A.42"}, headers=AUDITOR
        )
        assert bad_ref.status_code == 422
        r = await c.post(f"/v1/audits/{a['id']}/findings", json=finding, headers=AUDITOR)
        assert r.status_code == 201, r.text
        got = (await c.get(f"/v1/audits/{a['id']}", headers=OWNER)).json()
        assert [f["reference"] for f in got["findings"]] == ["A.6.2.4"]


async def test_a_nonconformity_is_closed_only_by_someone_other_than_its_raiser_and_owner(
    service, store
):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        a = (await c.post("/v1/audits", json=audit([sid]), headers=ADMIN)).json()
        f = await c.post(
            f"/v1/audits/{a['id']}/findings",
            json={
                "kind": "major_nc",
                "reference": "9.2",
                "description": "no audit programme",
                "system_id": sid,
                "raise_nonconformity": True,
            },
            headers=AUDITOR,
        )
        assert f.status_code == 201, f.text
        nc_id = f.json()["nonconformity_id"]
        nc = (await c.get(f"/v1/nonconformities/{nc_id}", headers=OWNER)).json()
        assert nc["owner"] == "olivia" and nc["audit_id"] == a["id"] and nc["status"] == "open"
        base = f"/v1/nonconformities/{nc_id}"
        assert (
            await c.post(f"{base}/containment", json={"action": "freeze model"}, headers=OWNER)
        ).status_code == 200
        assert (
            await c.post(
                f"{base}/root-cause", json={"root_cause": "no owner for 9.2"}, headers=OWNER
            )
        ).status_code == 200
        act = await c.post(
            f"{base}/corrective-actions",
            json={"description": "plan audits", "owner": "olivia", "due": "2025-03-01"},
            headers=OWNER,
        )
        assert act.status_code == 201, act.text
        action_id = act.json()["corrective_actions"][0]["id"]
        done = await c.post(f"{base}/corrective-actions/{action_id}/complete", headers=OWNER)
        assert done.status_code == 200 and done.json()["corrective_actions"][0]["completed"]
        review = {"effectiveness_review": "two audits held since", "effective": True}
        by_owner = await c.post(f"{base}/close", json=review, headers=OWNER)
        assert by_owner.status_code == 403
        assert by_owner.json()["type"].endswith("separation_of_duties")
        assert by_owner.json()["relation"] == "owner"
        by_raiser = await c.post(f"{base}/close", json=review, headers=AUDITOR)
        assert (by_raiser.status_code, by_raiser.json()["relation"]) == (403, "raiser")
        closed = await c.post(f"{base}/close", json=review, headers=ADMIN)
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "ada"
        assert closed.json()["raised_by"] == "carol"
        again = await c.post(f"{base}/close", json=review, headers=ADMIN)
        assert again.status_code == 409


async def test_a_finding_raises_at_most_one_nonconformity(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        a = (await c.post("/v1/audits", json=audit([sid]), headers=ADMIN)).json()
        f = (
            await c.post(
                f"/v1/audits/{a['id']}/findings",
                json={
                    "kind": "minor_nc",
                    "reference": "A.7.4",
                    "description": "data checks skipped",
                    "system_id": sid,
                },
                headers=AUDITOR,
            )
        ).json()
        nc = {
            "title": "Data quality",
            "description": "checks skipped",
            "owner": "olivia",
            "finding_id": f["id"],
        }
        first = await c.post("/v1/nonconformities", json=nc, headers=AUDITOR)
        assert first.status_code == 201, first.text
        assert first.json()["system_id"] == sid and first.json()["reference"] == "A.7.4"
        second = await c.post("/v1/nonconformities", json=nc, headers=AUDITOR)
        assert second.status_code == 409
        pos = first.headers["aims-position"]
        listed = await c.get(
            f"/v1/nonconformities?system_id={sid}&min_position={pos}", headers=OWNER
        )
        assert [n["id"] for n in listed.json()["items"]] == [first.json()["id"]]


async def test_an_observation_does_not_raise_a_nonconformity(service):
    async with service("evidence") as c:
        a = (await c.post("/v1/audits", json=audit([]), headers=ADMIN)).json()
        r = await c.post(
            f"/v1/audits/{a['id']}/findings",
            json={
                "kind": "observation",
                "reference": "9.1",
                "description": "fine",
                "raise_nonconformity": True,
                "nc_owner": "olivia",
            },
            headers=AUDITOR,
        )
        assert r.status_code == 422
        assert await c.app.state.store.head_position() == 1


async def test_a_management_review_records_its_minutes(service):
    async with service("evidence") as c:
        r = await c.post(
            "/v1/management-reviews",
            json={
                "title": "Annual review",
                "held_on": "2025-03-10",
                "attendees": ["ceo", "cto"],
                "inputs": [{"kind": "nonconformity", "summary": "2 open NCs"}],
                "decisions": ["fund a second auditor"],
                "actions": [{"description": "hire", "owner": "cto", "due": "2025-06-01"}],
            },
            headers=ADMIN,
        )
        assert r.status_code == 201, r.text
        got = (await c.get(r.headers["location"], headers=OWNER)).json()
        assert got["decisions"] == ["fund a second auditor"]
        assert got["actions"][0]["due"] == "2025-06-01"
        empty = await c.post(
            "/v1/management-reviews", json={"held_on": "2025-03-10", "attendees": []}, headers=ADMIN
        )
        assert empty.status_code == 422


async def _caught_up(c, pool):
    """The events and read models once the evidence service has caught up with the log."""
    head = int(await pool.fetchval("SELECT max(position) FROM events"))
    await c.get(f"/v1/nonconformities?min_position={head}", headers=OWNER)
    return await pool.fetchval("SELECT count(*) FROM events"), await fingerprint(pool)


async def test_a_nonconformity_raised_and_closed_by_one_person_with_steps_missing_is_refused(
    service, pool
):
    async with service("evidence") as c:
        quinn = auth("quinn", "auditor")
        nc = {"title": "Drift unchecked", "description": "no monitoring", "owner": "olivia"}
        raised = await c.post("/v1/nonconformities", json=nc, headers=quinn)
        assert raised.status_code == 201 and raised.json()["raised_by"] == "quinn"
        base = f"/v1/nonconformities/{raised.json()['id']}"
        action = {"description": "add drift monitor", "owner": "omar", "due": "2025-03-01"}
        act = await c.post(f"{base}/corrective-actions", json=action, headers=OWNER)
        assert act.status_code == 201, act.text
        before = await _caught_up(c, pool)
        review = {"effectiveness_review": "looks fine", "effective": True}
        by_raiser = await c.post(f"{base}/close", json=review, headers=quinn)
        assert by_raiser.status_code == 403, by_raiser.text
        assert by_raiser.headers["content-type"].startswith("application/problem+json")
        assert by_raiser.json()["type"].endswith("separation_of_duties")
        by_action_owner = await c.post(
            f"{base}/close", json=review, headers=auth("omar", "auditor")
        )
        assert (by_action_owner.status_code, by_action_owner.json()["relation"]) == (
            403,
            "action_owners",
        )
        early = await c.post(f"{base}/close", json=review, headers=ADMIN)
        assert early.status_code == 409, early.text
        assert early.json()["type"].endswith("closure_incomplete")
        action_id = act.json()["corrective_actions"][0]["id"]
        assert early.json()["missing"] == ["root_cause", f"corrective_action:{action_id}"]
        assert await _caught_up(c, pool) == before
        got = (await c.get(base, headers=OWNER)).json()
        assert got["status"] == "open" and got["closed_by"] is None


async def test_a_nonconformity_closes_once_its_root_cause_and_every_action_are_done(service):
    async with service("evidence") as c:
        nc = {"title": "Drift unchecked", "description": "no monitoring", "owner": "olivia"}
        raised = await c.post("/v1/nonconformities", json=nc, headers=AUDITOR)
        base = f"/v1/nonconformities/{raised.json()['id']}"
        action = {"description": "add drift monitor", "owner": "omar", "due": "2025-03-01"}
        act = (await c.post(f"{base}/corrective-actions", json=action, headers=OWNER)).json()
        action_id = act["corrective_actions"][0]["id"]
        review = {"effectiveness_review": "drift alerts fired twice", "effective": True}
        await c.post(f"{base}/root-cause", json={"root_cause": "no owner"}, headers=OWNER)
        still = await c.post(f"{base}/close", json=review, headers=ADMIN)
        assert still.json()["missing"] == [f"corrective_action:{action_id}"]
        await c.post(f"{base}/corrective-actions/{action_id}/complete", headers=OWNER)
        closed = await c.post(f"{base}/close", json=review, headers=ADMIN)
        assert closed.status_code == 200, closed.text
        assert closed.json()["effectiveness_review"] == "drift alerts fired twice"
