"""The gate rules of systems in operation, pure: oversight, breaches, serious incidents."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.registry.gate.domain import RULES, Fact, GateFacts, SystemView, load_policy

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SYSTEM_ID = uuid4()


def system(tier: str = "high") -> SystemView:
    return SystemView(SYSTEM_ID, f"system-{SYSTEM_ID}", 3, "verification", tier, "triage")


def oversight(*overseers: str) -> Fact:
    stream = f"oversight-{SYSTEM_ID}"
    return Fact(stream, "oversight", stream, len(overseers) + 1, {"overseers": list(overseers)})


def breach(reviewed: bool = False, n: int = 1) -> Fact:
    data = {"breach_id": f"b{n}", "metric": "drift", "reviewed": reviewed}
    return Fact(f"breach-{n}", "breach", f"breach-{n}", 2 if reviewed else 1, data)


def incident(serious: bool = True, closed: bool = False, named: bool = True) -> Fact:
    data = {"incident_id": "i1", "serious": serious, "severity": "high", "closed": closed,
            "named": named, "title": "wrongful denials"}  # fmt: skip
    return Fact(f"incident-1/{SYSTEM_ID}", "incident", "incident-1", 3, data)


def check(rule: str, facts: GateFacts, **params: object):
    return RULES[rule](params, facts, NOW)


def codes(outcome) -> list[str]:
    return [r.code for r in outcome.reasons]


def test_a_high_tier_system_without_named_overseers_is_denied():
    assert codes(check("oversight_assigned", GateFacts(system()))) == ["oversight_missing"]
    emptied = GateFacts(system(), [oversight()])
    assert codes(check("oversight_assigned", emptied)) == ["oversight_missing"]
    named = check("oversight_assigned", GateFacts(system(), [oversight("olga")]))
    assert codes(named) == [] and named.used == {f"oversight-{SYSTEM_ID}": 2}


def test_oversight_is_asked_only_of_the_tiers_named():
    assert codes(check("oversight_assigned", GateFacts(system("limited")))) == []
    limited = GateFacts(system("limited"))
    assert codes(check("oversight_assigned", limited, tiers=["high", "limited"])) == [
        "oversight_missing"
    ]


def test_each_breach_awaiting_review_is_a_reason_with_its_id():
    out = check("breaches_reviewed", GateFacts(system(), [breach(n=1), breach(True, n=2)]))
    assert codes(out) == ["monitoring_breach"]
    assert out.reasons[0].refs["breach_id"] == "b1"
    assert out.used == {"breach-1": 1}  # a reviewed breach is not relied on


def test_only_an_open_serious_incident_naming_the_system_denies():
    assert codes(check("no_open_serious_incident", GateFacts(system(), [incident()]))) == [
        "open_serious_incident"
    ]
    for fact in (incident(serious=False), incident(closed=True), incident(named=False)):
        assert codes(check("no_open_serious_incident", GateFacts(system(), [fact]))) == []


def test_the_default_policy_asks_every_deployment_for_all_three():
    rules = {r.rule: r.params for r in load_policy().deployment_gate}
    assert rules["oversight_assigned"] == {"tiers": ["high"]}
    assert "breaches_reviewed" in rules and "no_open_serious_incident" in rules
