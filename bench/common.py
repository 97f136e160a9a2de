"""Shared benchmark helpers: a throwaway PostgreSQL, timing statistics and memory sampling."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from shared.platform import db, embedded


@dataclass
class Postgres:
    """A running throwaway server with a migrated aims database."""

    pg: embedded.EmbeddedPostgres
    tmp: Path

    @property
    def admin_url(self) -> str:
        return self.pg.admin_url

    @property
    def app_url(self) -> str:
        return self.pg.app_url

    def url(self, user: str = "postgres", database: str = embedded.DATABASE) -> str:
        return self.pg.url(user, database)

    @property
    def socket_dir(self) -> str:
        return self.pg.socket_dir


# Every contender runs on a server with these settings (durable commits, PostgreSQL defaults).
SETTINGS = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


_ROOT: Path | None = None


def _root() -> Path:
    """One temp dir per process for every server it starts, removed when the process exits.

    The embedded server keeps its lock files in a runtime dir it picks once per process, so
    that dir lives here, outside any one server's dir, and goes last (at exit).
    """
    global _ROOT
    if _ROOT is None:
        _ROOT = Path(tempfile.mkdtemp(prefix="aims-bench-"))
        if "pgserver" not in sys.modules:
            os.environ.setdefault("XDG_RUNTIME_DIR", str(_ROOT / "run"))
            (_ROOT / "run").mkdir(mode=0o700, exist_ok=True)
        atexit.register(shutil.rmtree, _ROOT, True)
    return _ROOT


def _stop(pg: embedded.EmbeddedPostgres) -> None:
    """Stop the server; make sure its postmaster is gone before its files are deleted."""
    pidfile = pg.pgdata / "postmaster.pid"
    pid = int(pidfile.read_text().split()[0]) if pidfile.exists() else None
    pg.stop()
    if pid is not None and psutil.pid_exists(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)  # fast shutdown of the server this run started
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).wait(timeout=30)


@contextlib.asynccontextmanager
async def throwaway_postgres(*, migrate: bool = True) -> AsyncIterator[Postgres]:
    """Start a private PostgreSQL in a temp dir, create and migrate aims; stop and delete after."""
    tmp = Path(tempfile.mkdtemp(prefix="server-", dir=_root()))
    pg = await asyncio.to_thread(embedded.start, tmp / "pg")
    try:
        conn = await asyncpg.connect(pg.url(database="postgres"))
        try:
            for name, value in SETTINGS.items():
                await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            await conn.execute("SELECT pg_reload_conf()")
        finally:
            await conn.close()
        await embedded.bootstrap(pg)
        if migrate:
            await asyncio.to_thread(db.migrate_sync, pg.admin_url)
        yield Postgres(pg, tmp)
    finally:
        await asyncio.to_thread(_stop, pg)
        shutil.rmtree(tmp, ignore_errors=True)


async def server_settings(url: str) -> dict[str, str]:
    """The settings that matter for a fair comparison, as the server reports them."""
    conn = await asyncpg.connect(url)
    try:
        names = ["server_version", *SETTINGS, "shared_buffers", "wal_level"]
        return {n: await conn.fetchval(f"SHOW {n}") for n in names}
    finally:
        await conn.close()


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of a list of numbers; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def latency_summary(seconds: list[float]) -> dict[str, float | None]:
    """p50/p99/max in milliseconds of a list of durations in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": _round(percentile(ms, 50)),
        "p99_ms": _round(percentile(ms, 99)),
        "max_ms": _round(max(ms) if ms else None),
    }


def ratio(aims: float | None, other: float | None) -> float | None:
    """aims / other (higher is better for aims), None when either side is missing."""
    if not aims or not other:
        return None
    return round(aims / other, 3)


def _round(v: float | None, digits: int = 3) -> float | None:
    return None if v is None else round(v, digits)


@dataclass
class RssSampler:
    """Samples this process's resident memory in a thread; reports the peak of a block."""

    interval: float = 0.02
    peak: int = 0
    start: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextlib.contextmanager
    def measure(self) -> Iterator[RssSampler]:
        proc = psutil.Process(os.getpid())
        # The baseline counts the workers already running (such as a pack export's fork
        # server, which outlives its export), as every sample below does: otherwise their
        # whole memory would show as growth of whatever operation runs next.
        workers = _workers(proc)
        self.start = self.peak = proc.memory_info().rss + _rss(workers)
        self._stop.clear()

        def run() -> None:
            nonlocal workers
            listed = time.monotonic()
            while not self._stop.wait(self.interval):
                # Listing the workers reads every process of the machine: twice a second is
                # enough for workers that live as long as the operation (and leaves the CPU
                # to the operation measured).
                if time.monotonic() - listed > 0.5:
                    workers, listed = _workers(proc), time.monotonic()
                self.peak = max(self.peak, proc.memory_info().rss + _rss(workers))

        t = threading.Thread(target=run, daemon=True)
        t.start()
        try:
            yield self
        finally:
            self._stop.set()
            t.join()
            self.peak = max(self.peak, proc.memory_info().rss)

    def as_dict(self) -> dict[str, float]:
        mib = 1024 * 1024
        return {
            "peak_rss_mib": round(self.peak / mib, 1),
            "growth_mib": round((self.peak - self.start) / mib, 1),
        }


def _workers(proc: psutil.Process) -> list[psutil.Process]:
    """This process's multiprocessing workers (a rebuild's folds)."""
    found = []
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any("multiprocessing" in part for part in child.cmdline()):
                found.append(child)
    return found


def _rss(processes: list[psutil.Process]) -> int:
    """Resident memory of `processes` (those that ended count nothing)."""
    total = 0
    for p in processes:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


class Timer:
    """Wall-clock seconds of a block."""

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.t0
