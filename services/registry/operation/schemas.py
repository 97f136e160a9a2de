"""Request and response bodies of systems in operation; request bodies build the commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.registry.operation.commands import (
    AssignOversight,
    RecordObservations,
    ReviewBreach,
    SetMonitoringPlan,
)
from services.registry.operation.domain import (
    MAX_BATCH,
    Breach,
    Ingested,
    MonitoringPlan,
    Oversight,
    Reading,
)
from services.registry.systems.schemas import Text, stripped
from shared.contract.events.registry import (
    BreachDecision,
    MetricKind,
    MonitoredMetric,
    Observation,
    Threshold,
)
from shared.http.fields import Instant

# Strict: JSON `false` or "1" is not a number here, and JSON numbers only (NaN, Infinity refused).
Finite = Annotated[float, Field(allow_inf_nan=False, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
MetricName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")
]
Window = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,2}[mhd]$")]
Label = Annotated[str, StringConstraints(max_length=200)]


def _subjects(names: list[str]) -> list[str]:
    """Subjects as tokens carry them (trimmed, case-folded), each named once, in order."""
    if len(set(names)) != len(names):
        raise ValueError("overseers must be distinct")
    return list(dict.fromkeys(n.casefold() for n in names))


def _distinct_metrics(metrics: list[MetricIn]) -> list[MetricIn]:
    if len({m.name for m in metrics}) != len(metrics):
        raise ValueError("metric names must be distinct")
    return metrics


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OversightIn(In):
    """Who oversees the system in use (subjects as in their tokens), and how (Art. 14)."""

    overseers: Annotated[
        list[Annotated[str, stripped(200)]],
        Field(max_length=50, json_schema_extra={"uniqueItems": True}), AfterValidator(_subjects),
    ]  # fmt: skip
    measures: Text = ""
    can_override: Flag = False
    stop_procedure: Text = ""

    def to_command(self, system_id: UUID, expected_version: int | None) -> AssignOversight:
        return AssignOversight(
            system_id, tuple(self.overseers), self.measures, self.can_override,
            self.stop_procedure, expected_version,
        )  # fmt: skip


class OversightOut(BaseModel):
    system_id: UUID
    overseers: list[str]
    measures: str
    can_override: bool
    stop_procedure: str
    assigned: bool
    version: int
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, o: Oversight) -> OversightOut:
        return cls(
            system_id=o.id, overseers=o.overseers, measures=o.measures,
            can_override=o.can_override, stop_procedure=o.stop_procedure, assigned=o.assigned,
            version=o.version, updated_at=o.last_event_at, updated_by=o.updated_by,
        )  # fmt: skip


class ThresholdIn(In):
    op: Literal["gt", "lt"]
    value: Finite


class MetricIn(In):
    name: MetricName
    kind: MetricKind
    threshold: ThresholdIn
    window: Window = "1h"

    def spec(self) -> MonitoredMetric:
        t = Threshold(op=self.threshold.op, value=self.threshold.value)
        return MonitoredMetric(name=self.name, kind=self.kind, threshold=t, window=self.window)


class MonitoringIn(In):
    """The plan: metrics with thresholds, each summarised once per `window`."""

    metrics: Annotated[list[MetricIn], Field(min_length=1, max_length=50),
                       AfterValidator(_distinct_metrics)]  # fmt: skip
    review_every_days: Annotated[int, Field(ge=1, le=366, strict=True)] = 90

    def to_command(self, system_id: UUID, expected_version: int | None) -> SetMonitoringPlan:
        return SetMonitoringPlan(system_id, tuple(m.spec() for m in self.metrics),
                                 self.review_every_days, expected_version)  # fmt: skip


class MonitoringOut(BaseModel):
    system_id: UUID
    metrics: list[MonitoredMetric]
    review_every_days: int
    review_due_at: datetime | None
    review_overdue: bool
    reviewed_at: datetime | None
    reviewed_by: str | None
    version: int

    @classmethod
    def of(cls, p: MonitoringPlan, now: datetime) -> MonitoringOut:
        return cls(
            system_id=p.id, metrics=p.metrics, review_every_days=p.review_every_days,
            review_due_at=p.review_due_at, review_overdue=p.review_overdue(now),
            reviewed_at=p.reviewed_at, reviewed_by=p.reviewed_by, version=p.version,
        )  # fmt: skip


class ObservationIn(In):
    metric: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    value: Finite
    observed_at: Instant
    model_version: Label = ""
    source: Label = ""


class ObservationsIn(In):
    observations: Annotated[list[ObservationIn], Field(min_length=1, max_length=MAX_BATCH)]

    def to_command(self, system_id: UUID) -> RecordObservations:
        readings = tuple(Reading(o.metric, o.value, o.observed_at, o.model_version, o.source)
                         for o in self.observations)  # fmt: skip
        return RecordObservations(system_id, readings)


class BreachRef(BaseModel):
    breach_id: UUID
    metric: str
    crossings: int


class IngestOut(BaseModel):
    """What the batch did; `breaches` were opened by it, `open_breaches` already awaited review."""

    system_id: UUID
    accepted: int
    metrics: dict[str, int]
    breaches: list[BreachRef]
    open_breaches: dict[str, UUID]
    summarised: list[str]

    @classmethod
    def of(cls, i: Ingested) -> IngestOut:
        opened = [BreachRef(breach_id=b.id, metric=b.metric, crossings=len(b.observations))
                  for b in i.breaches]  # fmt: skip
        return cls(
            system_id=i.system_id, accepted=i.accepted, metrics=i.metrics, breaches=opened,
            open_breaches=i.still_open, summarised=i.summarised,
        )  # fmt: skip


class ReviewIn(In):
    decision: BreachDecision
    comment: Text = ""

    def to_command(self, system_id: UUID, breach_id: UUID) -> ReviewBreach:
        return ReviewBreach(system_id, breach_id, self.decision, self.comment)


class ReviewOut(BaseModel):
    decision: BreachDecision
    comment: str
    reviewed_by: str
    reviewed_at: datetime | None


class BreachOut(BaseModel):
    """A breach; `id` is `breach_id`, `decision` is the review's (null while open)."""

    id: UUID
    breach_id: UUID
    system_id: UUID
    metric: str
    kind: MetricKind
    threshold: Threshold
    window: str
    observations: list[Observation]
    crossings: int
    plan_version: int
    detected_at: datetime | None
    status: Literal["open", "reviewed"]
    decision: BreachDecision | None
    review: ReviewOut | None

    @classmethod
    def of(cls, b: Breach) -> BreachOut:
        spec = b.metric_spec
        return cls(
            id=b.id, breach_id=b.id, system_id=b.system_id, metric=b.metric, kind=spec.kind,
            threshold=spec.threshold, window=spec.window, observations=b.observations,
            crossings=len(b.observations), plan_version=b.plan_version,
            detected_at=b.detected_at, status="reviewed" if b.review else "open",
            decision=b.review["decision"] if b.review else None,
            review=ReviewOut.model_validate(b.review) if b.review else None,
        )  # fmt: skip

    @classmethod
    def of_row(cls, r: dict[str, Any]) -> BreachOut:
        """A breach from its `registry_breach` row."""
        review = None
        if r["decision"] is not None:
            review = ReviewOut(
                decision=r["decision"], comment=r["comment"], reviewed_by=r["reviewed_by"],
                reviewed_at=r["reviewed_at"],
            )  # fmt: skip
        return cls(
            id=r["id"], breach_id=r["id"], system_id=r["system_id"], metric=r["metric"],
            kind=r["kind"], threshold=r["threshold"], window=r["metric_window"],
            observations=r["observations"], crossings=r["crossings"],
            plan_version=r["plan_version"], detected_at=r["detected_at"],
            status="reviewed" if review else "open",
            decision=r["decision"], review=review,
        )  # fmt: skip


class BreachPage(BaseModel):
    """One page of breaches, newest first; pass `next_cursor` back as `cursor`."""

    items: list[BreachOut]
    next_cursor: str | None = None
