"""Projection lag: from an append's commit to its event being visible in a projection.

Sixteen writer tasks register AI systems (1-event transactions through one EventStore)
while the registry's projections run in a ProjectionRunner woken by the store's NOTIFY,
as in the registry process: first as fast as they can, then at a steady 1,000 events/s.
An event is visible once the runner has committed its projections' rows and checkpoint past
its position.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from bench.common import latency_summary, throwaway_postgres
from shared.contract.events.registry import SystemRegistered
from shared.kernel.eventstore import EventStore, NewEvent
from shared.kernel.eventstore.store import Notifier
from shared.kernel.projections import ProjectionRunner
from shared.kernel.requestctx import Actor, RequestContext
from shared.platform import db
from shared.platform.config import Settings

# Events per second of the paced phase: 86 million a day, far above what people and
# pipelines record in governance decisions, so the figure bounds what readers see.
PACED = 1000.0


def registration() -> NewEvent:
    sid = uuid.uuid4()
    event = SystemRegistered(
        system_id=sid, name=f"system {sid.hex[:8]}", purpose="rank loan applications",
        owner="alice@example.org", provider_role="provider", eu_ai_act_tier="high",
        tags=["finance"],
    )  # fmt: skip
    return NewEvent(event.type_name(), event.to_data())


async def run(quick: bool, writers: int = 16) -> dict[str, Any]:
    """Lag at saturation (the writers as fast as they can), then at a steady PACED rate.

    At saturation the writers take the CPU the runner needs (they share a process, as a
    service's requests and its runner do) and the backlog grows for as long as the load
    lasts, so its p99 measures the run's length as much as the runner. The paced phase
    offers a heavy but steady load: its percentiles are the lag a dashboard or a gate
    reading with `min_position` sees (the goal's measure)."""
    from services.registry.projections import PROJECTIONS

    seconds = 2.0 if quick else 15.0
    async with throwaway_postgres() as pg:
        pool = await db.create_pool(pg.app_url, size=writers, timeout=60)
        runner_pool = await db.create_pool(pg.app_url, size=2, timeout=60)
        notifier = Notifier(pg.app_url, poll_interval=1.0)
        notifier.start()
        # The registry's runner as the service makes it (its batch from the settings).
        batch = Settings().projection_batch
        runner = ProjectionRunner(runner_pool, PROJECTIONS, notifier, batch=batch)
        runner.start()
        store = EventStore(pool)
        try:
            saturated = await _phase(store, runner, writers, seconds, None)
            paced = await _phase(store, runner, writers, seconds, PACED)
        finally:
            await runner.stop()
            await notifier.stop()
            await pool.close()
            await runner_pool.close()
    return {
        "writers": writers, "seconds": seconds, "batch": batch,
        "projections": [p.name for p in PROJECTIONS], **saturated,
        "paced": {"offered_events_per_s": PACED, **paced},
    }  # fmt: skip


async def _phase(
    store: EventStore, runner: ProjectionRunner, writers: int, seconds: float,
    rate: float | None,
) -> dict[str, Any]:  # fmt: skip
    """Appends by `writers` tasks for `seconds` (at `rate` events/s in all; None: as fast as
    they can), and each event's lag until the runner has it."""
    meta = RequestContext(Actor("alice@example.org", frozenset({"system_owner"})), "registry")
    committed: list[tuple[int, float]] = []
    lags: list[float] = []
    appended = asyncio.Event()
    started = time.perf_counter()
    deadline = started + seconds

    async def writer(i: int) -> None:
        # Paced: writer i appends at its own slots of the schedule, late ones at once.
        interval = writers / rate if rate else 0.0
        slot = started + i * interval / writers
        while time.perf_counter() < deadline:
            if interval:
                await asyncio.sleep(max(0.0, slot - time.perf_counter()))
                slot += interval
            result = await store.append(
                f"system-{uuid.uuid4()}", [registration()], expected_version=0,
                metadata=meta.metadata(),
            )  # fmt: skip
            committed.append((result.position, time.perf_counter()))
            appended.set()

    async def watcher() -> None:
        while True:
            if not committed:
                appended.clear()
                await appended.wait()
                continue
            oldest = min(p for p, _ in committed)
            await runner.wait_for(oldest, timeout=30)
            now, seen = time.perf_counter(), runner.lowest_position()
            lags.extend(now - t for p, t in committed if p <= seen)
            committed[:] = [(p, t) for p, t in committed if p > seen]

    watch = asyncio.create_task(watcher())
    try:
        await asyncio.gather(*(writer(i) for i in range(writers)))
        while committed:
            await asyncio.sleep(0.05)
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
    return {
        "events": len(lags), "events_per_s": round(len(lags) / seconds, 1),
        **latency_summary(lags),
    }  # fmt: skip
