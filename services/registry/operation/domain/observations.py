"""Raw observations in, figures out: what one batch holds per metric, and what it crosses.

Pure functions over a validated batch. Raw observations are telemetry: they are kept in a
table with retention, not in the log. What reaches the log is decided here: a breach when
observations cross a metric's threshold and no breach of that metric awaits review, and a
summary (count, min, max, mean, last) of each metric once per window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from services.registry.operation.domain.breach import Breach
from services.registry.operation.domain.monitoring import MonitoringPlan
from shared.contract.events.registry import (
    MonitoredMetric,
    Observation,
    ObservationsSummarized,
    Threshold,
)
from shared.domain.errors import Invalid

MAX_BATCH = 1000
MAX_FUTURE = timedelta(minutes=5)  # clock skew a monitoring job may have
SHOWN_ERRORS = 20


class Reading(NamedTuple):
    """One observation of a batch (a tuple: a batch has up to a thousand of them)."""

    metric: str
    value: float
    observed_at: datetime
    model_version: str
    source: str

    def part(self) -> Observation:
        """The observation as recorded inside a breach event."""
        return Observation(metric=self.metric, value=self.value, observed_at=self.observed_at,
                           model_version=self.model_version, source=self.source)  # fmt: skip


def crosses(threshold: Threshold, value: float) -> bool:
    """True when `value` lies beyond the threshold (strictly)."""
    return value > threshold.value if threshold.op == "gt" else value < threshold.value


@dataclass
class MetricTally:
    """One metric's figures in one batch, and the readings that crossed its threshold."""

    spec: MonitoredMetric
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    first_at: datetime | None = None
    last_at: datetime | None = None
    last: float = 0.0
    crossing: list[Reading] = field(default_factory=list)

    def add(self, r: Reading) -> None:
        self.count += 1
        self.total += r.value
        self.low, self.high = min(self.low, r.value), max(self.high, r.value)
        if self.first_at is None or r.observed_at < self.first_at:
            self.first_at = r.observed_at
        if self.last_at is None or r.observed_at >= self.last_at:
            self.last_at, self.last = r.observed_at, r.value
        if crosses(self.spec.threshold, r.value):
            self.crossing.append(r)


def check_batch(plan: MonitoringPlan, readings: Sequence[Reading], now: datetime) -> None:
    """Refuse the whole batch (422, nothing written) if any observation cannot be taken.

    Late observations are taken: a monitoring job may backfill (raw rows are kept for the
    retention counted from when they were received).
    """
    errors: list[dict[str, Any]] = []
    latest = now + MAX_FUTURE
    for i, r in enumerate(readings):
        if plan.metric(r.metric) is None:
            msg = f"{r.metric!r} is not a metric of the monitoring plan"
            errors.append(_error(i, "metric", "unknown_metric", msg))
        if r.observed_at > latest:
            msg = f"more than {MAX_FUTURE} after the time of the request"
            errors.append(_error(i, "observed_at", "observed_in_future", msg))
    if errors:
        kinds = sorted({e["type"] for e in errors})
        raise Invalid(
            f"{len(errors)} problem(s) in the batch ({', '.join(kinds)}); nothing was recorded",
            code=kinds[0] if len(kinds) == 1 else "invalid_observations",
            errors=errors[:SHOWN_ERRORS], error_count=len(errors),
        )  # fmt: skip


def _error(i: int, name: str, kind: str, msg: str) -> dict[str, Any]:
    return {"loc": ["body", "observations", str(i), name], "msg": msg, "type": kind}


def tally_batch(plan: MonitoringPlan, readings: Sequence[Reading]) -> dict[str, MetricTally]:
    """Each metric's figures in a checked batch (every reading names a planned metric)."""
    out: dict[str, MetricTally] = {}
    for r in readings:
        t = out.get(r.metric)
        if t is None:
            spec = plan.metric(r.metric)
            if spec is None:  # check_batch refuses such a batch first
                raise Invalid(f"{r.metric!r} is not a metric of the plan", code="unknown_metric")
            t = out[r.metric] = MetricTally(spec)
        t.add(r)
    return out


@dataclass
class Ingested:
    """What one batch did: observations per metric, breaches opened, summaries written."""

    system_id: UUID
    accepted: int
    metrics: dict[str, int]
    breaches: list[Breach] = field(default_factory=list)
    still_open: dict[str, UUID] = field(default_factory=dict)  # crossings of an open breach
    summarised: list[str] = field(default_factory=list)
    position: int = 0


def opens_breach(t: MetricTally, open_breach: UUID | None) -> bool:
    """A crossing opens a breach unless one of the same metric still awaits its review."""
    return bool(t.crossing) and open_breach is None


def summary_due(tally: Mapping[str, Any], now: datetime) -> bool:
    """A metric is summarised once per window (its first observations at once)."""
    if not tally["count"]:
        return False
    last = tally["summarised_at"]
    return last is None or now - last >= timedelta(seconds=tally["window_seconds"])


def summarize(system_id: UUID, tally: Mapping[str, Any], now: datetime) -> ObservationsSummarized:
    """The summary event of a metric's tally (everything received since its last summary)."""
    return ObservationsSummarized(
        system_id=system_id, metric=tally["metric"], count=tally["count"], min=tally["min"],
        max=tally["max"], mean=tally["sum"] / tally["count"], last=tally["last_value"],
        first_observed_at=tally["first_observed_at"], last_observed_at=tally["last_observed_at"],
        crossings=tally["crossings"], since=tally["since"], until=now,
    )  # fmt: skip
