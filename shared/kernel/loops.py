"""The one way aims runs a long-lived background loop: retry with backoff, stop on cancel.

Projection runners, reactors, the checkpoint signer and the notifier all do the same
thing: run a step forever, survive a database outage without a stack trace per poll,
log anything unexpected once with its traceback, and wait a little longer after each
consecutive failure so a dead database is not hammered. Cancellation always propagates.

A step holds no connection across iterations: each one acquires from its pool, so after a
failover the next step connects through the multi-host URL to whichever server now accepts
writes, and session state (advisory locks) is simply taken again there.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from shared.platform.db import is_unavailable

log = structlog.get_logger()


async def run_forever(
    name: str,
    step: Callable[[], Awaitable[object]],
    *,
    every: float,
    max_backoff: float = 30.0,
    initial_delay: float = 0.0,
) -> None:
    """Run `step` again and again, `every` seconds apart; failures back off up to `max_backoff`."""
    if initial_delay:
        await asyncio.sleep(initial_delay)
    failures = 0
    while True:
        try:
            await step()
            failures = 0
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            if is_unavailable(exc):  # a lost connection, a failover: expected, no traceback
                log.warning(f"{name}_waiting_for_database", error=type(exc).__name__)
            else:
                log.exception(f"{name}_failed")
        await asyncio.sleep(backoff(every, failures, max_backoff))


def backoff(every: float, failures: int, cap: float) -> float:
    """`every` while healthy; doubling with jitter per consecutive failure, at most `cap`."""
    if failures == 0:
        return every
    delay = min(cap, every * 2 ** min(failures - 1, 16))
    return float(max(every, delay * (0.5 + random.random() / 2)))


async def run_as_leader(
    name: str,
    pool: asyncpg.Pool,
    key: int,
    step: Callable[[], Awaitable[object]],
    *,
    every: float,
    initial_delay: float = 0.0,
) -> None:
    """Run `step` every `every` seconds in the one process holding advisory lock `key`.

    Several workers of a service, and its replicas, all start the loop; the one whose
    connection takes the session lock leads and the others stand by, trying again each
    round, so a leader that dies (its connection closes, the lock goes with it) is
    replaced within a round. A failing step gives the lock up before the backoff.
    """

    async def session() -> None:
        async with pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                return  # another process leads
            try:
                while True:
                    await step()
                    await asyncio.sleep(every)
            finally:
                if not conn.is_closed():
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)

    await run_forever(name, session, every=every, initial_delay=initial_delay)
