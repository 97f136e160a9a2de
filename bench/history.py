"""Reading the whole log: replay, verification and export against a raw read, then audit queries.

One server; the log grows to each size in turn (100k then 1M events in a full run), and
every operation runs at each size so peak memory can be compared as the log grows.
AIMS_BENCH_OPS (comma-separated names of SELECTABLE) runs only those operations; the
others are reported as skipped. The audit queries read the trail the replay builds.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bench import audit, dataset, tlog
from bench.common import Postgres, RssSampler, Timer, ratio, throwaway_postgres
from services import all_projections
from shared.kernel.eventstore import EventStore
from shared.kernel.eventstore.verify import verify_database
from shared.kernel.rebuild import rebuild
from shared.platform import db

FULL_SIZES = (1_000, 10_000)  # AI systems; about 100 events each
QUICK_SIZES = (10, 40)
OPS = ("raw_read", "verify", "replay", "export", "export_stored", "tlog_signer_pass")
SELECTABLE = ("raw_read", "verify", "replay", "tlog", "export", "export_stored", "audit")
REPLAY_BUDGET = 600  # seconds; a slower replay of the big log is skipped and said so


async def raw_read(url: str) -> int:
    """Every column of every event in position order, as text: the floor any reader pays."""
    conn = await asyncpg.connect(url)
    n = 0
    try:
        async with conn.transaction(readonly=True):
            query = "SELECT * FROM events ORDER BY position"
            async for _ in conn.cursor(query, prefetch=5000):
                n += 1
    finally:
        await conn.close()
    return n


async def replay_all(url: str) -> dict[str, Any]:
    """Rebuild every projection of every service from position zero into shadow tables and
    swap them in, one fold process per core (`aims replay`); `url` is the schema owner's."""
    try:
        applied = await rebuild(
            url, all_projections(), factory="services:all_projections",
            workers=os.cpu_count() or 1,
        )  # fmt: skip
        return {"applied": applied, "workers": os.cpu_count() or 1}
    except Exception as exc:  # reported in the table rather than ending the run
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


async def export_pack(pg: Postgres, stored: bool = False) -> dict[str, Any]:
    """The audit-pack export of the whole log, written to a file: deflated (ISA-L), or
    with every member stored uncompressed."""
    try:
        from services.evidence.integrity.pack import export_file
    except ImportError:
        return {"error": "the evidence service has no pack export yet"}
    path = pg.tmp / "pack.zip"
    await export_file(pg.app_url, path, pg.tmp / "signing.pem", stored=stored)
    return {"bytes": path.stat().st_size}


async def sign_checkpoint(pg: Postgres) -> None:
    """Sign a checkpoint of the whole log, untimed: the service's signer keeps one current,
    so each export below is timed alone rather than the first paying the signer's pass."""
    from services.evidence.integrity.pack import plan_pack
    from services.evidence.integrity.signing import load_signer
    from services.evidence.log import keys
    from shared.contract.events import CATEGORIES
    from shared.kernel.requestctx import Actor, RequestContext
    from shared.platform.config import Settings

    log = keys.build(load_signer(pg.tmp / "signing.pem").key, Settings())
    pool = await db.create_pool(pg.app_url, size=2, timeout=120)
    try:
        ctx = RequestContext(actor=Actor("bench", frozenset({"auditor"})), service="evidence")
        await plan_pack(pool, EventStore(pool, categories=CATEGORIES["evidence"]), log, ctx)
    finally:
        await pool.close()


