"""Every rule of risk acceptance: who asks, who decides, expiry and voiding (pure)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.risk.criteria.domain import RiskCriteria
from services.risk.register.domain.acceptance import Acceptance
from services.risk.register.domain.risk import Risk
from shared.contract.events.risk import AcceptanceApproved, AcceptanceVoided
from shared.domain.errors import Conflict, Invalid, NotAllowed
from shared.kernel.requestctx import Actor

NOW = datetime(2030, 1, 1, tzinfo=UTC)

OWNER = Actor("olga", frozenset({"system_owner"}))

APPROVER = Actor("alex", frozenset({"approver"}))

CRITERIA = RiskCriteria(uuid.uuid4())


def saved_risk() -> Risk:
    risk = Risk.identify(
        uuid.uuid4(),
        CRITERIA,
        system_id=uuid.uuid4(),
        title="Leak",
        category="privacy",
        affects=["individuals"],
        likelihood=4,
        consequence=4,
        owner="olga",
    )
    risk.version, risk.pending = 1, []
    return risk


def requested(risk: Risk, by: Actor = OWNER, days: int = 30) -> Acceptance:
    return Acceptance.request(
        uuid.uuid4(),
        risk,
        by,
        justification="cost of fix too high",
        expires_at=NOW + timedelta(days=days),
        now=NOW,
    )


def test_the_request_is_bound_to_the_risk_version_and_level():
    risk = saved_risk()
    acc = requested(risk)
    assert (acc.risk_version, acc.level, acc.status) == (1, "high", "requested")


def test_only_the_risk_owner_or_a_risk_officer_may_ask_for_acceptance():
    stranger = Actor("sam", frozenset({"system_owner"}))
    with pytest.raises(NotAllowed):
        requested(saved_risk(), by=stranger)
    officer = Actor("rita", frozenset({"risk_officer"}))
    assert requested(saved_risk(), by=officer).requested_by == "rita"


def test_an_expiry_in_the_past_is_invalid():
    with pytest.raises(Invalid):
        requested(saved_risk(), days=-1)


def test_the_requester_may_not_approve_their_own_request():
    risk = saved_risk()
    both = Actor("olga", frozenset({"system_owner", "approver"}))
    acc = requested(risk, by=both)
    with pytest.raises(NotAllowed) as exc:
        acc.approve(both, risk, NOW)
    assert exc.value.code == "separation_of_duties"
    with pytest.raises(NotAllowed):
        acc.reject(both, risk, NOW)


def test_a_decision_needs_the_approver_role():
    risk = saved_risk()
    with pytest.raises(NotAllowed):
        requested(risk).approve(Actor("rita", frozenset({"risk_officer"})), risk, NOW)


def test_an_approved_acceptance_is_valid_until_it_expires():
    risk = saved_risk()
    acc = requested(risk, days=10)
    acc.approve(APPROVER, risk, NOW)
    assert isinstance(acc.pending[-1], AcceptanceApproved)
    assert acc.is_valid(risk, NOW + timedelta(days=9))
    assert not acc.is_valid(risk, NOW + timedelta(days=10))
    assert acc.effective_status(NOW + timedelta(days=11)) == "expired"


def test_an_expired_request_cannot_be_approved_and_is_voided_as_expired():
    risk = saved_risk()
    acc = requested(risk, days=1)
    later = NOW + timedelta(days=2)
    with pytest.raises(Conflict):
        acc.approve(APPROVER, risk, later)
    acc.void_if_stale(risk, later)
    assert isinstance(acc.pending[-1], AcceptanceVoided)
    assert acc.pending[-1].reason == "expired" and acc.status == "voided"


def test_an_acceptance_is_void_once_the_risk_changes():
    risk = saved_risk()
    acc = requested(risk)
    acc.approve(APPROVER, risk, NOW)
    risk.plan_treatment(
        uuid.uuid4(),
        option="modify",
        controls=["A.7.4"],
        plan="p",
        owner="olga",
        due=date(2030, 6, 1),
    )
    assert not acc.is_valid(risk, NOW)
    acc.void_if_stale(risk, NOW)
    voided = acc.pending[-1]
    assert isinstance(voided, AcceptanceVoided) and voided.reason == "risk_changed"
    assert acc.status == "voided"


def test_a_request_cannot_be_approved_after_the_risk_changed():
    risk = saved_risk()
    acc = requested(risk)
    risk.assess_residual(CRITERIA, 1, 1)
    with pytest.raises(Conflict) as exc:
        acc.approve(APPROVER, risk, NOW)
    assert exc.value.code == "risk_changed"


def test_a_decided_request_cannot_be_decided_again_and_a_rejection_is_never_voided():
    risk = saved_risk()
    acc = requested(risk)
    acc.reject(APPROVER, risk, NOW, "not convinced")
    with pytest.raises(Conflict):
        acc.approve(Actor("bea", frozenset({"approver"})), risk, NOW)
    acc.pending.clear()
    risk.assess_residual(CRITERIA, 1, 1)
    acc.void_if_stale(risk, NOW)
    assert acc.pending == []
