"""Append, read and subscribe: the one event store every service uses."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from shared.kernel.eventstore.errors import StreamNotFound, WrongExpectedVersion
from shared.kernel.eventstore.writer import (
    APPEND_SQL,
    Request,
    arguments,
    calls,
    serialise,
    settle,
)

if TYPE_CHECKING:
    from shared.platform.multihost import HostList

# Any constant works; it only has to be the same for every writer of this database (the
# `aims_append` function of migration 0013 takes it, and NOTIFYs this channel).
APPEND_LOCK_KEY = 0x61696D73  # "aims"
NOTIFY_CHANNEL = "aims_events"
# One backward index probe per stream. (`stream_id = ANY($1) GROUP BY` gets a generic plan
# after five executions of the prepared statement, and that plan scans the whole table.)
_VERSIONS = (
    "SELECT s AS stream_id, v FROM unnest($1::text[]) AS s, LATERAL (SELECT max(version) AS v"
    " FROM events WHERE stream_id = s) AS m WHERE v IS NOT NULL"
)
_COLUMNS = (
    "position, id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash"
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append; the id is derived or random when not given."""

    type: str
    data: dict[str, Any]
    id: uuid.UUID | None = None
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as recorded, with its place in its stream and in the global log."""

    position: int
    id: uuid.UUID
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    hash: bytes

    @property
    def category(self) -> str:
        return self.stream_id.split("-", 1)[0]

    @property
    def entity_id(self) -> str:
        return self.stream_id.split("-", 1)[1] if "-" in self.stream_id else self.stream_id

    @classmethod
    def from_row(cls, r: asyncpg.Record) -> StoredEvent:
        return cls(
            r["position"], r["id"], r["stream_id"], r["version"], r["type"],
            r["schema_version"], r["data"], r["metadata"], r["recorded_at"], bytes(r["hash"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where an append landed; `duplicate` when every event id was already stored."""

    stream_id: str
    version: int
    position: int
    recorded_at: datetime | None = None
    duplicate: bool = False


