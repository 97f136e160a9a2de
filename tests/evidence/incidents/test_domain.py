"""Incidents and concerns without I/O: Art. 73 deadlines at their boundaries, statuses,
notifications, who may close and who may triage."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.evidence.concerns.domain import Concern
from services.evidence.concerns.sealing import Sealer
from services.evidence.incidents.deadlines import DeadlineRulesError, load, parse
from services.evidence.incidents.domain import Classification, Incident
from shared.contract.events.evidence import (
    ConcernRaised,
    IncidentClosed,
    IncidentNotificationSent,
    IncidentReported,
)
from shared.domain.errors import Conflict, Invalid, NotAllowed

AWARE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NOW = AWARE + timedelta(days=30)
SEALER = Sealer(bytes(range(32)))


def incident(serious=True, widespread=False, harm=("serious_harm_to_health",), now=NOW):
    return Incident.report(
        uuid4(), system_ids=[uuid4()], title="Wrong dosage advice", description="...",
        occurred_at=AWARE - timedelta(hours=2), aware_at=AWARE,
        classification=Classification("high", serious, widespread, tuple(harm)),
        reported_by="rita", rules=load(), now=now,
    )  # fmt: skip


def test_a_serious_incident_is_due_15_days_after_awareness_by_art_73_2():
    event = incident().pending[0]
    assert isinstance(event, IncidentReported)
    assert event.notification_due_at == AWARE + timedelta(days=15)
    assert event.deadline_rule == "art73_general"
    assert event.deadline_article == "EU AI Act Art. 73(2)"


@pytest.mark.parametrize(("day", "overdue"), [(14, False), (15, False), (16, True)])
def test_the_general_deadline_holds_through_day_15_and_is_missed_on_day_16(day, overdue):
    inc = incident()
    assert inc.overdue(AWARE + timedelta(days=day)) is overdue


def test_the_deadline_is_missed_the_moment_day_15_ends():
    inc = incident()
    due = AWARE + timedelta(days=15)
    assert not inc.overdue(due) and inc.overdue(due + timedelta(seconds=1))


def test_a_death_is_due_in_10_days_by_art_73_4():
    inc = incident(harm=["death", "serious_harm_to_health"])
    assert inc.notification_due_at == AWARE + timedelta(days=10)
    assert inc.deadline_article == "EU AI Act Art. 73(4)"
    assert not inc.overdue(AWARE + timedelta(days=10))
    assert inc.overdue(AWARE + timedelta(days=10, seconds=1))


@pytest.mark.parametrize(
    ("widespread", "harm"),
    [(True, []), (False, ["critical_infrastructure_disruption"]), (True, ["death"])],
)
def test_widespread_or_critical_infrastructure_is_due_in_2_days_by_art_73_3(widespread, harm):
    inc = incident(widespread=widespread, harm=harm)
    assert inc.notification_due_at == AWARE + timedelta(days=2)
    assert inc.deadline_rule == "art73_widespread_or_critical_infrastructure"
    assert inc.deadline_article == "EU AI Act Art. 73(3)"
    assert not inc.overdue(AWARE + timedelta(days=2))
    assert inc.overdue(AWARE + timedelta(days=2, seconds=1))


def test_an_incident_that_is_not_serious_has_no_deadline_and_is_never_overdue():
    inc = incident(serious=False, harm=["death"])
    assert inc.notification_due_at is None and inc.deadline_rule is None
    assert not inc.overdue(AWARE + timedelta(days=400))


def test_triage_that_finds_an_incident_serious_starts_the_clock_from_awareness():
    inc = incident(serious=False, harm=[])
    inc.reclassify(Classification("critical", True, False, ("death",)), "a patient died", "ann",
                   load())  # fmt: skip
    assert inc.notification_due_at == AWARE + timedelta(days=10)
    with pytest.raises(Conflict, match="already classified"):
        inc.reclassify(Classification("critical", True, False, ("death",)), "again", "ann",
                       load())  # fmt: skip


def test_an_initial_notification_stops_the_clock_and_records_whether_it_was_on_time():
    inc = incident()
    inc.notify(uuid4(), "initial", "BfArM", AWARE + timedelta(days=16), "", "rita", NOW)
    assert not inc.overdue(NOW)
    event = inc.pending[-1]
    assert isinstance(event, IncidentNotificationSent) and event.on_time is False
    on_time = incident()
    on_time.notify(uuid4(), "initial", "BfArM", AWARE + timedelta(days=15), "", "rita", NOW)
    assert on_time.notifications[0].on_time is True


def test_notifications_come_initial_first_and_final_last():
    inc = incident()
    with pytest.raises(Conflict, match="initial one"):
        inc.notify(uuid4(), "follow_up", "BfArM", AWARE, "", "rita", NOW)
    inc.notify(uuid4(), "initial", "BfArM", AWARE, "", "rita", NOW)
    with pytest.raises(Conflict, match="already recorded"):
        inc.notify(uuid4(), "initial", "BfArM", AWARE, "", "rita", NOW)
    inc.notify(uuid4(), "follow_up", "BfArM", AWARE, "", "rita", NOW)
    inc.notify(uuid4(), "final", "BfArM", AWARE, "", "rita", NOW)
    with pytest.raises(Conflict, match="final"):
        inc.notify(uuid4(), "follow_up", "BfArM", AWARE, "", "rita", NOW)
    with pytest.raises(Invalid, match="future"):
        incident().notify(uuid4(), "initial", "BfArM", NOW + timedelta(days=1), "", "r", NOW)


def test_times_must_make_sense():
    with pytest.raises(Invalid, match="before occurred_at"):
        Incident.report(
            uuid4(), system_ids=[uuid4()], title="t", description="d", occurred_at=AWARE,
            aware_at=AWARE - timedelta(seconds=1), classification=Classification("low", False),
            reported_by="rita", rules=load(), now=NOW,
        )  # fmt: skip
    with pytest.raises(Invalid, match="future"):
        incident(now=AWARE - timedelta(days=1))


def test_statuses_move_forward_and_close_only_with_a_resolution():
    inc = incident()
    for to in ("triaged", "reported", "investigating", "resolved", "investigating"):
        inc.change_status(to, "", "ann")
    with pytest.raises(Conflict, match="cannot move"):
        inc.change_status("triaged", "", "ann")
    with pytest.raises(Conflict, match="already"):
        inc.change_status("investigating", "", "ann")
    with pytest.raises(Invalid, match="close"):
        inc.change_status("closed", "", "ann")
    inc.close("Fixed the prompt template", "ann", inc.relations())
    assert inc.status == "closed" and isinstance(inc.pending[-1], IncidentClosed)
    with pytest.raises(Conflict, match="closed"):
        inc.change_status("resolved", "", "ann")


def test_the_reporter_may_not_close_the_incident():
    inc = incident()
    with pytest.raises(NotAllowed) as refused:
        inc.close("done", "rita", inc.relations())
    assert refused.value.extra["relation"] == "reporter"


def test_an_anonymous_concern_keeps_its_reporter_only_sealed():
    concern = Concern.raise_(uuid4(), description="The bot insults people", system_ids=[],
                             reporter="whistle", anonymous=True, sealer=SEALER)  # fmt: skip
    event = concern.pending[0]
    assert isinstance(event, ConcernRaised)
    assert event.reporter is None and "whistle" not in event.model_dump_json()
    assert concern.shown_reporter(SEALER, admin=True) == "whistle"
    assert concern.shown_reporter(SEALER, admin=False) is None
    other = Sealer(bytes(32))
    assert concern.shown_reporter(other, admin=True) is None
    with pytest.raises(Conflict, match="another key"):
        concern.triage("dismissed", "no", "ann", other)


def test_a_sealed_reporter_opens_only_for_its_own_concern():
    a, b = uuid4(), uuid4()
    sealed = SEALER.seal("whistle", a)
    assert SEALER.unseal(sealed, a) == "whistle" and SEALER.unseal(sealed, b) is None
    assert SEALER.unseal("garbage", a) is None and SEALER.seal("whistle", a) != sealed


def test_the_reporter_of_a_concern_may_not_triage_it_even_anonymously():
    concern = Concern.raise_(uuid4(), description="x", system_ids=[], reporter="whistle",
                             anonymous=True, sealer=SEALER)  # fmt: skip
    with pytest.raises(NotAllowed):
        concern.triage("dismissed", "no", "whistle", SEALER)
    concern.triage("dismissed", "not an AI matter", "ann", SEALER)
    with pytest.raises(Conflict, match="already triaged"):
        concern.triage("incident", "on second thoughts", "bob", SEALER)


def test_deadline_rules_are_checked_when_loaded():
    good = {"id": "r", "article": "Art. 73(2)", "days": 15, "when_any": {}}
    assert parse({"rules": [good]}).rules[0].days == 15
    bad: dict[str, Any]
    for bad in (
        {"rules": []},
        {"rules": [{**good, "when_any": {"harm": ["stubbed_toe"]}}]},
        {"rules": [{**good, "days": "15"}]},
        {"rules": [{**good, "when_any": {"widespread": True}}]},  # nothing catches the rest
        {"rules": [good, good]},
        {"rules": [{**good, "extra": 1}]},
    ):
        with pytest.raises(DeadlineRulesError):
            parse(bad)
