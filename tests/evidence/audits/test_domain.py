"""Domain rules of audits and nonconformities, without I/O."""

import uuid
from datetime import date

import pytest

from services.evidence.audits.domain.audit import Audit, check_reference
from services.evidence.audits.domain.nonconformity import Nonconformity
from shared.domain.errors import Conflict, Invalid, NotAllowed

SYSTEM = uuid.uuid4()


def planned(auditors=("carol",)) -> Audit:
    return Audit.plan(
        uuid.uuid4(),
        title="t",
        scope="s",
        criteria="c",
        system_ids=[SYSTEM],
        auditors=list(auditors),
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 1, 2),
        owners={SYSTEM: "olivia"},
    )


def test_an_audit_cannot_end_before_it_starts():
    with pytest.raises(Invalid):
        Audit.plan(
            uuid.uuid4(),
            title="t",
            scope="s",
            criteria="c",
            system_ids=[],
            auditors=["a"],
            starts_on=date(2025, 2, 1),
            ends_on=date(2025, 1, 1),
            owners={},
        )


def test_an_owner_on_the_audit_team_breaks_impartiality():
    with pytest.raises(NotAllowed) as err:
        planned(auditors=("carol", "olivia"))
    assert err.value.code == "impartiality"


def test_an_admin_may_record_a_finding_for_the_team_but_not_against_their_own_system():
    audit = planned()
    with pytest.raises(NotAllowed):
        audit.raise_finding(
            uuid.uuid4(),
            kind="observation",
            reference="9.2",
            description="d",
            system_id=SYSTEM,
            raised_by="olivia",
            on_behalf=True,
            owners={SYSTEM: "olivia"},
        )
    audit.raise_finding(
        uuid.uuid4(),
        kind="observation",
        reference="9.2",
        description="d",
        system_id=SYSTEM,
        raised_by="ada",
        on_behalf=True,
        owners={},
    )
    assert [type(e).__name__ for e in audit.pending] == ["AuditPlanned", "FindingRaised"]


def test_a_completed_audit_takes_no_more_findings():
    audit = planned()
    audit.complete("done", "carol")
    with pytest.raises(Conflict):
        audit.raise_finding(
            uuid.uuid4(),
            kind="observation",
            reference="9.2",
            description="d",
            system_id=None,
            raised_by="carol",
            on_behalf=False,
            owners={},
        )


@pytest.mark.parametrize("ref", ["4.1", "9.2", "10.2", "6.1.3", "A.2.2", "A.6.2.4"])
def test_clauses_and_annex_a_controls_are_valid_references(ref):
    check_reference(ref)


@pytest.mark.parametrize("ref", ["3.1", "11", "A.6.2.9", "9.2;drop", ""])
def test_other_references_are_refused(ref):
    with pytest.raises(Invalid):
        check_reference(ref)


def test_an_ineffective_correction_does_not_close_a_nonconformity():
    nc = Nonconformity.raise_(uuid.uuid4(), title="t", description="d", owner="olivia")
    nc.record_root_cause("no review step")
    with pytest.raises(Conflict) as not_effective:
        nc.close("still failing", False, "carol")
    assert not_effective.value.code == "not_effective"
    nc.close("works", True, "carol")
    assert nc.status == "closed"
    with pytest.raises(Conflict):
        nc.contain("too late")


def test_closure_needs_a_root_cause_done_actions_and_none_of_the_raiser_or_owners():
    nc = Nonconformity.raise_(
        uuid.uuid4(), title="t", description="d", owner="olivia", raised_by="quinn"
    )
    action = uuid.uuid4()
    nc.add_action(action, "fix", "omar", date(2025, 3, 1))
    for who, relation in (("quinn", "raiser"), ("olivia", "owner"), ("omar", "action_owners")):
        with pytest.raises(NotAllowed) as sod:
            nc.close("fine", True, who)
        assert (sod.value.code, sod.value.extra["relation"]) == ("separation_of_duties", relation)
    with pytest.raises(Conflict) as incomplete:
        nc.close("fine", True, "carol")
    assert incomplete.value.extra["missing"] == ["root_cause", f"corrective_action:{action}"]
    nc.record_root_cause("no monitor")
    nc.complete_action(action, "omar")
    nc.close("fine", True, "carol")
    assert nc.status == "closed"
