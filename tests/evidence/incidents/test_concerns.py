"""Concerns (A.3.3) over HTTP: anyone raises one; an anonymous reporter is shown to admins
only and never written to the log in the clear, yet may not triage their own concern;
triage turns a concern into an incident or dismisses it."""

from datetime import datetime, timedelta

from tests.support.apps import auth
from tests.support.evidence import register_system

WHISTLE = "wanda.whistle"
REPORTER = auth(WHISTLE, "viewer", "risk_officer")
ADMIN = auth("ada", "admin")
RISK = auth("rita", "risk_officer")
APPROVER = auth("amy", "approver")
AUDITOR = auth("carol", "auditor")
VIEWER = auth("vic", "viewer")


def code(r) -> str:
    return r.json()["type"].rsplit("/", 1)[-1]


async def raise_concern(c, sid, anonymous=True, who=REPORTER):
    r = await c.post("/v1/concerns", headers=who, json={
        "description": "The CV ranker scores applicants with career gaps far lower.",
        "system_ids": [sid], "anonymous": anonymous,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return r


async def test_an_anonymous_reporter_is_shown_to_admins_only(service, store, pool):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        r = await raise_concern(c, sid, anonymous=True)
        concern, pos = r.json(), r.headers["aims-position"]
        assert concern["anonymous"] is True and concern["reporter"] is None
        assert concern["status"] == "open"
        path = f"/v1/concerns/{concern['id']}"
        seen = (await c.get(path, headers=ADMIN)).json()
        assert seen["reporter"] == seen["reported_by"] == WHISTLE
        for who in (RISK, AUDITOR, VIEWER, APPROVER, REPORTER):
            hidden = await c.get(path, headers=who)
            assert hidden.json()["reporter"] is None and WHISTLE not in hidden.text
        listed = await c.get(f"/v1/concerns?min_position={pos}", headers=ADMIN)
        assert [i["reporter"] for i in listed.json()["items"]] == [WHISTLE]
        assert "reporter_sealed" not in listed.json()["items"][0]
        others = await c.get(f"/v1/concerns?min_position={pos}", headers=AUDITOR)
        assert [i["reporter"] for i in others.json()["items"]] == [None]

        # Nobody reading the log, the trail or the reporting views learns who it was.
        trail = await c.get(f"/v1/audit-trail?system_id={sid}&min_position={pos}",
                            headers=AUDITOR)  # fmt: skip
        raised = next(i for i in trail.json()["items"] if i["type"] == "ConcernRaised")
        assert raised["actor"] == "anonymous"
        rows = await pool.fetch("SELECT data::text AS d, metadata::text AS m FROM events")
        assert not any(WHISTLE in row["d"] or WHISTLE in row["m"] for row in rows)
        trail_rows = await pool.fetch("SELECT t::text AS r FROM evidence_trail t")
        assert not any(WHISTLE in row["r"] for row in trail_rows)


async def test_a_named_reporter_is_shown_to_everyone(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        concern = (await raise_concern(c, sid, anonymous=False, who=VIEWER)).json()
        assert concern["reporter"] == "vic"
        got = await c.get(f"/v1/concerns/{concern['id']}", headers=AUDITOR)
        assert got.json()["reporter"] == "vic"


async def test_the_reporter_of_an_anonymous_concern_may_not_triage_it(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        concern = (await raise_concern(c, sid, anonymous=True)).json()
        path = f"/v1/concerns/{concern['id']}/triage"
        r = await c.post(path, json={"outcome": "dismissed", "reason": "mine"}, headers=REPORTER)
        assert r.status_code == 403 and code(r) == "separation_of_duties", r.text
        viewer = await c.post(path, json={"outcome": "dismissed", "reason": "x"}, headers=VIEWER)
        assert viewer.status_code == 403


async def test_triage_turns_a_concern_into_an_incident_reported_by_the_triager(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        concern = (await raise_concern(c, sid, anonymous=True)).json()
        path = f"/v1/concerns/{concern['id']}/triage"
        r = await c.post(path, headers=RISK, json={
            "outcome": "incident", "reason": "Confirmed by a fairness test on last month's data.",
            "severity": "high", "serious": True, "harm": ["fundamental_rights_infringement"],
        })  # fmt: skip
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["status"] == "incident" and out["triaged_by"] == "rita"
        incident = out["incident"]
        assert out["incident_id"] == incident["id"]
        assert incident["concern_id"] == concern["id"] and incident["reported_by"] == "rita"
        assert incident["system_ids"] == [sid] and incident["status"] == "detected"
        assert incident["title"].startswith("Concern: The CV ranker")
        # The clock runs from when the concern was raised: that is when the organisation knew.
        raised = datetime.fromisoformat(concern["created_at"])
        assert datetime.fromisoformat(incident["aware_at"]) == raised
        assert datetime.fromisoformat(incident["notification_due_at"]) == raised + timedelta(15)
        got = await c.get(f"/v1/incidents/{incident['id']}", headers=VIEWER)
        assert got.status_code == 200 and got.json()["deadline_rule"] == "art73_general"

        again = await c.post(path, json={"outcome": "dismissed", "reason": "x"}, headers=ADMIN)
        assert again.status_code == 409 and code(again) == "concern_triaged"

        # Neither the triager who reported the incident nor the concern's (anonymous)
        # reporter may close it.
        close = f"/v1/incidents/{incident['id']}/close"
        by_triager = await c.post(close, json={"resolution": "retrained"}, headers=RISK)
        assert by_triager.status_code == 403 and by_triager.json()["relation"] == "reporter"
        by_whistle = await c.post(close, json={"resolution": "retrained"}, headers=REPORTER)
        assert by_whistle.status_code == 403
        assert by_whistle.json()["relation"] == "concern_reporter"
        ok = await c.post(close, json={"resolution": "Retrained without the gap feature."},
                          headers=APPROVER)  # fmt: skip
        assert ok.status_code == 200, ok.text


async def test_triage_can_dismiss_a_concern_with_its_reason(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        concern = (await raise_concern(c, sid, anonymous=False, who=VIEWER)).json()
        r = await c.post(
            f"/v1/concerns/{concern['id']}/triage",
            headers=ADMIN,
            json={"outcome": "dismissed", "reason": "Not about an AI system."},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "dismissed" and r.json()["incident"] is None
        pos = r.headers["aims-position"]
        listed = await c.get(f"/v1/concerns?status=dismissed&min_position={pos}", headers=VIEWER)
        assert [i["id"] for i in listed.json()["items"]] == [concern["id"]]
        incidents = await c.get(f"/v1/incidents?min_position={pos}", headers=VIEWER)
        assert incidents.json()["items"] == []


async def test_a_concern_needs_a_description_and_known_systems(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        head = await store.head_position()
        for payload in (
            {"description": "", "system_ids": [sid]},
            {"system_ids": [sid]},
            {"description": "x", "system_ids": [sid], "anonymous": "perhaps"},
            {"description": "x", "system_ids": ["7b0c3c52-5a43-4a4a-9d53-8a3c5b1f0e11"]},
        ):
            r = await c.post("/v1/concerns", json=payload, headers=VIEWER)
            assert r.status_code == 422, (payload, r.text)
        assert await store.head_position() == head
