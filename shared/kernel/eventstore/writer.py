"""One call of the `aims_append` database function for a batch of append requests.

The function (migration 0013) takes the append lock, checks versions and ids, chains the
hashes and inserts, all in the one statement this module sends. Python contributes what
only it spells exactly as `hashing.canonical` does: the JSON of each stream id and type
(orjson's escaping) and the data and metadata text; the function adds the position,
version and time it assigns under the lock and hashes the same bytes.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import asyncpg
import orjson

from shared.kernel.eventstore.errors import DuplicateEventId, InvalidEventData, WrongExpectedVersion

if TYPE_CHECKING:
    from shared.kernel.eventstore.store import AppendResult, NewEvent

APPEND_SQL = (
    "SELECT outcome, version, position, recorded_at, event_id"
    " FROM aims_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
)


@dataclass
class Request:
    """One caller's append, its content already serialised (JSON text, keys sorted)."""

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int | None
    metadata_json: str
    data_json: list[str]
    future: asyncio.Future[AppendResult] = field(repr=False)


def serialise(events: Sequence[NewEvent], metadata: dict[str, Any] | None) -> tuple[list[str], str]:
    """The data of each event and the metadata as stored; refuses what read models cannot hold.

    PostgreSQL text cannot hold NUL characters; the `json` column would keep them, but each
    projection copying such a string into a text column would fail on that event forever.
    """
    data = [_dumps(e.data) for e in events]
    meta = _dumps(metadata or {})
    for raw in (*data, meta):
        if "\\u0000" in raw and _NUL.search(raw):
            raise InvalidEventData("text must not contain NUL (U+0000) characters")
    return data, meta


# A JSON \u0000 escape not itself escaped: the NUL character.
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _dumps(payload: dict[str, Any]) -> str:
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError as exc:
        raise InvalidEventData(f"event content is not JSON: {exc}") from exc


def calls(batch: list[Request]) -> list[list[Request]]:
    """The batch cut before each request that repeats an event id of an earlier one."""
    # The function checks ids against rows stored before its call, so the repeat goes into
    # a later call and is then judged against the first (a retry, or a DuplicateEventId).
    parts: list[list[Request]] = [[]]
    seen: set[uuid.UUID | None] = set()
    for req in batch:
        ids = {e.id for e in req.events}
        if not seen.isdisjoint(ids):
            parts.append([])
            seen = set()
        parts[-1].append(req)
        seen |= ids
    return parts


def arguments(batch: list[Request]) -> list[list[Any]]:
    """The twelve array arguments of `aims_append` (see migration 0013)."""
    dumps = orjson.dumps
    per_event: list[tuple[Any, ...]] = []
    for r, req in enumerate(batch, 1):
        for n, (ev, data) in enumerate(zip(req.events, req.data_json, strict=True), 1):
            per_event.append((r, n, ev.id, ev.type, _type_json(ev.type), ev.schema_version, data))
    return [
        [r.stream_id for r in batch],
        [dumps(r.stream_id).decode() for r in batch],
        [r.expected_version for r in batch],
        [r.metadata_json for r in batch],
        [len(r.events) for r in batch],
        *map(list, zip(*per_event, strict=True)),
    ]


@lru_cache(maxsize=1024)
def _type_json(type_: str) -> str:
    return orjson.dumps(type_).decode()  # event types are few


def settle(batch: list[Request], rows: list[asyncpg.Record]) -> None:
    """Resolve each request's future from the function's row for it (after COMMIT only)."""
    from shared.kernel.eventstore.store import AppendResult

    for req, row in zip(batch, rows, strict=True):
        if req.future.done():  # its caller was cancelled; the append stands all the same
            continue
        outcome: str = row["outcome"]
        version: int = row["version"]
        position: int = row["position"]
        recorded_at: datetime | None = row["recorded_at"]
        if outcome == "ok":
            req.future.set_result(AppendResult(req.stream_id, version, position, recorded_at))
        elif outcome == "duplicate":
            req.future.set_result(
                AppendResult(req.stream_id, version, position, None, duplicate=True)
            )
        elif outcome == "conflict":
            expected = req.expected_version if req.expected_version is not None else -1
            req.future.set_exception(WrongExpectedVersion(req.stream_id, expected, version))
        else:
            req.future.set_exception(DuplicateEventId(row["event_id"]))
