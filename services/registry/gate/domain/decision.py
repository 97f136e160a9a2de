"""The deployment decision aggregate (stream `decision-<id>`) and how the gate is configured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from services.registry.gate.domain.evaluation import NOTHING, Evaluation, evaluate
from services.registry.gate.domain.facts import GateFacts, Reason
from services.registry.gate.domain.policy import GatePolicy
from shared.contract.events.registry import DeploymentDecisionMade, DeploymentRecorded
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict

Mode = Literal["enforce", "warn", "off"]
MODES: dict[str, Mode] = {"enforce": "enforce", "warn": "warn", "off": "off"}
NO_SYSTEM = UUID(int=0)  # the system id of a decision not loaded yet


def mode_for(modes: Mapping[str, str], default: str, environment: str) -> Mode:
    """The gate mode of an environment (enforce, warn or off); anything else enforces."""
    return MODES.get(modes.get(environment, default), "enforce")


@dataclass(frozen=True)
class GateConfig:
    """The deployment gate as configured: its policy, a mode per environment, an answer's life."""

    policy: GatePolicy
    modes: Mapping[str, str] = field(default_factory=dict)
    default_mode: str = "enforce"
    ttl: timedelta = timedelta(hours=1)

    def mode_for(self, environment: str) -> Mode:
        return mode_for(self.modes, self.default_mode, environment)


@dataclass
class DeploymentDecision(Aggregate):
    """One answer of the deployment gate, and the deployment that may cite it once."""

    category = "decision"
    system_id: UUID = NO_SYSTEM
    model_version: str = ""
    environment: str = ""
    decision: str = "deny"
    mode: Mode = "enforce"
    reasons: list[dict[str, str]] = field(default_factory=list)
    policy_version: str = ""
    policy_hash: str = ""
    basis: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    deployment: dict[str, Any] | None = None

    @classmethod
    def ask(
        cls, id: UUID, *, system_id: UUID, model_version: str, environment: str,
        facts: GateFacts | None, gate: GateConfig, now: datetime,
    ) -> DeploymentDecision:  # fmt: skip
        """Apply the policy's deployment gate to the facts (None: no such system), record it."""
        evaluation = None if facts is None else evaluate(gate.policy.deployment_gate, facts, now)
        return cls.decide(
            id, system_id=system_id, model_version=model_version, environment=environment,
            mode=gate.mode_for(environment), evaluation=evaluation, policy=gate.policy, now=now,
            ttl=gate.ttl,
        )  # fmt: skip

    @classmethod
    def decide(
        cls, id: UUID, *, system_id: UUID, model_version: str, environment: str, mode: Mode,
        evaluation: Evaluation | None, policy: GatePolicy, now: datetime, ttl: timedelta,
    ) -> DeploymentDecision:  # fmt: skip
        """Record a decision; no evaluation means the system does not exist (always deny)."""
        if evaluation is None:
            allow, shown = False, [Reason("system_not_found", f"no AI system {system_id}")]
            basis, expires = {"streams": {}, "position": 0}, now
        else:
            allow = evaluation.satisfied or mode in ("warn", "off")
            shown = [] if mode == "off" else list(evaluation.reasons)
            basis, expires = evaluation.basis(), now + ttl
            if evaluation.expires_at is not None:
                expires = min(expires, evaluation.expires_at)
        decision = cls(id)
        decision._emit(DeploymentDecisionMade(
            decision_id=id, system_id=system_id, model_version=model_version,
            environment=environment, decision="allow" if allow else "deny",
            mode=mode, reasons=[r.as_dict() for r in shown],
            policy_version=policy.version, policy_hash=policy.sha256, basis=basis,
            expires_at=expires,
        ))  # fmt: skip
        return decision

    def cite(
        self, *, by: str, notes: str, now: datetime, gate: GateConfig, facts: GateFacts | None,
        logged: Mapping[str, int], target: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        """Record a deployment citing this decision, with the gate applied again now.

        `logged` holds the versions the log itself has for the streams of the basis: where
        one differs from the basis, the log is authoritative (a fact the projection has not
        folded yet still counts as a change). Unknown facts (no system) rely on nothing.
        """
        current = NOTHING if facts is None else evaluate(gate.policy.deployment_gate, facts, now)
        recorded = self.basis.get("streams", {})
        moved = {s: v for s, v in logged.items() if recorded.get(s) != v}
        current = Evaluation(current.reasons, {**current.streams, **moved}, current.position,
                             current.expires_at)  # fmt: skip
        self.deploy(by=by, notes=notes, now=now, policy=gate.policy, current=current,
                    target=target)  # fmt: skip

    def deploy(
        self, *, by: str, notes: str, now: datetime, policy: GatePolicy, current: Evaluation,
        target: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        """Record the deployment this decision authorises, if it still holds."""
        cited = {"system_id": self.system_id, "model_version": self.model_version,
                 "environment": self.environment}  # fmt: skip
        wrong = sorted(k for k, v in (target or {}).items() if cited.get(k) != v)
        if wrong:
            raise Conflict(f"the decision was made for another {', '.join(wrong)}",
                           code="decision_mismatch", fields=wrong)  # fmt: skip
        if self.decision != "allow":
            raise Conflict("the decision cited is a deny", code="decision_denied")
        if self.deployment is not None:
            raise Conflict("this decision was already used for a deployment", code="decision_used")
        if self.expires_at is None or now >= self.expires_at:
            raise Conflict("the decision has expired; ask the gate again", code="decision_expired")
        if policy.sha256 != self.policy_hash:
            raise Conflict("the gate policy changed since the decision", code="policy_changed")
        changed = changed_streams(self.basis.get("streams", {}), current.streams)
        if changed:
            raise Conflict(
                "what the decision relied on has changed since: " + ", ".join(changed),
                code="basis_changed", changed=changed,
            )  # fmt: skip
        self._emit(DeploymentRecorded(
            decision_id=self.id, system_id=self.system_id, model_version=self.model_version,
            environment=self.environment, deployed_by=by, notes=notes,
        ))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case DeploymentDecisionMade():
                self.system_id, self.model_version = event.system_id, event.model_version
                self.environment, self.decision, self.mode = (
                    event.environment,
                    event.decision,
                    event.mode,
                )
                self.reasons, self.basis = list(event.reasons), dict(event.basis)
                self.policy_version, self.policy_hash = event.policy_version, event.policy_hash
                self.expires_at = event.expires_at
            case DeploymentRecorded():
                self.deployment = {"deployed_by": event.deployed_by, "notes": event.notes}


def changed_streams(recorded: Mapping[str, int], current: Mapping[str, int]) -> list[str]:
    """Streams whose version differs, or that appeared or vanished, between two bases."""
    keys = set(recorded) | set(current)
    return sorted(k for k in keys if recorded.get(k) != current.get(k))
