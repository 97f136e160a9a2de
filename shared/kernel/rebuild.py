"""Rebuilding read models without downtime: fold the log into shadow tables, then swap.

The services keep reading (and their runners keep updating) the live tables while the
rebuild folds the whole log into copies (shadow.py). Groups of projections fold in
worker processes of their own, one per core: the fold is Python work as much as SQL, so
threads would share one core. Projections whose batches commute (`by_range`, such as the
audit trail) are split by position range instead, a range to each worker, so the heaviest
ones share the cores too; their keys and indexes are built after the fold (`write_only`),
spread over as many sessions as there are workers.
The swap then takes the live checkpoint rows (a runner takes the same row lock at the
start of each batch, so it waits), folds whatever was appended meanwhile, and swaps
tables and checkpoints in one transaction; the runners go on from the swapped
checkpoints, on the new tables.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import itertools
import multiprocessing
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

import asyncpg
import structlog

from shared.kernel import shadow
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import (
    Projection,
    _events,
    lock_key,
    save_checkpoints,
    split,
    types_of,
)
from shared.platform import collector, db

log = structlog.get_logger()
REBUILD_LOCK = lock_key("aims.rebuild")  # one rebuild at a time per database
# Starting a worker (an interpreter importing every service) costs about a second: below
# this many events one process folds the log sooner than two.
PARALLEL_FROM = 20_000
GC_THRESHOLD = 50_000  # new objects between a worker's youngest-generation collections
INDEX_MEMORY = "256MB"  # maintenance_work_mem of each session building the deferred indexes
SWAP_ATTEMPTS = 5  # a reader holding one swapped table while asking for another deadlocks


class RebuildRunning(RuntimeError):
    """Another process is rebuilding read models in this database."""


async def connect(
    url: str, search_path: str | None = None, *, durable: bool = True
) -> asyncpg.Connection:
    """A connection with the services' JSON codecs (and the shadow schema first, if asked).

    A fold's connection is not `durable`: its commits do not wait for the disk. The copies
    it fills are thrown away by any rebuild that did not swap them in, and the swap's own
    commit, which waits, flushes the log up to it, the folds' commits included."""
    settings = {"application_name": "aims-rebuild"}
    if search_path:
        settings["search_path"] = search_path
    if not durable:
        settings["synchronous_commit"] = "off"
    conn = await asyncpg.connect(db.plain_url(url), server_settings=settings)
    await db.init_connection(conn)
    return conn


async def stale(conn: asyncpg.Connection, projections: Sequence[Projection]) -> list[Projection]:
    """Projections whose read model an older version of their code built."""
    rows = await conn.fetch(
        "SELECT name, version FROM public.projection_checkpoint WHERE name = ANY($1)",
        [p.name for p in projections],
    )
    built = {r["name"]: r["version"] for r in rows}
    return [p for p in projections if p.rebuild and built.get(p.name, p.version) < p.version]


async def fold(
    conn: asyncpg.Connection, projections: Sequence[Projection], start: int, end: int,
    batch: int, reader: asyncpg.Connection | None = None,
    ranges: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, int]:  # fmt: skip
    """Apply positions start+1..end to `projections`, one transaction per batch with their
    checkpoints. With a `reader`, the next batch is read while this one is applied. A
    projection named in `ranges` gets only positions lo+1..hi of its range and no
    checkpoint: the caller moves it once every range is folded."""
    ranges = ranges or {}
    applied = {p.name: 0 for p in projections}
    ordered = [p for p in projections if p.name not in ranges]
    windows = _windows(projections, start, end, batch, ranges)
    source = reader or conn
    ahead: asyncio.Task[list[StoredEvent]] | None = None
    try:
        for i, (lo, hi, active, types) in enumerate(windows):
            events = await ahead if ahead else await _events(source, lo, hi, types)
            ahead = None
            if reader is not None and i + 1 < len(windows):
                ahead = asyncio.create_task(_events(reader, *windows[i + 1][:2], windows[i + 1][3]))
            async with conn.transaction():
                for p, mine in zip(active, split(events, active), strict=True):
                    if mine:
                        await p.handle_batch(mine, conn)
                        applied[p.name] += len(mine)
                if ordered:
                    await save_checkpoints(conn, ordered, hi)
    finally:
        if ahead is not None:
            ahead.cancel()
    return applied


Window = tuple[int, int, list[Projection], list[str] | None]


def _windows(
    projections: Sequence[Projection], start: int, end: int, batch: int,
    ranges: Mapping[str, tuple[int, int]],
) -> list[Window]:  # fmt: skip
    """The batches of a fold: (lo, hi, projections the batch is for, the types they read).

    Windows never straddle a range's edge; a window no projection wants is not read."""
    edges = sorted({start, end, *(x for r in ranges.values() for x in r if start < x < end)})
    out: list[Window] = []
    for a, b in itertools.pairwise(edges):
        for lo in range(a, b, batch):
            hi = min(lo + batch, b)
            active = [
                p for p in projections
                if p.name not in ranges or ranges[p.name][0] <= lo and hi <= ranges[p.name][1]
            ]  # fmt: skip
            if active:
                out.append((lo, hi, active, types_of(active)))
    return out


