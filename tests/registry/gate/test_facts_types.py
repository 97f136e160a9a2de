"""The gate facts projection reads every contract type its streams can hold, and no decision."""

from __future__ import annotations

from services.registry.gate.projections import ELSEWHERE, GateFactsProjection
from services.registry.systems.projections import SYSTEM_EVENTS
from shared.domain.aggregate import DomainEvent


def test_gate_facts_read_every_contract_type_but_the_systems_and_decisions_own():
    types = GateFactsProjection.types
    assert types is not None
    left_out = set(DomainEvent.registry) - types
    assert left_out == {e.type_name() for e in ELSEWHERE}
    assert left_out == SYSTEM_EVENTS | {"DeploymentDecisionMade", "DeploymentRecorded"}
    # What the four-eyes flow writes into the followed streams stays in view.
    assert {"ChangeRequested", "ChangeRejected", "RiskIdentified", "TrainingRecorded"} <= types
