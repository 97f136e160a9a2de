"""The AI system and deployment decision aggregates, and the policy file, without I/O."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from services.registry.domain.facts import Reason
from services.registry.domain.gate import DeploymentDecision, Evaluation, GateNotSatisfied
from services.registry.domain.policy import PolicyError, load_policy, parse_policy
from services.registry.domain.system import AISystem
from shared.contract.events.registry import (
    DeploymentDecisionMade,
    DeploymentRecorded,
    ModelVersionRegistered,
    SystemOwnerAssigned,
    SystemRetired,
    SystemStageChanged,
    SystemUpdated,
)
from shared.domain.errors import Conflict, NotFound

POLICY = load_policy()
NOW = datetime(2025, 6, 1, tzinfo=UTC)
DIGEST = "b" * 64


def new_system(**over):
    fields = {"name": "Scorer", "purpose": "score", "owner": "alice", "provider_role": "provider",
              "eu_ai_act_tier": "limited", "intended_use": "triage"} | over  # fmt: skip
    s = AISystem.register(uuid4(), **fields)
    s.pending.clear()
    s.version = 1
    return s


def ok(streams=None, expires=None):
    return Evaluation((), streams or {"system-x": 1}, 7, expires)


def missing(*codes):
    return Evaluation(tuple(Reason(c, c) for c in codes), {"system-x": 1}, 7, None)


def test_the_policy_records_its_version_and_hash():
    assert POLICY.version == "2025.1" and len(POLICY.sha256) == 64
    assert POLICY.allows("inception", "design") and not POLICY.allows("inception", "deployment")


def test_a_policy_naming_an_unknown_rule_is_refused(tmp_path: Path):
    with pytest.raises(PolicyError, match="no known rule"):
        parse_policy({"version": "1", "gates": {"design": [{"rule": "vibes"}]}}, "x")
    with pytest.raises(PolicyError, match="unknown requirement set"):
        parse_policy({"version": "1", "deployment_gate": [{"use": "nothing"}]}, "x")
    with pytest.raises(PolicyError, match="stages"):
        parse_policy({"version": "1", "transitions": {"limbo": ["design"]}}, "x")
    bad = tmp_path / "p.yaml"
    bad.write_text("version: [")
    with pytest.raises(PolicyError, match="YAML"):
        load_policy(bad)


def test_a_transition_with_its_gate_satisfied_records_policy_and_basis():
    s = new_system()
    s.transition("design", "triaged", POLICY, ok())
    (e,) = s.pending
    assert isinstance(e, SystemStageChanged) and (e.frm, e.to) == ("inception", "design")
    assert e.policy_hash == POLICY.sha256 and e.basis == {"streams": {"system-x": 1},
                                                          "position": 7}  # fmt: skip
    assert s.stage == "design"


def test_a_transition_lacking_gate_evidence_lists_what_is_missing():
    s = new_system()
    with pytest.raises(GateNotSatisfied) as err:
        s.transition("design", "go", POLICY, missing("tier_not_triaged", "no_risk_identified"))
    assert err.value.extra["missing"] == ["tier_not_triaged", "no_risk_identified"]
    assert not s.pending and s.stage == "inception"


def test_skipping_a_stage_is_not_a_transition():
    with pytest.raises(Conflict) as err:
        new_system().transition("deployment", "hurry", POLICY, ok())
    assert err.value.code == "invalid_transition"
    assert err.value.extra["allowed"] == ["design", "retired"]


def test_re_evaluation_may_go_back_to_design_or_on_to_operation():
    for to in ("design", "operation", "retired"):
        s = new_system()
        s.stage = "re_evaluation"
        s.transition(to, "reviewed", POLICY, ok())
        assert s.stage == to


def test_retiring_records_a_retirement_and_freezes_the_system():
    s = new_system()
    s.transition("retired", "replaced by v2", POLICY, ok())
    assert [type(e) for e in s.pending] == [SystemStageChanged, SystemRetired]
    with pytest.raises(Conflict, match="retired"):
        s.update({"name": "again"})
    with pytest.raises(Conflict):
        s.transition("design", "revive", POLICY, ok())


def test_changing_the_owner_is_an_assignment_and_a_tier_change_is_significant():
    s = new_system()
    s.update({"owner": "bob", "eu_ai_act_tier": "high", "tags": ["credit"]})
    owner, changed = s.pending
    assert isinstance(owner, SystemOwnerAssigned) and owner.previous_owner == "alice"
    assert isinstance(changed, SystemUpdated) and changed.significant
    s.pending.clear()
    s.update({"tags": ["credit"], "owner": "bob"})
    assert not s.pending


def test_the_same_digest_again_returns_the_registered_version():
    s = new_system()
    first, created = s.add_model_version(uuid4(), name="m", version="1", digest=DIGEST,
                                         source_uri="s3://m/1")  # fmt: skip
    again, created_again = s.add_model_version(uuid4(), name="m", version="9", digest=DIGEST,
                                               source_uri="s3://x")  # fmt: skip
    assert created and not created_again and again.id == first.id
    assert [type(e) for e in s.pending] == [ModelVersionRegistered]


def test_the_same_name_and_version_with_another_digest_is_a_conflict():
    s = new_system()
    s.add_model_version(uuid4(), name="m", version="1", digest=DIGEST, source_uri="u")
    with pytest.raises(Conflict) as err:
        s.add_model_version(uuid4(), name="m", version="1", digest="c" * 64, source_uri="u")
    assert err.value.code == "model_version_conflict"


def test_tags_and_aliases_apply_to_registered_versions_only():
    s = new_system()
    s.add_model_version(uuid4(), name="m", version="1", digest="", source_uri="u")
    s.add_model_version(uuid4(), name="m", version="2", digest="", source_uri="u")
    s.alias_model_version("m", "1", "champion")
    s.alias_model_version("m", "2", "champion")
    s.tag_model_version("m", "2", "validated", "yes")
    assert s.model_versions[0].aliases == [] and s.model_versions[1].aliases == ["champion"]
    assert s.model_versions[1].tags == {"validated": "yes"}
    with pytest.raises(NotFound):
        s.tag_model_version("m", "3", "k", "v")


def decision(evaluation, mode="enforce", ttl=timedelta(hours=1)):
    return DeploymentDecision.decide(
        uuid4(), system_id=uuid4(), model_version="m/1", environment="production", mode=mode,
        evaluation=evaluation, policy=POLICY, now=NOW, ttl=ttl,
    )  # fmt: skip


def test_enforce_denies_warn_allows_with_reasons_and_off_allows_silently():
    denied = decision(missing("evidence_missing"))
    warned = decision(missing("evidence_missing"), mode="warn")
    off = decision(missing("evidence_missing"), mode="off")
    assert (denied.decision, len(denied.reasons)) == ("deny", 1)
    assert (warned.decision, len(warned.reasons)) == ("allow", 1)
    assert (off.decision, off.reasons) == ("allow", [])
    (made,) = denied.pending
    assert isinstance(made, DeploymentDecisionMade) and made.policy_hash == POLICY.sha256


def test_an_unknown_system_is_denied_in_every_mode():
    d = decision(None, mode="off")
    assert d.decision == "deny" and d.reasons[0]["code"] == "system_not_found"


def test_a_decision_expires_no_later_than_what_it_relied_on():
    soon = NOW + timedelta(minutes=5)
    assert decision(ok(expires=soon)).expires_at == soon
    assert decision(ok()).expires_at == NOW + timedelta(hours=1)


def test_a_deployment_needs_an_unexpired_unused_allow_with_an_unchanged_basis():
    d = decision(ok({"system-x": 1, "risk-1": 2}))
    current = ok({"system-x": 1, "risk-1": 2})
    with pytest.raises(Conflict) as err:
        d.deploy(by="ci", notes="", now=NOW, policy=POLICY, current=ok({"system-x": 1,
                                                                         "risk-1": 3}))  # fmt: skip
    assert err.value.code == "basis_changed" and err.value.extra["changed"] == ["risk-1"]
    with pytest.raises(Conflict) as err:
        d.deploy(by="ci", notes="", now=NOW + timedelta(hours=2), policy=POLICY, current=current)
    assert err.value.code == "decision_expired"
    with pytest.raises(Conflict) as err:
        d.deploy(by="ci", notes="", now=NOW, policy=POLICY, current=current,
                 target={"environment": "staging"})  # fmt: skip
    assert err.value.code == "decision_mismatch"
    d.deploy(by="ci", notes="rollout", now=NOW, policy=POLICY, current=current)
    assert isinstance(d.pending[-1], DeploymentRecorded)
    with pytest.raises(Conflict) as err:
        d.deploy(by="ci", notes="", now=NOW, policy=POLICY, current=current)
    assert err.value.code == "decision_used"


def test_a_new_fact_since_the_decision_changes_its_basis():
    d = decision(ok({"system-x": 1}))
    with pytest.raises(Conflict, match="risk-9"):
        d.deploy(by="ci", notes="", now=NOW, policy=POLICY, current=ok({"system-x": 1,
                                                                         "risk-9": 1}))  # fmt: skip


def test_a_deny_cannot_be_deployed():
    with pytest.raises(Conflict) as err:
        decision(missing("retired")).deploy(by="ci", notes="", now=NOW, policy=POLICY,
                                            current=ok())  # fmt: skip
    assert err.value.code == "decision_denied"
