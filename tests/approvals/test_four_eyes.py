"""The walk-arounds of protection, tried again: each change now waits for a second person.

A risk owner lowering their own critical risk, someone closing a risk above appetite, an
owner downgrading a tier: each answers 202 with a pending approval, nothing else changes
(the gate first keeps the more protective value), the people involved cannot approve,
a rejection changes nothing, and an approval takes effect as one event citing it.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

from tests.support.approvals import CHECKER, approved
from tests.support.apps import auth
from tests.support.registry import DEPLOY_CONTROLS, add_version, decide, record_evidence

ADMIN = auth("ada", "admin")
OLGA = auth("olga", "system_owner", "risk_officer")  # owns the system and the risk
VIEWER = auth("vic", "viewer")


async def _apps(stack, service, *names):
    return [await stack.enter_async_context(service(n)) for n in names]


async def _critical(risk, system_id, owner="olga", headers=OLGA):
    body = {
        "system_id": system_id, "title": "Wrongful denials", "category": "fairness",
        "likelihood": 5, "consequence": 5, "affects": ["individuals"], "owner": owner,
    }  # fmt: skip
    r = await risk.post("/v1/risks", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _events(pool):
    return await pool.fetchval("SELECT count(*) FROM events")


async def test_a_risk_owner_cannot_lower_their_own_critical_risk_past_the_gate(
    service, pool, store
):
    async with AsyncExitStack() as stack:
        registry, risk = await _apps(stack, service, "registry", "risk")
        body = {"name": "Scorer", "purpose": "loans", "owner": "olga", "eu_ai_act_tier": "limited"}
        system = (await registry.post("/v1/systems", json=body, headers=ADMIN)).json()
        await add_version(registry, system["id"])
        await record_evidence(store, system["id"], DEPLOY_CONTROLS)
        crit = await _critical(risk, system["id"])
        url = f"/v1/risks/{crit['id']}"

        lowered = await risk.post(f"{url}/residual", json={"likelihood": 1, "consequence": 1},
                                  headers=OLGA)  # fmt: skip
        assert lowered.status_code == 202, lowered.text
        pending = lowered.json()
        assert (pending["status"], pending["decision"]) == ("pending", "risk.lowered_to_appetite")
        assert pending["excluded"] == {"requester": ["olga"], "author": ["olga"],
                                       "revisers": ["olga"], "risk_owner": ["olga"],
                                       "system_owner": ["olga"]}  # fmt: skip
        assert pending["sod_policy"]["sha256"] and lowered.headers["location"] == pending["href"]
        # Nothing lowered: the risk and the gate keep the critical level.
        got = (await risk.get(url, headers=VIEWER)).json()
        assert got["residual"] is None and got["above_appetite"] is True
        pos = int(lowered.headers["aims-position"])
        gate = (await decide(registry, system["id"], min_position=pos)).json()
        assert gate["decision"] == "deny", gate

        # The owner, and an approver who owns the risk, may not approve; nothing is written.
        before = await _events(pool)
        for who in (OLGA, auth("olga", "approver")):
            r = await risk.post(f"{pending['href']}/approve", json={}, headers=who)
            assert r.status_code == 403 and r.json()["type"].endswith("separation_of_duties")
        not_approver = await risk.post(f"{pending['href']}/approve", json={},
                                       headers=auth("rob", "risk_officer"))  # fmt: skip
        assert not_approver.status_code == 403 and not_approver.json()["type"].endswith(
            "not_approver"
        )
        assert await _events(pool) == before

        # A rejection records the reason and changes nothing.
        no_reason = await risk.post(f"{pending['href']}/reject", json={}, headers=CHECKER)
        assert no_reason.status_code == 422
        rejected = await risk.post(f"{pending['href']}/reject",
                                   json={"comment": "the controls are not in place"},
                                   headers=CHECKER)  # fmt: skip
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert (await risk.get(url, headers=VIEWER)).json()["residual"] is None
        twice = await risk.post(f"{pending['href']}/approve", json={}, headers=CHECKER)
        assert twice.status_code == 409 and twice.json()["type"].endswith("approval_decided")

        # Asked again and approved by someone else: one event, citing the approval.
        again = await risk.post(f"{url}/residual", json={"likelihood": 1, "consequence": 1},
                                headers=OLGA)  # fmt: skip
        done = await approved(risk, again)
        assert (done.json()["decided_by"], done.json()["comment"]) == ("cora", "checked")
        row = await pool.fetchrow(
            "SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1",
            f"risk-{crit['id']}",
        )
        assert row["type"] == "ResidualRiskAssessed"
        data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
        assert data["approval"]["approval_id"] == again.json()["approval_id"]
        assert data["approval"]["approved_by"] == "cora"
        got = (await risk.get(url, headers=VIEWER)).json()
        assert got["residual"]["level"] == "low" and got["above_appetite"] is False
        head = await pool.fetchval("SELECT max(position) FROM events")
        listed = await risk.get(f"/v1/approvals?min_position={head}", headers=VIEWER)
        statuses = {a["approval_id"]: a["status"] for a in listed.json()["items"]}
        assert statuses == {pending["approval_id"]: "rejected",
                            again.json()["approval_id"]: "approved"}  # fmt: skip
        pending_only = await risk.get("/v1/approvals?status=pending", headers=VIEWER)
        assert pending_only.json()["items"] == []


async def test_closing_a_risk_above_appetite_waits_and_a_stale_request_is_refused(service, pool):
    async with AsyncExitStack() as stack:
        (risk,) = await _apps(stack, service, "risk")
        crit = await _critical(risk, "7f1c0000-0000-4000-8000-000000000001")
        url = f"/v1/risks/{crit['id']}"
        other_owner = auth("sam", "system_owner")
        closing = await risk.post(f"{url}/close", json={"reason": "not ours"}, headers=other_owner)
        assert (
            closing.status_code == 202
            and closing.json()["decision"] == "risk.closed_above_appetite"
        )
        assert (await risk.get(url, headers=VIEWER)).json()["status"] != "closed"
        # The risk changes before anyone approves: the request no longer fits.
        r = await risk.post(f"{url}/assessments", json={"likelihood": 4, "reason": "new data"},
                            headers=OLGA)  # fmt: skip
        assert r.status_code == 200, r.text
        before = await _events(pool)
        stale = await risk.post(f"{closing.json()['href']}/approve", json={}, headers=CHECKER)
        assert stale.status_code == 409 and stale.json()["type"].endswith("approval_stale")
        assert await _events(pool) == before
        # Another service does not know this approval.
        async with service("registry") as registry:
            elsewhere = await registry.get(closing.json()["href"], headers=VIEWER)
            assert elsewhere.status_code == 404


async def test_a_tier_downgrade_waits_and_the_gate_keeps_the_higher_tier(service, pool):
    async with AsyncExitStack() as stack:
        (registry,) = await _apps(stack, service, "registry")
        body = {"name": "Scorer", "purpose": "loans", "owner": "olga", "eu_ai_act_tier": "high"}
        system = (await registry.post("/v1/systems", json=body, headers=ADMIN)).json()
        url = f"/v1/systems/{system['id']}"
        owner = auth("olga", "system_owner")
        down = await registry.patch(url, json={"eu_ai_act_tier": "minimal", "name": "Scorer 2"},
                                    headers=owner)  # fmt: skip
        assert down.status_code == 202 and down.json()["decision"] == "system.tier_downgrade"
        got = (await registry.get(url, headers=VIEWER)).json()
        assert (got["eu_ai_act_tier"], got["name"]) == ("high", "Scorer")
        # Via "unassessed" is no way round: the last assessed tier still counts.
        await registry.post(f"{down.json()['href']}/reject", json={"comment": "no"},
                            headers=CHECKER)  # fmt: skip
        via = await registry.patch(url, json={"eu_ai_act_tier": "unassessed"}, headers=owner)
        assert via.status_code == 200
        down = await registry.patch(url, json={"eu_ai_act_tier": "minimal"}, headers=owner)
        assert down.status_code == 202
        own = await registry.post(f"{down.json()['href']}/approve", json={},
                                  headers=auth("olga", "approver"))  # fmt: skip
        assert own.status_code == 403
        await approved(registry, down)
        assert (await registry.get(url, headers=VIEWER)).json()["eu_ai_act_tier"] == "minimal"


async def test_an_owner_hands_a_system_on_only_with_an_admins_approval(service):
    async with AsyncExitStack() as stack:
        (registry,) = await _apps(stack, service, "registry")
        body = {"name": "Scorer", "purpose": "loans", "owner": "olga", "eu_ai_act_tier": "high"}
        system = (await registry.post("/v1/systems", json=body, headers=ADMIN)).json()
        url = f"/v1/systems/{system['id']}"
        hand = await registry.patch(url, json={"owner": "mallory"},
                                    headers=auth("olga", "system_owner"))  # fmt: skip
        assert hand.status_code == 202 and hand.json()["decision"] == "system.owner_reassignment"
        taker = await registry.post(f"{hand.json()['href']}/approve", json={},
                                    headers=auth("mallory", "admin"))  # fmt: skip
        assert taker.status_code == 403 and taker.json()["relation"] == "proposed_owner"
        approver = await registry.post(f"{hand.json()['href']}/approve", json={},
                                       headers=auth("alex", "approver"))  # fmt: skip
        assert approver.status_code == 403 and approver.json()["type"].endswith("not_approver")
        await approved(registry, hand)
        assert (await registry.get(url, headers=VIEWER)).json()["owner"] == "mallory"


async def test_the_policy_is_served_and_recorded_with_every_event(service, pool):
    async with service("risk") as risk:
        doc = (await risk.get("/v1/policies/separation-of-duties", headers=VIEWER)).json()
        assert doc["decisions"]["impact_assessment.approval"]["exclude"] == [
            "author", "revisers", "submitters", "system_owner"]  # fmt: skip
        await _critical(risk, "7f1c0000-0000-4000-8000-000000000002")
        meta = await pool.fetchval("SELECT metadata::jsonb->>'sod_policy' FROM events LIMIT 1")
        assert json.loads(meta) == {"version": doc["version"], "sha256": doc["sha256"]}
