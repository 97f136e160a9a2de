"""The failover drill under a write load, shared by tests/deploy/test_failover.py and the bench.

Writers register systems through a real registry process on the pair's multi-host URL; the
primary's postmaster is killed with SIGKILL; once the registry has answered 503 for a while
(the time an operator or a monitor takes to notice) the standby is promoted; the drill ends
when writes have gone through the new primary. Then the new primary's log is compared with
every append the writers saw acknowledged.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import httpx

from tests.support.apps import auth
from tests.support.pgpair import Pair

OWNER = auth("alice", "system_owner")


@dataclass
class Load:
    """What the writers saw: ids answered 2xx (with when), every status, the 503s' shape."""

    acked: list[tuple[str, float, float]] = field(default_factory=list)  # id, sent, answered
    statuses: Counter[int] = field(default_factory=Counter)
    unavailable: list[tuple[str, str | None]] = field(default_factory=list)  # type, Retry-After

    def record(self, r: httpx.Response, sent: float) -> None:
        self.statuses[r.status_code] += 1
        if r.status_code == 201:
            self.acked.append((r.json()["id"], sent, time.monotonic()))
        elif r.status_code == 503:
            self.unavailable.append((r.headers["content-type"], r.headers.get("retry-after")))

    def first_ack_sent_after(self, t: float) -> float | None:
        """When the first 2xx came back for a request sent after `t`."""
        return min((answered for _, sent, answered in self.acked if sent > t), default=None)

    @property
    def acked_ids(self) -> set[str]:
        return {a for a, _, _ in self.acked}


@dataclass
class Drill:
    """The measured switch: seconds from the kill to the first 2xx, and from the promotion."""

    load: Load
    recovery_s: float
    after_promote_s: float
    promote_s: float  # how long `pg_ctl promote -w` took


@dataclass
class Log:
    """What the new primary holds once the drill is over."""

    registered: list[str]  # system ids of SystemRegistered events, in log order
    head: int

    def lost(self, load: Load) -> set[str]:
        """Acknowledged appends missing from the log (must be none)."""
        return load.acked_ids - set(self.registered)


async def write_load(base: str, stop: asyncio.Event, load: Load, workers: int = 4) -> None:
    """Register systems from `workers` clients until `stop`; a 503 is retried after 50 ms."""

    async def worker(w: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            i = 0
            while not stop.is_set():
                body = {"name": f"w{w}-{i}", "purpose": "p", "owner": "alice"}
                sent = time.monotonic()
                try:
                    r = await c.post("/v1/systems", headers=OWNER, json=body)
                except httpx.TransportError:
                    load.statuses[0] += 1  # the service did not answer at all
                    continue
                load.record(r, sent)
                if r.status_code != 201:
                    await asyncio.sleep(0.05)  # sooner than Retry-After: it measures the gap
                i += 1

    await asyncio.gather(*(worker(w) for w in range(workers)))


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `predicate` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def fail_over(pair: Pair, registry: str, *, before: int = 40, gap_503s: int = 20,
                    after: int = 20) -> Drill:  # fmt: skip
    """Write, kill -9 the primary, promote the standby after `gap_503s` 503s, write again."""
    load, stop = Load(), asyncio.Event()
    writers = asyncio.create_task(write_load(registry, stop, load))
    try:
        await until(lambda: len(load.acked) >= before, 60, "writes before the failover")
        killed = time.monotonic()
        pair.kill_primary()
        await until(lambda: not pair.primary.alive(), 10, "the primary to die")
        seen = load.statuses[503]
        await until(lambda: load.statuses[503] >= seen + gap_503s, 30, "503s without a primary")
        promoting = time.monotonic()
        await asyncio.to_thread(pair.promote)
        promoted = time.monotonic()
        await until(lambda: load.first_ack_sent_after(promoting) is not None, 30, "a write")
        n = len(load.acked)
        await until(lambda: len(load.acked) >= n + after, 30, "writes after the switch")
    finally:
        stop.set()
        await writers
    first = load.first_ack_sent_after(killed)
    assert first is not None
    return Drill(load, first - killed, first - promoting, promoted - promoting)


async def read_log(pair: Pair) -> Log:
    """The registrations and head position in the promoted standby's log."""
    conn = await asyncpg.connect(pair.url(pair.standby))
    try:
        assert await conn.fetchval("SELECT pg_is_in_recovery()") is False  # it is the primary
        rows = await conn.fetch("SELECT data->>'system_id' AS id FROM events"
                                " WHERE type = 'SystemRegistered' ORDER BY position")  # fmt: skip
        head = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
    finally:
        await conn.close()
    return Log([r["id"] for r in rows], head)
