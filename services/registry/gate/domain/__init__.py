"""The gate's domain: facts, rules, the policy, evaluations and decisions (no HTTP, no SQL)."""

from services.registry.gate.domain.decision import (
    DeploymentDecision,
    GateConfig,
    Mode,
    changed_streams,
    mode_for,
)
from services.registry.gate.domain.evaluation import Evaluation, GateNotSatisfied, evaluate
from services.registry.gate.domain.facts import (
    Fact,
    GateFacts,
    ModelVersionView,
    Reason,
    SystemView,
    parse_time,
)
from services.registry.gate.domain.policy import (
    DEFAULT_POLICY,
    GatePolicy,
    PolicyError,
    Requirement,
    fact_kinds,
    load_policy,
    parse_policy,
)
from services.registry.gate.domain.rules import RULES, Outcome, Rule

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "DeploymentDecision",
    "Evaluation",
    "Fact",
    "GateConfig",
    "GateFacts",
    "GateNotSatisfied",
    "GatePolicy",
    "Mode",
    "ModelVersionView",
    "Outcome",
    "PolicyError",
    "Reason",
    "Requirement",
    "Rule",
    "SystemView",
    "changed_streams",
    "evaluate",
    "fact_kinds",
    "load_policy",
    "mode_for",
    "parse_policy",
    "parse_time",
]
