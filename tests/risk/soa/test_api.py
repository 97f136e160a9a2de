"""The Annex A catalogue and the Statement of Applicability over HTTP."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from shared.kernel.eventstore import NewEvent
from tests.support.approvals import approved
from tests.support.risk import (
    ADMIN,
    OFFICER,
    VIEWER,
    event_count,
    new_risk,
)


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
        excluded = await c.put(
            "/v1/soa/controls/A.10.4",
            json={"applicable": False, "justification": "no customers"},
            headers=OFFICER,
        )
        await approved(c, excluded)  # excluding a control waits for an approver
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
