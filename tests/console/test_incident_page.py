"""The console's incident list: each incident against its Art. 73 deadline, overdue first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from services.console.main import create
from services.console.views import deadline, incident_rows
from services.sdk import AsyncAimsClient
from shared.platform.config import Settings
from tests.support.apps import SECRET, token

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SID = "6f1c2b9e-0000-4000-8000-000000000001"


def incident(title: str, due_in_days: float | None, **extra: object) -> dict[str, object]:
    due = (NOW + timedelta(days=due_in_days)).isoformat() if due_in_days is not None else None
    return {"id": title, "title": title, "system_ids": [SID], "severity": "high",
            "status": "investigating", "serious": due is not None, "notification_due_at": due,
            "deadline_article": "EU AI Act Art. 73(2)", "initial_notified_at": None,
            "created_at": NOW.isoformat(), **extra}  # fmt: skip


def test_each_incident_reads_against_its_deadline():
    assert deadline(incident("a", 3), NOW) == {"state": "due", "text": "due in 3 days"}
    assert deadline(incident("b", -2), NOW) == {"state": "overdue", "text": "overdue by 2 days"}
    assert deadline(incident("c", None), NOW)["state"] == "none"
    sent = (NOW - timedelta(days=1)).isoformat()
    assert deadline(incident("d", -2, initial_notified_at=sent), NOW)["state"] == "late"
    assert deadline(incident("e", 2, initial_notified_at=sent), NOW) == {
        "state": "notified", "text": "notified 2025-05-31 12:00:00"}  # fmt: skip


def test_the_list_puts_overdue_first_and_closed_last():
    rows = incident_rows([
        incident("closed", -9, status="closed"), incident("minor", None),
        incident("due soon", 1), incident("late", -1), incident("due later", 5),
    ], NOW)  # fmt: skip
    assert [r["title"] for r in rows] == ["late", "due soon", "due later", "minor", "closed"]


async def test_the_incident_page_shows_deadlines_and_system_names():
    seen: list[httpx.URL] = []

    def services(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.path == "/v1/systems":
            return httpx.Response(200, json={"items": [{"id": SID, "name": "Chatbot"}]})
        now = datetime.now(UTC)
        items = [incident("Asked for PINs", None, notification_due_at=(
            now - timedelta(days=2)).isoformat(), serious=True)]  # fmt: skip
        return httpx.Response(200, json={"items": items})

    app = create(Settings(jwt_secret=SECRET))
    async with app.router.lifespan_context(app):
        await app.state.aims.close()
        app.state.aims = AsyncAimsClient("", retries=0, transport=httpx.MockTransport(services))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://console",
            cookies={"aims_token": token("ada", "viewer")},
        ) as c:
            r = await c.get("/incidents?overdue=true")
    assert r.status_code == 200, r.text
    assert "Asked for PINs" in r.text and "Chatbot" in r.text
    assert 'data-deadline="overdue"' in r.text and "overdue by 2 days" in r.text
    assert any(u.path == "/v1/incidents" and u.params.get("overdue") == "true" for u in seen)
