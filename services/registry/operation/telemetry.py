"""Where raw observations go: a table partitioned by day, with retention, outside the log.

Observations are telemetry, not governance decisions. A monitoring job may send tens of
thousands a second; putting each in the hash-chained log would make the log mostly noise,
serialise every one of them through the append lock, and keep them forever in a record
that can never be pruned. So they land in `registry_observation`, one partition per UTC
day of receipt, whose partitions older than the retention are dropped whole (no DELETE,
no bloat). Partitioning by receipt rather than by observation time keeps a batch in one
partition and lets a job backfill old observations, which are then kept as long as any.
What the log keeps of them is what a decision can rest on: each metric's summary once
per window (count, min, max, mean, last) and every breach with the observations that
crossed the threshold.

One ingest is one transaction on one connection (a `Unit`). It takes a per-system
advisory lock, so the batches of a system are folded into its tallies one after the
other (two concurrent batches cannot both open a breach of the same metric), writes the
raw rows and tallies, and appends the breach and summary events through an event store
bound to the same connection (`OneConnection`). The rows, the tallies and the events
therefore commit or vanish together: a summary is never lost or written twice, and a
breach is recorded exactly when its tally says one is open. The events are appended last,
so the log's serialising lock, which the append takes and holds until this commit, is
held only for the commit itself. Lock order is always system lock, then the log's lock.

The service role cannot create or drop tables; partitions are managed by the
`registry_observation_partitions` function (SECURITY DEFINER, migration 0008), called
by the hourly sweep (today and the next two days) and for a day of receipt this process
has not seen yet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.registry.operation.domain import MetricTally, Reading, window_seconds
from shared.domain.aggregate import DomainEvent
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, EventStore, NewEvent, OneConnection
from shared.kernel.projections import lock_key
from shared.kernel.requestctx import RequestContext

_COLUMNS = ("system_id", "metric", "value", "observed_at", "model_version", "source")
_TALLY = (
    "metric, window_seconds, count, sum, min, max, crossings, first_observed_at,"
    " last_observed_at, last_value, since, summarised_at, open_breach_id"
)
# Fold a batch's figures per metric into the running tallies (one row per system and metric).
_ADD = f"""
INSERT INTO registry_monitoring_tally AS t (system_id, metric, window_seconds, count, sum, min,
    max, crossings, first_observed_at, last_observed_at, last_value, since)
SELECT $1, m, w, c, s, lo, hi, x, fa, la, lv, $2 FROM unnest($3::text[], $4::int[],
    $5::bigint[], $6::float8[], $7::float8[], $8::float8[], $9::bigint[], $10::timestamptz[],
    $11::timestamptz[], $12::float8[]) AS u(m, w, c, s, lo, hi, x, fa, la, lv)
ON CONFLICT (system_id, metric) DO UPDATE SET
    window_seconds = EXCLUDED.window_seconds,
    count = t.count + EXCLUDED.count,
    sum = t.sum + EXCLUDED.sum,
    min = least(t.min, EXCLUDED.min),
    max = greatest(t.max, EXCLUDED.max),
    crossings = t.crossings + EXCLUDED.crossings,
    first_observed_at = least(t.first_observed_at, EXCLUDED.first_observed_at),
    last_value = CASE WHEN t.last_observed_at IS NULL
        OR EXCLUDED.last_observed_at >= t.last_observed_at THEN EXCLUDED.last_value
        ELSE t.last_value END,
    last_observed_at = greatest(t.last_observed_at, EXCLUDED.last_observed_at),
    since = coalesce(t.since, EXCLUDED.since)
RETURNING {_TALLY}
"""
_RESET = """
UPDATE registry_monitoring_tally SET count = 0, sum = 0, min = NULL, max = NULL, crossings = 0,
    first_observed_at = NULL, last_observed_at = NULL, last_value = NULL, since = NULL,
    summarised_at = $3
WHERE system_id = $1 AND metric = ANY($2::text[])
"""
_DUE = """
SELECT DISTINCT system_id FROM registry_monitoring_tally
WHERE count > 0 AND (summarised_at IS NULL
    OR summarised_at <= $1::timestamptz - make_interval(secs => window_seconds))
