"""What callers ask about systems in operation: typed commands, built by the API schemas."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.registry.operation.domain import Reading
from shared.contract.events.registry import BreachDecision, MonitoredMetric


@dataclass(frozen=True)
class AssignOversight:
    """Name who oversees a system in use, their measures, and how it is stopped."""

    system_id: UUID
    overseers: tuple[str, ...]
    measures: str
    can_override: bool
    stop_procedure: str
    expected_version: int | None = None


@dataclass(frozen=True)
class SetMonitoringPlan:
    """Set (or confirm, which records a review) the monitoring plan of a system."""

    system_id: UUID
    metrics: tuple[MonitoredMetric, ...]
    review_every_days: int
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordObservations:
    """Take a batch of observations from a monitoring job."""

    system_id: UUID
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class ReviewBreach:
    """Record an approver's decision on a monitoring breach."""

    system_id: UUID
    breach_id: UUID
    decision: BreachDecision
    comment: str
