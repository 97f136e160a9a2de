"""Evaluating a gate: apply the policy's requirements to the facts, keep what was relied on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.registry.gate.domain.facts import GateFacts, Reason
from services.registry.gate.domain.policy import Requirement
from services.registry.gate.domain.rules import RULES, Outcome
from shared.domain.errors import Conflict


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


NOTHING = Evaluation((), {}, 0, None)  # relied on nothing: the system itself is unknown


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
