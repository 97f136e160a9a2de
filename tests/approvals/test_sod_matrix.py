"""Every decision of the separation-of-duties file x every relation it excludes, over HTTP.

The cases come from the packaged policy itself: for each decision and each excluded
relation a scenario puts one person (who holds every role, so only separation of duties
can stop them) in that relation to a fresh thing, and that person's decision is refused
with 403 `separation_of_duties` and writes nothing. An outsider with the same roles may
decide each one.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.registry.gate.domain import DEFAULT_POLICY
from shared.domain.sod import ROLES, default_policy
from tests.support.apps import auth
from tests.support.operation import DRIFT, breaches, observation, observe
from tests.support.risk import later

ALL = sorted(ROLES)
ADMIN = auth("ada", "admin")
OFFICER = auth("rita", "risk_officer")
P = "pat"  # the person standing in the relation under test


def as_(sub: str, *roles: str) -> dict[str, str]:
    return auth(sub, *(roles or ALL))


@dataclass
class Clients:
    registry: httpx.AsyncClient
    risk: httpx.AsyncClient
    evidence: httpx.AsyncClient


Decide = Callable[[dict[str, str]], Awaitable[httpx.Response]]


def ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    assert r.status_code in (codes or (200, 201)), r.text
    return dict(r.json())


async def system(c: Clients, owner: str, tier: str = "high") -> str:
    body = {"name": "Scorer", "purpose": "score loans", "owner": owner, "eu_ai_act_tier": tier}
    return str(ok(await c.registry.post("/v1/systems", json=body, headers=ADMIN))["id"])


async def risky(c: Clients, rel: str) -> tuple[str, str]:
    """A critical risk with P in `rel` (author, revisers, risk_owner, system_owner)."""
    sid = await system(c, P if rel == "system_owner" else "sam")
    body = {
        "system_id": sid, "title": "Harm", "category": "fairness", "likelihood": 5,
        "consequence": 5, "affects": ["individuals"],
        "owner": P if rel == "risk_owner" else "olga",
    }  # fmt: skip
    risk = ok(
        await c.risk.post("/v1/risks", json=body, headers=as_(P) if rel == "author" else OFFICER)
    )
    if rel == "revisers":
        plan = {"option": "modify", "controls": ["A.6.2.4"], "plan": "fix", "owner": "olga",
                "due": "2031-01-01"}  # fmt: skip
        ok(await c.risk.post(f"/v1/risks/{risk['id']}/treatments", json=plan, headers=as_(P)))
    return sid, str(risk["id"])


def approval(c: httpx.AsyncClient, pending: httpx.Response) -> Decide:
    where = ok(pending, 202)["href"]

    async def decide(headers: dict[str, str]) -> httpx.Response:
        return await c.post(f"{where}/approve", json={"comment": "ok"}, headers=headers)

    return decide


async def lowered(c: Clients, rel: str) -> Decide:
    _, rid = await risky(c, rel)
    who = as_(P) if rel == "requester" else OFFICER
    score = {"likelihood": 1, "consequence": 1}
    pending = await c.risk.post(f"/v1/risks/{rid}/residual", json=score, headers=who)
    return approval(c.risk, pending)


async def closed(c: Clients, rel: str) -> Decide:
    _, rid = await risky(c, rel)
    who = as_(P) if rel == "requester" else OFFICER
    pending = await c.risk.post(f"/v1/risks/{rid}/close", json={"reason": "gone"}, headers=who)
    return approval(c.risk, pending)


async def downgrade(c: Clients, rel: str) -> Decide:
    sid = await system(c, P if rel == "system_owner" else "sam")
    who = as_(P) if rel == "requester" else ADMIN
    pending = await c.registry.patch(f"/v1/systems/{sid}", json={"eu_ai_act_tier": "minimal"},
                                     headers=who)  # fmt: skip
    return approval(c.registry, pending)


async def handover(c: Clients, rel: str) -> Decide:
    # Only an owner who is not an admin asks; so the requester is the owner here.
    owner = P if rel in ("requester", "system_owner") else "sam"
    sid = await system(c, owner)
    to = P if rel == "proposed_owner" else "tess"
    pending = await c.registry.patch(f"/v1/systems/{sid}", json={"owner": to},
                                     headers=auth(owner, "system_owner"))  # fmt: skip
    return approval(c.registry, pending)


async def exclusion(c: Clients, rel: str) -> Decide:
    control = f"A.{uuid.uuid4().int % 3 + 2}.2"  # any control; the entry is fresh per database
    if rel == "revisers":
        body = {"applicable": True, "justification": "needed"}
        ok(await c.risk.put(f"/v1/soa/controls/{control}", json=body, headers=as_(P)))
    who = as_(P) if rel == "requester" else OFFICER
    pending = await c.risk.put(f"/v1/soa/controls/{control}",
                               json={"applicable": False, "justification": "no customers"},
                               headers=who)  # fmt: skip
    return approval(c.risk, pending)


async def criteria(c: Clients, rel: str) -> Decide:
    got = ok(await c.risk.get("/v1/criteria", headers=ADMIN))
    doc = {k: got[k] for k in ("likelihood_labels", "consequence_labels", "levels", "matrix")}
    doc["appetite"] = got["levels"][-1]
    pending = await c.risk.put("/v1/criteria", json=doc, headers=as_(P))
    return approval(c.risk, pending)


async def acceptance(c: Clients, rel: str) -> Decide:
    _, rid = await risky(c, "")
    body = {"justification": "costs more than the harm", "expires_at": later()}
    acc = ok(await c.risk.post(f"/v1/risks/{rid}/acceptance-requests", json=body, headers=as_(P)))

    async def decide(headers: dict[str, str]) -> httpx.Response:
        return await c.risk.post(f"/v1/acceptances/{acc['id']}/approve", json={}, headers=headers)

    return decide


async def impact(c: Clients, rel: str) -> Decide:
    sid = await system(c, P if rel == "system_owner" else "sam")
    body = {"system_id": sid, "intended_use": "score loans", "severity": "high",
            "reversibility": "reversible"}  # fmt: skip
    author = as_(P) if rel == "author" else OFFICER
    ia = ok(await c.risk.post("/v1/impact-assessments", json=body, headers=author))
    url = f"/v1/impact-assessments/{ia['id']}"
    if rel == "revisers":
        ok(await c.risk.patch(url, json={"severity": "critical"}, headers=as_(P)))
    ok(await c.risk.post(f"{url}/submit", headers=as_(P) if rel == "submitters" else OFFICER))

    async def decide(headers: dict[str, str]) -> httpx.Response:
        return await c.risk.post(f"{url}/approve", json={}, headers=headers)

    return decide


async def nonconformity(c: Clients, rel: str) -> Decide:
    body = {
        "title": "Drift",
        "description": "unchecked",
        "owner": P if rel == "owner" else "olivia",
    }
    raiser = as_(P) if rel == "raiser" else auth("quinn", "auditor")
    nc = ok(await c.evidence.post("/v1/nonconformities", json=body, headers=raiser))
    url = f"/v1/nonconformities/{nc['id']}"
    if rel == "action_owners":
        action = {"description": "add a monitor", "owner": P, "due": "2031-01-01"}
        ok(await c.evidence.post(f"{url}/corrective-actions", json=action, headers=ADMIN))

    async def decide(headers: dict[str, str]) -> httpx.Response:
        review = {"effectiveness_review": "fine", "effective": True}
        return await c.evidence.post(f"{url}/close", json=review, headers=headers)

    return decide


def incident_body(sid: str) -> dict[str, Any]:
    aware = datetime.now(UTC) - timedelta(hours=2)
    return {
        "system_ids": [sid], "title": "Wrong dosage advice", "description": "a user was hurt",
        "occurred_at": (aware - timedelta(hours=1)).isoformat(), "aware_at": aware.isoformat(),
        "severity": "high", "serious": True, "widespread": False,
        "harm": ["serious_harm_to_health"],
    }  # fmt: skip


async def concern(c: Clients, sid: str, reporter: str) -> str:
    body = {"description": "the ranker skips older applicants", "system_ids": [sid],
            "anonymous": True}  # fmt: skip
    return str(ok(await c.evidence.post("/v1/concerns", json=body, headers=as_(reporter)))["id"])


async def incident(c: Clients, rel: str) -> Decide:
    sid = await system(c, "sam")
    head = await c.registry.get("/v1/systems?limit=1", headers=ADMIN)
    await c.evidence.get(f"/v1/incidents?min_position={head.headers.get('aims-position', 0)}",
                         headers=ADMIN)  # fmt: skip
    if rel == "concern_reporter":
        cid = await concern(c, sid, P)
        triage = {"outcome": "incident", "reason": "confirmed", "severity": "high",
                  "serious": True, "harm": ["serious_harm_to_health"]}  # fmt: skip
        made = ok(await c.evidence.post(f"/v1/concerns/{cid}/triage", json=triage,
                                        headers=OFFICER))  # fmt: skip
        url = f"/v1/incidents/{made['incident']['id']}"
    else:
        reporter = as_(P) if rel == "reporter" else OFFICER
        made = ok(await c.evidence.post("/v1/incidents", json=incident_body(sid), headers=reporter))
        url = f"/v1/incidents/{made['id']}"

    async def decide(headers: dict[str, str]) -> httpx.Response:
        return await c.evidence.post(f"{url}/close", json={"resolution": "fixed"}, headers=headers)

    return decide


async def triage(c: Clients, rel: str) -> Decide:
    sid = await system(c, "sam")
    cid = await concern(c, sid, P)

    async def decide(headers: dict[str, str]) -> httpx.Response:
        body = {"outcome": "dismissed", "reason": "not an issue"}
        return await c.evidence.post(f"/v1/concerns/{cid}/triage", json=body, headers=headers)

    return decide


async def breach(c: Clients, rel: str) -> Decide:
    sid = await system(c, P)
    plan = {"metrics": [DRIFT], "review_every_days": 30}
    ok(await c.registry.put(f"/v1/systems/{sid}/monitoring", json=plan, headers=ADMIN))
    seen = await observe(c.registry, sid, [observation(0.9)])
    assert seen.status_code in (200, 201, 202), seen.text
    found = await breaches(c.registry, sid, int(seen.headers["aims-position"]))
    url = f"/v1/systems/{sid}/breaches/{found[0]['id']}/review"

    async def decide(headers: dict[str, str]) -> httpx.Response:
        body = {"decision": "accept", "comment": "within tolerance"}
        return await c.registry.post(url, json=body, headers=headers)

    return decide


# Management-system records: (how P writes one, its body, how P revises it, the revision).
OBJECTIVE = {"title": "Fairness", "measure": "approval-rate gap", "target": 2, "due": "2031-01-01",
             "owner": "olga"}  # fmt: skip
SUPPLIER = {"name": "LLM Inc.", "services": ["hosted model"], "due_diligence": "passed"}
RECORDS: dict[str, tuple[str, str, dict[str, Any], str, str, dict[str, Any]]] = {
    "policy.approval": ("POST", "/v1/policies", {"title": "AI policy", "body": "v1"},
                        "POST", "/versions", {"title": "AI policy", "body": "v2"}),
    "scope.approval": ("PUT", "/v1/scope", {"statement": "All AI systems"},
                       "PUT", "", {"statement": "All AI systems, EU sites"}),
    "objective.approval": ("POST", "/v1/objectives", OBJECTIVE,
                           "PUT", "", {**OBJECTIVE, "target": 1}),
    "supplier.approval": ("POST", "/v1/suppliers", SUPPLIER,
                          "PUT", "", {**SUPPLIER, "contract_ref": "MSA-2"}),
}  # fmt: skip


def record(decision: str) -> Callable[[Clients, str], Awaitable[Decide]]:
    """A record P wrote (author) or revised (revisers), waiting for its approval."""
    method, path, body, how, suffix, revision = RECORDS[decision]

    async def scenario(c: Clients, rel: str) -> Decide:
        author = as_(P) if rel == "author" else OFFICER
        made = ok(await c.risk.request(method, path, json=body, headers=author))
        url = path if method == "PUT" else f"{path}/{made['id']}"
        if rel == "revisers":
            ok(await c.risk.request(how, url + suffix, json=revision, headers=as_(P)))

        async def decide(headers: dict[str, str]) -> httpx.Response:
            return await c.risk.post(f"{url}/approve", json={}, headers=headers)

        return decide

    return scenario


async def gate_policy(c: Clients, rel: str) -> Decide:
    text = DEFAULT_POLICY.read_text().replace('version: "', 'version: "matrix-', 1)
    pending = await c.registry.put("/v1/gate-policy", json={"document": text}, headers=as_(P))
    return approval(c.registry, pending)


SCENARIOS: dict[str, Callable[[Clients, str], Awaitable[Decide]]] = {
    "gate_policy.change": gate_policy,
    "incident.closure": incident, "concern.triage": triage, "breach.review": breach,
    "risk.lowered_to_appetite": lowered, "risk.closed_above_appetite": closed,
    "system.tier_downgrade": downgrade, "system.owner_reassignment": handover,
    "soa.exclusion": exclusion, "criteria.change": criteria, "risk.acceptance": acceptance,
    "impact_assessment.approval": impact, "nonconformity.closure": nonconformity,
    **{decision: record(decision) for decision in RECORDS},
}  # fmt: skip
POLICY = default_policy()
CASES = [(d, rel) for d, rule in POLICY.rules.items() for rel in rule.exclude]


def test_every_decision_of_the_policy_has_a_scenario():
    assert set(SCENARIOS) == set(POLICY.rules)


@pytest.mark.parametrize(("decision", "relation"), CASES, ids=[f"{d}-{r}" for d, r in CASES])
async def test_an_excluded_person_cannot_decide(service, pool, decision, relation):
    async with AsyncExitStack() as stack:
        c = Clients(*[await stack.enter_async_context(service(s))
                      for s in ("registry", "risk", "evidence")])  # fmt: skip
        decide = await SCENARIOS[decision](c, relation)
        before = await pool.fetchval("SELECT max(position) FROM events")
        refused = await decide(as_(P))
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["type"].endswith("separation_of_duties"), problem
        # Only the owner asks to hand a system on: they are its requester as well.
        also = {"requester"} if decision == "system.owner_reassignment" else set()
        assert problem["relation"] in {relation} | also
        assert await pool.fetchval("SELECT max(position) FROM events") == before
        allowed = await decide(as_("otto"))
        assert allowed.status_code not in (401, 403), allowed.text
