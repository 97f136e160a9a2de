"""Several worker processes per service: retries, leaders and `aims up --workers`."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from shared.kernel.loops import run_as_leader
from shared.kernel.projections import lock_key
from shared.platform.connections import Plan, plan
from shared.platform.runtime import default_workers
from tests.support.apps import auth
from tests.support.pg import Database
from tests.support.procs import free_port, spawn

OWNER = auth("alice", "system_owner")
SYSTEM = {"name": "retried", "purpose": "prove one write", "owner": "alice"}


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


async def test_an_idempotent_retry_that_reaches_another_worker_returns_the_first_response(
    database: Database, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    workers = [spawn("registry", database.url, port, tmp_path) for port in ports]
    try:
        headers = {**OWNER, "Idempotency-Key": "register-once"}
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        async with httpx.AsyncClient(timeout=30) as client:
            first = await client.post(f"{a}/v1/systems", json=SYSTEM, headers=headers)
            retry = await client.post(f"{b}/v1/systems", json=SYSTEM, headers=headers)
            other = {**SYSTEM, "name": "other"}
            changed = await client.post(f"{b}/v1/systems", json=other, headers=headers)
            history = await client.get(f"{b}{first.headers['location']}/history", headers=OWNER)
        assert first.status_code == retry.status_code == 201, (first.text, retry.text)
        assert retry.json() == first.json()
        assert retry.headers["location"] == first.headers["location"]
        assert retry.headers["aims-position"] == first.headers["aims-position"]
        assert retry.headers.get("idempotent-replayed") == "true"
        assert changed.status_code == 422
        registered = [e for e in history.json()["items"] if e["type"] == "SystemRegistered"]
        assert len(registered) == 1
    finally:
        _stop(workers)


async def test_one_worker_leads_a_periodic_step_and_another_takes_over_when_it_stops(
    pool: Any,
) -> None:
    key, counts = lock_key("test.leader"), [0, 0]

    def step(i: int) -> Any:
        async def run() -> None:
            counts[i] += 1

        return run

    first = asyncio.create_task(run_as_leader("t0", pool, key, step(0), every=0.02))
    await _until(lambda: counts[0] >= 3)
    second = asyncio.create_task(run_as_leader("t1", pool, key, step(1), every=0.02))
    seen = counts[0]
    await _until(lambda: counts[0] >= seen + 10)
    assert counts[1] == 0  # standing by while the first leads
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    await _until(lambda: counts[1] >= 3)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)


async def _until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_the_default_is_one_worker_per_core() -> None:
    assert default_workers() == len(psutil.Process().cpu_affinity() or [1])


@pytest.mark.slow
def test_aims_up_runs_the_workers_asked_for_and_retries_land_once(tmp_path: Path) -> None:
    from tests.e2e.test_aims_up import aims_env, free_ports, ready, wait_until

    data, ports = tmp_path / "data", free_ports(4)
    env = aims_env(data, ports)
    aims = [sys.executable, "-m", "services.cli.main"]
    proc = subprocess.Popen([*aims, "up", "--workers", "2"], env=env, stdout=subprocess.PIPE)
    try:
        wait_until(lambda: ready(ports), 120, "all /readyz green")
        # The three services run uvicorn with two workers each; the console runs one, and
        # the relay (a process of its own, started once they are ready) has none.
        services = [p for p in psutil.Process(proc.pid).children() if "uvicorn" in p.cmdline()
                    and "services.console" not in " ".join(p.cmdline())]  # fmt: skip
        assert len(services) == 3
        for service in services:
            spawned = [c for c in service.children() if "spawn_main" in " ".join(c.cmdline())]
            assert len(spawned) == 2, service.cmdline()  # besides a resource tracker
        pools = {s.environ()["AIMS_DB_POOL_SIZE"] for s in services}
        tok = subprocess.check_output(
            [*aims, "token", "--sub", "alice", "--role", "system_owner"], env=env, text=True
        ).strip()
        headers = {"Authorization": f"Bearer {tok}", "Idempotency-Key": "up-once"}
        url = f"http://127.0.0.1:{ports[0]}/v1/systems"
        answers = []
        for _ in range(8):  # a new connection each time: the kernel spreads them over workers
            with httpx.Client(timeout=30) as client:
                answers.append(client.post(url, json=SYSTEM, headers=headers))
        assert {a.status_code for a in answers} == {201}
        assert len({a.headers["location"] for a in answers}) == 1
        position = answers[0].headers["aims-position"]
        listed = httpx.get(f"{url}?min_position={position}", headers=headers, timeout=30)
        assert [s["name"] for s in listed.json()["items"]] == ["retried"]
    finally:
        proc.send_signal(signal.SIGTERM)
        printed = proc.communicate(timeout=60)[0].decode()
    # Pools sized so that every worker's connections fit what the server admits.
    words = " ".join(printed.split())  # the console may wrap the line
    said = re.search(r"workers 2 per service, pools of (\d+) connections \((\d+) of the"
                     r" (\d+) PostgreSQL admits\)", words)  # fmt: skip
    assert said is not None, printed
    pool, needed, limit = map(int, said.groups())
    assert plan(limit, 2, 10, 21, exact_workers=True) == Plan(2, pool, needed, limit)
    assert pools == {str(pool)}
