"""Impact assessments, Annex A catalogue, SoA and posture over HTTP."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from shared.kernel.eventstore import NewEvent
from tests.risk.helpers import (
    ADMIN,
    APPROVER,
    OFFICER,
    OWNER,
    VIEWER,
    event_count,
    later,
    new_risk,
)
from tests.support.apps import auth


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


async def test_the_catalogue_lists_the_38_annex_a_controls(service):
    async with service("risk") as c:
        items = (await c.get("/v1/controls", headers=VIEWER)).json()["items"]
        assert len(items) == 38 and items[0]["id"] == "A.2.2"


async def test_soa_entries_need_a_justification_and_a_known_control(service, pool):
    async with service("risk") as c:
        before = await event_count(pool)
        url = "/v1/soa/controls/A.6.2.4"
        empty = await c.put(url, json={"applicable": True, "justification": " "}, headers=OFFICER)
        assert empty.status_code == 422 and empty.json()["errors"][0]["loc"][-1] == "justification"
        excluded_planned = {"applicable": False, "justification": "x", "status": "planned"}
        assert (await c.put(url, json=excluded_planned, headers=OFFICER)).status_code == 422
        unknown = await c.put(
            "/v1/soa/controls/A.99",
            json={"applicable": True, "justification": "x"},
            headers=OFFICER,
        )
        assert unknown.status_code == 404
        assert (
            await c.put(url, json={"applicable": True, "justification": "x"}, headers=VIEWER)
        ).status_code == 403
        assert await event_count(pool) == before
        ok = await c.put(
            url,
            json={
                "applicable": True,
                "justification": "we ship models",
                "status": "implemented",
                "owner": "qa",
            },
            headers=ADMIN,
        )
        assert ok.status_code == 200 and ok.json()["status"] == "implemented"


async def test_the_soa_joins_risks_and_evidence_and_flags_missing_or_expired_evidence(
    service, store
):
    async with service("risk") as c:
        system = uuid.uuid4()
        risk = await new_risk(c, system_id=system)
        await c.post(
            f"/v1/risks/{risk['id']}/treatments",
            json={
                "option": "modify",
                "controls": ["A.6.2.4", "A.7.4"],
                "plan": "validate",
                "owner": "olga",
                "due": "2031-01-01",
            },
            headers=OFFICER,
        )
        for cid in ("A.6.2.4", "A.7.4", "A.6.2.8"):
            await c.put(
                f"/v1/soa/controls/{cid}",
                json={"applicable": True, "justification": "needed"},
                headers=OFFICER,
            )
        await c.put(
            "/v1/soa/controls/A.10.4",
            json={"applicable": False, "justification": "no customers"},
            headers=OFFICER,
        )
        now = datetime.now(UTC)

        def evidence(cid, valid_until):
            return NewEvent(
                "EvidenceRecorded",
                {
                    "evidence_id": str(uuid.uuid4()),
                    "kind": "test_report",
                    "title": f"{cid} report",
                    "system_ids": [str(system)],
                    "control_ids": [cid],
                    "sha256": "0" * 64,
                    "uri": "s3://x",
                    "collected_at": now.isoformat(),
                    "valid_until": valid_until.isoformat(),
                },
            )

        await store.append(
            f"evidence-{uuid.uuid4()}",
            [evidence("A.6.2.4", now + timedelta(days=9))],
            expected_version=0,
        )
        last = await store.append(
            f"evidence-{uuid.uuid4()}",
            [evidence("A.7.4", now - timedelta(days=1))],
            expected_version=0,
        )
        r = await c.get(f"/v1/soa?system_id={system}&min_position={last.position}", headers=VIEWER)
        rows = {row["control_id"]: row for row in r.json()["items"]}
        assert len(rows) == 38
        assert [x["risk_id"] for x in rows["A.6.2.4"]["risks"]] == [risk["id"]]
        assert rows["A.6.2.4"]["evidence_status"] == "current" and rows["A.6.2.4"]["flags"] == []
        assert rows["A.7.4"]["flags"] == ["evidence_expired"]
        assert rows["A.6.2.8"]["flags"] == ["evidence_missing"]
        assert rows["A.10.4"]["flags"] == [] and rows["A.10.4"]["applicable"] is False
        assert rows["A.2.2"]["flags"] == ["not_decided"]
        for url in ("/v1/soa?format=csv", "/v1/soa.csv"):
            exported = await c.get(url, headers=VIEWER)
            assert exported.headers["content-type"].startswith("text/csv")
            lines = list(csv.DictReader(io.StringIO(exported.text)))
            assert len(lines) == 38 and lines[0]["control_id"] == "A.2.2"
        assert (await c.get("/v1/soa?format=xml", headers=VIEWER)).status_code == 422


async def test_posture_shows_open_risks_unaccepted_above_appetite_and_expiries(service):
    async with service("risk") as c:
        system = uuid.uuid4()
        high = await new_risk(c, system_id=system)
        await new_risk(c, system_id=system, likelihood=1, consequence=1)
        accepted = await new_risk(c, system_id=system, likelihood=5, consequence=5)
        r = await c.post(
            f"/v1/risks/{accepted['id']}/acceptance-requests",
            json={"justification": "x", "expires_at": later(10)},
            headers=OWNER,
        )
        ok = await c.post(f"/v1/acceptances/{r.json()['id']}/approve", headers=APPROVER)
        p = await c.get(
            f"/v1/systems/{system}/posture?min_position={ok.headers['aims-position']}",
            headers=VIEWER,
        )
        body = p.json()
        assert body["open_risks"]["by_level"] == {"low": 1, "medium": 0, "high": 1, "critical": 1}
        assert [x["risk_id"] for x in body["unaccepted_above_appetite"]] == [high["id"]]
        assert body["acceptances"][0]["expiring_soon"] is True
        assert body["impact_assessment"]["status"] == "none"