LIMIT $2
"""


class Telemetry:
    """The observation store of one registry process: raw rows, tallies, partitions."""

    def __init__(self, pool: asyncpg.Pool, categories: frozenset[str], retention: timedelta):
        self.pool, self.categories, self.retention = pool, categories, retention
        self._days: set[date] = set()  # days this process knows have a partition

    @asynccontextmanager
    async def unit(self, system_id: UUID) -> AsyncIterator[Unit]:
        """One transaction holding the system's monitoring lock; commits when the block ends."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1)", lock_key(f"monitoring/{system_id}")
            )
            store = EventStore(OneConnection(conn), categories=self.categories)
            yield Unit(conn, system_id, store)

    async def ensure_days(self, days: Iterable[date]) -> None:
        """Make sure each day of receipt has its partition (a call only for days not seen)."""
        missing = sorted(set(days) - self._days)
        if missing:
            await self.maintain(missing)
            self._days.update(missing)

    async def maintain(self, days: Sequence[date] = ()) -> int:
        """Create the partitions of `days`, today and the next two; drop expired ones."""
        dropped = await self.pool.fetchval(
            "SELECT registry_observation_partitions($1, $2::date[])",
            self.retention.days, list(days),
        )  # fmt: skip
        return int(dropped or 0)

    async def due_systems(self, now: datetime, limit: int = 500) -> list[UUID]:
        """Systems with a metric whose summary is due."""
        return [r["system_id"] for r in await self.pool.fetch(_DUE, now, limit)]


class Unit:
    """What one ingest, review or summary pass does inside its transaction."""

    def __init__(self, conn: asyncpg.Connection, system_id: UUID, store: EventStore) -> None:
        self.conn, self.system_id, self.store = conn, system_id, store
        self.repo = Repository(store)

    async def insert(self, readings: Sequence[Reading]) -> None:
        """Copy the raw observations into the partition of the day they are received."""
        sid = self.system_id
        records = [(sid, r.metric, r.value, r.observed_at, r.model_version, r.source)
                   for r in readings]  # fmt: skip
        await self.conn.copy_records_to_table(
            "registry_observation", records=records, columns=_COLUMNS
        )

    async def add(self, tallies: Mapping[str, MetricTally], now: datetime) -> dict[str, Any]:
        """Fold a batch into the tallies; the tallies after it, by metric."""
        ts = list(tallies.values())
        rows = await self.conn.fetch(
            _ADD, self.system_id, now, [t.spec.name for t in ts],
            [window_seconds(t.spec.window) for t in ts], [t.count for t in ts],
            [t.total for t in ts], [t.low for t in ts], [t.high for t in ts],
            [len(t.crossing) for t in ts], [t.first_at for t in ts], [t.last_at for t in ts],
            [t.last for t in ts],
        )  # fmt: skip
        return {r["metric"]: dict(r) for r in rows}

    async def tallies(self) -> list[dict[str, Any]]:
        """Every tally of the system, locked for this transaction."""
        rows = await self.conn.fetch(
            f"SELECT {_TALLY} FROM registry_monitoring_tally WHERE system_id = $1 FOR UPDATE",
            self.system_id,
        )
        return [dict(r) for r in rows]

    async def summarised(self, metrics: Sequence[str], now: datetime) -> None:
        """Start the next summary period of these metrics."""
        await self.conn.execute(_RESET, self.system_id, list(metrics), now)

    async def opened(self, metric: str, breach_id: UUID) -> None:
        """Crossings of `metric` now belong to this breach until it is reviewed."""
        await self.conn.execute(
            "UPDATE registry_monitoring_tally SET open_breach_id = $3"
            " WHERE system_id = $1 AND metric = $2",
            self.system_id, metric, breach_id,
        )  # fmt: skip

    async def closed(self, metric: str, breach_id: UUID) -> None:
        """The breach was reviewed: the next crossing of `metric` opens a new one."""
        await self.conn.execute(
            "UPDATE registry_monitoring_tally SET open_breach_id = NULL"
            " WHERE system_id = $1 AND metric = $2 AND open_breach_id = $3",
            self.system_id, metric, breach_id,
        )  # fmt: skip

    async def log(
        self, stream_id: str, events: Sequence[tuple[UUID | None, DomainEvent]],
        ctx: RequestContext,
    ) -> AppendResult:  # fmt: skip
        """Append events (with their ids) to a stream of this system, in this transaction."""
        new = [NewEvent(e.type_name(), e.to_data(), i, e.schema_version) for i, e in events]
        return await self.store.append(stream_id, new, expected_version=None,
                                       metadata=ctx.metadata())  # fmt: skip

    async def head(self) -> int:
        """The log position this transaction sees (for a write that appended nothing)."""
        return int(await self.conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
