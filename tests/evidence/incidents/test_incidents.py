"""AI incidents over HTTP: deadlines at their boundaries, the overdue list, statuses,
notifications, the linked nonconformity, who may close, and bad input that writes nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.apps import auth
from tests.support.evidence import register_system

RISK = auth("rita", "risk_officer")
APPROVER = auth("amy", "approver")
ADMIN = auth("ada", "admin")
MLOPS = auth("mo", "mlops")
VIEWER = auth("vic", "viewer")


def code(r) -> str:
    """The problem's code (the last part of its type)."""
    return r.json()["type"].rsplit("/", 1)[-1]


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def body(sid: str, aware_days_ago: float = 1, **extra):
    aware = datetime.now(UTC) - timedelta(days=aware_days_ago)
    return {
        "system_ids": [sid], "title": "Chatbot gave wrong dosage advice",
        "description": "A user followed advice the assistant gave and was hospitalised.",
        "occurred_at": iso(aware - timedelta(hours=3)), "aware_at": iso(aware),
        "severity": "high", "serious": True, "widespread": False,
        "harm": ["serious_harm_to_health"], **extra,
    }  # fmt: skip


async def report(c, sid, who=RISK, **kw):
    r = await c.post("/v1/incidents", json=body(sid, **kw), headers=who)
    assert r.status_code == 201, r.text
    return r


