"""Projections: named read models folded from the global log, with their checkpoints.

A projection's rows and its checkpoint are written in one transaction (guarantee 6), so
a crash between batches leaves both at the same position and the next run resumes
there without applying anything twice. One process runs a given projection at a time:
the runner holds a session-level advisory lock keyed by the projection's name on the
connection it writes with; a replica that cannot take the lock stays on standby and
tries again, so a replica dying hands its projections to another.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any, ClassVar
from uuid import UUID

import asyncpg
import orjson
import structlog

from shared.kernel.eventstore import StoredEvent
from shared.kernel.eventstore.store import Notifier
from shared.kernel.loops import run_forever

log = structlog.get_logger()


class Projection:
    """Folds events into its own tables; subclasses set `name`, `tables` and `handle`."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[str]] = ()
    # Event types it reads; None reads every event.
    types: ClassVar[frozenset[str] | None] = None
    # False for a reactor: it keeps no rows, its effects are events in the log, so a
    # replay has nothing to rebuild and lets it catch up from its checkpoint instead.
    rebuild: ClassVar[bool] = True
    # Raise it when the read model changes meaning: a start with an older stored version
    # rebuilds the projection into shadow tables and swaps them in (see rebuild.py).
    version: ClassVar[int] = 1
    # True when its handlers never read its own tables and insert each position's rows
    # once, relying on none of their keys (no ON CONFLICT naming one): a rebuild then builds
    # the tables' indexes and keys once, after the fold, instead of row by row.
    write_only: ClassVar[bool] = False
    # True when its batches commute: rows of one position never depend on another's, so
    # a rebuild may fold ranges of the log in several processes at once, in any order.
    by_range: ClassVar[bool] = False

    async def handle(self, event: StoredEvent, conn: asyncpg.Connection) -> None:
        raise NotImplementedError

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        """Apply a batch in order (override to write in bulk)."""
        for e in events:
            await self.handle(e, conn)

    async def reset(self, conn: asyncpg.Connection) -> None:
        """Empty the projection's tables before a replay."""
        if self.tables:
            await conn.execute(f"TRUNCATE {', '.join(self.tables)}")


class Writes:
    """Statements of a batch, sent in few round trips without changing their outcome.

    Each statement names the row keys it reads or writes (e.g. ("risk", id)) and must touch
    no rows beyond them; statements that can conflict share a key. Statements
    are placed in rounds: one goes to the round after the last statement sharing any of
    its keys, so statements on one key keep their order and a round's statements touch
    distinct keys and commute. `flush` runs the rounds in order, one `executemany` per
    distinct statement text of a round (which runs its rows in order).
    """

    def __init__(self) -> None:
        self._rounds: list[dict[str, list[tuple[Any, ...]]]] = []
        self._last: dict[Hashable, int] = {}

    def add(self, keys: Sequence[Hashable], sql: str, *args: Any) -> None:
        if len(keys) == 1:  # most statements name one key: no generator for them
            level = self._last.get(keys[0], -1) + 1
        else:
            level = max((self._last.get(k, -1) + 1 for k in keys), default=len(self._rounds))
        if level == len(self._rounds):
            self._rounds.append({})
        self._rounds[level].setdefault(sql, []).append(args)
        for k in keys:
            self._last[k] = level

    async def flush(self, conn: asyncpg.Connection) -> None:
        rounds, self._rounds, self._last = self._rounds, [], {}
        for statements in rounds:
            for sql, rows in statements.items():
                await conn.executemany(sql, rows)


