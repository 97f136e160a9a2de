"""Deployment decisions and deployments over HTTP, with facts from the shared log."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from shared.contract.events import evidence as ev
from shared.contract.events import risk as rk
from tests.support.apps import auth
from tests.support.operation import oversee
from tests.support.registry import (
    ADMIN,
    DEPLOY_CONTROLS,
    MLOPS,
    OWNER,
    VIEWER,
    accept,
    add_version,
    approve_impact,
    at_verification,
    decide,
    identify_risk,
    put,
    ready,
    record_evidence,
    register,
    treat,
)


async def test_a_ready_system_is_allowed_and_the_decision_records_its_basis(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    pos = await ready(store, s["id"])
    r = await decide(c, s["id"], min_position=pos)
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["decision"], d["reasons"], d["mode"]) == ("allow", [], "enforce")
    assert d["policy_version"] == "2025.2" and len(d["policy_hash"]) == 64
    kinds = {k.split("-", 1)[0] for k in d["basis"]["streams"]}
    assert kinds == {"system", "risk", "acceptance", "evidence"}
    assert d["basis"]["position"] >= pos
    stored = await c.get(f"/v1/deployment-decisions/{d['decision_id']}", headers=VIEWER)
    assert stored.json()["basis"] == d["basis"]
    hist = (await c.get(f"/v1/systems/{s['id']}/history?min_position="
                        f"{r.headers['aims-position']}", headers=VIEWER)).json()  # fmt: skip
    made = [e for e in hist["items"] if e["type"] == "DeploymentDecisionMade"]
    assert made[0]["data"]["decision_id"] == d["decision_id"] and made[0]["actor"] == "max"
    listed = (await c.get("/v1/systems?last_decision=allow", headers=VIEWER)).json()["items"]
    assert s["id"] in [x["id"] for x in listed]


async def test_a_system_that_is_not_ready_is_denied_with_reasons(registry, log):
    c, store = registry, log
    s = await register(c, eu_ai_act_tier="high")
    await identify_risk(store, s["id"], level="critical")
    pos = await record_evidence(store, s["id"], ["A.6.2.4"])
    r = await decide(c, s["id"], mv="nope", min_position=pos[1])
    assert r.status_code == 200 and r.json()["decision"] == "deny"
    codes = {x["code"] for x in r.json()["reasons"]}
    assert codes == {"stage_not_ready", "model_version_unknown", "risk_not_accepted",
                     "impact_assessment_missing", "evidence_missing",
                     "oversight_missing"}  # fmt: skip


async def test_the_environment_picks_the_mode(registry):
    c = registry
    s = await register(c)
    staging = (await decide(c, s["id"], env="staging")).json()
    dev = (await decide(c, s["id"], env="dev")).json()
    unknown = (await decide(c, s["id"], env="moon")).json()
    assert (staging["decision"], staging["mode"]) == ("allow", "warn") and staging["reasons"]
    assert (dev["decision"], dev["mode"], dev["reasons"]) == ("allow", "off", [])
    assert (unknown["decision"], unknown["mode"]) == ("deny", "enforce")


async def test_an_unknown_system_is_a_deny_not_an_error(registry):
    c = registry
    r = await decide(c, str(uuid4()), env="dev")
    assert r.status_code == 200 and r.json()["decision"] == "deny"
    assert r.json()["reasons"][0]["code"] == "system_not_found"


async def test_only_pipelines_and_admins_ask_the_gate_and_bad_requests_are_422(registry):
    c = registry
    s = await register(c)
    body = {"system_id": s["id"], "model_version": "1", "environment": "production"}
    for who in (OWNER, VIEWER, auth("ari", "auditor")):
        assert (await c.post("/v1/deployment-decisions", json=body,
                             headers=who)).status_code == 403  # fmt: skip
    assert (await c.post("/v1/deployment-decisions", json=body)).status_code == 401
    assert (await c.post("/v1/deployment-decisions", json=body, headers=ADMIN)).status_code == 200
    for bad in ({**body, "system_id": "x"}, {**body, "environment": "no spaces"},
                {**body, "extra": 1}, {"system_id": s["id"]}):  # fmt: skip
        assert (await c.post("/v1/deployment-decisions", json=bad,
                             headers=MLOPS)).status_code == 422, bad  # fmt: skip
    assert (await c.post("/v1/deployments", json={"decision_id": str(uuid4())},
                         headers=OWNER)).status_code == 403  # fmt: skip


async def test_a_deployment_citing_a_valid_allow_is_recorded_once(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    d = (await decide(c, s["id"], min_position=await ready(store, s["id"]))).json()
    body = {"decision_id": d["decision_id"], "environment": "production", "notes": "v1"}
    r = await c.post("/v1/deployments", json=body, headers=MLOPS)
    assert r.status_code == 201, r.text
    assert r.json()["deployment"] == {"deployed_by": "max", "notes": "v1"}
    again = await c.post("/v1/deployments", json=body, headers=MLOPS)
    assert again.status_code == 409 and again.json()["type"].endswith("/decision_used")


async def test_a_deployment_is_refused_for_a_deny_an_unknown_or_mismatched_decision(registry):
    c = registry
    s = await register(c)
    deny = (await decide(c, s["id"])).json()
    r = await c.post("/v1/deployments", json={"decision_id": deny["decision_id"]},
                     headers=MLOPS)  # fmt: skip
    assert r.status_code == 409 and r.json()["type"].endswith("/decision_denied")
    r = await c.post("/v1/deployments", json={"decision_id": str(uuid4())}, headers=MLOPS)
    assert r.status_code == 409 and r.json()["type"].endswith("/decision_unknown")
    allow = (await decide(c, s["id"], env="dev")).json()
    r = await c.post("/v1/deployments", json={"decision_id": allow["decision_id"],
                     "environment": "production"}, headers=MLOPS)  # fmt: skip
    assert r.status_code == 409 and r.json()["type"].endswith("/decision_mismatch")


async def test_a_deployment_is_refused_once_what_the_decision_relied_on_changed(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    risk_id = await identify_risk(store, s["id"], level="critical")
    await accept(store, s["id"], risk_id)
    pos = (await record_evidence(store, s["id"], DEPLOY_CONTROLS))[1]
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert d["decision"] == "allow", d
    await put(store, f"risk-{risk_id}", rk.RiskClosed(risk_id=risk_id, system_id=s["id"],
                                                      reason="model replaced"))  # fmt: skip
    r = await c.post("/v1/deployments", json={"decision_id": d["decision_id"]}, headers=MLOPS)
    assert r.status_code == 409 and f"risk-{risk_id}" in r.json()["changed"]


async def test_a_new_risk_after_the_decision_invalidates_it(registry, log):
    c, store = registry, log
    s = await register(c)
    d = (await decide(c, s["id"], env="dev")).json()
    new_risk = await identify_risk(store, s["id"])
    r = await c.post("/v1/deployments", json={"decision_id": d["decision_id"]}, headers=MLOPS)
    assert r.status_code == 409 and r.json()["changed"] == [f"risk-{new_risk}"]


async def test_an_expired_decision_cannot_be_deployed(service, store):
    async with service("registry", gate_decision_ttl_seconds=0) as c:
        s = await register(c)
        d = (await decide(c, s["id"], env="dev")).json()
        r = await c.post("/v1/deployments", json={"decision_id": d["decision_id"]}, headers=MLOPS)
        assert r.status_code == 409 and r.json()["type"].endswith("/decision_expired")


async def test_an_acceptance_voided_by_a_later_risk_change_flips_the_next_decision_to_deny(
    registry, log
):
    c, store = registry, log
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    risk_id = await identify_risk(store, s["id"], level="high")
    acceptance_id, _ = await accept(store, s["id"], risk_id, risk_version=1)
    pos = (await record_evidence(store, s["id"], DEPLOY_CONTROLS))[1]
    first = (await decide(c, s["id"], min_position=pos)).json()
    assert first["decision"] == "allow", first
    # The risk service re-plans the treatment (a material change) and voids the acceptance.
    await treat(store, s["id"], risk_id)
    pos = await put(store, f"acceptance-{acceptance_id}", rk.AcceptanceVoided(
        acceptance_id=acceptance_id, risk_id=risk_id, system_id=s["id"],
        reason="risk_changed", risk_version=2))  # fmt: skip
    second = (await decide(c, s["id"], min_position=pos)).json()
    assert second["decision"] == "deny"
    assert [x["code"] for x in second["reasons"]] == ["risk_not_accepted"]
    assert second["reasons"][0]["risk_id"] == str(risk_id)
    stale = await c.post("/v1/deployments", json={"decision_id": first["decision_id"]},
                         headers=MLOPS)  # fmt: skip
    assert stale.status_code == 409


async def test_a_risk_change_alone_outdates_an_acceptance_of_the_older_version(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    risk_id = await identify_risk(store, s["id"], level="high")
    await accept(store, s["id"], risk_id, risk_version=1)
    await record_evidence(store, s["id"], DEPLOY_CONTROLS)
    pos = await put(store, f"risk-{risk_id}", rk.RiskAssessed(
        risk_id=risk_id, system_id=s["id"], likelihood=5, consequence=4, level="critical",
        criteria_version=0))  # fmt: skip
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert d["decision"] == "deny" and d["reasons"][0]["code"] == "risk_not_accepted"


async def test_superseded_evidence_and_soa_exclusions_are_followed(service, store):
    async with service("registry") as c:
        s = await at_verification(c, store)
        await add_version(c, s["id"])
        evidence_id, _ = await record_evidence(store, s["id"], DEPLOY_CONTROLS)
        pos = await put(store, f"evidence-{evidence_id}", ev.EvidenceSuperseded(
            evidence_id=evidence_id, superseded_by=uuid4()))  # fmt: skip
        d = (await decide(c, s["id"], min_position=pos)).json()
        assert {x["control_id"] for x in d["reasons"]} == set(DEPLOY_CONTROLS)
        for control in DEPLOY_CONTROLS:
            pos = await put(
                store,
                "soa-org",
                rk.SoAEntrySet(
                    control_id=control, applicable=False, justification="n/a", status="excluded"
                ),
            )
        d = (await decide(c, s["id"], min_position=pos)).json()
        assert d["decision"] == "allow", d


async def test_a_high_tier_system_needs_its_impact_assessment_approved(registry, log):
    c, store = registry, log
    s = await at_verification(c, store, eu_ai_act_tier="high")
    await add_version(c, s["id"])
    await oversee(c, s["id"])
    pos = await ready(store, s["id"])
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert [x["code"] for x in d["reasons"]] == ["impact_assessment_missing"]
    pos = await approve_impact(store, s["id"])
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"


async def test_organisation_criteria_move_the_appetite(service, store):
    async with service("registry") as c:
        s = await at_verification(c, store)
        await add_version(c, s["id"])
        await identify_risk(store, s["id"], level="high")
        await record_evidence(store, s["id"], DEPLOY_CONTROLS)
        pos = await put(store, "criteria-org", rk.RiskCriteriaSet(
            criteria_version=1, likelihood_labels=["a"] * 5, consequence_labels=["b"] * 5,
            levels=["low", "medium", "high", "critical"], matrix=[["low"] * 5] * 5,
            appetite="high"))  # fmt: skip
        assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"


async def test_an_expiring_acceptance_bounds_the_decision(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    risk_id = await identify_risk(store, s["id"], level="high")
    soon = datetime.now(UTC) + timedelta(minutes=10)
    await accept(store, s["id"], risk_id, expires=soon)
    pos = (await record_evidence(store, s["id"], DEPLOY_CONTROLS))[1]
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert datetime.fromisoformat(d["expires_at"]) == soon
