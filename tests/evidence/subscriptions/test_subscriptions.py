"""Webhook subscriptions over HTTP: admins subscribe a URL to event types; the secret is sealed
before it reaches the log and never comes back; bad URLs, addresses deliveries may not reach,
unknown types and malformed secrets are 422 and write nothing."""

import pytest

from tests.support.apps import auth
from tests.support.relay import SECRET

ADMIN = auth("ada", "admin")
AUDITOR = auth("carol", "auditor")
RAW_KEY = SECRET.removeprefix("whsec_")


def code(r) -> str:
    return r.json()["type"].rsplit("/", 1)[-1]


def body(**over):
    return {"url": "https://hooks.example.com/aims", "types": ["DeploymentDecisionMade"],
            "secret": SECRET, **over}  # fmt: skip


async def test_an_admin_subscribes_and_the_secret_is_never_shown_nor_logged_in_clear(service, pool):
    async with service("evidence") as c:
        r = await c.post("/v1/subscriptions", headers=ADMIN, json=body())
        assert r.status_code == 201, r.text
        sub = r.json()
        assert r.headers["location"] == f"/v1/subscriptions/{sub['id']}"
        assert sub["status"] == "active" and sub["types"] == ["DeploymentDecisionMade"]
        assert "secret" not in r.text and RAW_KEY not in r.text
        pos = r.headers["aims-position"]
        one = await c.get(f"/v1/subscriptions/{sub['id']}", headers=AUDITOR)
        assert one.status_code == 200 and one.json()["url"] == sub["url"]
        listed = await c.get(f"/v1/subscriptions?min_position={pos}", headers=ADMIN)
        assert [i["id"] for i in listed.json()["items"]] == [sub["id"]]
        trail = await c.get(f"/v1/audit-trail?type=SubscriptionCreated&min_position={pos}",
                            headers=AUDITOR)  # fmt: skip
        for text in (one.text, listed.text, trail.text):
            assert RAW_KEY not in text and SECRET not in text
    rows = await pool.fetch("SELECT data::text AS d FROM events")
    assert not any(RAW_KEY in row["d"] for row in rows)
    sealed = await pool.fetchval("SELECT data->>'secret_sealed' FROM events"
                                 " WHERE type = 'SubscriptionCreated'")  # fmt: skip
    assert sealed.startswith("aesgcm1:")


@pytest.mark.parametrize("role", ["viewer", "auditor", "risk_officer", "system_owner", "mlops"])
async def test_only_admins_subscribe(service, role):
    async with service("evidence") as c:
        r = await c.post("/v1/subscriptions", headers=auth("vic", role), json=body())
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"url": "ftp://hooks.example.com/x"}, "bad_url"),
        ({"url": "https://"}, "bad_url"),
        ({"url": "https://user:pw@hooks.example.com/"}, "bad_url"),
        ({"url": "https://hooks.example.com:99999/"}, "bad_url"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "egress_refused"),
        ({"url": "http://127.0.0.1:8003/v1/evidence"}, "egress_refused"),
        ({"url": "http://[::1]/"}, "egress_refused"),
        ({"url": "http://[::ffff:10.0.0.1]/"}, "egress_refused"),
        ({"url": "http://localhost:5432/"}, "egress_refused"),
        ({"url": "http://10.1.2.3/"}, "egress_refused"),
        ({"types": ["NoSuchEvent"]}, "unknown_type"),
        ({"types": []}, "validation"),
        ({"secret": "not-a-secret"}, "bad_secret"),
        ({"secret": "whsec_!!!"}, "bad_secret"),
        ({"secret": "whsec_c2hvcnQ="}, "bad_secret"),
        ({"extra": 1}, "validation"),
    ],
)
async def test_bad_subscriptions_are_422_and_write_nothing(service, store, over, expected):
    head = await store.head_position()
    async with service("evidence") as c:
        r = await c.post("/v1/subscriptions", headers=ADMIN, json=body(**over))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert code(r) == expected
    assert await store.head_position() == head


async def test_private_addresses_are_accepted_only_when_configured(service, monkeypatch):
    monkeypatch.setenv("AIMS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    async with service("evidence") as c:
        ok = await c.post("/v1/subscriptions", headers=ADMIN, json=body(url="http://127.0.0.1:9/"))
        assert ok.status_code == 201, ok.text
        still = await c.post("/v1/subscriptions", headers=ADMIN, json=body(url="http://10.0.0.1/"))
        assert code(still) == "egress_refused"
    monkeypatch.delenv("AIMS_WEBHOOK_ALLOWED_NETWORKS")
    monkeypatch.setenv("AIMS_WEBHOOK_ALLOW_PRIVATE", "true")
    async with service("evidence") as c:
        ok = await c.post("/v1/subscriptions", headers=ADMIN, json=body(url="http://10.0.0.1/"))
        assert ok.status_code == 201, ok.text
        meta = body(url="http://169.254.169.254/")
        assert code(await c.post("/v1/subscriptions", headers=ADMIN, json=meta)) == (
            "egress_refused"
        )


async def test_redeliver_and_resume_refuse_what_does_not_fit(service):
    async with service("evidence") as c:
        sub = (await c.post("/v1/subscriptions", headers=ADMIN, json=body())).json()
        base = f"/v1/subscriptions/{sub['id']}"
        missing = await c.post(f"{base}/redeliver", headers=ADMIN)
        assert missing.status_code == 422
        assert (await c.post(f"{base}/redeliver?from_position=0", headers=ADMIN)).status_code == 422
        ahead = await c.post(f"{base}/redeliver?from_position=999999", headers=ADMIN)
        assert ahead.status_code == 422 and code(ahead) == "position_ahead_of_log"
        resume = await c.post(f"{base}/resume", headers=ADMIN)
        assert resume.status_code == 409 and code(resume) == "not_paused"
        unknown = "/v1/subscriptions/00000000-0000-4000-8000-000000000000"
        assert (await c.get(unknown, headers=ADMIN)).status_code == 404
        assert (await c.get(f"{unknown}/deliveries", headers=ADMIN)).status_code == 404
        r = await c.post(f"{base}/redeliver?from_position=1", headers=ADMIN)
        assert r.status_code == 200 and r.json()["status"] == "active"
        for role in ("auditor", "viewer"):
            denied = await c.post(f"{base}/redeliver?from_position=1", headers=auth("x", role))
            assert denied.status_code == 403
        page = await c.get(f"{base}/deliveries?outcome=failed", headers=AUDITOR)
        assert page.status_code == 200 and page.json()["items"] == []
