"""The AI system aggregate without I/O: lifecycle moves, inventory changes, model versions."""

from uuid import uuid4

import pytest

from services.registry.gate.domain import GateNotSatisfied, load_policy
from services.registry.systems.domain import AISystem
from shared.contract.events.registry import (
    ModelVersionRegistered,
    SystemOwnerAssigned,
    SystemRetired,
    SystemStageChanged,
    SystemUpdated,
)
from shared.domain.errors import Conflict, NotAllowed, NotFound
from shared.kernel.requestctx import Actor
from tests.support.registry import missing, ok

POLICY = load_policy()
DIGEST = "b" * 64
ALICE = Actor("alice", frozenset({"system_owner"}))
ADA = Actor("ada", frozenset({"admin"}))


def new_system(**over):
    fields = {"name": "Scorer", "purpose": "score", "owner": "alice", "provider_role": "provider",
              "eu_ai_act_tier": "limited", "intended_use": "triage"} | over  # fmt: skip
    s = AISystem.register(uuid4(), **fields)
    s.pending.clear()
    s.version = 1
    return s


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
        s.update({"name": "again"}, ALICE)
    with pytest.raises(Conflict):
        s.transition("design", "revive", POLICY, ok())


def test_changing_the_owner_is_an_assignment_and_a_tier_change_is_significant():
    s = new_system()
    s.update({"owner": "bob", "eu_ai_act_tier": "high", "tags": ["credit"]}, ADA)
    owner, changed = s.pending
    assert isinstance(owner, SystemOwnerAssigned) and owner.previous_owner == "alice"
    assert isinstance(changed, SystemUpdated) and changed.significant
    s.pending.clear()
    s.update({"tags": ["credit"], "owner": "bob"}, ADA)
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


def test_only_the_owner_or_an_admin_changes_a_system_and_only_an_admin_reassigns_it():
    s = new_system()
    bob = Actor("bob", frozenset({"system_owner"}))
    with pytest.raises(NotAllowed) as not_owner:
        s.update({"eu_ai_act_tier": "minimal"}, bob)
    assert not_owner.value.code == "not_system_owner"
    assert s.update_decision({"owner": "bob"}, ALICE) == "system.owner_reassignment"
    with pytest.raises(NotAllowed) as reassign:
        s.update({"owner": "bob"}, ALICE)
    assert reassign.value.code == "approval_required" and not s.pending
    s.check_changer(Actor("max", frozenset({"mlops"})), "mlops")
    s.update({"eu_ai_act_tier": "high"}, ALICE)
    assert s.update_decision({"owner": "bob"}, ADA) is None
    s.update({"owner": "bob"}, ADA)
    assert s.owner == "bob"


def test_a_tier_below_the_last_assessed_one_needs_an_approval():
    s = new_system()
    s.update({"eu_ai_act_tier": "high"}, ALICE)
    assert s.update_decision({"eu_ai_act_tier": "minimal"}, ALICE) == "system.tier_downgrade"
    assert s.update_decision({"eu_ai_act_tier": "prohibited"}, ALICE) is None
    # Going through "unassessed" does not forget the last assessment.
    s.update({"eu_ai_act_tier": "unassessed"}, ALICE)
    assert s.update_decision({"eu_ai_act_tier": "limited"}, ALICE) == "system.tier_downgrade"
    assert s.update_decision({"eu_ai_act_tier": "high"}, ALICE) is None
