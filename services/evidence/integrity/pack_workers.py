"""A whole-log pack's lines rendered in worker processes, window by window, on every core.

Rendering a line costs more Python than reading its row, and one process uses one core. So
for a large pack of the whole log each worker reads windows of positions on its own
connection and renders them (_Lines.render: the same bytes as in the exporting process);
the exporting process only takes the results in log order: it folds the leaf hashes into
the root it checks against the signed checkpoint, hashes and deflates the members (on
threads: ISA-L and hashlib release the GIL) and writes the zip. Nothing a worker returns
is trusted more than a row: its leaves must rebuild the signed root, or nothing is
exported. Packs with inclusion proofs (a system, a time range) stay in one process.

A window's lines (megabytes) come back in files of a private directory in memory (tmpfs
where the system has one), not through the result pipe: pickling them, the pipe and
unpickling copied every byte four times more and took a sixth of the export.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import AsyncGenerator, Set
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from services.evidence.integrity import pack, report
from shared.kernel.tlog import Checkpoint
from shared.platform import db

_AHEAD = 3  # windows in flight per worker: each always has the next one queued
_SHM = Path("/dev/shm")  # noqa: S108  # a tmpfs: the files never reach a disk
# The windows in flight take tens of megabytes (more with large events). A container's
# /dev/shm is 64 MiB unless configured: below this much free space the files go to the
# temporary directory instead, on disk, rather than fail the export when it fills.
SHM_MIN_FREE = 1 << 30

_worker: dict[str, Any] = {}  # in a worker: its event loop, pool and line renderer


class _Window(NamedTuple):
    """A rendered window as a worker returns it: its lines are in files, the rest here."""

    events: str  # file names
    proofs: str
    leaves: list[bytes]
    traced: list[tuple[str, str, int, str, str]]
    types: list[str]


def workers() -> int:
    """Worker processes for a pack: one per core (a single core gains nothing)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


async def rendered(
    url: str, lo: int, hi: int, full: Set[str], count: int | None = None
) -> AsyncGenerator[pack.Rendered, None]:
    """The rendered windows of positions (lo, hi], in order. `full` is the live set of
    report sections with no room left: a window only returns report rows of the others."""
    count = count or workers()
    loop = asyncio.get_running_loop()
    executor = ProcessPoolExecutor(count, _context(), initializer=_start, initargs=(url,))
    directory = _directory()
    windows = iter(range(lo, hi, pack.BATCH))
    queue: deque[asyncio.Future[_Window]] = deque()
    read = False  # every window was read: no worker writes any more
    try:
        while True:
            while len(queue) < count * _AHEAD and (after := next(windows, None)) is not None:
                until = min(after + pack.BATCH, hi)
                job = partial(_render, directory, after, until, frozenset(full))
                queue.append(loop.run_in_executor(executor, job))
            if not queue:
                read = True
                return
            window = await queue.popleft()
            yield pack.Rendered(
                _take(window.events), _take(window.proofs), window.leaves, window.traced,
                window.types,
            )  # fmt: skip
    finally:
        for f in queue:
            f.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        if read:
            shutil.rmtree(directory, ignore_errors=True)
        else:  # a window still being rendered may write its files after this: the
            # directory goes once every worker has stopped, without holding up the export
            threading.Thread(target=_remove, args=(executor, directory), daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    """Workers forked from a server process that imported this module once: a process
    running threads is never forked, and a worker does not spend its first second
    importing the service (spawned workers each did, and the main module too)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # not __main__: the caller may be anything
    return context


def _directory(shm: Path = _SHM, min_free: int = SHM_MIN_FREE) -> str:
    """A private directory for the windows' files, in memory where the system has room."""
    usable = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free >= min_free
    return tempfile.mkdtemp(prefix="aims-pack-", dir=shm if usable else None)


def _take(name: str) -> bytes:
    """A window's file's bytes; the file is removed (a window is read once)."""
    path = Path(name)
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def _remove(executor: ProcessPoolExecutor, directory: str) -> None:
    """Remove the windows' directory once no worker can write to it any more."""
    executor.shutdown(wait=True)
    shutil.rmtree(directory, ignore_errors=True)


def _start(url: str) -> None:
    """A worker's start: its own loop and connection, kept for every window it renders."""
    loop = asyncio.new_event_loop()
    _worker["loop"] = loop
    # a pool of one: it reaches the hosts of a multi-host URL as the services' pools do
    _worker["pool"] = loop.run_until_complete(db.create_pool(url, size=1, timeout=60))
    # size and root are never read here: the exporting process checks the leaves
    _worker["lines"] = pack._Lines(report.Trace(), Checkpoint("render", 0, bytes(32)), whole=False)


def _render(directory: str, after: int, until: int, full: frozenset[str]) -> _Window:
    """Render the window of positions (after, until]; its lines go to files."""
    loop, pool, lines = _worker["loop"], _worker["pool"], _worker["lines"]
    rows = loop.run_until_complete(pool.fetch(pack.WHOLE_SQL, after, until))
    out: pack.Rendered = lines.render(rows, None, full)
    names = [os.path.join(directory, f"{after}.{part}") for part in ("events", "proofs")]
    for name, data in zip(names, (out.events, out.proofs), strict=True):
        with open(name, "wb") as f:
            f.write(data)
    return _Window(names[0], names[1], out.leaves, out.traced, out.types)
