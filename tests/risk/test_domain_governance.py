"""SoA justification rules and impact-assessment approval (pure)."""

import uuid

import pytest

from services.risk.domain.impact import ImpactAssessment
from services.risk.domain.soa import SoAEntry, entry_id
from shared.contract.events.risk import ImpactAssessmentReviewDue, SoAEntrySet
from shared.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from shared.kernel.requestctx import Actor

AUTHOR = Actor("rita", frozenset({"risk_officer", "approver"}))
APPROVER = Actor("alex", frozenset({"approver"}))


def test_an_soa_entry_needs_a_justification_whether_included_or_excluded():
    for applicable in (True, False):
        with pytest.raises(Invalid):
            SoAEntry.for_control("A.6.2.4").set(
                applicable=applicable, justification="  ", status=None
            )


def test_an_excluded_control_is_not_applicable_and_an_included_one_is_not():
    entry = SoAEntry.for_control("A.10.4")
    entry.set(applicable=False, justification="we have no customers", status=None)
    assert isinstance(entry.pending[0], SoAEntrySet) and entry.status == "not_applicable"
    with pytest.raises(Invalid):
        SoAEntry.for_control("A.10.4").set(applicable=False, justification="x", status="planned")
    with pytest.raises(Invalid):
        SoAEntry.for_control("A.6.2.4").set(
            applicable=True, justification="x", status="not_applicable"
        )


def test_an_unknown_control_has_no_soa_entry():
    with pytest.raises(NotFound):
        SoAEntry.for_control("A.1.1")
    assert entry_id("A.6.2.4") == entry_id("A.6.2.4") != entry_id("A.6.2.5")


def test_an_unchanged_soa_entry_emits_nothing():
    entry = SoAEntry.for_control("A.7.4")
    entry.set(applicable=True, justification="data quality matters", status="planned")
    entry.pending.clear()
    entry.set(applicable=True, justification="data quality matters ", status="planned")
    assert entry.pending == []


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
    ia.revise({"mitigations": ["human review"]})
    assert ia.status == "draft"
