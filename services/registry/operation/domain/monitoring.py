"""The monitoring plan of a system (9.1, A.6.2.6, Art. 72): stream `monitoring-<system_id>`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.contract.events.registry import (
    MonitoredMetric,
    MonitoringPlanReviewed,
    MonitoringPlanSet,
)
from shared.domain.aggregate import Aggregate, DomainEvent

WINDOW = re.compile(r"^([1-9][0-9]{0,2})([mhd])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def window_seconds(window: str) -> int:
    """Seconds of a window such as `15m`, `1h` or `7d` (1-999 of a unit; ValueError otherwise)."""
    m = WINDOW.match(window)
    if m is None:
        raise ValueError("a window is a number and a unit: m, h or d (e.g. 15m, 1h, 7d)")
    return int(m.group(1)) * UNIT_SECONDS[m.group(2)]


@dataclass
class MonitoringPlan(Aggregate):
    """What is measured about a system in operation, its thresholds, and when it is reviewed."""

    category = "monitoring"
    metrics: list[MonitoredMetric] = field(default_factory=list)
    review_every_days: int = 0
    review_due_at: datetime | None = None
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None

    def set(
        self, metrics: Sequence[MonitoredMetric], review_every_days: int, now: datetime
    ) -> None:
        """Set the plan; setting it unchanged records a review of it. Either way the next
        review falls due `review_every_days` from now."""
        due = now + timedelta(days=review_every_days)
        if self.version and (list(metrics), review_every_days) == (
            self.metrics,
            self.review_every_days,
        ):
            self._emit(MonitoringPlanReviewed(system_id=self.id, review_due_at=due))
            return
        self._emit(MonitoringPlanSet(
            system_id=self.id, metrics=list(metrics), review_every_days=review_every_days,
            review_due_at=due,
        ))  # fmt: skip

    def metric(self, name: str) -> MonitoredMetric | None:
        """The plan's metric of that name, if it has one."""
        return next((m for m in self.metrics if m.name == name), None)

    def review_overdue(self, now: datetime) -> bool:
        """True when a plan exists and its review date has passed."""
        return self.review_due_at is not None and now > self.review_due_at

    def apply(self, event: DomainEvent) -> None:
        match event:
            case MonitoringPlanSet():
                self.metrics, self.review_every_days = list(event.metrics), event.review_every_days
                self.review_due_at = event.review_due_at
            case MonitoringPlanReviewed():
                self.review_due_at = event.review_due_at

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        self.reviewed_at, self.reviewed_by = at, actor