async def _measure(fn: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    gc.collect()
    sampler = RssSampler()
    with sampler.measure(), Timer() as t:
        value = await fn()
    out: dict[str, Any] = {"seconds": round(t.seconds, 3), **sampler.as_dict()}
    if isinstance(value, dict):
        out.update(value)
    return out


async def run(quick: bool) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else FULL_SIZES
    all_projections()  # imported before any timing starts
    out: dict[str, Any] = {"dataset": dataset.summary(), "sizes": {}}
    async with throwaway_postgres() as pg:
        pool = await db.create_pool(pg.app_url, size=8, timeout=120)
        try:
            store = EventStore(pool)
            ids: list[Any] = []
            key = pg.tmp / "signing.pem"
            for systems in sizes:
                with Timer() as t:
                    ids += await dataset.load(store, systems - len(ids), first=len(ids))
                events = await store.head_position()
                phase: dict[str, Any] = {
                    "systems": systems, "events": events,
                    "load_events_per_s": round(events / t.seconds, 1) if len(out["sizes"]) == 0
                    else None,
                }  # fmt: skip
                ops = _Ops(phase)
                await ops.run("raw_read", lambda: _count(raw_read(pg.app_url)))
                await ops.run("verify", lambda: _verify(pg.app_url))
                projected = _projected_replay(out, events)
                if projected is not None and projected >= REPLAY_BUDGET:
                    phase["replay"] = {
                        "skipped": f"projected {projected:.0f} s at the rate"
                        f" measured on the smaller log (budget {REPLAY_BUDGET} s)"
                    }
                else:
                    await ops.run("replay", lambda: _projections(pg.admin_url))
                # The signer's pass: the first one stores the tree, later ones compare with it.
                await ops.run(
                    "tlog_first_pass",
                    lambda: tlog.full_pass(pg.app_url, key, store_nodes=True),
                    "tlog",
                )
                await ops.run(
                    "tlog_signer_pass",
                    lambda: tlog.full_pass(pg.app_url, key, store_nodes=False),
                    "tlog",
                )
                if "tlog" in ops.chosen:
                    phase["tlog_proofs"] = await tlog.proofs(pg.app_url, quick)
                if ops.chosen & {"export", "export_stored"}:
                    await sign_checkpoint(pg)
                await ops.run("export", lambda: export_pack(pg))
                await ops.run("export_stored", lambda: export_pack(pg, stored=True))
                for op in OPS:
                    if phase[op].get("seconds") and "error" not in phase[op]:
                        phase[op]["events_per_s"] = round(events / phase[op]["seconds"], 1)
                out["sizes"][_label(events)] = phase
            if "audit" in _chosen():
                out["audit"] = await audit.run(pool, ids, quick)
            else:
                out["audit"] = {"skipped": "not in AIMS_BENCH_OPS"}
        finally:
            await pool.close()
    _summarise(out)
    return out


def _chosen() -> set[str]:
    """The operations AIMS_BENCH_OPS names (all of them when it is unset or empty)."""
    names = {n.strip() for n in os.environ.get("AIMS_BENCH_OPS", "").split(",") if n.strip()}
    unknown = names - set(SELECTABLE)
    if unknown:
        raise ValueError(
            f"AIMS_BENCH_OPS: unknown operation(s) {sorted(unknown)}; use {SELECTABLE}"
        )
    return names or set(SELECTABLE)


class _Ops:
    """Runs the measured operations of one log size that AIMS_BENCH_OPS selects."""

    def __init__(self, phase: dict[str, Any]) -> None:
        self.phase, self.chosen = phase, _chosen()

    async def run(self, op: str, fn: Callable[[], Awaitable[Any]], name: str | None = None) -> None:
        if (name or op) in self.chosen:
            self.phase[op] = await _measure(fn)
        else:
            self.phase[op] = {"skipped": "not in AIMS_BENCH_OPS"}


def _projected_replay(out: dict[str, Any], events: int) -> float | None:
    done = [p for p in out["sizes"].values() if p["replay"].get("events_per_s")]
    return events / done[-1]["replay"]["events_per_s"] if done else None


def _summarise(out: dict[str, Any]) -> None:
    """Ratios at the largest log each operation ran on; memory growth across the sizes."""
    phases = list(out["sizes"].values())
    out["ratios"], out["ratio_measured_at_events"] = {}, {}
    for op in ("replay", "verify", "export", "export_stored", "tlog_signer_pass"):
        ran = [p for p in phases if p[op].get("events_per_s")]
        key = f"{op}_vs_raw_read"
        out["ratios"][key] = (
            ratio(ran[-1][op]["events_per_s"], ran[-1]["raw_read"]["events_per_s"]) if ran else None
        )
        out["ratio_measured_at_events"][key] = ran[-1]["events"] if ran else None
    out["memory"] = {}
    for op in OPS:
        ran = [p for p in phases if "growth_mib" in p[op]]
        growth = [p[op]["growth_mib"] for p in ran]
        out["memory"][op] = {
            "events": [p["events"] for p in ran],
            "peak_growth_mib": growth,
            "peak_rss_mib": [p[op]["peak_rss_mib"] for p in ran],
            # flat: a tenfold log adds less than 32 MiB to the operation's peak
            "flat": (growth[-1] - growth[0] < 32) if len(growth) > 1 else None,
        }


async def _count(coro: Awaitable[int]) -> dict[str, Any]:
    return {"rows": await coro}


async def _verify(url: str) -> dict[str, Any]:
    report = await verify_database(url)
    return {"ok": report.ok, "events_verified": report.events_verified}


async def _projections(url: str) -> dict[str, Any]:
    out = await replay_all(url)
    return {"projections": out["applied"]} if "applied" in out else {"error": out["error"]}


def _label(n: int) -> str:
    return f"{n // 1000}k" if n < 1_000_000 else f"{n / 1_000_000:.1f}M"
