"""A decision loads only the fact kinds its policy's rules read, and reads again when the
policy it finds in force needs more."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

import yaml

from services.registry.gate import handlers
from services.registry.gate.commands import DecideDeployment
from services.registry.gate.domain import (
    RULES,
    Fact,
    GateConfig,
    GateFacts,
    ModelVersionView,
    SystemView,
    fact_kinds,
    load_policy,
    parse_policy,
)
from services.registry.gate.domain.rules import KINDS
from services.registry.gate.handlers import DecisionRead
from shared.domain.repository import Repository
from shared.kernel.requestctx import Actor, RequestContext

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LATER = (NOW + timedelta(days=30)).isoformat()
SYSTEM_ID = uuid4()
MV = ModelVersionView(uuid4(), "model", "1", "a" * 64)
# Parameters that take every rule down every branch that reads facts.
PARAMS: dict[str, Any] = {
    "tiers": ["high"], "soa_gate_controls": True, "controls": ["A.6.2.4"],
    "competences": ["oversight"], "from_roles": True, "stages": ["verification"],
}  # fmt: skip
DATA: dict[str, dict[str, Any]] = {
    "criteria": {"levels": ["low", "medium", "high"], "appetite": "low"},
    "risk": {"risk_id": "r1", "level": "high", "material_version": 1},
    "acceptance": {"risk_id": "r1", "status": "approved", "risk_version": 1, "expires_at": LATER},
    "impact": {"status": "approved"},
    "soa": {"control_id": "A.6.2.4", "applicable": True, "deployment_gate": True},
    "evidence": {"control_ids": ["A.6.2.4"], "valid_until": LATER},
    "oversight": {"overseers": ["olga"]},
    "breach": {"breach_id": "b1", "metric": "recall", "reviewed": False},
    "incident": {"incident_id": "i1", "serious": True, "severity": "high"},
    "dataset": {"use": "training", "provenance": "x", "model_version_ids": [str(MV.id)]},
    "airole": {"members": ["olga"], "competences": ["oversight"]},
    "training": {"person": "olga", "competence": "oversight", "expires_at": LATER},
}  # fmt: skip


@dataclass(frozen=True)
class Recording(GateFacts):
    """Facts that note every kind a rule asks for."""

    asked: set[str] = field(default_factory=set)

    def of(self, kind: str) -> list[Fact]:
        self.asked.add(kind)
        return super().of(kind)


def _facts() -> Recording:
    system = SystemView(SYSTEM_ID, f"system-{SYSTEM_ID}", 3, "verification", "high", "triage",
                        (MV,))  # fmt: skip
    facts = [Fact(k, k, f"{k}-1", 1, d) for k, d in DATA.items()]
    return Recording(system, facts, 10, "model/1")


def test_every_rule_reads_only_the_fact_kinds_it_declares():
    for name, rule in RULES.items():
        facts = _facts()
        rule(PARAMS, facts, NOW)
        assert facts.asked <= KINDS.get(name, frozenset()), name
        assert facts.asked == KINDS.get(name, frozenset()), f"{name} declares kinds it never reads"


def test_the_default_policy_does_not_load_training_records_or_ai_roles():
    kinds = fact_kinds(load_policy().deployment_gate)
    assert {"risk", "acceptance", "evidence", "soa", "criteria"} <= kinds
    assert not kinds & {"training", "airole", "dataset"}


@dataclass
class _Facts:
    """A facts port whose policy stream moved on: version 7 is a policy needing more."""

    asked: list[frozenset[str] | None] = field(default_factory=list)

    async def for_decision(
        self, system_id: UUID, model_version: str, kinds: frozenset[str] | None = None
    ) -> DecisionRead:
        self.asked.append(kinds)
        facts = _facts()
        kept = [f for f in facts.facts if kinds is None or f.kind in kinds]
        return DecisionRead(replace(facts, facts=kept), 7)


async def test_a_decision_reads_again_when_the_policy_in_force_needs_more_kinds(store):
    old = GateConfig(load_policy())
    text = "version: x\ndeployment_gate:\n  - rule: overseers_competent\n    tiers: [high]\n"
    new = GateConfig(parse_policy(yaml.safe_load(text), "f" * 64))

    async def follow(version: int | None) -> GateConfig:
        return new if version == 7 else old

    facts = _Facts()
    ctx = RequestContext(actor=Actor("pat", frozenset({"mlops"})), service="registry")
    cmd = DecideDeployment(SYSTEM_ID, "model/1", "production")
    repo = Repository(store)
    port = cast(handlers.GateFactsPort, facts)  # only `for_decision` is asked
    decision, _ = await handlers.decide_deployment(cmd, ctx, repo, port, follow, old)
    assert facts.asked == [fact_kinds(old.policy.deployment_gate), None]
    assert decision.policy_version == "x"
    assert "training-1" in decision.basis["streams"]  # the re-read facts were relied on
