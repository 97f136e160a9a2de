"""Acceptance of residual risk over HTTP: SoD, binding, voiding, expiry, repair."""

from datetime import UTC, datetime, timedelta

from services.risk.register.reactor import sweep_expired
from tests.support.approvals import approved
from tests.support.apps import auth
from tests.support.risk import (
    APPROVER,
    APPROVER2,
    OFFICER,
    OWNER,
    VIEWER,
    event_count,
    later,
    new_risk,
)


async def _request(c, risk, headers=OWNER, days=90):
    r = await c.post(
        f"/v1/risks/{risk['id']}/acceptance-requests",
        json={"justification": "fix costs more than the harm", "expires_at": later(days)},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_an_approver_other_than_the_requester_accepts_the_risk(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        acc = await _request(c, risk)
        assert acc["risk_version"] == 1 and acc["status"] == "requested"
        assert (
            await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=OFFICER)
        ).status_code == 403
        r = await c.post(
            f"/v1/acceptances/{acc['id']}/approve", json={"comment": "ok"}, headers=APPROVER
        )
        assert r.status_code == 200 and r.json()["decided_by"] == "alex"
        got = await c.get(f"/v1/risks/{risk['id']}", headers=VIEWER)
        assert got.json()["status"] == "accepted" and got.json()["acceptance"]["id"] == acc["id"]
        pos = r.headers["aims-position"]
        listed = await c.get(f"/v1/risks?status=accepted&min_position={pos}", headers=VIEWER)
        assert [i["id"] for i in listed.json()["items"]] == [risk["id"]]
        again = await c.post(f"/v1/acceptances/{acc['id']}/reject", headers=APPROVER2)
        assert again.status_code == 409


async def test_the_requester_approving_their_own_request_gets_403_and_writes_nothing(service, pool):
    async with service("risk") as c:
        both = auth("olga", "system_owner", "approver")
        acc = await _request(c, await new_risk(c), headers=both)
        before = await event_count(pool)
        r = await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=both)
        assert r.status_code == 403 and r.json()["type"].endswith("separation_of_duties")
        assert await event_count(pool) == before
        rejected = await c.post(f"/v1/acceptances/{acc['id']}/reject", headers=APPROVER)
        assert rejected.json()["status"] == "rejected"


async def test_someone_who_is_not_the_risk_owner_may_not_ask(service, pool):
    async with service("risk") as c:
        risk = await new_risk(c)
        stranger = auth("sam", "system_owner")
        r = await c.post(
            f"/v1/risks/{risk['id']}/acceptance-requests",
            json={"justification": "x", "expires_at": later()},
            headers=stranger,
        )
        assert r.status_code == 403
        for body in (
            {"justification": "", "expires_at": later()},
            {"justification": "x", "expires_at": later(-1)},
            {"justification": "x", "expires_at": "2030-01-01T00:00:00"},
        ):
            r = await c.post(
                f"/v1/risks/{risk['id']}/acceptance-requests", json=body, headers=OWNER
            )
            assert r.status_code == 422, body
        assert await event_count(pool) == 1


async def test_an_acceptance_is_void_once_the_risk_changes(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        acc = await _request(c, risk)
        await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=APPROVER)
        treat = {
            "option": "modify",
            "controls": ["A.7.4"],
            "plan": "rebalance",
            "owner": "olga",
            "due": "2031-01-01",
        }
        r = await c.post(f"/v1/risks/{risk['id']}/treatments", json=treat, headers=OFFICER)
        assert r.status_code == 201
        got = await c.get(f"/v1/acceptances/{acc['id']}", headers=VIEWER)
        assert (got.json()["status"], got.json()["void_reason"]) == ("voided", "risk_changed")
        risk_now = await c.get(f"/v1/risks/{risk['id']}", headers=VIEWER)
        assert risk_now.json()["status"] == "treatment_planned"


async def test_a_pending_request_cannot_be_approved_after_the_risk_changed(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        acc = await _request(c, risk)
        lowered = await c.post(
            f"/v1/risks/{risk['id']}/residual",
            json={"likelihood": 2, "consequence": 2},
            headers=OFFICER,
        )
        await approved(c, lowered)
        r = await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=APPROVER)
        assert r.status_code == 409


async def test_retaining_a_risk_above_appetite_needs_an_accepted_request(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        r = await c.post(
            f"/v1/risks/{risk['id']}/treatments",
            json={"option": "retain", "plan": "accept it", "owner": "olga", "due": "2031-01-01"},
            headers=OFFICER,
        )
        done = f"/v1/risks/{risk['id']}/treatments/{r.json()['id']}/complete"
        refused = await c.post(done, headers=OFFICER)
        assert refused.status_code == 409 and refused.json()["type"].endswith("acceptance_required")
        acc = await _request(c, risk)
        await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=APPROVER)
        ok = await c.post(done, headers=OFFICER)
        assert ok.status_code == 200 and ok.json()["status"] == "accepted"


async def test_expired_acceptances_are_voided_by_the_sweep(service):
    async with service("risk") as c:
        risk = await new_risk(c)
        acc = await _request(c, risk, days=1)
        r = await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=APPROVER)
        await c.get(f"/v1/acceptances?min_position={r.headers['aims-position']}", headers=VIEWER)
        app = c.app
        future = datetime.now(UTC) + timedelta(days=2)
        assert await sweep_expired(app.state.pool, app.state.repo, future) == 1
        got = await c.get(f"/v1/acceptances/{acc['id']}", headers=VIEWER)
        assert (got.json()["status"], got.json()["void_reason"]) == ("voided", "expired")
        assert await sweep_expired(app.state.pool, app.state.repo, future) == 0


async def test_the_reactor_voids_an_acceptance_a_crash_left_standing(service, store):
    async with service("risk") as c:
        risk = await new_risk(c)
        acc = await _request(c, risk)
        await c.post(f"/v1/acceptances/{acc['id']}/approve", headers=APPROVER)
        # A risk change appended without its void, as if the process died between the two.
        from shared.kernel.eventstore import NewEvent

        data = {
            "risk_id": risk["id"],
            "system_id": risk["system_id"],
            "likelihood": 1,
            "consequence": 1,
            "level": "low",
            "criteria_version": 0,
        }
        result = await store.append(
            f"risk-{risk['id']}", [NewEvent("ResidualRiskAssessed", data)], expected_version=1
        )
        await c.get(f"/v1/acceptances?min_position={result.position}", headers=VIEWER)
        got = await c.get(f"/v1/acceptances/{acc['id']}", headers=VIEWER)
        assert (got.json()["status"], got.json()["void_reason"]) == ("voided", "risk_changed")


async def test_an_idempotent_retry_of_a_request_writes_nothing_new(service, pool):
    async with service("risk") as c:
        risk = await new_risk(c)
        body = {"justification": "x", "expires_at": later()}
        h = {**OWNER, "Idempotency-Key": "req-1"}
        first = await c.post(f"/v1/risks/{risk['id']}/acceptance-requests", json=body, headers=h)
        count = await event_count(pool)
        again = await c.post(f"/v1/risks/{risk['id']}/acceptance-requests", json=body, headers=h)
        assert again.json()["id"] == first.json()["id"] and await event_count(pool) == count
