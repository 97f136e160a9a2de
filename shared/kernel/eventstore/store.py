"""Append, read and subscribe: the one event store every service uses."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from shared.kernel.eventstore.errors import (
    DuplicateEventId,
    InvalidEventData,
    StreamNotFound,
    WrongExpectedVersion,
)
from shared.kernel.eventstore.hashing import GENESIS_HASH, canonical, chain

# Any constant works; it only has to be the same for every writer of this database.
APPEND_LOCK_KEY = 0x61696D73  # "aims"
NOTIFY_CHANNEL = "aims_events"
_INSERT = (
    "INSERT INTO events (position, id, stream_id, version, type, schema_version, data,"
    " metadata, recorded_at, hash) SELECT p, i, s, v, t, sv, d::json, m::json, r, h FROM unnest("
    "$1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[],"
    " $8::text[], $9::timestamptz[], $10::bytea[]) AS x(p, i, s, v, t, sv, d, m, r, h)"
)
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


@dataclass
class _Request:
    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int | None
    metadata: dict[str, Any]
    future: asyncio.Future[AppendResult] = field(repr=False)


class EventStore:
    """Append-only event log in PostgreSQL; see `append` for the ordering guarantee."""

    def __init__(self, pool: asyncpg.Pool, *, categories: frozenset[str] | None = None) -> None:
        self.pool = pool
        self.categories = categories  # stream categories this process may write; None: all
        self._pending: list[_Request] = []
        self._flush_lock = asyncio.Lock()
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
        lock, taken before the head of the log is read and held until commit. Positions
        are therefore assigned as head+1, head+2, ... with no gaps, and a transaction can
        only commit after every transaction holding a lower position has committed and
        become visible (PostgreSQL makes a commit visible before it releases its locks).
        A reader that sees position N has seen every position below N, so reading
        `WHERE position > checkpoint` can never skip an event. The hash chain needs the
        previous event's hash at insert time, which requires this total order anyway.

        The lock would cap throughput at one commit (one WAL flush) at a time, so
        appends from concurrent tasks of this process are gathered into one transaction
        (group commit): each request keeps its own expected-version check and either
        lands whole or fails alone; the batch commits with one flush.
        """
        if not events:
            raise ValueError("append needs at least one event")
        if self.categories is not None and stream_id.split("-", 1)[0] not in self.categories:
            raise PermissionError(f"this service does not write stream {stream_id}")
        _check_content(events, metadata)
        fut: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._pending.append(_Request(stream_id, events, expected_version, metadata or {}, fut))
        async with self._flush_lock:
            if not fut.done():
                batch, self._pending = self._pending, []
                # Shielded: a cancelled caller must not abort a batch that others wait on.
                await asyncio.shield(self._flush(batch))
        return fut.result()

    async def _flush(self, batch: list[_Request]) -> None:
        try:
            await self._write(batch)
        except asyncpg.IntegrityConstraintViolationError:
            if len(batch) == 1:
                _fail(batch, WrongExpectedVersion(batch[0].stream_id, -1, -1))
            else:  # isolate the request that broke the batch
                for req in batch:
                    await self._flush([req])
        except BaseException as exc:
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise

    async def _write(self, batch: list[_Request]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", APPEND_LOCK_KEY)
            head = await conn.fetchrow(
                "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
            )
            position, prev = (head["position"], bytes(head["hash"])) if head else (0, GENESIS_HASH)
            now = datetime.now(UTC)
            recorded_at = max(now, head["recorded_at"]) if head else now
            for req in batch:
                req.events = [e if e.id else _with_id(e) for e in req.events]
            versions, existing = await _stream_state(conn, batch)
            rows: list[tuple[Any, ...]] = []
            results: list[tuple[_Request, AppendResult | Exception]] = []
            for req in batch:
                outcome = _check(req, versions, existing)
                if outcome is not None:
                    results.append((req, outcome))
                    continue
                version = versions.get(req.stream_id, 0)
                meta = orjson.dumps(req.metadata, option=orjson.OPT_SORT_KEYS).decode()
                for ev in req.events:
                    position, version = position + 1, version + 1
                    data = orjson.dumps(ev.data, option=orjson.OPT_SORT_KEYS).decode()
                    eid = str(ev.id)
                    prev = chain(
                        canonical(position, eid, req.stream_id, version, ev.type,
                                  ev.schema_version, recorded_at, data, meta),
                        prev,
                    )  # fmt: skip
                    rows.append((position, ev.id, req.stream_id, version, ev.type,
                                 ev.schema_version, data, meta, recorded_at, prev))  # fmt: skip
                    existing[eid_of(ev)] = (req.stream_id, version, position)
                versions[req.stream_id] = version
                results.append((req, AppendResult(req.stream_id, version, position, recorded_at)))
            if rows:
                await conn.execute(_INSERT, *map(list, zip(*rows, strict=True)))
                await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, str(position))
            if self.before_commit is not None:
                await self.before_commit()
        for req, outcome in results:  # only after COMMIT
            if isinstance(outcome, Exception):
                req.future.set_exception(outcome)
            else:
                req.future.set_result(outcome)

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
        from shared.platform.db import plain_url

        conn = await asyncpg.connect(plain_url(self.url), timeout=5)
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

    async def wait(self, timeout: float | None = None) -> None:
        """Return on the next notification or after the poll interval."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the notification does, and a runner being stopped would go on.
        async with self._cond:
            seen = self._generation
            try:
                async with asyncio.timeout(timeout or self.poll_interval):
                    await self._cond.wait_for(lambda: self._generation != seen)
            except TimeoutError:
                pass


async def _stream_state(
    conn: asyncpg.Connection, batch: list[_Request]
) -> tuple[dict[str, int], dict[uuid.UUID, tuple[str, int, int]]]:
    streams = list({r.stream_id for r in batch})
    ids = [e.id for r in batch for e in r.events]
    vrows = await conn.fetch(_VERSIONS, streams)
    irows = await conn.fetch(
        "SELECT id, stream_id, version, position FROM events WHERE id = ANY($1)", ids
    )
    versions = {r["stream_id"]: r["v"] for r in vrows}
    existing = {r["id"]: (r["stream_id"], r["version"], r["position"]) for r in irows}
    return versions, existing


def eid_of(event: NewEvent) -> uuid.UUID:
    """The id of an event about to be written (ids are filled in before any check)."""
    if event.id is None:
        raise ValueError("event id must be set before the write")
    return event.id


def _check(
    req: _Request, versions: dict[str, int], existing: dict[uuid.UUID, tuple[str, int, int]]
) -> AppendResult | Exception | None:
    """None when the request may be written; otherwise its result (replay) or its error."""
    found = [existing.get(eid_of(e)) for e in req.events]
    if all(found):
        if all(f[0] == req.stream_id for f in found if f):
            version, position = max((f[1], f[2]) for f in found if f)
            return AppendResult(req.stream_id, version, position, None, duplicate=True)
        return DuplicateEventId(req.events[0].id)
    if any(found):
        return DuplicateEventId(next(e.id for e, f in zip(req.events, found, strict=True) if f))
    actual = versions.get(req.stream_id, 0)
    if req.expected_version is not None and req.expected_version != actual:
        return WrongExpectedVersion(req.stream_id, req.expected_version, actual)
    return None


# A JSON \u0000 escape not itself escaped: the NUL character.
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _check_content(events: Sequence[NewEvent], metadata: dict[str, Any] | None) -> None:
    """Refuse content that read models could not store: it would stop every projection.

    PostgreSQL text cannot hold NUL characters; the `json` column would keep them, but each
    projection copying such a string into a text column would fail on that event forever.
    """
    for payload in (*(e.data for e in events), metadata or {}):
        try:
            raw = orjson.dumps(payload)
        except TypeError as exc:
            raise InvalidEventData(f"event content is not JSON: {exc}") from exc
        if b"\\u0000" in raw and _NUL.search(raw):
            raise InvalidEventData("text must not contain NUL (U+0000) characters")


def _with_id(e: NewEvent) -> NewEvent:
    return NewEvent(e.type, e.data, uuid.uuid4(), e.schema_version)


def _fail(batch: list[_Request], exc: BaseException) -> None:
    for req in batch:
        if not req.future.done():
            req.future.set_exception(exc)
