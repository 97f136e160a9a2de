"""SoA justification rules (pure)."""

import pytest

from services.risk.soa.domain import SoAEntry, entry_id
from shared.contract.events.risk import SoAEntrySet
from shared.domain.errors import Invalid, NotFound


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
