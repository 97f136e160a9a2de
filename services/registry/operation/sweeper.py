"""The registry's timer for observations: summaries of quiet metrics, and retention.

A metric that stops receiving observations would keep its last figures out of the log
forever if summaries were written only by ingests; the sweep writes every summary whose
window has passed. Once an hour it also creates the coming days' partitions and drops
the partitions past the retention. Every replica may run it: a summary is written under
the system's monitoring lock after re-reading the tallies, so it is written once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from services.registry.operation.handlers import summarise_due
from services.registry.operation.telemetry import Telemetry
from shared.contract.events import CATEGORIES
from shared.http.state import core, settings
from shared.kernel.loops import run_forever
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext

MAINTAIN_SECONDS = 3600.0


async def sweep(telemetry: Telemetry, now: datetime) -> int:
    """Write every due summary; how many systems had one."""
    systems = await telemetry.due_systems(now)
    for system_id in systems:
        ctx = RequestContext(SYSTEM_ACTOR, "registry", request_id=f"summary:{system_id}")
        await summarise_due(telemetry, system_id, ctx, now)
    return len(systems)


class _Sweeper:
    def __init__(self, telemetry: Telemetry) -> None:
        self.telemetry, self.maintained = telemetry, -MAINTAIN_SECONDS

    async def step(self) -> None:
        if time.monotonic() - self.maintained >= MAINTAIN_SECONDS:
            await self.telemetry.maintain()
            self.maintained = time.monotonic()
        await sweep(self.telemetry, datetime.now(UTC))


async def start_operation(app: FastAPI) -> None:
    """Make the app's observation store and start its sweep."""
    cfg = settings(app)
    retention = timedelta(days=cfg.observation_retention_days)
    telemetry = Telemetry(core(app).pool, CATEGORIES["registry"], retention)
    app.state.telemetry = telemetry
    loop = run_forever("monitoring_sweep", _Sweeper(telemetry).step,
                       every=cfg.monitoring_sweep_seconds)  # fmt: skip
    app.state.monitoring_sweep = asyncio.create_task(loop)


async def stop_operation(app: FastAPI) -> None:
    """Stop the sweep and wait for it to end."""
    task: asyncio.Task[None] | None = getattr(app.state, "monitoring_sweep", None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
