"""Observation ingest into one registry process (uvicorn), with breach detection on.

    python -m bench.observations [--quick] [--batches N] [--concurrency N]

Seeds a throwaway PostgreSQL with monitored AI systems (each with a three-metric plan),
starts the registry as a real uvicorn process and posts batches of 1,000 observations
from concurrent clients. Every batch goes through the whole path: validation against the
plan, threshold checks (about one value in 500 crosses, so breaches open and further
crossings are counted against them), the raw rows into the day partition, the tallies,
and the summary and breach events in the same transaction. The bodies are built before
the clock starts, so the client's JSON work is not counted against the registry (both
share the machine). Gate latency is measured before the ingest, while it runs (the same
process and CPUs serve both) and after it (with every observation stored).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from bench import gate
from bench.common import latency_summary, throwaway_postgres
from shared.contract.events import registry as reg
from shared.domain.aggregate import DomainEvent
from shared.http.auth import issue_token
from shared.kernel.eventstore import EventStore, NewEvent

BATCH = 1000
GOAL_PER_S = 20_000
METRICS = [
    reg.MonitoredMetric(name="feature_drift_psi", kind="drift",
                        threshold=reg.Threshold(op="gt", value=0.998), window="1h"),
    reg.MonitoredMetric(name="precision", kind="performance",
                        threshold=reg.Threshold(op="lt", value=0.002), window="1h"),
    reg.MonitoredMetric(name="override_rate", kind="override_rate",
                        threshold=reg.Threshold(op="gt", value=0.998), window="1d"),
]  # fmt: skip


def system_events(system_id: uuid.UUID) -> list[tuple[str, DomainEvent]]:
    """A registered system in operation and its monitoring plan."""
    return [
        (f"system-{system_id}", reg.SystemRegistered(
            system_id=system_id, name=f"monitored {system_id.hex[:8]}", purpose="bench",
            owner="olga", provider_role="provider", eu_ai_act_tier="limited",
            intended_use="benchmarking")),
        (f"system-{system_id}", reg.SystemStageChanged(
            system_id=system_id, frm="deployment", to="operation", reason="bench",
            policy_version="bench", policy_hash="0" * 64)),
        (f"monitoring-{system_id}", reg.MonitoringPlanSet(
            system_id=system_id, metrics=METRICS, review_every_days=90,
            review_due_at=datetime.now(UTC) + timedelta(days=90))),
    ]  # fmt: skip


async def seed(url: str, systems: int) -> tuple[list[uuid.UUID], int]:
    """Append the monitored systems; returns their ids and the head of the log."""
    from shared.platform import db

    pool = await db.create_pool(url, size=4, timeout=60)
    store = EventStore(pool)
    ids = [uuid.uuid4() for _ in range(systems)]
    meta = {"actor": {"sub": "bench", "roles": ["admin"]}, "source": "bench"}
    for s in ids:
        for stream, event in system_events(s):
            await store.append(stream, [NewEvent(event.type_name(), event.to_data())],
                               expected_version=None, metadata=meta)  # fmt: skip
    head = await store.head_position()
    await pool.close()
    return ids, head


def bodies(ids: list[uuid.UUID], batches: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """(path, JSON body) of each batch: a thousand observations spread over the metrics."""
    now = datetime.now(UTC)
    out = []
    for b in range(batches):
        system_id = ids[b % len(ids)]
        batch = [{
            "metric": METRICS[i % len(METRICS)].name, "value": rng.random(),
            "observed_at": (now - timedelta(seconds=i)).isoformat(),
            "model_version": "model/1", "source": "bench-monitor",
        } for i in range(BATCH)]  # fmt: skip
        out.append((f"/v1/systems/{system_id}/observations", orjson.dumps({"observations": batch})))
    return out


async def post_all(
    client: httpx.AsyncClient, work: list[tuple[str, bytes]], concurrency: int,
    headers: dict[str, str],
) -> tuple[list[float], dict[str, Any], float]:  # fmt: skip
    """Post every batch from `concurrency` clients; latencies, outcomes, wall time."""
    latencies: list[float] = []
    outcomes: dict[str, Any] = {"breaches_opened": 0, "summaries": 0}
    left = iter(work)
    sent = {**headers, "Content-Type": "application/json"}

    async def worker() -> None:
        for path, body in left:
            t = time.perf_counter()
            r = await client.post(path, content=body, headers=sent)
            latencies.append(time.perf_counter() - t)
            key = f"http_{r.status_code}"
            outcomes[key] = outcomes.get(key, 0) + 1
            if r.status_code == 200:
                answer = r.json()
                outcomes["breaches_opened"] += len(answer["breaches"])
                outcomes["summaries"] += len(answer["summarised"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, outcomes, time.perf_counter() - started


async def gate_latency(
    client: httpx.AsyncClient, ids: list[uuid.UUID], n: int, headers: dict[str, str]
) -> dict[str, Any]:
    """Latency of `n` gate decisions from two clients."""
    latencies, outcomes, _ = await gate.ask(client, ids, n, 2, headers)
    return {**latency_summary(latencies), "outcomes": outcomes}


async def measure(
    client: httpx.AsyncClient, ids: list[uuid.UUID], batches: int, concurrency: int,
    decisions: int,
) -> dict[str, Any]:  # fmt: skip
    ingest = _headers("mlops")
    rng = random.Random(7)
    await post_all(client, bodies(ids, max(4, batches // 20), rng), concurrency, ingest)  # warm-up
    alone = await gate_latency(client, ids, decisions, _headers("mlops"))
    work = bodies(ids, batches, rng)
    ingesting = asyncio.ensure_future(post_all(client, work, concurrency, ingest))
    during = await gate_latency(client, ids, decisions, _headers("mlops"))
    latencies, outcomes, wall = await ingesting
    after = await gate_latency(client, ids, decisions, _headers("mlops"))
    per_s = batches * BATCH / wall
    return {
        "systems": len(ids), "batches": batches, "batch_size": BATCH,
        "concurrency": concurrency, "seconds": round(wall, 2),
        "observations_per_s": round(per_s, 0), "goal_per_s": GOAL_PER_S,
        "goal_met": per_s >= GOAL_PER_S, "batch": latency_summary(latencies),
        "outcomes": outcomes, "gate_alone": alone, "gate_during_ingest": during,
        "gate_after_ingest": after,
    }  # fmt: skip


def _headers(role: str) -> dict[str, str]:
    token = issue_token(gate.SECRET, "bench", [role], timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


async def run(quick: bool, batches: int | None = None, concurrency: int = 8) -> dict[str, Any]:
    """Seed, start the registry, measure; returns the figures."""
    systems = 8 if quick else 32
    batches = batches or (40 if quick else 600)
    decisions = 50 if quick else 300
    limits = httpx.Limits(max_connections=concurrency + 2,
                          max_keepalive_connections=concurrency + 2)  # fmt: skip
    async with throwaway_postgres() as pg:
        ids, head = await seed(pg.app_url, systems)
        port = gate._free_port()
        proc = gate.start_registry(pg.app_url, port, pg.tmp)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                         limits=limits) as client:  # fmt: skip
                await gate.wait_ready(client, head, _headers("viewer"))
                return await measure(client, ids, batches, concurrency, decisions)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 batches")
    parser.add_argument("--batches", type=int)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    figures = asyncio.run(run(args.quick, args.batches, args.concurrency))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
