"""Audit queries at scale: a system's history and the audit trail by actor and time range.

Each query runs through the services' own query code; the SQL it sends is recorded and
run again under EXPLAIN ANALYZE to show which indexes it uses. A point lookup (one event
by id) is the yardstick.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bench.common import latency_summary
from bench.dataset import ACTORS

_SCAN = re.compile(
    r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)


class Recording:
    """A pool stand-in that remembers every statement sent through it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, sql: str, *args: Any, **kw: Any) -> Any:
        self.calls.append((sql, args))
        return await self.pool.fetch(sql, *args, **kw)

    async def fetchrow(self, sql: str, *args: Any, **kw: Any) -> Any:
        self.calls.append((sql, args))
        return await self.pool.fetchrow(sql, *args, **kw)

    async def fetchval(self, sql: str, *args: Any, **kw: Any) -> Any:
        self.calls.append((sql, args))
        return await self.pool.fetchval(sql, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


async def explain(pool: asyncpg.Pool, calls: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
    """EXPLAIN ANALYZE of each recorded statement: plan lines, indexes used, any seq scan."""
    plans: list[dict[str, Any]] = []
    indexes: set[str] = set()
    seq = False
    async with pool.acquire() as conn:
        for sql, args in calls:
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
            text = [r[0] for r in rows]
            plans.append({"sql": " ".join(sql.split()), "plan": text})
            joined = "\n".join(text)
            indexes.update(m.group(2) for m in _SCAN.finditer(joined))
            seq = seq or "Seq Scan" in joined
    return {"indexes": sorted(indexes), "seq_scan": seq, "statements": plans}


async def _history(pool: Any, system_id: uuid.UUID) -> Any:
    from services.registry.systems.queries import history

    return await history(pool, system_id, cursor=None, limit=100)


async def _trail(pool: Any, actor: str, frm: Any, to: Any) -> Any:
    from services.evidence.trail.api import audit_trail

    return await audit_trail(
        pool=pool, system_id=None, actor=actor, type=None, frm=frm, to=to, cursor=None, limit=50
    )


async def _point(pool: Any, event_id: uuid.UUID) -> Any:
    return await pool.fetchrow("SELECT * FROM events WHERE id = $1", event_id)


async def run(pool: asyncpg.Pool, systems: list[uuid.UUID], quick: bool) -> dict[str, Any]:
    """p50/p99 of each query over many random arguments, interleaved, plus their plans."""
    rng = random.Random(7)
    rounds = 60 if quick else 1000  # p99 is the 10th worst: steadier than the 4th of 400
    head = int(await pool.fetchval("SELECT max(position) FROM events"))
    sample = await pool.fetch(
        "SELECT id FROM events WHERE position = ANY($1)",
        [rng.randint(1, head) for _ in range(rounds)],
    )
    event_ids = [r["id"] for r in sample]
    # The trail's own time span: checkpoints signed after the rebuild lie minutes past the
    # data, and windows drawn over that gap would mostly find nothing.
    t_first, t_last = await pool.fetchrow(
        "SELECT min(recorded_at), max(recorded_at) FROM evidence_trail"
    )

    def window() -> tuple[Any, Any]:
        start = t_first + (t_last - t_first) * rng.uniform(0.1, 0.8)
        return start, start + (t_last - t_first) / 10

    queries: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "system_history": lambda p: _history(p, rng.choice(systems)),
        "audit_trail_actor_time": lambda p: _trail(p, rng.choice(ACTORS), *window()),
        "point_lookup": lambda p: _point(p, rng.choice(event_ids)),
    }
    out: dict[str, Any] = {"rounds": rounds}
    latencies: dict[str, list[float]] = {k: [] for k in queries}
    broken: dict[str, str] = {}
    budget = 5.0 if quick else 40.0  # seconds of sampling per query at most
    for _ in range(rounds):
        for name, q in queries.items():
            if name in broken or sum(latencies[name]) > budget:
                continue
            t0 = time.perf_counter()
            try:
                await q(pool)
            except Exception as exc:  # report a query the services cannot answer yet
                broken[name] = f"{type(exc).__name__}: {exc}"[:300]
                continue
            latencies[name].append(time.perf_counter() - t0)
    for name, q in queries.items():
        if name in broken:
            out[name] = {"error": broken[name]}
            continue
        rec = Recording(pool)
        await q(rec)
        out[name] = {
            **latency_summary(latencies[name]),
            "samples": len(latencies[name]),
            "explain": await explain(pool, rec.calls),
        }
    return out