class EventStore:
    """Append-only event log in PostgreSQL; see `append` for the ordering guarantee."""

    def __init__(self, pool: asyncpg.Pool, *, categories: frozenset[str] | None = None) -> None:
        self.pool = pool
        self.categories = categories  # stream categories this process may write; None: all
        self._pending: list[Request] = []
        self._drainer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # strong references until they end
        # Runs inside the append transaction just before COMMIT (tests stall a writer here).
        self.before_commit: Callable[[], Awaitable[None]] | None = None

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None,
        metadata: dict[str, Any] | None = None,
    ) -> AppendResult:
        """Append events to one stream atomically; `expected_version=None` accepts any version.

        Ordering (guarantee 5). Writers are serialised by one transaction-scoped advisory
        lock, taken (inside `aims_append`, migration 0013) before the head of the log is
        read and held until commit. Positions are therefore assigned as head+1, head+2,
        ... with no gaps, and a transaction can only commit after every transaction holding
        a lower position has committed and become visible (PostgreSQL makes a commit
        visible before it releases its locks).
        A reader that sees position N has seen every position below N, so reading
        `WHERE position > checkpoint` can never skip an event. The hash chain needs the
        previous event's hash at insert time, which requires this total order anyway.

        The lock would cap throughput at one commit (one WAL flush) at a time, so
        appends from concurrent tasks of this process are gathered into one transaction
        (group commit): each request keeps its own expected-version check and either
        lands whole or fails alone; the batch commits with one flush. The whole batch is
        one call of `aims_append`, so the lock is held for one round trip, not seven.
        One task of this store (`_drain`) sends the batches, one at a time; the callers
        wait for their own outcome, so a cancelled caller cannot abort a batch.
        """
        if not events:
            raise ValueError("append needs at least one event")
        if self.categories is not None and stream_id.split("-", 1)[0] not in self.categories:
            raise PermissionError(f"this service does not write stream {stream_id}")
        data, meta = serialise(events, metadata)
        fut: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._pending.append(Request(stream_id, events, expected_version, meta, data, fut))
        if self._drainer is None:
            self._start_drainer()
        return await fut

    def _start_drainer(self) -> None:
        self._drainer = task = asyncio.create_task(self._drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        """Send the pending batches on one connection while callers keep queueing more.

        Keeping the connection between back-to-back batches spares the pool's reset round
        trip on each release; it goes back once a batch finds nothing new queued.
        """
        try:
            async with self.pool.acquire() as conn:
                while self._pending and not conn.is_closed():
                    batch, self._pending = self._pending, []
                    await self._flush(conn, batch)
                    await asyncio.sleep(0)  # callers just answered may queue their next append
                self._drainer = None  # while this connection goes back, appends start anew
        except BaseException as exc:
            if self._drainer is asyncio.current_task():  # not when only the release failed
                batch, self._pending = self._pending, []
                _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            if self._drainer is asyncio.current_task():
                self._drainer = None
            if self._pending and self._drainer is None:  # queued behind a closed connection
                self._start_drainer()

    async def _flush(self, conn: asyncpg.Connection, batch: list[Request]) -> None:
        for req in batch:
            req.events = [e if e.id else _with_id(e) for e in req.events]
        for part in calls(batch):
            await self._flush_call(conn, part)

    async def _flush_call(self, conn: asyncpg.Connection, batch: list[Request]) -> None:
        try:
            await self._write(conn, batch)
        except asyncpg.IntegrityConstraintViolationError:
            if len(batch) == 1:
                _fail(batch, WrongExpectedVersion(batch[0].stream_id, -1, -1))
            else:  # isolate the request that broke the batch
                for req in batch:
                    await self._flush_call(conn, [req])
        except BaseException as exc:
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise

    async def _write(self, conn: asyncpg.Connection, batch: list[Request]) -> None:
        """One statement: `aims_append` locks, checks, chains, inserts and notifies.

        Alone on its connection the statement is its own transaction, so the caller hears
        back only after COMMIT. Inside a caller's transaction (`OneConnection`), or with a
        `before_commit` hook, it runs in a (sub)transaction of its own instead.
        """
        args = arguments(batch)
        if self.before_commit is None and not conn.is_in_transaction():
            rows = await conn.fetch(APPEND_SQL, *args)
        else:
            async with conn.transaction():
                rows = await conn.fetch(APPEND_SQL, *args)
                if self.before_commit is not None:
                    await self.before_commit()
        settle(batch, rows)

    async def read_stream(
        self, stream_id: str, *, until: datetime | None = None, must_exist: bool = True
    ) -> list[StoredEvent]:
        """Events of one stream in version order, optionally only those recorded by `until`."""
        rows = await self.pool.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1"
            " AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY version",
            stream_id,
            until,
        )
        if not rows and must_exist:
            raise StreamNotFound(stream_id)
        return [StoredEvent.from_row(r) for r in rows]

    async def read_all(
        self, after: int = 0, *, limit: int = 1000, types: Sequence[str] | None = None
    ) -> list[StoredEvent]:
        """Events of the global log after a position, in position order."""
        rows = await self.pool.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE position > $1"
            " AND ($3::text[] IS NULL OR type = ANY($3)) ORDER BY position LIMIT $2",
            after,
            limit,
            list(types) if types is not None else None,
        )
        return [StoredEvent.from_row(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        """Current version of a stream (0 when it has no events)."""
        v = await self.pool.fetchval(
            "SELECT max(version) FROM events WHERE stream_id = $1", stream_id
        )
        return int(v or 0)

    async def stream_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """Current versions of several streams (absent streams are 0)."""
        rows = await self.pool.fetch(_VERSIONS, list(stream_ids))
        found = {r["stream_id"]: r["v"] for r in rows}
        return {s: int(found.get(s, 0)) for s in stream_ids}

    async def head_position(self) -> int:
        """Position of the newest committed event (0 for an empty log)."""
        return int(await self.pool.fetchval("SELECT coalesce(max(position), 0) FROM events"))

    async def subscribe(
        self, notifier: Notifier, after: int = 0, *, batch: int = 500
    ) -> AsyncIterator[StoredEvent]:
        """Catch up from a position, then follow new events (NOTIFY wake-ups, polling fallback)."""
        while True:
            events = await self.read_all(after, limit=batch)
            for e in events:
                yield e
                after = e.position
            if len(events) < batch:
                await notifier.wait()


class Notifier:
    """Wakes waiters when appenders NOTIFY; a poll interval covers lost notifications.

    Holds one LISTEN connection of its own and reconnects after a database outage.
    """

    def __init__(self, url: str, poll_interval: float = 1.0) -> None:
        self.url, self.poll_interval = url, poll_interval
        self._cond = asyncio.Condition()
        self._generation = 0
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()  # set while the LISTEN connection is up
        self._hosts: HostList | None = None  # set by the first session

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _listen(self) -> None:
        from shared.kernel.loops import run_forever

        await run_forever("notifier", self._session, every=self.poll_interval, max_backoff=5)

    async def _session(self) -> None:
        from shared.platform import multihost
        from shared.platform.db import UNAVAILABLE, plain_url

        if self._hosts is None:  # kept across sessions: after a failover, the new primary first
            self._hosts = multihost.HostList(plain_url(self.url), UNAVAILABLE)
        conn = await self._hosts.connect(timeout=5)
        try:
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            self.listening.set()
            while not conn.is_closed():
                await asyncio.sleep(self.poll_interval)
        finally:
            self.listening.clear()
            await conn.close(timeout=1)

    def _on_notify(self, *_: object) -> None:
        asyncio.get_running_loop().create_task(self.poke())

    async def poke(self) -> None:
        """Wake every waiter (also used after a local append)."""
        async with self._cond:
            self._generation += 1
            self._cond.notify_all()

    @property
    def generation(self) -> int:
        """How many notifications came so far: take it before reading the log, and pass it
        to `wait`, so an append committed after the read wakes the wait even if its
        notification came before the wait began."""
        return self._generation

    async def wait(self, timeout: float | None = None, since: int | None = None) -> None:
        """Return on a notification after `since` (by default: after this call), at once
        if one came already, or after the poll interval."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the notification does, and a runner being stopped would go on.
        async with self._cond:
            seen = self._generation if since is None else since
            if seen != self._generation:
                return
            try:
                async with asyncio.timeout(timeout or self.poll_interval):
                    await self._cond.wait_for(lambda: self._generation != seen)
            except TimeoutError:
                pass


def _with_id(e: NewEvent) -> NewEvent:
    return NewEvent(e.type, e.data, uuid.uuid4(), e.schema_version)


def _fail(batch: list[Request], exc: BaseException) -> None:
    for req in batch:
        if not req.future.done():
            req.future.set_exception(exc)
