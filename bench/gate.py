"""Deployment gate throughput and latency with many registered AI systems, through uvicorn.

    python -m bench.gate [--quick] [--systems N] [--decisions N] [--concurrency N]

Seeds a throwaway PostgreSQL with N systems (10,000 by default), each with a model
version, an accepted high risk and current evidence for the deployment controls, so the
gate does its full work and mostly answers allow; a tenth of the systems lack their
evidence and are denied. Then it starts the registry as a real uvicorn process, waits
until its projections have folded the log, and asks the gate from concurrent clients.
Every answer is recorded as a `DeploymentDecisionMade` event, so the figures include
the append. Prints decisions/s and p50/p99 latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import latency_summary, throwaway_postgres
from shared.contract.events import evidence as ev
from shared.contract.events import registry as reg
from shared.contract.events import risk as rk
from shared.domain.aggregate import DomainEvent
from shared.http.auth import issue_token
from shared.kernel.eventstore import EventStore, NewEvent

SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789"
CONTROLS = ["A.6.2.4", "A.6.2.5", "A.6.2.7"]


def system_events(system_id: uuid.UUID, ready: bool) -> list[tuple[str, DomainEvent]]:
    """(stream, event) pairs of one system and the facts the gate reads about it."""
    now = datetime.now(UTC)
    risk_id, acc_id, evidence_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    out: list[tuple[str, DomainEvent]] = [
        (f"system-{system_id}", reg.SystemRegistered(
            system_id=system_id, name=f"system {system_id.hex[:8]}", purpose="bench",
            owner=f"owner{random.randrange(100)}", provider_role="provider",
            eu_ai_act_tier="limited", intended_use="benchmarking")),
        (f"system-{system_id}", reg.SystemStageChanged(
            system_id=system_id, frm="verification", to="deployment", reason="bench",
            policy_version="bench", policy_hash="0" * 64)),
        (f"system-{system_id}", reg.ModelVersionRegistered(
            system_id=system_id, model_version_id=uuid.uuid4(), name="model", version="1",
            digest="a" * 64, source_uri="s3://bench/model/1")),
        (f"risk-{risk_id}", rk.RiskIdentified(
            risk_id=risk_id, system_id=system_id, title="bias", category="fairness",
            affects=["users"], likelihood=4, consequence=4, level="high", criteria_version=0,
            owner="rita")),
        (f"acceptance-{acc_id}", rk.AcceptanceApproved(
            acceptance_id=acc_id, risk_id=risk_id, system_id=system_id, risk_version=1,
            approved_by="paula", expires_at=now + timedelta(days=30))),
    ]  # fmt: skip
    if ready:
        out.append((f"evidence-{evidence_id}", ev.EvidenceRecorded(
            evidence_id=evidence_id, kind="report", title="validation", system_ids=[system_id],
            control_ids=CONTROLS, sha256="e" * 64, uri="s3://bench/evidence", collected_at=now,
        )))  # fmt: skip
    return out


async def seed(url: str, systems: int) -> tuple[list[uuid.UUID], int]:
    """Append the systems and their facts; returns their ids and the head position."""
    from shared.platform import db

    pool = await db.create_pool(url, size=20, timeout=60)
    store = EventStore(pool)
    ids = [uuid.uuid4() for _ in range(systems)]
    pairs = [p for i, s in enumerate(ids) for p in system_events(s, ready=i % 10 != 0)]
    meta = {"actor": {"sub": "bench", "roles": ["admin"]}, "source": "bench"}
    queue = iter(pairs)

    async def writer() -> None:
        for stream, event in queue:
            await store.append(stream, [NewEvent(event.type_name(), event.to_data())],
                               expected_version=None, metadata=meta)  # fmt: skip

    await asyncio.gather(*(writer() for _ in range(64)))
    head = await store.head_position()
    await pool.close()
    return ids, head


def start_registry(url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    return start_app("services.registry.main:create", url, port, data_dir,
                     AIMS_MIN_POSITION_WAIT="30")  # fmt: skip


def start_app(
    factory: str, url: str, port: int, data_dir: Path, workers: int = 1, **env_extra: str
) -> subprocess.Popen[bytes]:
    """An app factory in its own uvicorn process (or `workers` of them), logging to the data
    directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATABASE_URL=url, AIMS_JWT_SECRET=SECRET, AIMS_DATA_DIR=str(data_dir),
               AIMS_LOG_LEVEL="WARNING", AIMS_DB_POOL_SIZE="20", **env_extra)  # fmt: skip
    log = open(data_dir / f"{factory.split(':')[0]}.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log",
         "--workers", str(workers)],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip


async def wait_ready(client: httpx.AsyncClient, head: int, headers: dict[str, str]) -> float:
    """Seconds until the registry answers with projections at the head of the log."""
    started = time.perf_counter()
    while True:
        try:
            r = await client.get(f"/v1/systems?limit=1&min_position={head}", headers=headers)
            if r.status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)


async def ask(
    client: httpx.AsyncClient, ids: list[uuid.UUID], n: int, concurrency: int,
    headers: dict[str, str],
) -> tuple[list[float], dict[str, int], float]:  # fmt: skip
    """Ask the gate `n` times from `concurrency` clients; latencies, outcomes, wall time."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    left = iter(range(n))

    async def worker() -> None:
        for _ in left:
            body = {"system_id": str(random.choice(ids)), "model_version": "model/1",
                    "environment": "production"}  # fmt: skip
            t = time.perf_counter()
            r = await client.post("/v1/deployment-decisions", json=body, headers=headers)
            latencies.append(time.perf_counter() - t)
            key = r.json()["decision"] if r.status_code == 200 else f"http_{r.status_code}"
            outcomes[key] = outcomes.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, outcomes, time.perf_counter() - started


async def run(systems: int, decisions: int, concurrency: int) -> dict[str, Any]:
    """Seed, start the registry, measure; returns the figures."""
    async with throwaway_postgres() as pg:
        t = time.perf_counter()
        ids, head = await seed(pg.app_url, systems)
        seeded = time.perf_counter() - t
        port = _free_port()
        proc = start_registry(pg.app_url, port, pg.tmp)
        headers = {"Authorization": "Bearer " + issue_token(SECRET, "bench", ["mlops"],
                                                            timedelta(hours=1))}  # fmt: skip
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                         limits=limits) as client:  # fmt: skip
                caught_up = await wait_ready(client, head, headers)
                await ask(client, ids, min(200, decisions), concurrency, headers)  # warm-up
                latencies, outcomes, wall = await ask(client, ids, decisions, concurrency,
                                                      headers)  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return {
        "systems": systems, "events_seeded": head, "seed_seconds": round(seeded, 1),
        "projection_catch_up_seconds": round(caught_up, 1), "decisions": decisions,
        "concurrency": concurrency, "decisions_per_second": round(decisions / wall, 1),
        **latency_summary(latencies), "outcomes": outcomes,
    }  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 systems, 500 decisions")
    parser.add_argument("--systems", type=int)
    parser.add_argument("--decisions", type=int)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    systems = args.systems or (1_000 if args.quick else 10_000)
    decisions = args.decisions or (500 if args.quick else 5_000)
    figures = asyncio.run(run(systems, decisions, args.concurrency))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
