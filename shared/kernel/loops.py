"""The one way aims runs a long-lived background loop: retry with backoff, stop on cancel.

Projection runners, reactors, the checkpoint signer and the notifier all do the same
thing: run a step forever, survive a database outage without a stack trace per poll,
log anything unexpected once with its traceback, and wait a little longer after each
consecutive failure so a dead database is not hammered. Cancellation always propagates.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import structlog

from shared.platform.db import UNAVAILABLE

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
        except UNAVAILABLE as exc:
            failures += 1
            log.warning(f"{name}_waiting_for_database", error=type(exc).__name__)
        except Exception:
            failures += 1
            log.exception(f"{name}_failed")
        await asyncio.sleep(backoff(every, failures, max_backoff))


def backoff(every: float, failures: int, cap: float) -> float:
    """`every` while healthy; doubling with jitter per consecutive failure, at most `cap`."""
    if failures == 0:
        return every
    delay = min(cap, every * 2 ** min(failures - 1, 16))
    return float(max(every, delay * (0.5 + random.random() / 2)))
