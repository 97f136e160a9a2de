"""The deployment decision aggregate and the policy file, without I/O."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from services.registry.gate.domain import (
    DeploymentDecision,
    PolicyError,
    load_policy,
    parse_policy,
)
from shared.contract.events.registry import DeploymentDecisionMade, DeploymentRecorded
from shared.domain.errors import Conflict
from tests.support.registry import missing, ok

POLICY = load_policy()
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_the_policy_records_its_version_and_hash():
    assert POLICY.version == "2025.2" and len(POLICY.sha256) == 64
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
