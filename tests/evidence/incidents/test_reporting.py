"""The `reporting` views of incidents, their notifications and concerns: what dashboards
read, overdue included, and never an anonymous reporter."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests.support.apps import auth
from tests.support.evidence import register_system

RISK = auth("rita", "risk_officer")
WHISTLE = auth("wanda.whistle", "viewer")


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def as_reporting(database) -> asyncpg.Connection:
    conn = await asyncpg.connect(database.admin_url)
    await conn.execute("SET ROLE aims_reporting")
    return conn


async def test_reporting_views_show_incidents_deadlines_and_concerns(service, store, database):
    sid = await register_system(store, owner="olivia")
    aware = datetime.now(UTC) - timedelta(days=20)
    async with service("evidence") as c:
        for title, serious in (("late", True), ("minor", False)):
            r = await c.post("/v1/incidents", headers=RISK, json={
                "system_ids": [sid], "title": title, "description": "...",
                "occurred_at": iso(aware), "aware_at": iso(aware), "severity": "high",
                "serious": serious, "harm": ["serious_harm_to_health"],
            })  # fmt: skip
            assert r.status_code == 201, r.text
        late = (await c.get(f"/v1/incidents?min_position={r.headers['aims-position']}",
                            headers=RISK)).json()["items"][-1]  # fmt: skip
        sent = await c.post(f"/v1/incidents/{late['id']}/notifications", headers=RISK, json={
            "authority": "AESIA", "sent_at": iso(aware + timedelta(days=16)), "kind": "initial",
        })  # fmt: skip
        assert sent.status_code == 201, sent.text
        await c.post(
            "/v1/concerns",
            headers=WHISTLE,
            json={"description": "Something is off", "system_ids": [sid], "anonymous": True},
        )
        r = await c.post("/v1/concerns", headers=WHISTLE, json={
            "description": "Named", "system_ids": [sid], "anonymous": False})  # fmt: skip
        await c.get(f"/v1/concerns?min_position={r.headers['aims-position']}", headers=RISK)
    conn = await as_reporting(database)
    try:
        incidents = {r["title"]: r for r in await conn.fetch("SELECT * FROM reporting.incidents")}
        assert incidents["late"]["deadline_article"] == "EU AI Act Art. 73(2)"
        assert incidents["late"]["notification_due_at"] == aware + timedelta(days=15)
        assert (
            incidents["late"]["overdue"] is False and incidents["late"]["notification_count"] == 1
        )
        assert incidents["minor"]["notification_due_at"] is None
        note = await conn.fetchrow("SELECT * FROM reporting.incident_notifications")
        assert (note["authority"], note["kind"], note["on_time"]) == ("AESIA", "initial", False)
        concerns = await conn.fetch("SELECT * FROM reporting.concerns ORDER BY raised_at")
        assert [(r["anonymous"], r["reporter"]) for r in concerns] == [
            (True, None), (False, "wanda.whistle")]  # fmt: skip
        assert "reporter_sealed" not in concerns[0]
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT reporter_sealed FROM public.evidence_concern")
    finally:
        await conn.close()
