"""Systems in operation: oversight, monitoring plans, observations and breaches (pure)."""

from services.registry.operation.domain.breach import Breach
from services.registry.operation.domain.monitoring import MonitoringPlan, window_seconds
from services.registry.operation.domain.observations import (
    MAX_BATCH,
    Ingested,
    MetricTally,
    Reading,
    check_batch,
    crosses,
    opens_breach,
    summarize,
    summary_due,
    tally_batch,
)
from services.registry.operation.domain.oversight import Oversight

__all__ = [
    "MAX_BATCH",
    "Breach",
    "Ingested",
    "MetricTally",
    "MonitoringPlan",
    "Oversight",
    "Reading",
    "check_batch",
    "crosses",
    "opens_breach",
    "summarize",
    "summary_due",
    "tally_batch",
    "window_seconds",
]
