"""A system's page shows its human oversight, an overdue monitoring review and its breaches."""

from __future__ import annotations

import httpx

from services.console.main import create
from services.sdk import AsyncAimsClient
from shared.platform.config import Settings
from tests.support.apps import SECRET, token

SID = "6f1c2b9e-0000-4000-8000-000000000002"
SYSTEM = {"id": SID, "name": "Credit scoring", "stage": "re_evaluation", "eu_ai_act_tier": "high",
          "purpose": "score loans", "intended_use": "support", "owner": "olga",
          "provider_role": "provider", "model_versions": [], "version": 9,
          "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip
BREACH = {"breach_id": "b1", "metric": "drift", "threshold": {"op": "gt", "value": 0.3},
          "crossings": 2, "observations": [{"value": 0.4}, {"value": 0.7}], "status": "open",
          "detected_at": "2026-02-01T00:00:00Z", "review": None}  # fmt: skip
ANSWERS = {
    f"/v1/systems/{SID}": SYSTEM,
    f"/v1/systems/{SID}/oversight": {"assigned": True, "overseers": ["omar"], "measures": "m",
                                     "can_override": True, "stop_procedure": "flag off",
                                     "updated_by": "olga", "updated_at": "2026-01-02T00:00:00Z"},
    f"/v1/systems/{SID}/monitoring": {
        "version": 1, "review_due_at": "2026-01-31T00:00:00Z", "review_overdue": True,
        "review_every_days": 30, "reviewed_by": "olga", "reviewed_at": "2026-01-01T00:00:00Z",
        "metrics": [{"name": "drift", "kind": "drift", "threshold": {"op": "gt", "value": 0.3},
                     "window": "1h"}],
    },
    f"/v1/systems/{SID}/breaches": {"items": [BREACH]},
}  # fmt: skip


async def test_the_system_page_shows_oversight_the_overdue_review_and_the_breach_timeline():
    def services(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=ANSWERS.get(request.url.path, {"items": []}))

    app = create(Settings(jwt_secret=SECRET))
    async with app.router.lifespan_context(app):
        await app.state.aims.close()
        app.state.aims = AsyncAimsClient("", retries=0, transport=httpx.MockTransport(services))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://console",
            cookies={"aims_token": token("ada", "viewer")},
        ) as c:  # fmt: skip
            r = await c.get(f"/systems/{SID}")
    assert r.status_code == 200, r.text
    assert 'id="oversight"' in r.text and "omar" in r.text and "flag off" in r.text
    assert 'id="review-overdue"' in r.text
    assert 'data-status="open"' in r.text and "monitoring_breach" in r.text and "0.7" in r.text
