"""Relay throughput to NATS JetStream against the append throughput of the same run.

A real nats-server (-js) and the relay as its own process (`aims relay`), as in production.
Live: 16 writers append 1-event transactions for a while with the relay publishing as they
go; the relay's rate is the events appended over the time until the stream holds them all
(goal: at least half the append rate). Backlog: with the relay stopped, a backlog is
appended, then a new relay process publishes it from the stream's tail; its rate is the
backlog over the time from its first published message to its last (process start-up
left out).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import nats
from nats.js.client import JetStreamContext

from bench.common import ratio, throwaway_postgres
from shared.kernel.eventstore import EventStore, NewEvent
from shared.platform import db

WRITERS = 16


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nats(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("nats-server") or shutil.which("nats-server", path="/usr/sbin")
    if binary is None:
        raise RuntimeError("nats-server is not installed (Debian package nats-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"nats://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)


def _relay(database_url: str, nats_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATABASE_URL=database_url, AIMS_NATS_URL=nats_url,
               AIMS_DATA_DIR=str(data_dir), AIMS_LOG_LEVEL="WARNING")  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "services.cli.main", "relay"], env=env)


async def _stored(js: JetStreamContext) -> int:
    try:
        return int((await js.stream_info("AIMS")).state.messages)
    except nats.js.errors.NotFoundError:
        return 0


async def _until_stored(
    js: JetStreamContext, count: int, timeout: float, relay: subprocess.Popen[bytes]
) -> float:
    """Wait until the stream holds `count` messages; the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while await _stored(js) < count:
        if relay.poll() is not None:
            raise RuntimeError(f"the relay exited with code {relay.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay did not publish {count} events in {timeout:.0f} s")
        await asyncio.sleep(0.02)
    return time.monotonic()


async def _append_for(store: EventStore, seconds: float) -> int:
    """WRITERS writers append 1-event transactions for `seconds`; the events written."""
    count = 0
    deadline = time.monotonic() + seconds

    async def writer() -> None:
        nonlocal count
        stream, version = f"bench-{uuid.uuid4()}", 0
        while time.monotonic() < deadline:
            await store.append(stream, [NewEvent("Benched", {"n": version})],
                               expected_version=version)  # fmt: skip
            version += 1
            count += 1

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return count


async def _backlog(store: EventStore, events: int) -> None:
    for _ in range(0, events, 100):
        batch = [NewEvent("Benched", {"n": i}) for i in range(100)]
        await store.append(f"bench-{uuid.uuid4()}", batch, expected_version=0)


async def run(quick: bool) -> dict[str, Any]:
    """Live and backlog relay rates next to the append rate of the same run."""
    seconds, backlog = (1.5, 2000) if quick else (10.0, 50_000)
    out: dict[str, Any] = {"writers": WRITERS, "append_seconds": seconds}
    with tempfile.TemporaryDirectory(prefix="aims-bench-relay-") as tmp:
        server, url = _nats(Path(tmp) / "nats")
        try:
            async with throwaway_postgres() as pg:
                out.update(await _measure(pg.app_url, url, Path(tmp), seconds, backlog))
        finally:
            server.terminate()
            server.wait(10)
    out["ratios"] = {"relay_vs_append": ratio(out["relay_events_per_s"],
                                              out["append_events_per_s"])}  # fmt: skip
    return out


async def _measure(
    database_url: str, nats_url: str, tmp: Path, seconds: float, backlog: int
) -> dict[str, Any]:
    pool = await db.create_pool(database_url, size=WRITERS + 2, timeout=60)
    store = EventStore(pool)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    relay = _relay(database_url, nats_url, tmp)
    try:
        await _append_for(store, 0.2)  # warm up: connections, the stream created
        warm = await store.head_position()
        await _until_stored(js, warm, 60, relay)
        t0 = time.monotonic()
        appended = await _append_for(store, seconds)
        appended_at = time.monotonic()
        done = await _until_stored(js, warm + appended, 300, relay)
        relay.terminate()
        relay.wait(10)
        await _backlog(store, backlog)
        head, before = await store.head_position(), warm + appended
        relay = _relay(database_url, nats_url, tmp)
        t1 = await _until_stored(
            js, before + 1, 120, relay
        )  # from its first publish: not its start
        first = await _stored(js)
        caught_up = await _until_stored(js, head, 600, relay)
    finally:
        relay.terminate()
        relay.wait(10)
        await nc.close()
        await pool.close()
    return {
        "events_appended": appended,
        "append_events_per_s": round(appended / (appended_at - t0), 1),
        "relay_events_per_s": round(appended / (done - t0), 1),
        "relay_lag_after_appends_s": round(done - appended_at, 3),
        "backlog_events": head - warm - appended,
        "backlog_events_per_s": round((head - first) / max(caught_up - t1, 1e-6), 1),
    }
