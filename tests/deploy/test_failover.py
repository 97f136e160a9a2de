"""PostgreSQL failover (deploy/failover/README.md): kill -9 the primary under a write load,
promote the synchronous standby, and the services, connected through a multi-host URL, answer
503 problem+json during the switch (never a 500), then write again; every append answered
with a 2xx is in the new primary's log, the hash chain verifies and projections catch up."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
import pytest

from tests.support import pgpair
from tests.support.apps import auth
from tests.support.failover import fail_over, read_log
from tests.support.procs import free_port, spawn

AUDITOR = auth("audrey", "auditor")


@pytest.fixture
def pair():
    p = pgpair.start_pair()
    yield p
    p.stop()


@pytest.fixture
def services(pair, tmp_path: Path):
    """Registry and evidence as real processes on the multi-host URL: {name: base URL}."""
    env = {"AIMS_DB_TIMEOUT": "2", "AIMS_CHECKPOINT_INTERVAL_SECONDS": "1"}
    procs: list[Popen[bytes]] = []
    bases = {}
    try:
        for name in ("registry", "evidence"):
            port = free_port()
            procs.append(spawn(name, pair.app_url, port, tmp_path, **env))
            bases[name] = f"http://127.0.0.1:{port}"
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)


async def get_until_ok(client: httpx.AsyncClient, url: str, timeout: float = 30) -> Any:
    """GET until a 200 (a 503 means: not caught up yet)."""
    deadline = time.monotonic() + timeout
    while True:
        r = await client.get(url, headers=AUDITOR)
        if r.status_code == 200 or time.monotonic() > deadline:
            assert r.status_code == 200, r.text
            return r.json()
        await asyncio.sleep(0.1)


def signer_said(logs: Path) -> list[str]:
    """The evidence service's log lines about checkpoints, other than requests."""
    lines = [ln for f in logs.glob("evidence-*.log") for ln in f.read_text().splitlines()]
    return [ln for ln in lines if "checkpoint" in ln and '"request"' not in ln][-10:]


async def checkpoint_covers(
    client: httpx.AsyncClient, evidence: str, head: int, logs: Path
) -> None:
    """Wait until the signer has signed a checkpoint of at least `head` events."""
    deadline = time.monotonic() + 60
    while True:
        r = await client.get(f"{evidence}/v1/checkpoints/latest", headers=AUDITOR)
        if r.status_code == 200 and r.json()["tree_size"] >= head:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no checkpoint of {head} events: {r.text} {signer_said(logs)}")
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_a_killed_primary_loses_no_acknowledged_append_and_the_services_never_answer_500(
    pair, services, tmp_path
):
    drill = await fail_over(pair, services["registry"])
    load = drill.load
    assert load.statuses[500] == 0 and set(load.statuses) <= {201, 503}, load.statuses
    assert {ctype for ctype, _ in load.unavailable} == {"application/problem+json"}
    assert {retry for _, retry in load.unavailable} == {"1"}  # Retry-After on every 503

    log = await read_log(pair)
    lost = log.lost(load)
    assert not lost, f"{len(lost)} acknowledged appends are not in the new primary's log"
    assert len(log.registered) == len(set(log.registered))

    async with httpx.AsyncClient(timeout=30) as c:
        integrity = await get_until_ok(c, f"{services['evidence']}/v1/integrity")
        assert integrity["ok"] is True and integrity["first_mismatch"] is None
        assert integrity["events_verified"] >= log.head
        # both services' projection runners followed the switch and caught up
        page = await get_until_ok(c, f"{services['registry']}/v1/systems?min_position={log.head}")
        assert page["items"]
        await get_until_ok(c, f"{services['evidence']}/v1/audit-trail?min_position={log.head}")
        await checkpoint_covers(
            c, services["evidence"], log.head, tmp_path
        )  # the signer survived too
    print(f"\nfailover: recovery_s={drill.recovery_s:.2f} after_promote_s="
          f"{drill.after_promote_s:.2f} promote_s={drill.promote_s:.2f}"
          f" acknowledged={len(load.acked)} acknowledged_lost={len(lost)}"
          f" unacknowledged_in_log={len(set(log.registered) - load.acked_ids)}"
          f" statuses={dict(load.statuses)}")  # fmt: skip