Ranges = dict[str, tuple[int, int]]


async def _build(
    url: str, projections: Sequence[Projection], end: int, batch: int, ranges: Ranges
) -> dict[str, int]:
    conn = await connect(url, shadow.SHADOW_PATH, durable=False)
    reader = await connect(url)
    began = time.perf_counter()
    try:
        applied = await fold(conn, projections, 0, end, batch, reader, ranges)
    finally:
        await asyncio.gather(conn.close(), reader.close())
    seconds = round(time.perf_counter() - began, 1)
    log.info("read_models_folded", projections=len(projections), ranges=ranges, seconds=seconds)
    return applied


def _build_in_process(
    url: str, factory: str, names: list[str], end: int, batch: int, ranges: Ranges
) -> dict[str, int]:
    """A worker process: the named projections from `factory` ("module:function")."""
    module, _, attr = factory.partition(":")
    made: list[Projection] = getattr(importlib.import_module(module), attr)()
    chosen = [p for p in made if p.name in names]
    _collect_less()
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(_build(url, chosen, end, batch, ranges))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (with uvicorn's standard extras): a fold
    waits on the database thousands of times, and its loop costs less per wait."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - the standard extras bring it
        return None
    return uvloop.new_event_loop


def _collect_less() -> None:
    """Tune the cycle collector of a worker (its process is the fold's alone): a fold's
    objects live for one batch, so the passes come per 50,000 new objects, with the
    imports' objects frozen out of them (shared.platform.collector)."""
    gc.collect()
    collector.collect_less(GC_THRESHOLD)


Job = tuple[list[Projection], Ranges]


def plan(projections: Sequence[Projection], workers: int, end: int) -> list[Job]:
    """The folds of a rebuild: the ordered projections in groups (groups()), and each
    `by_range` projection split into one range of the log per group, so every worker
    also takes a share of the projections whose batches commute."""
    if workers <= 1:
        return [(list(projections), {})]
    ordered = [p for p in projections if not p.by_range]
    ranged = [p for p in projections if p.by_range]
    parts = groups(ordered, workers)
    if not ranged:
        return [(g, {}) for g in parts]
    parts += [[] for _ in range(workers - len(parts))]
    edges = [end * i // workers for i in range(workers + 1)]
    return [
        (g + ranged, {p.name: (edges[i], edges[i + 1]) for p in ranged})
        for i, g in enumerate(parts)
    ]


def groups(projections: Sequence[Projection], workers: int) -> list[list[Projection]]:
    """Projections in at most `workers` groups; one service's stay together (they may read
    each other's tables), the heaviest services first into the lightest group."""
    by_service: dict[str, list[Projection]] = {}
    for p in projections:
        by_service.setdefault(p.name.split(".", 1)[0], []).append(p)

    def weight(ps: list[Projection]) -> int:  # a projection reading every event weighs most
        return sum(200 if p.types is None else len(p.types) for p in ps)

    bins: list[list[Projection]] = [[] for _ in range(max(1, workers))]
    for ps in sorted(by_service.values(), key=weight, reverse=True):
        min(bins, key=weight).extend(ps)
    return [b for b in bins if b]


async def rebuild(
    url: str, projections: Sequence[Projection], *, factory: str | None = None,
    workers: int = 1, batch: int = 5000, progress: Callable[[int], None] | None = None,
) -> dict[str, int]:  # fmt: skip
    """Rebuild `projections` from position zero into shadow tables and swap them in.

    `url` must be the table owner's (the migration role). With `factory` ("module:function"
    returning the projections) the groups fold in `workers` processes. Returns events
    applied per projection; `progress` gets positions as the slowest group passes them.
    """
    chosen = [p for p in projections if p.rebuild]
    if not chosen:
        return {}
    tables = [t for p in chosen for t in p.tables]
    deferred = [t for p in chosen if p.write_only for t in p.tables]
    conn = await connect(url)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", REBUILD_LOCK):
            raise RebuildRunning("another rebuild of read models is running")
        await shadow.prepare(conn, tables, deferred)
        end = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        jobs = plan(chosen, workers if factory and end >= PARALLEL_FROM else 1, end)
        applied = await _fold_jobs(conn, url, jobs, factory, end, batch, progress)
        await _finish_ranges(conn, [p for p in chosen if p.by_range], end)
        await _index_and_analyze(conn, url, deferred, tables, workers)
        for name, n in (await _swap(conn, chosen, end, batch)).items():
            applied[name] += n
        log.info("read_models_rebuilt", projections=[p.name for p in chosen], events=end)
        return applied
    finally:
        await conn.close()  # its session lock goes with it


async def _index_and_analyze(
    conn: asyncpg.Connection, url: str, deferred: Sequence[str], tables: Sequence[str],
    sessions: int,
) -> None:  # fmt: skip
    """The deferred keys, then the other deferred indexes, then planner statistics for
    every copy, each step's statements spread over `sessions` connections: a statement is
    one sort (or sample) on one core, and one after another they left the other cores idle
    at the end of a rebuild. A copy's keys lock it, so they run in order in one session."""
    keys = [await shadow.key_statements(conn, t) for t in deferred]
    indexes = [[s] for t in deferred for s in await shadow.index_statements(conn, t)]
    analyze = [[shadow.analyze_statement(t)] for t in tables]
    extra = await asyncio.gather(*(_maintenance(url) for _ in range(max(1, sessions) - 1)))
    try:
        for chains in (keys, indexes, analyze):
            await _in_sessions([conn, *extra], [c for c in chains if c])
    finally:
        await asyncio.gather(*(c.close() for c in extra))


async def _maintenance(url: str) -> asyncpg.Connection:
    """A connection for building indexes (no JSON codecs: it only sends statements)."""
    settings = {"application_name": "aims-rebuild"}
    return await asyncpg.connect(db.plain_url(url), server_settings=settings)


async def _in_sessions(conns: Sequence[asyncpg.Connection], chains: list[list[str]]) -> None:
    """Run each chain's statements in order, a chain at a time on each connection."""
    queue = list(reversed(chains))  # popped from the end: in the order given

    async def session(conn: asyncpg.Connection) -> None:
        # One sort per index: with more memory it stays in memory (the server's, bounded by
        # this setting per session, not the rebuild's).
        await conn.execute(f"SET maintenance_work_mem = '{INDEX_MEMORY}'")
        while queue:
            for statement in queue.pop():
                await conn.execute(statement)

    async with asyncio.TaskGroup() as group:
        for c in conns[: len(chains)]:
            group.create_task(session(c))


async def _finish_ranges(conn: asyncpg.Connection, ranged: Sequence[Projection], end: int) -> None:
    """Every range of the `by_range` projections is folded: their copies stand at `end`."""
    if ranged:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL search_path = {shadow.SHADOW_PATH}")
            await save_checkpoints(conn, ranged, end)


async def _fold_jobs(
    conn: asyncpg.Connection, url: str, jobs: list[Job], factory: str | None,
    end: int, batch: int, progress: Callable[[int], None] | None,
) -> dict[str, int]:  # fmt: skip
    if len(jobs) == 1 or factory is None:
        folds = [asyncio.ensure_future(_build(url, ps, end, batch, r)) for ps, r in jobs]
        return await _watch(conn, folds, progress)
    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited sockets
    with ProcessPoolExecutor(len(jobs), mp_context=spawn) as pool:
        futures = [
            loop.run_in_executor(
                pool, _build_in_process, url, factory, [p.name for p in ps], end, batch, r
            )
            for ps, r in jobs
        ]
        return await _watch(conn, futures, progress)


async def _watch(
    conn: asyncpg.Connection, jobs: Sequence[asyncio.Future[dict[str, int]]],
    progress: Callable[[int], None] | None,
) -> dict[str, int]:  # fmt: skip
    """Wait for the folds, reporting the slowest shadow checkpoint as it moves."""
    done, reported = asyncio.gather(*jobs), 0
    while not done.done():
        await asyncio.wait([done], timeout=0.5)
        if progress is not None:
            low = await conn.fetchval(
                f"SELECT coalesce(min(position), 0) FROM {shadow.SHADOW}.projection_checkpoint"
            )
            progress(max(0, int(low) - reported))
            reported = max(reported, int(low))
    out: dict[str, int] = {}
    for part in done.result():  # a projection folded by ranges appears in several parts
        for name, n in part.items():
            out[name] = out.get(name, 0) + n
    return out


async def _swap(
    conn: asyncpg.Connection, chosen: Sequence[Projection], end: int, batch: int
) -> dict[str, int]:
    """Catch the copies up under the live checkpoints' row locks, then swap them in."""
    tables = [t for p in chosen for t in p.tables]
    for attempt in range(SWAP_ATTEMPTS):
        try:
            async with conn.transaction():
                await shadow.lock_checkpoints(conn, [p.name for p in chosen])
                await conn.execute(f"SET LOCAL search_path = {shadow.SHADOW_PATH}")
                head = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
                caught_up = await fold(conn, chosen, end, head, batch)
                await shadow.swap(conn, tables, {p.name: p.version for p in chosen})
                return caught_up
        except asyncpg.DeadlockDetectedError:
            log.warning("read_model_swap_retried", attempt=attempt + 1)
    raise RuntimeError(f"the swap deadlocked {SWAP_ATTEMPTS} times; run the rebuild again")


async def rebuild_stale(
    url: str, projections: Sequence[Projection], *, factory: str | None = None,
    workers: int = 1,
) -> dict[str, int]:  # fmt: skip
    """Rebuild the projections whose stored version is older than their code (at start)."""
    conn = await connect(url)
    try:
        old = await stale(conn, projections)
    finally:
        await conn.close()
    if not old:
        return {}
    log.info("read_models_stale", projections=[p.name for p in old])
    return await rebuild(url, old, factory=factory, workers=workers)