class WritesProjection(Projection):
    """A projection whose events only write: `apply` queues each event's statements."""

    def apply(self, w: Writes, e: StoredEvent) -> None:
        raise NotImplementedError

    async def handle(self, event: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([event], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        w = Writes()
        for e in events:
            self.apply(w, e)
        await w.flush(conn)


class Rows:
    """The rows of one table a batch touches: read once, folded in memory, written once.

    `load` reads the rows the batch's events name; `add` and `change` fold events into
    them; `flush` inserts the new rows (COPY) and updates each changed row with one
    statement, however many events changed it. Rows are dicts keyed by column name;
    the table's key is its first column. Load every key a batch may add: a row added
    over one that exists but was not loaded would break the table's key at COPY.
    """

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table, self.columns, self.key = table, tuple(columns), columns[0]
        self._blank: dict[str, Any] = dict.fromkeys(self.columns)
        self.rows: dict[Any, dict[str, Any]] = {}
        self._new: set[Any] = set()
        self._changed: set[Any] = set()

    async def load(
        self, conn: asyncpg.Connection, keys: Iterable[Any], by: str | None = None
    ) -> None:
        """Read the rows whose key (or column `by`) is one of `keys`."""
        wanted = [k for k in set(keys) if by is not None or k not in self.rows]
        if wanted:
            columns, where = ", ".join(self.columns), by or self.key
            sql = f"SELECT {columns} FROM {self.table} WHERE {where} = ANY($1)"
            for r in await conn.fetch(sql, wanted):
                self.rows.setdefault(r[self.key], dict(r))

    async def load_all(self, conn: asyncpg.Connection) -> None:
        """Read the whole table (for small ones, such as criteria versions)."""
        for r in await conn.fetch(f"SELECT {', '.join(self.columns)} FROM {self.table}"):
            self.rows.setdefault(r[self.key], dict(r))

    def get(self, key: Any) -> dict[str, Any] | None:
        return self.rows.get(key)

    def add(self, row: dict[str, Any]) -> bool:
        """Insert a row unless its key exists (an event applied twice changes nothing)."""
        key = row[self.key]
        if key in self.rows:
            return False
        full = self._blank.copy()  # every column, None unless given, in column order
        full.update(row)
        if len(full) != len(self.columns):  # it named something else too: columns only
            full = {c: row.get(c) for c in self.columns}
        self.rows[key] = full
        self._new.add(key)
        return True

    def change(self, key: Any, **values: Any) -> dict[str, Any] | None:
        """Set columns of an existing row; an unknown key changes nothing (returns None)."""
        row = self.rows.get(key)
        if row is not None:
            row.update(values)
            if key not in self._new:
                self._changed.add(key)
        return row

    async def flush(self, conn: asyncpg.Connection) -> None:
        new, changed = self._new, self._changed
        self._new, self._changed = set(), set()
        # A row's values as a tuple in column order (itemgetter of one name gives no tuple).
        pick = itemgetter(*self.columns)
        values = pick if len(self.columns) > 1 else lambda r: (pick(r),)
        row = self.rows.__getitem__
        if new:
            records = list(map(values, map(row, new)))
            await conn.copy_records_to_table(self.table, records=records, columns=self.columns)
        if changed:
            sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(self.columns[1:], start=2))
            await conn.executemany(
                f"UPDATE {self.table} SET {sets} WHERE {self.key} = $1",
                list(map(values, map(row, changed))),
            )


# A batch's worth of ids: a larger cache only grows with the log (a rebuild's memory would
# no longer stay flat as the log grows) while the hits come from within a batch.
@functools.lru_cache(maxsize=1 << 13)
def uid(text: str) -> UUID:
    """A UUID from its text, cached: a batch meets the same ids again and again."""
    return UUID(text)


def named_systems(data: dict[str, Any]) -> list[UUID]:
    """The AI systems an event's data names (`system_id`, `system_ids`), each once, in
    order; values that are no UUID are skipped."""
    one, many = data.get("system_id"), data.get("system_ids")
    if not many:  # most events name one system or none
        sid = _system_id(one)
        return [] if sid is None else [sid]
    found: list[UUID] = []
    for value in (one, *many):
        sid = _system_id(value)
        if sid is not None and sid not in found:
            found.append(sid)
    return found


def _system_id(value: Any) -> UUID | None:
    try:
        return uid(str(value)) if value else None
    except ValueError:
        return None


def instant(text: str | None) -> datetime | None:
    """A timestamp from an event's ISO 8601 text (events store aware times; naive is UTC)."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def lock_key(name: str) -> int:
    """A stable 63-bit advisory lock key for a projection name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


async def checkpoint(
    conn: asyncpg.Connection | asyncpg.Pool, name: str, *, lock: bool = False
) -> int:
    """A projection's position; `lock` holds its row until commit (a rebuild's swap takes
    the same row lock, so a batch and a swap never interleave)."""
    pos = await conn.fetchval(
        "SELECT position FROM projection_checkpoint WHERE name = $1"
        + (" FOR UPDATE" if lock else ""), name,
    )  # fmt: skip
    return int(pos or 0)


async def _events(
    conn: asyncpg.Connection, start: int, end: int, types: list[str] | None
) -> list[StoredEvent]:
    """The events at positions start+1..end of `types` (None: all), in order.

    A window of positions rather than a LIMIT: the work per query stays bounded whatever
    plan the server picks (with stale statistics a LIMIT query may sort the whole rest
    of the log for every batch).
    """
    rows = await conn.fetch(
        "SELECT position, id, stream_id, version, type, schema_version, data::text,"
        " metadata::text, recorded_at, hash FROM events WHERE position > $1 AND position <= $2"
        " AND ($3::text[] IS NULL OR type = ANY($3)) ORDER BY position",
        start, end, types,
    )  # fmt: skip
    # The JSON as text, parsed here in one loop: the connection's codec would call back into
    # Python per value, which costs a fold of the whole log more than the parsing itself.
    loads = orjson.loads
    return [
        StoredEvent(p, i, s, v, t, sv, loads(d), loads(m), at, h)
        for p, i, s, v, t, sv, d, m, at, h in rows
    ]


async def save_checkpoint(
    conn: asyncpg.Connection, name: str, position: int, version: int = 1
) -> None:
    """Move a checkpoint; a new one records the code version that starts building it."""
    await conn.execute(
        "INSERT INTO projection_checkpoint (name, position, updated_at, version)"
        " VALUES ($1, $2, now(), $3)"
        " ON CONFLICT (name) DO UPDATE SET position = $2, updated_at = now()",
        name, position, version,
    )  # fmt: skip


async def save_checkpoints(
    conn: asyncpg.Connection, projections: Sequence[Projection], position: int
) -> None:
    """Move the checkpoints of `projections` to `position` in one statement (a fold of
    thirty projections would otherwise pay thirty round trips per batch)."""
    await conn.execute(
        "INSERT INTO projection_checkpoint (name, position, updated_at, version)"
        " SELECT n, $2, now(), v FROM unnest($1::text[], $3::int[]) AS u(n, v)"
        " ON CONFLICT (name) DO UPDATE SET position = $2, updated_at = now()",
        [p.name for p in projections], position, [p.version for p in projections],
    )  # fmt: skip


async def run_batch(
    conn: asyncpg.Connection, proj: Projection, batch: int
) -> tuple[int, int, bool]:
    """Apply the next `batch` positions after the checkpoint.

    Returns (events applied, new checkpoint, whether positions beyond it remain). The
    head is read first: every position up to it is committed (writers are serialised,
    see EventStore.append), so the checkpoint may move past positions the filter by type
    leaves out.
    """
    async with conn.transaction():
        start = await checkpoint(conn, proj.name, lock=True)
        head = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        if head <= start:
            return 0, start, False
        types = sorted(proj.types) if proj.types is not None else None
        new = min(start + batch, head)
        events = await _events(conn, start, new, types)
        if events:
            await proj.handle_batch(events, conn)
        await save_checkpoint(conn, proj.name, new, proj.version)
        return len(events), new, new < head


def types_of(projections: Sequence[Projection]) -> list[str] | None:
    """The event types any of `projections` reads (None: every type)."""
    wanted = [p.types for p in projections]
    return None if any(w is None for w in wanted) else sorted({t for w in wanted for t in w or ()})


def split(events: list[StoredEvent], projections: Sequence[Projection]) -> list[list[StoredEvent]]:
    """Each projection's events of a batch, in log order: the batch is grouped by type once
    rather than every event tested against every projection's types."""
    by_type: dict[str, list[StoredEvent]] = {}
    for e in events:
        by_type.setdefault(e.type, []).append(e)
    out: list[list[StoredEvent]] = []
    for p in projections:
        if p.types is None:
            out.append(events)
            continue
        parts = [by_type[t] for t in p.types if t in by_type]
        out.append(parts[0] if len(parts) == 1 else sorted(chain(*parts), key=_position))
    return out


def _position(e: StoredEvent) -> int:
    return e.position


async def run_together(
    conn: asyncpg.Connection, projections: Sequence[Projection], batch: int
) -> tuple[dict[str, int], bool]:
    """Apply the next `batch` positions after each checkpoint of `projections`, all in one
    transaction: the projections whose checkpoints stand at the same place (all of them,
    but for one a rebuild just swapped in) read their window of the log once.

    Returns the new checkpoints and whether positions beyond any of them remain. Each
    `run_batch` would pay its own transaction, commit and read of the same events; with
    writers appending thousands of events a second that is what made the read models lag.
    The checkpoint rows are locked in name order, as a rebuild's swap locks them.
    """
    async with conn.transaction():
        # Read models and their checkpoints commit together and can always be folded again
        # from the log, so this commit need not wait for the disk (or a standby): a crash
        # loses the last batches and their checkpoints alike, and the runner redoes them.
        # The writers' appends keep their full commits; reactors, which append, run apart.
        await conn.execute("SET LOCAL synchronous_commit = off")
        rows = await conn.fetch(
            "SELECT name, position FROM projection_checkpoint WHERE name = ANY($1)"
            " ORDER BY name FOR UPDATE", [p.name for p in projections],
        )  # fmt: skip
        at = {r["name"]: int(r["position"]) for r in rows}
        head = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        by_start: dict[int, list[Projection]] = {}
        for p in projections:
            by_start.setdefault(at.get(p.name, 0), []).append(p)
        out: dict[str, int] = {}
        for start, group in sorted(by_start.items()):
            new = max(start, min(start + batch, head))
            if new > start:
                events = await _events(conn, start, new, types_of(group))
                for p, mine in zip(group, split(events, group), strict=True):
                    if mine:
                        await p.handle_batch(mine, conn)
                await save_checkpoints(conn, group, new)
            out.update(dict.fromkeys((p.name for p in group), new))
    return out, any(pos < head for pos in out.values())


class ProjectionRunner:
    """Runs a service's projections in one background task and reports their progress.

    One connection holds the advisory locks of the projections this process owns and
    writes their batches; projections another replica owns are only watched.
    """

    def __init__(
        self, pool: asyncpg.Pool, projections: Sequence[Projection], notifier: Notifier, *,
        batch: int = 1000, poll_interval: float = 1.0,
    ) -> None:  # fmt: skip
        self.pool, self.projections, self.batch = pool, list(projections), batch
        self.notifier, self.poll_interval = notifier, poll_interval
        self.positions: dict[str, int] = {}
        self.head = 0
        self.owned: set[str] = set()
        self._advanced = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.projections and self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        # A short cap: after a failover the read models must catch up within seconds, and
        # one connection attempt per few seconds does not hammer a database that is down.
        await run_forever("projections", self._session, every=self.poll_interval, max_backoff=5)

    async def _session(self) -> None:
        async with self.pool.acquire() as conn:
            try:
                await self._follow(conn)
            finally:
                self.owned.clear()
                if not conn.is_closed():
                    await conn.execute("SELECT pg_advisory_unlock_all()")

    async def _follow(self, conn: asyncpg.Connection) -> None:
        while True:
            seen = self.notifier.generation  # before any read: a later append wakes the wait
            for proj in self.projections:
                if proj.name not in self.owned and await conn.fetchval(
                    "SELECT pg_try_advisory_lock($1)", lock_key(proj.name)
                ):
                    self.owned.add(proj.name)
            # Read models fold together; reactors append events inside their batch, so each
            # keeps a transaction of its own (and the append lock no longer than it needs).
            models = [p for p in self.projections if p.name in self.owned and p.rebuild]
            busy = False
            if models:
                moved, busy = await run_together(conn, models, self.batch)
                self.positions.update(moved)
            skipped, more = await self._skip_idle(conn)
            busy = busy or more
            for proj in self.projections:
                if proj in models or proj.name in skipped:
                    continue
                if proj.name in self.owned:
                    _, pos, more = await run_batch(conn, proj, self.batch)
                    busy = busy or more
                else:
                    pos = await checkpoint(conn, proj.name)
                self.positions[proj.name] = pos
            self.head = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
            async with self._advanced:
                self._advanced.notify_all()
            if not busy:
                await self.notifier.wait(since=seen)

    async def _skip_idle(self, conn: asyncpg.Connection) -> tuple[set[str], bool]:
        """Move, in one statement, the checkpoints of the owned projections that the next
        window of the log holds nothing for; returns their names and whether more remains.

        Without this every new event costs each projection a transaction of its own (lock
        its checkpoint row, read the head and the window, write the checkpoint, commit),
        mostly for events of types it does not read: a gate decision woke eight of them.
        The window's types are read once. A checkpoint moves only if it is still where this
        runner left it (a rebuild's swap may have moved it; then `run_batch` takes over),
        and the UPDATE takes the same row lock a batch takes.
        """
        known = {
            p.name: self.positions[p.name] for p in self.projections
            if p.name in self.owned and not p.rebuild and p.types is not None
            and p.name in self.positions
        }  # fmt: skip
        if not known:
            return set(), False
        low = min(known.values())
        row = await conn.fetchrow(
            "SELECT max(position) AS high, array_agg(DISTINCT type) AS types FROM events"
            " WHERE position > $1 AND position <= $2", low, low + self.batch,
        )  # fmt: skip
        if row is None or row["high"] is None:
            return set(), False
        high, present = int(row["high"]), set(row["types"])
        idle = [p.name for p in self.projections if p.name in known and known[p.name] < high
                and not (p.types or frozenset()) & present]  # fmt: skip
        if not idle:
            return set(), False
        moved = await conn.fetch(
            "UPDATE projection_checkpoint c SET position = $3, updated_at = now()"
            " FROM unnest($1::text[], $2::bigint[]) AS u(name, position)"
            " WHERE c.name = u.name AND c.position = u.position RETURNING c.name",
            idle, [known[n] for n in idle], high,
        )  # fmt: skip
        done = {r["name"] for r in moved}
        self.positions.update(dict.fromkeys(done, high))
        return done, high >= low + self.batch

    def lowest_position(self) -> int:
        return min((self.positions.get(p.name, 0) for p in self.projections), default=0)

    def lag(self) -> dict[str, int]:
        """Events each projection is behind the head of the log."""
        return {p.name: max(0, self.head - self.positions.get(p.name, 0)) for p in self.projections}

    async def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every projection reached `position` (True) or the timeout passed."""
        deadline = time.monotonic() + timeout
        async with self._advanced:
            while self.lowest_position() < position:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(self._advanced.wait(), left)
                except TimeoutError:
                    return False
        return True


async def replay(
    pool: asyncpg.Pool, projections: Sequence[Projection], *, batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:  # fmt: skip
    """Drop projections' rows and rebuild them from position zero, reading the log once.

    Each batch of the log goes to every projection in one transaction that also moves
    their checkpoints. Reactors (`rebuild = False`) are left to their runner: they keep
    no rows, so there is nothing to rebuild. Holds the projections' advisory locks, so
    a running service pauses them (its runner waits for the locks) instead of racing the
    rebuild. Returns events applied per projection; `progress` gets the log positions
    each batch covered.
    """
    chosen = [p for p in projections if p.rebuild]
    applied = {p.name: 0 for p in chosen}
    wanted = [p.types for p in chosen]
    types = None if any(w is None for w in wanted) else sorted({t for w in wanted for t in w or ()})
    keys = sorted({lock_key(p.name) for p in chosen})  # one order: no lock cycles
    async with pool.acquire() as conn:
        for key in keys:
            await conn.execute("SELECT pg_advisory_lock($1)", key)
        try:
            async with conn.transaction():
                for p in chosen:
                    await p.reset(conn)
                    await conn.execute("DELETE FROM projection_checkpoint WHERE name = $1", p.name)
            position, more = 0, bool(chosen)
            while more:
                async with conn.transaction():
                    head = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
                    new = min(position + batch, head)
                    events = await _events(conn, position, new, types)
                    more = new < head
                    for p in chosen:
                        mine = [e for e in events if p.types is None or e.type in p.types]
                        if mine:
                            await p.handle_batch(mine, conn)
                            applied[p.name] += len(mine)
                    await save_checkpoints(conn, chosen, new)
                if progress:
                    progress(new - position)
                position = new
        finally:
            for key in keys:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)
    return applied
