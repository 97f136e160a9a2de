"""Incidents and concerns in a system's audit pack: the events, proven, and the report's
section with the Art. 73 deadline of each serious incident."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from services.evidence.integrity.report import Deadlines
from services.evidence.integrity.verify_pack import verify_pack
from tests.support.apps import auth
from tests.support.evidence import register_system

RISK = auth("rita", "risk_officer")
AUDITOR = auth("carol", "auditor")


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def test_a_systems_pack_carries_its_incidents_and_their_deadlines(service, store):
    sid = await register_system(store, owner="olivia")
    other = await register_system(store, owner="oscar", name="Unrelated")
    aware = datetime.now(UTC) - timedelta(days=3)
    async with service("evidence") as c:
        inc = await c.post("/v1/incidents", headers=RISK, json={
            "system_ids": [sid], "title": "Grid load forecast failed", "description": "...",
            "occurred_at": iso(aware), "aware_at": iso(aware), "severity": "critical",
            "serious": True, "harm": ["critical_infrastructure_disruption"],
        })  # fmt: skip
        assert inc.status_code == 201, inc.text
        incident = inc.json()
        sent = await c.post(f"/v1/incidents/{incident['id']}/notifications", headers=RISK, json={
            "authority": "ENTSO-E liaison", "sent_at": iso(aware + timedelta(days=1)),
            "kind": "initial", "reference": "CI-7",
        })  # fmt: skip
        assert sent.status_code == 201, sent.text
        concern = await c.post("/v1/concerns", headers=auth("vic", "viewer"), json={
            "description": "Forecasts look off again", "system_ids": [other], "anonymous": True,
        })  # fmt: skip
        pos = concern.headers["aims-position"]
        await c.get(f"/v1/audit-trail?min_position={pos}", headers=AUDITOR)
        r = await c.get(f"/v1/exports/audit-pack?system_id={sid}", headers=AUDITOR)
        assert r.status_code == 200, r.text
        key = (await c.get("/v1/log/public-key")).content
    assert verify_pack(io.BytesIO(r.content), key).ok
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        events = [json.loads(x) for x in zf.read("events.jsonl").splitlines()]
        html = zf.read("report.html").decode()
    types = [e["type"] for e in events]
    assert "IncidentReported" in types and "IncidentNotificationSent" in types
    assert "ConcernRaised" not in types  # about another system
    assert "AI incidents and concerns" in html and "Art. 73" in html
    assert "Grid load forecast failed" in html and "EU AI Act Art. 73(3)" in html
    assert "ENTSO-E liaison" in html


def test_the_deadline_table_follows_reclassification_notification_and_closure():
    table = Deadlines()
    table.add("IncidentReported", {
        "incident_id": "i1", "title": "minor", "aware_at": "2025-01-01T00:00:00Z",
        "serious": False, "notification_due_at": None,
    })  # fmt: skip
    assert table.rows() == []
    table.add("IncidentReclassified", {
        "incident_id": "i1", "serious": True, "notification_due_at": "2025-01-11T00:00:00Z",
        "deadline_rule": "art73_death", "deadline_article": "EU AI Act Art. 73(4)",
    })  # fmt: skip
    assert table.rows()[0][5:] == ("not sent", "-", "detected")
    table.add(
        "IncidentNotificationSent",
        {
            "incident_id": "i1",
            "kind": "initial",
            "sent_at": "2025-01-12T00:00:00Z",
            "on_time": False,
        },
    )
    table.add("IncidentClosed", {"incident_id": "i1"})
    row = table.rows()[0]
    assert row[3] == "2025-01-11T00:00:00Z" and row[4] == "art73_death (EU AI Act Art. 73(4))"
    assert row[5:] == ("2025-01-12T00:00:00Z", "no", "closed")
