"""Scoring, criteria versions and treatments of the risk aggregate (pure, no I/O)."""

import uuid
from datetime import date

import pytest

from services.risk.criteria.domain import RiskCriteria
from services.risk.register.domain.risk import Risk
from shared.contract.events.risk import RiskAssessed, RiskCriteriaSet, RiskTreatmentPlanned
from shared.domain.errors import Conflict, Invalid
from tests.support.risk import THREE_BY_THREE, custom


def identify(criteria: RiskCriteria, likelihood: int = 2, consequence: int = 2) -> Risk:
    return Risk.identify(
        uuid.uuid4(),
        criteria,
        system_id=uuid.uuid4(),
        title="Drift",
        category="robustness",
        affects=["organisation"],
        likelihood=likelihood,
        consequence=consequence,
        owner="olga",
    )


def test_custom_criteria_score_with_their_own_matrix_and_scale():
    c = custom()
    assert isinstance(c.pending[0], RiskCriteriaSet) and c.criteria_version == 1
    risk = identify(c, 2, 3)
    assert risk.inherent is not None
    assert (risk.inherent.level, risk.inherent.criteria_version) == ("intolerable", 1)
    assert risk.above_appetite(c)


def test_a_likelihood_off_the_custom_scale_is_invalid():
    with pytest.raises(Invalid) as exc:
        identify(custom(), 4, 1)
    assert exc.value.extra["errors"][0]["loc"] == ["body", "likelihood"]


def test_a_likelihood_of_six_is_invalid_under_the_default_criteria():
    with pytest.raises(Invalid):
        identify(RiskCriteria(uuid.uuid4()), 6, 1)


def test_the_level_changes_when_the_risk_is_reassessed_under_new_criteria():
    default = RiskCriteria(uuid.uuid4())
    risk = identify(default, 2, 2)
    assert risk.inherent is not None and risk.inherent.level == "low"
    default.set(THREE_BY_THREE)
    risk.reassess(default, None, None, "criteria changed")
    event = risk.pending[-1]
    assert isinstance(event, RiskAssessed)
    assert (event.level, event.criteria_version) == ("tolerable", 1)
    assert risk.status == "assessed"


def test_the_level_of_an_existing_risk_keeps_the_criteria_version_that_scored_it():
    c = RiskCriteria(uuid.uuid4())
    risk = identify(c, 4, 3)  # high, above the default appetite (medium)
    c.set(THREE_BY_THREE)
    assert risk.inherent is not None
    assert risk.inherent.criteria_version == 0 and risk.above_appetite(c)


def test_a_treatment_with_an_unknown_control_is_invalid_and_emits_nothing():
    risk = identify(RiskCriteria(uuid.uuid4()))
    risk.pending.clear()
    with pytest.raises(Invalid) as exc:
        risk.plan_treatment(
            uuid.uuid4(),
            option="modify",
            controls=["A.6.2.4", "A.99"],
            plan="x",
            owner="olga",
            due=date(2030, 1, 1),
        )
    assert exc.value.extra["unknown_controls"] == ["A.99"]
    assert risk.pending == []


def test_status_moves_from_identified_through_treatment_to_treated():
    c = RiskCriteria(uuid.uuid4())
    risk = identify(c, 2, 2)
    assert risk.status == "identified"
    tid = uuid.uuid4()
    risk.plan_treatment(
        tid,
        option="modify",
        controls=["A.7.4"],
        plan="clean data",
        owner="olga",
        due=date(2030, 1, 1),
    )
    assert isinstance(risk.pending[-1], RiskTreatmentPlanned)
    assert risk.status == "treatment_planned"
    risk.complete_treatment(tid, c, accepted=False)
    assert risk.status == "treated"
    risk.close("system retired")
    assert risk.status == "closed"
    with pytest.raises(Conflict):
        risk.assess_residual(c, 1, 1)


def test_retaining_a_risk_above_appetite_needs_an_accepted_request():
    c = RiskCriteria(uuid.uuid4())
    risk = identify(c, 5, 5)
    tid = uuid.uuid4()
    risk.plan_treatment(
        tid, option="retain", controls=[], plan="live with it", owner="olga", due=date(2030, 1, 1)
    )
    with pytest.raises(Conflict) as exc:
        risk.complete_treatment(tid, c, accepted=False)
    assert exc.value.code == "acceptance_required"
    risk.complete_treatment(tid, c, accepted=True)
    assert risk.status == "treated"


def test_material_changes_advance_the_material_version_but_completion_does_not():
    c = RiskCriteria(uuid.uuid4())
    risk = identify(c)
    tid = uuid.uuid4()
    risk.plan_treatment(
        tid, option="modify", controls=["A.7.4"], plan="p", owner="o", due=date(2030, 1, 1)
    )
    assert risk.material_version == 2
    risk.complete_treatment(tid, c, accepted=False)
    assert risk.material_version == 2 and not risk.changed_since(2)
    risk.assess_residual(c, 1, 1)
    assert risk.material_version == 4 and risk.changed_since(3)
