"""A monitoring threshold breach and its review: stream `breach-<breach_id>`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract.events.registry import (
    BreachDecision,
    MonitoredMetric,
    MonitoringBreachReviewed,
    MonitoringThresholdBreached,
    Observation,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, NotFound
from shared.domain.sod import SodPolicy, default_policy

NO_SYSTEM = UUID(int=0)  # the system of a breach not loaded yet
REVIEW = "breach.review"  # the separation-of-duties decision


@dataclass
class Breach(Aggregate):
    """Observations that crossed a threshold; the gate denies the system until it is reviewed."""

    category = "breach"
    system_id: UUID = NO_SYSTEM
    metric: str = ""
    spec: MonitoredMetric | None = None
    observations: list[Observation] = field(default_factory=list)
    plan_version: int = 0
    detected_at: datetime | None = None
    review: dict[str, Any] | None = None

    @classmethod
    def detect(
        cls, id: UUID, system_id: UUID, spec: MonitoredMetric,
        crossing: Sequence[Observation], plan_version: int,
    ) -> Breach:  # fmt: skip
        """A new breach of `spec` by the observations that crossed it."""
        breach = cls(id)
        breach._emit(MonitoringThresholdBreached(
            breach_id=id, system_id=system_id, metric=spec.name, kind=spec.kind,
            threshold=spec.threshold, window=spec.window, observations=list(crossing),
            plan_version=plan_version,
        ))  # fmt: skip
        return breach

    @property
    def metric_spec(self) -> MonitoredMetric:
        """The metric as the plan had it when the breach was detected."""
        if self.spec is None:
            raise NotFound(f"no breach {self.id}")
        return self.spec

    def of_system(self, system_id: UUID) -> None:
        """Refuse (404) a breach looked up under another system."""
        if self.system_id != system_id:
            raise NotFound(f"no breach {self.id} of system {system_id}")

    def decide(
        self, decision: BreachDecision, comment: str, by: str, system_owner: str,
        sod: SodPolicy | None = None,
    ) -> None:  # fmt: skip
        """Record the review, once, by someone the separation-of-duties policy does not
        exclude (by default the system's owner: 403)."""
        (sod or default_policy()).check_excluded(REVIEW, by, {"system_owner": {system_owner}})
        if self.review is not None:
            raise Conflict(
                f"the breach was already reviewed by {self.review['reviewed_by']}",
                code="breach_reviewed", decision=self.review["decision"],
            )  # fmt: skip
        self._emit(MonitoringBreachReviewed(
            breach_id=self.id, system_id=self.system_id, metric=self.metric, decision=decision,
            comment=comment, reviewed_by=by,
        ))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case MonitoringThresholdBreached():
                self.system_id, self.metric = event.system_id, event.metric
                self.spec = MonitoredMetric(
                    name=event.metric, kind=event.kind, threshold=event.threshold,
                    window=event.window,
                )  # fmt: skip
                self.observations, self.plan_version = list(event.observations), event.plan_version
            case MonitoringBreachReviewed():
                self.review = {"decision": event.decision, "comment": event.comment,
                               "reviewed_by": event.reviewed_by, "reviewed_at": None}  # fmt: skip

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        if isinstance(event, MonitoringThresholdBreached):
            self.detected_at = at
        elif self.review is not None:
            self.review["reviewed_at"] = at
