"""The deployment gate under load next to a trivial `SELECT 1` endpoint, on one server.

Seeding, the registry process and the client loop come from `bench.gate`; this adds
the yardstick app (`bench.trivial`) started the same way, and runs both against the
same database with the same number of requests and clients.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import gate
from bench.common import latency_summary, ratio, throwaway_postgres
from shared.http.auth import issue_token


def start_trivial(url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """The yardstick app in its own uvicorn process, configured like the registry."""
    return gate.start_app("bench.trivial:create", url, port, data_dir)


async def ask_trivial(
    client: httpx.AsyncClient, n: int, concurrency: int, headers: dict[str, str]
) -> tuple[list[float], dict[str, int], float]:
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    left = iter(range(n))

    async def worker() -> None:
        for _ in left:
            t = time.perf_counter()
            r = await client.post("/v1/trivial", json={}, headers=headers)
            latencies.append(time.perf_counter() - t)
            outcomes[str(r.status_code)] = outcomes.get(str(r.status_code), 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, outcomes, time.perf_counter() - started


async def _ready(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for _ in range(300):
        try:
            if (await client.post("/v1/trivial", json={}, headers=headers)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the trivial app did not start")


def _figures(latencies: list[float], outcomes: dict[str, int], wall: float) -> dict[str, Any]:
    return {"requests_per_s": round(len(latencies) / wall, 1), **latency_summary(latencies),
            "outcomes": outcomes}  # fmt: skip


async def run(quick: bool) -> dict[str, Any]:
    systems, requests, concurrency = (200, 200, 16) if quick else (10_000, 3_000, 16)
    headers = {"Authorization": "Bearer " + issue_token(gate.SECRET, "bench", ["mlops"],
                                                        timedelta(hours=1))}  # fmt: skip
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with throwaway_postgres() as pg:
        ids, head = await gate.seed(pg.app_url, systems)
        ports = gate._free_port(), gate._free_port()
        registry = gate.start_registry(pg.app_url, ports[0], pg.tmp)
        trivial = start_trivial(pg.app_url, ports[1], pg.tmp)
        try:
            async with (
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", timeout=60,
                                  limits=limits) as reg,
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[1]}", timeout=60,
                                  limits=limits) as triv,
            ):  # fmt: skip
                caught_up = await gate.wait_ready(reg, head, headers)
                await _ready(triv, headers)
                await ask_trivial(triv, min(100, requests), concurrency, headers)  # warm-up
                await gate.ask(reg, ids, min(100, requests), concurrency, headers)
                t = _figures(*await ask_trivial(triv, requests, concurrency, headers))
                g = _figures(*await gate.ask(reg, ids, requests, concurrency, headers))
        finally:
            for proc in (registry, trivial):
                proc.terminate()
                proc.wait(timeout=10)
    return {
        "systems": systems, "events_seeded": head, "requests": requests,
        "concurrency": concurrency, "projection_catch_up_seconds": round(caught_up, 1),
        "gate": g, "trivial": t,
        "ratios": {"gate_vs_trivial": ratio(g["requests_per_s"], t["requests_per_s"])},
    }  # fmt: skip
