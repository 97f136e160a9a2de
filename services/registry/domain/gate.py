"""Evaluating gates, and the deployment decision aggregate (stream `decision-<id>`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.registry.domain.facts import GateFacts, Reason
from services.registry.domain.policy import GatePolicy, Requirement
from services.registry.domain.rules import RULES, Outcome
from shared.contract.events.registry import DeploymentDecisionMade, DeploymentRecorded
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict

MODES = ("enforce", "warn", "off")


@dataclass(frozen=True)
class Evaluation:
    """The outcome of a set of requirements: what is missing and what it relied on."""

    reasons: tuple[Reason, ...]
    streams: Mapping[str, int]
    position: int
    expires_at: datetime | None

    @property
    def satisfied(self) -> bool:
        return not self.reasons

    def basis(self) -> dict[str, Any]:
        """The record of what the evaluation relied on: stream versions and log position."""
        return {"streams": dict(sorted(self.streams.items())), "position": self.position}


def evaluate(requirements: Sequence[Requirement], facts: GateFacts, now: datetime) -> Evaluation:
    """Apply every requirement to the facts; the system's own stream is always relied on."""
    total = Outcome(used={facts.system.stream_id: facts.system.version})
    for req in requirements:
        out = RULES[req.rule](req.params, facts, now)
        total.reasons.extend(r for r in out.reasons if r not in total.reasons)
        for stream, version in out.used.items():
            total.used[stream] = max(version, total.used.get(stream, 0))
        total.lapses(out.expires_at)
    return Evaluation(tuple(total.reasons), total.used, facts.position, total.expires_at)


class GateNotSatisfied(Conflict):
    """A lifecycle move lacks its gate evidence (409 listing what is missing)."""

    code = "gate_not_satisfied"

    def __init__(self, to: str, reasons: Sequence[Reason]) -> None:
        super().__init__(
            f"entering {to} needs: " + "; ".join(r.message for r in reasons),
            reasons=[r.as_dict() for r in reasons],
            missing=[r.code for r in reasons],
        )


def mode_for(modes: Mapping[str, str], default: str, environment: str) -> str:
    """The gate mode of an environment (enforce, warn or off)."""
    mode = modes.get(environment, default)
    return mode if mode in MODES else "enforce"


@dataclass
class DeploymentDecision(Aggregate):
    """One answer of the deployment gate, and the deployment that may cite it once."""

    category = "decision"
    system_id: UUID | None = None
    model_version: str = ""
    environment: str = ""
    decision: str = "deny"
    mode: str = "enforce"
    reasons: list[dict[str, str]] = field(default_factory=list)
    policy_version: str = ""
    policy_hash: str = ""
    basis: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    deployment: dict[str, Any] | None = None

    @classmethod
    def decide(
        cls, id: UUID, *, system_id: UUID, model_version: str, environment: str, mode: str,
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
            mode=mode, reasons=[r.as_dict() for r in shown],  # type: ignore[arg-type]
            policy_version=policy.version, policy_hash=policy.sha256, basis=basis,
            expires_at=expires,
        ))  # fmt: skip
        return decision

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
        assert self.system_id is not None
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