async def test_a_serious_incident_is_due_15_days_after_awareness(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        r = await report(c, sid, aware_days_ago=1)
        inc = r.json()
        assert r.headers["location"] == f"/v1/incidents/{inc['id']}"
        aware = datetime.fromisoformat(inc["aware_at"])
        assert datetime.fromisoformat(inc["notification_due_at"]) == aware + timedelta(days=15)
        assert inc["deadline_rule"] == "art73_general"
        assert inc["deadline_article"] == "EU AI Act Art. 73(2)"
        assert inc["status"] == "detected" and inc["reported_by"] == "rita"
        assert inc["overdue"] is False and inc["system_ids"] == [sid]
        got = await c.get(f"/v1/incidents/{inc['id']}", headers=VIEWER)
        assert (
            got.status_code == 200
            and got.json()["notification_due_at"] == (inc["notification_due_at"])
        )
        assert got.headers["etag"] == '"1"'


async def test_the_overdue_list_holds_deadlines_at_their_boundaries(service, store):
    """Day 14 and the last minute of day 15 are in time, day 16 is late; the 10-day (death)
    and 2-day (widespread, critical infrastructure) rules likewise; an initial notification
    takes an incident off the list."""
    sid = await register_system(store, owner="olivia")
    minute = 1 / (24 * 60)
    # name -> (days since awareness, fields, overdue)
    cases: dict[str, tuple[float, dict[str, Any], bool]] = {
        "day 14": (14, {}, False),
        "day 15": (15 - minute, {}, False),
        "day 15 over": (15 + minute, {}, True),
        "day 16": (16, {}, True),
        "death day 9": (9, {"harm": ["death"]}, False),
        "death day 11": (11, {"harm": ["death"]}, True),
        "widespread day 1": (1, {"widespread": True}, False),
        "widespread day 3": (3, {"widespread": True}, True),
        "infrastructure day 3": (3, {"harm": ["critical_infrastructure_disruption"]}, True),
        "not serious day 40": (40, {"serious": False}, False),
    }
    async with service("evidence") as c:
        ids = {}
        for name, (days, fields, _) in cases.items():
            r = await report(c, sid, aware_days_ago=days, title=name, **fields)
            ids[name] = r.json()["id"]
        pos = r.headers["aims-position"]

        async def listed(query: str) -> set[str]:
            r = await c.get(f"/v1/incidents?{query}&min_position={pos}&limit=500", headers=VIEWER)
            assert r.status_code == 200, r.text
            return {i["title"] for i in r.json()["items"]}

        late = {name for name, (_, _, overdue) in cases.items() if overdue}
        assert await listed("overdue=true") == late
        assert await listed("overdue=false") == set(cases) - late
        assert await listed(f"overdue=true&system_id={sid}") == late

        sent = await c.post(f"/v1/incidents/{ids['day 16']}/notifications", headers=RISK, json={
            "authority": "Bundesnetzagentur", "sent_at": iso(datetime.now(UTC)),
            "reference": "MSA-2025-0042", "kind": "initial",
        })  # fmt: skip
        assert sent.status_code == 201, sent.text
        assert sent.json()["overdue"] is False
        assert sent.json()["notifications"][0]["on_time"] is False
        pos = sent.headers["aims-position"]
        assert await listed("overdue=true") == late - {"day 16"}


async def test_the_reporter_cannot_close_and_closing_needs_a_resolution(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        inc = (await report(c, sid, who=ADMIN)).json()
        path = f"/v1/incidents/{inc['id']}/close"
        refused = await c.post(path, json={"resolution": "Prompt fixed"}, headers=ADMIN)
        assert refused.status_code == 403, refused.text
        assert code(refused) == "separation_of_duties"
        assert refused.json()["relation"] == "reporter"
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await c.post(path, json={}, headers=APPROVER)).status_code == 422
        blank = await c.post(path, json={"resolution": "  "}, headers=APPROVER)
        assert blank.status_code == 422
        assert (await c.post(path, json={"resolution": "x"}, headers=MLOPS)).status_code == 403
        ok = await c.post(path, json={"resolution": "Prompt fixed, users told"}, headers=APPROVER)
        assert ok.status_code == 200, ok.text
        closed = ok.json()
        assert closed["status"] == "closed" and closed["closed_by"] == "amy"
        assert closed["resolution"] == "Prompt fixed, users told"
        again = await c.post(path, json={"resolution": "again"}, headers=RISK)
        assert again.status_code == 409 and code(again) == "incident_closed"


async def test_bad_input_is_a_422_that_writes_nothing(service, store):
    sid = await register_system(store, owner="olivia")
    future = iso(datetime.now(UTC) + timedelta(days=2))
    bad: list[dict[str, Any]] = [
        {"harm": ["stubbed_toe"]},
        {"severity": "apocalyptic"},
        {"system_ids": []},
        {"system_ids": ["not-a-uuid"]},
        {"aware_at": future},
        {"occurred_at": future},
        {"occurred_at": iso(datetime.now(UTC)), "aware_at": iso(datetime.now(UTC) - timedelta(1))},
        {"title": ""},
        {"aware_at": 1735689600},
        {"surprise": True},
        {"serious": 1},
    ]
    async with service("evidence") as c:
        head = await store.head_position()
        for change in bad:
            r = await c.post("/v1/incidents", json={**body(sid), **change}, headers=RISK)
            assert r.status_code == 422, (change, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        missing = body(sid)
        del missing["aware_at"]
        assert (await c.post("/v1/incidents", json=missing, headers=RISK)).status_code == 422
        unknown = await c.post("/v1/incidents", headers=RISK,
                               json=body("7b0c3c52-5a43-4a4a-9d53-8a3c5b1f0e11"))  # fmt: skip
        assert unknown.status_code == 422 and code(unknown) == "unknown_system"
        inc = (await report(c, sid)).json()
        head = await store.head_position()
        path = f"/v1/incidents/{inc['id']}"
        for sub, payload in [
            ("/status", {"to": "closed"}),
            ("/status", {"to": "sideways"}),
            ("/notifications", {"authority": "x", "sent_at": future, "kind": "initial"}),
            ("/notifications", {"authority": "x", "sent_at": iso(datetime.now(UTC)),
                                "kind": "carrier_pigeon"}),
            ("/classification", {"severity": "low", "serious": False}),  # no reason
            ("/close", {"resolution": ""}),
        ]:  # fmt: skip
            r = await c.post(path + sub, json=payload, headers=ADMIN)
            assert r.status_code == 422, (sub, payload, r.text)
        assert await store.head_position() == head


async def test_an_incident_moves_through_its_statuses(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        inc = (await report(c, sid)).json()
        path = f"/v1/incidents/{inc['id']}/status"
        for to in ("triaged", "reported", "investigating", "resolved"):
            r = await c.post(path, json={"to": to, "comment": f"now {to}"}, headers=RISK)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == to
        back = await c.post(path, json={"to": "triaged"}, headers=RISK)
        assert back.status_code == 409 and code(back) == "invalid_transition"
        closing = await c.post(path, json={"to": "closed"}, headers=RISK)
        assert closing.status_code == 422 and "to" in closing.json()["detail"]
        history = (await c.get(f"/v1/incidents/{inc['id']}", headers=VIEWER)).json()["history"]
        assert [h["to"] for h in history] == ["triaged", "reported", "investigating", "resolved"]
        stale = await c.post(
            path, json={"to": "investigating"}, headers={**RISK, "If-Match": '"2"'}
        )
        assert stale.status_code == 412


async def test_triage_can_find_an_incident_serious_and_the_deadline_follows(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        inc = (await report(c, sid, serious=False, harm=[], severity="medium")).json()
        assert inc["notification_due_at"] is None
        r = await c.post(f"/v1/incidents/{inc['id']}/classification", headers=RISK, json={
            "severity": "critical", "serious": True, "widespread": True, "harm": [],
            "reason": "The same failure reached customers in four member states.",
        })  # fmt: skip
        assert r.status_code == 200, r.text
        out = r.json()
        aware = datetime.fromisoformat(out["aware_at"])
        assert datetime.fromisoformat(out["notification_due_at"]) == aware + timedelta(days=2)
        assert out["deadline_article"] == "EU AI Act Art. 73(3)" and out["serious"] is True


async def test_an_incident_raises_a_linked_nonconformity_with_the_usual_corrective_action(
    service, store
):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        inc = (await report(c, sid)).json()
        r = await c.post(f"/v1/incidents/{inc['id']}/nonconformity", headers=RISK)
        assert r.status_code == 201, r.text
        nc = r.json()
        assert nc["incident_id"] == inc["id"] and nc["owner"] == "olivia"
        assert nc["system_id"] == sid and nc["raised_by"] == "rita"
        assert r.headers["location"] == f"/v1/nonconformities/{nc['id']}"
        got = (await c.get(f"/v1/incidents/{inc['id']}", headers=VIEWER)).json()
        assert got["nonconformity_ids"] == [nc["id"]]
        action = await c.post(f"/v1/nonconformities/{nc['id']}/corrective-actions", headers=RISK,
                              json={"description": "Add a dosage guardrail", "owner": "olivia",
                                    "due": "2030-01-01"})  # fmt: skip
        assert action.status_code == 201, action.text
        other = await c.post(
            f"/v1/incidents/{inc['id']}/nonconformity",
            headers=RISK,
            json={"system_id": "7b0c3c52-5a43-4a4a-9d53-8a3c5b1f0e11"},
        )
        assert other.status_code == 422 and code(other) == "system_mismatch"


async def test_who_may_report_and_handle_incidents(service, store):
    sid = await register_system(store, owner="olivia")
    async with service("evidence") as c:
        assert (await c.post("/v1/incidents", json=body(sid), headers=VIEWER)).status_code == 403
        inc = (await report(c, sid, who=MLOPS)).json()
        path = f"/v1/incidents/{inc['id']}"
        status = await c.post(path + "/status", json={"to": "triaged"}, headers=VIEWER)
        assert status.status_code == 403
        status = await c.post(path + "/status", json={"to": "triaged"}, headers=MLOPS)
        assert status.status_code == 200, status.text
        notify = {"authority": "AESIA", "sent_at": iso(datetime.now(UTC)), "kind": "initial"}
        assert (
            await c.post(path + "/notifications", json=notify, headers=MLOPS)
        ).status_code == 403
        assert (await c.get("/v1/incidents", headers=VIEWER)).status_code == 200


async def test_incidents_show_in_the_audit_trail_of_their_systems(service, store):
    a = await register_system(store, owner="olivia")
    b = await register_system(store, owner="oscar", name="Chatbot")
    async with service("evidence") as c:
        r = await report(c, a, system_ids=[a, b])
        inc = r.json()
        sent = await c.post(f"/v1/incidents/{inc['id']}/notifications", headers=RISK, json={
            "authority": "AGCOM", "sent_at": iso(datetime.now(UTC)), "kind": "initial",
        })  # fmt: skip
        pos = sent.headers["aims-position"]
        for sid in (a, b):
            trail = await c.get(f"/v1/audit-trail?system_id={sid}&min_position={pos}",
                                headers=VIEWER)  # fmt: skip
            types = [i["type"] for i in trail.json()["items"]]
            assert types[:2] == ["IncidentNotificationSent", "IncidentReported"], types
        entry = trail.json()["items"][1]
        assert entry["actor"] == "rita" and "Chatbot gave wrong dosage advice" in entry["summary"]
        assert entry["links"]["incident_id"] == inc["id"]
