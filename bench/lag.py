"""Projection lag: from an append's commit to its event being visible in a projection.

Sixteen writer tasks register AI systems (1-event transactions through one EventStore)
while the registry's projections run in a ProjectionRunner woken by the store's NOTIFY,
as in the registry process. An event is visible once the runner has committed its
projections' rows and checkpoint past its position.
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


def registration() -> NewEvent:
    sid = uuid.uuid4()
    event = SystemRegistered(
        system_id=sid, name=f"system {sid.hex[:8]}", purpose="rank loan applications",
        owner="alice@example.org", provider_role="provider", eu_ai_act_tier="high",
        tags=["finance"],
    )  # fmt: skip
    return NewEvent(event.type_name(), event.to_data())


async def run(quick: bool, writers: int = 16) -> dict[str, Any]:
    from services.registry.projections import PROJECTIONS

    seconds = 2.0 if quick else 15.0
    meta = RequestContext(Actor("alice@example.org", frozenset({"system_owner"})), "registry")
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
        committed: list[tuple[int, float]] = []
        lags: list[float] = []
        appended = asyncio.Event()
        deadline = time.perf_counter() + seconds

        async def writer() -> None:
            while time.perf_counter() < deadline:
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
            await asyncio.gather(*(writer() for _ in range(writers)))
            while committed:
                await asyncio.sleep(0.05)
        finally:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)
            await runner.stop()
            await notifier.stop()
            await pool.close()
            await runner_pool.close()
    return {
        "writers": writers, "seconds": seconds, "events": len(lags),
        "events_per_s": round(len(lags) / seconds, 1),
        "projections": [p.name for p in PROJECTIONS], "batch": batch, **latency_summary(lags),
    }  # fmt: skip
