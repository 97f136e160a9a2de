"""Canonical event bytes, the hash chain and its verification (guarantee 7).

Every event stores ``hash = sha256(canonical(event) || prev_hash)`` where ``prev_hash``
is the hash of the event at the previous position (32 zero bytes before the first).
``canonical(event)`` is::

    json([position, id, stream_id, version, type, schema_version, recorded_at]) "\n"
    data_json "\n" metadata_json

``data`` and ``metadata`` are kept in PostgreSQL ``json`` columns, which return the
text exactly as written, so verification hashes the stored bytes themselves rather
than a re-serialisation that could hide an edit. The position is inside the hash, so
moving, deleting or re-inserting a row breaks the chain at that position.

Appends chain in the database (`aims_append`, migration 0013), which builds these same
bytes in SQL; `canonical` and `chain` stay the definition that its tests compare against.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS_HASH = bytes(32)


def iso(ts: datetime) -> str:
    """The one text form of a timestamp used in hashes: UTC, microseconds, 'Z'."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    position: int,
    event_id: str,
    stream_id: str,
    version: int,
    type_: str,
    schema_version: int,
    recorded_at: datetime,
    data_json: str | bytes,
    metadata_json: str | bytes,
) -> bytes:
    """The bytes of one event that the chain hashes."""
    header = orjson.dumps(
        [position, event_id, stream_id, version, type_, schema_version, iso(recorded_at)]
    )
    data = data_json.encode() if isinstance(data_json, str) else data_json
    meta = metadata_json.encode() if isinstance(metadata_json, str) else metadata_json
    return b"".join((header, b"\n", data, b"\n", meta))


def chain(canonical_bytes: bytes, prev_hash: bytes) -> bytes:
    """The hash of an event given its canonical bytes and its predecessor's hash."""
    return hashlib.sha256(canonical_bytes + prev_hash).digest()


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of walking the chain."""

    ok: bool
    events_verified: int
    head_position: int
    head_hash: str
    first_mismatch: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_verified": self.events_verified,
            "head": {"position": self.head_position, "hash": self.head_hash},
            "first_mismatch": self.first_mismatch,
        }


# (position, id, stream_id, version, type, schema_version, recorded_at, data, metadata, hash)
Row = tuple[int, str, str, int, str, int, datetime, str, str, bytes]


async def verify_chain(
    rows: AsyncIterator[list[Row]],
    *,
    start_position: int = 0,
    prev_hash: bytes = GENESIS_HASH,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Walk batches of rows in position order; report the first position that does not match."""
    expected_position, verified = start_position + 1, 0
    head_position, head_hash = start_position, prev_hash
    sha256 = hashlib.sha256
    dumps = orjson.dumps
    # Events of one append share recorded_at, so its text form is computed once per run of
    # equal timestamps (formatting it dominated the time spent per event).
    last_rec: datetime | None = None
    last_iso = ""
    async for batch in rows:
        for pos, eid, stream, ver, typ, sver, rec, data, meta, stored in batch:
            if pos != expected_position:
                return _mismatch(verified, head_position, head_hash, expected_position, "missing")
            if rec != last_rec or last_rec is None:
                last_rec, last_iso = rec, iso(rec)
            header = dumps([pos, str(eid), stream, ver, typ, sver, last_iso])
            computed = sha256(
                b"".join((header, b"\n", data.encode(), b"\n", meta.encode(), head_hash))
            ).digest()
            if computed != bytes(stored):
                return _mismatch(verified, head_position, head_hash, pos, "hash")
            verified, head_position, head_hash = verified + 1, pos, computed
            expected_position += 1
        if progress:
            progress(len(batch))
    return VerifyReport(True, verified, head_position, head_hash.hex(), None)


def _mismatch(verified: int, head_pos: int, head_hash: bytes, pos: int, why: str) -> VerifyReport:
    detail = {
        "missing": "no event at this position (a row was deleted or moved)",
        "hash": "stored hash does not match the event's content and its predecessor",
    }[why]
    return VerifyReport(
        False,
        verified,
        head_pos,
        head_hash.hex(),
        {"position": pos, "reason": why, "detail": detail},
    )
