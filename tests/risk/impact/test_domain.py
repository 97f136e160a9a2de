"""Impact-assessment approval, separation of duties and review-due (pure)."""

import uuid

import pytest

from services.risk.impact.domain import ImpactAssessment
from shared.contract.events.risk import ImpactAssessmentReviewDue
from shared.domain.errors import Conflict, Invalid, NotAllowed
from shared.kernel.requestctx import Actor

AUTHOR = Actor("rita", frozenset({"risk_officer", "approver"}))

APPROVER = Actor("alex", frozenset({"approver"}))


def impact() -> ImpactAssessment:
    return ImpactAssessment.draft(
        uuid.uuid4(),
        uuid.uuid4(),
        "rita",
        {"intended_use": "score loans", "severity": "high", "reversibility": "reversible"},
    )


def test_the_author_may_not_approve_their_own_impact_assessment():
    ia = impact()
    ia.submit(AUTHOR)
    with pytest.raises(NotAllowed):
        ia.approve(AUTHOR)
    ia.approve(APPROVER)
    assert ia.status == "approved"


def test_only_a_submitted_and_complete_assessment_can_be_approved():
    ia = impact()
    with pytest.raises(Conflict):
        ia.approve(APPROVER)
    incomplete = ImpactAssessment.draft(uuid.uuid4(), uuid.uuid4(), "rita", {"intended_use": "x"})
    with pytest.raises(Invalid):
        incomplete.submit(AUTHOR)


def test_a_significant_change_after_approval_makes_the_assessment_review_due():
    ia = impact()
    ia.submit(AUTHOR)
    ia.approve(APPROVER)
    ia.approved_position = 10
    ia.mark_review_due("tier changed", changed_at_position=9)
    assert ia.status == "approved"
    ia.mark_review_due("tier changed", changed_at_position=11)
    assert isinstance(ia.pending[-1], ImpactAssessmentReviewDue) and ia.status == "review_due"
    ia.revise({"mitigations": ["human review"]}, AUTHOR)
    assert ia.status == "draft"


def test_no_author_reviser_submitter_or_system_owner_may_approve():
    ia = impact()
    both = Actor("bob", frozenset({"risk_officer", "approver"}))
    ia.revise({"severity": "low"}, both)
    ia.submit(Actor("carl", frozenset({"risk_officer", "approver"})))
    assert (ia.revisers, ia.submitters) == (["bob"], ["carl"])
    written = len(ia.pending)
    for who, relation in (("rita", "author"), ("bob", "revisers"), ("carl", "submitters"),
                          ("otto", "system_owner")):  # fmt: skip
        with pytest.raises(NotAllowed) as sod:
            ia.approve(Actor(who, frozenset({"approver"})), system_owner="otto")
        assert (sod.value.code, sod.value.extra["relation"]) == ("separation_of_duties", relation)
    assert len(ia.pending) == written
    ia.approve(APPROVER, system_owner="otto")
    assert ia.approved_by == "alex"
