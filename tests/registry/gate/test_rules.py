"""Every gate rule, pure: facts and a clock in, reasons and basis out."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from services.registry.gate.domain import (
    RULES,
    Fact,
    GateFacts,
    ModelVersionView,
    Requirement,
    SystemView,
    evaluate,
    load_policy,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LATER = (NOW + timedelta(days=30)).isoformat()
EARLIER = (NOW - timedelta(days=1)).isoformat()
SYSTEM_ID = uuid4()
DIGEST = "a" * 64


def system(stage="verification", tier="limited", intended_use="triage", versions=()):
    return SystemView(SYSTEM_ID, f"system-{SYSTEM_ID}", 3, stage, tier, intended_use, versions)


def risk(level="high", residual=None, closed=False, material_version=1, n=1):
    data = {"risk_id": f"r{n}", "title": f"risk {n}", "level": level, "residual_level": residual,
            "closed": closed, "material_version": material_version}  # fmt: skip
    return Fact(f"risk-{n}", "risk", f"risk-{n}", material_version, data)


def acceptance(status="approved", risk_version=1, expires=LATER, n=1):
    data = {"risk_id": f"r{n}", "status": status, "risk_version": risk_version,
            "expires_at": expires}  # fmt: skip
    return Fact(f"acceptance-{n}", "acceptance", f"acceptance-{n}", 2, data)


def evidence(*controls, valid_until=None, superseded=False, n=1):
    data = {"evidence_id": f"e{n}", "control_ids": list(controls), "valid_until": valid_until,
            "superseded": superseded}  # fmt: skip
    return Fact(f"evidence-{n}/{SYSTEM_ID}", "evidence", f"evidence-{n}", 1, data)


def soa(control, applicable=True, gate=False):
    data = {"control_id": control, "applicable": applicable, "deployment_gate": gate}
    return Fact(f"soa/{control}", "soa", "soa-org", 4, data)


def impact(status):
    return Fact("impact-1", "impact", "impact-1", 3, {"status": status})


def check(rule, facts, **params):
    return RULES[rule](params, facts, NOW)


def codes(outcome):
    return [r.code for r in outcome.reasons]


def test_an_unassessed_tier_is_not_triaged():
    assert codes(check("tier_triaged", GateFacts(system(tier="unassessed")))) == [
        "tier_not_triaged"
    ]
    assert codes(check("tier_triaged", GateFacts(system(tier="minimal")))) == []


def test_a_prohibited_system_goes_nowhere():
    assert codes(check("not_prohibited", GateFacts(system(tier="prohibited")))) == ["prohibited"]
    assert codes(check("not_prohibited", GateFacts(system(tier="high")))) == []


def test_intended_use_must_be_written_down():
    assert codes(check("intended_use_stated", GateFacts(system(intended_use="  ")))) == [
        "intended_use_missing"
    ]
    assert codes(check("intended_use_stated", GateFacts(system()))) == []


def test_a_retired_system_is_refused():
    assert codes(check("not_retired", GateFacts(system(stage="retired")))) == ["retired"]
    assert codes(check("not_retired", GateFacts(system()))) == []


def test_stage_in_names_the_stages_it_accepts():
    facts = GateFacts(system(stage="design"))
    out = check("stage_in", facts, stages=["verification", "deployment"])
    assert codes(out) == ["stage_not_ready"] and out.reasons[0].refs["stage"] == "design"
    assert codes(check("stage_in", facts, stages=["design"])) == []


def test_a_model_version_is_found_by_id_digest_or_name_and_version():
    mv = ModelVersionView(uuid4(), "scorer", "3", DIGEST)
    s = system(versions=[mv])
    for ref in (str(mv.id), DIGEST, f"sha256:{DIGEST}", "scorer/3", "scorer:3", "3"):
        assert codes(check("model_version_registered", GateFacts(s, model_version=ref))) == []
    unknown = check("model_version_registered", GateFacts(s, model_version="4"))
    assert codes(unknown) == ["model_version_unknown"]


def test_a_bare_version_number_must_be_unambiguous():
    a = ModelVersionView(uuid4(), "scorer", "1", "")
    b = ModelVersionView(uuid4(), "ranker", "1", "")
    facts = GateFacts(system(versions=[a, b]), model_version="1")
    assert codes(check("model_version_registered", facts)) == ["model_version_unknown"]


def test_leaving_inception_needs_a_first_risk():
    assert codes(check("risk_identified", GateFacts(system()))) == ["no_risk_identified"]
    out = check("risk_identified", GateFacts(system(), [risk()]))
    assert codes(out) == [] and out.used == {"risk-1": 1}


def test_a_risk_above_the_appetite_without_acceptance_is_refused():
    out = check("risks_accepted", GateFacts(system(), [risk("high")]))
    assert codes(out) == ["risk_not_accepted"]
    assert out.reasons[0].refs == {"risk_id": "r1", "level": "high"}


def test_a_risk_within_the_appetite_needs_no_acceptance():
    assert codes(check("risks_accepted", GateFacts(system(), [risk("medium")]))) == []


def test_the_residual_level_counts_once_assessed():
    facts = GateFacts(system(), [risk("critical", residual="low")])
    assert codes(check("risks_accepted", facts)) == []
    facts = GateFacts(system(), [risk("low", residual="high")])
    assert codes(check("risks_accepted", facts)) == ["risk_not_accepted"]


def test_a_closed_risk_needs_no_acceptance():
    assert (
        codes(check("risks_accepted", GateFacts(system(), [risk("critical", closed=True)]))) == []
    )


def test_an_approved_unexpired_acceptance_satisfies_the_rule_and_bounds_its_life():
    out = check("risks_accepted", GateFacts(system(), [risk("high"), acceptance()]))
    assert codes(out) == []
    assert out.used == {"risk-1": 1, "acceptance-1": 2}
    assert out.expires_at == datetime.fromisoformat(LATER)


def test_an_expired_voided_or_merely_requested_acceptance_does_not_count():
    for bad in (acceptance(expires=EARLIER), acceptance(status="voided"),
                acceptance(status="requested"), acceptance(status="rejected")):  # fmt: skip
        out = check("risks_accepted", GateFacts(system(), [risk("high"), bad]))
        assert codes(out) == ["risk_not_accepted"], bad


def test_an_acceptance_of_an_older_risk_version_is_void_once_the_risk_changed():
    facts = GateFacts(system(), [risk("high", material_version=5), acceptance(risk_version=3)])
    assert codes(check("risks_accepted", facts)) == ["risk_not_accepted"]


def test_the_threshold_can_include_the_appetite_itself():
    facts = GateFacts(system(), [risk("medium")])
    out = check("risks_accepted", facts, threshold="at_or_above_appetite")
    assert codes(out) == ["risk_not_accepted"]


def test_risk_criteria_set_by_the_organisation_move_the_appetite():
    criteria = Fact("criteria", "criteria", "criteria-org", 2,
                    {"levels": ["low", "medium", "high", "critical"], "appetite": "high",
                     "criteria_version": 2})  # fmt: skip
    out = check("risks_accepted", GateFacts(system(), [risk("high"), criteria]))
    assert codes(out) == [] and out.used["criteria-org"] == 2


def test_a_level_the_criteria_do_not_know_fails_closed():
    assert codes(check("risks_accepted", GateFacts(system(), [risk("extreme")]))) == [
        "risk_not_accepted"
    ]


def test_a_high_tier_system_needs_an_approved_impact_assessment():
    high = system(tier="high")
    assert codes(check("impact_assessment_approved", GateFacts(high))) == [
        "impact_assessment_missing"
    ]
    for status in ("draft", "submitted", "review_due"):
        facts = GateFacts(high, [impact(status)])
        assert codes(check("impact_assessment_approved", facts)) == ["impact_assessment_missing"]
    assert codes(check("impact_assessment_approved", GateFacts(high, [impact("approved")]))) == []


def test_a_lower_tier_system_needs_no_impact_assessment():
    assert codes(check("impact_assessment_approved", GateFacts(system(tier="minimal")))) == []


def test_each_gate_control_needs_current_evidence_linked_to_the_system():
    controls = ["A.6.2.4", "A.6.2.5"]
    out = check("control_evidence", GateFacts(system(), [evidence("A.6.2.4")]), controls=controls)
    assert codes(out) == ["evidence_missing"]
    assert out.reasons[0].refs == {"control_id": "A.6.2.5"}
    both = GateFacts(system(), [evidence("A.6.2.4", "A.6.2.5")])
    assert codes(check("control_evidence", both, controls=controls)) == []


def test_expired_or_superseded_evidence_is_not_current():
    for stale in (evidence("A.6.2.4", valid_until=EARLIER),
                  evidence("A.6.2.4", superseded=True)):  # fmt: skip
        out = check("control_evidence", GateFacts(system(), [stale]), controls=["A.6.2.4"])
        assert codes(out) == ["evidence_missing"]


def test_evidence_validity_bounds_the_answer():
    facts = GateFacts(system(), [evidence("A.6.2.4", valid_until=LATER)])
    out = check("control_evidence", facts, controls=["A.6.2.4"])
    assert out.expires_at == datetime.fromisoformat(LATER) and out.used == {"evidence-1": 1}


def test_a_control_the_soa_excludes_needs_no_evidence():
    facts = GateFacts(system(), [soa("A.6.2.4", applicable=False)])
    out = check("control_evidence", facts, controls=["A.6.2.4"])
    assert codes(out) == [] and out.used == {"soa-org": 4}


def test_the_soa_can_add_deployment_gate_controls():
    facts = GateFacts(system(), [soa("A.6.2.8", gate=True)])
    out = check("control_evidence", facts, controls=[], soa_gate_controls=True)
    assert out.reasons[0].refs == {"control_id": "A.6.2.8"}


def test_an_evaluation_collects_reasons_and_always_relies_on_the_system_stream():
    reqs = [Requirement("tier_triaged"), Requirement("risk_identified")]
    ev = evaluate(reqs, GateFacts(system(tier="unassessed"), position=42), NOW)
    assert [r.code for r in ev.reasons] == ["tier_not_triaged", "no_risk_identified"]
    assert ev.basis() == {"streams": {f"system-{SYSTEM_ID}": 3}, "position": 42}


def test_the_default_deployment_gate_allows_a_ready_system():
    policy = load_policy()
    mv = ModelVersionView(uuid4(), "scorer", "1", DIGEST)
    facts = GateFacts(
        system(versions=[mv]),
        [risk("high"), acceptance(), evidence("A.6.2.4", "A.6.2.5", "A.6.2.7")],
        model_version="scorer/1",
    )  # fmt: skip
    ev = evaluate(policy.deployment_gate, facts, NOW)
    assert ev.satisfied, ev.reasons
    assert set(ev.streams) == {f"system-{SYSTEM_ID}", "risk-1", "acceptance-1", "evidence-1"}
