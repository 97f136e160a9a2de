"""A whole-log pack's lines rendered in worker processes, window by window, on every core.

Rendering a line costs more Python than reading its row, and one process uses one core. So
for a large pack of the whole log each worker reads windows of positions on its own
connection and renders them (_Lines.render: the same bytes as in the exporting process);
the exporting process only takes the results in log order: it folds the leaf hashes into
the root it checks against the signed checkpoint, hashes and deflates the members (on
threads: ISA-L and hashlib release the GIL) and writes the zip. Nothing a worker returns
is trusted more than a row: its leaves must rebuild the signed root, or nothing is
exported. Packs with inclusion proofs (a system, a time range) stay in one process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Set
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from services.evidence.integrity import pack, report
from shared.kernel.tlog import Checkpoint
from shared.platform import db

_AHEAD = 3  # windows in flight per worker: each always has the next one queued

_worker: dict[str, Any] = {}  # in a worker: its event loop, pool and line renderer


def workers() -> int:
    """Worker processes for a pack: one per core (a single core gains nothing)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


async def rendered(
    url: str, lo: int, hi: int, full: Set[str], count: int | None = None
) -> AsyncIterator[pack.Rendered]:
    """The rendered windows of positions (lo, hi], in order. `full` is the live set of
    report sections with no room left: a window only returns report rows of the others."""
    count = count or workers()
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # never fork a process running threads
    executor = ProcessPoolExecutor(count, context, initializer=_start, initargs=(url,))
    windows = iter(range(lo, hi, pack.BATCH))
    queue: deque[asyncio.Future[pack.Rendered]] = deque()
    try:
        while True:
            while len(queue) < count * _AHEAD and (after := next(windows, None)) is not None:
                until = min(after + pack.BATCH, hi)
                queue.append(loop.run_in_executor(executor, _render, after, until, frozenset(full)))
            if not queue:
                return
            yield await queue.popleft()
    finally:
        for f in queue:
            f.cancel()
        executor.shutdown(wait=False, cancel_futures=True)


def _start(url: str) -> None:
    """A worker's start: its own loop and connection, kept for every window it renders."""
    loop = asyncio.new_event_loop()
    _worker["loop"] = loop
    # a pool of one: it reaches the hosts of a multi-host URL as the services' pools do
    _worker["pool"] = loop.run_until_complete(db.create_pool(url, size=1, timeout=60))
    # size and root are never read here: the exporting process checks the leaves
    _worker["lines"] = pack._Lines(report.Trace(), Checkpoint("render", 0, bytes(32)), whole=False)


def _render(after: int, until: int, full: frozenset[str]) -> pack.Rendered:
    """The rendered window of positions (after, until]."""
    loop, pool, lines = _worker["loop"], _worker["pool"], _worker["lines"]
    rows = loop.run_until_complete(pool.fetch(pack.WHOLE_SQL, after, until))
    return lines.render(rows, None, full)  # type: ignore[no-any-return]
