"""Reads of the log's checkpoints, entries and proofs, and the witnesses' cosignatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from shared.contract.events.evidence import CHECKPOINT_STREAM
from shared.kernel.tlog import store
from shared.kernel.tlog.audit import NEW
from shared.kernel.tlog.note import NoteSignature

PAGE = 1000


@dataclass(frozen=True)
class SignedCheckpoint:
    """The newest checkpoint note, where it is recorded, and its tree size."""

    note: str
    tree_size: int
    event_position: int
    signed_at: datetime
    data: dict[str, Any]


async def latest_checkpoint(conn: asyncpg.Connection | asyncpg.Pool) -> SignedCheckpoint | None:
    """The newest C2SP checkpoint recorded in the log."""
    row = await conn.fetchrow(
        "SELECT position, data FROM events WHERE stream_id = $1 AND type = $2"
        " ORDER BY version DESC LIMIT 1",
        CHECKPOINT_STREAM, NEW,
    )  # fmt: skip
    if row is None:
        return None
    data = dict(row["data"])
    signed_at = datetime.fromisoformat(str(data["signed_at"]).replace("Z", "+00:00"))
    return SignedCheckpoint(str(data["note"]), int(data["tree_size"]), row["position"],
                            signed_at, data)  # fmt: skip


async def checkpoint_stream_version(conn: asyncpg.Connection) -> int:
    """The version of the checkpoint stream (legacy checkpoints count too)."""
    value = await conn.fetchval(
        "SELECT max(version) FROM events WHERE stream_id = $1", CHECKPOINT_STREAM
    )
    return int(value or 0)


async def checkpoint_of_size(conn: asyncpg.Pool, size: int) -> str | None:
    """The note the log signed for tree size `size`, if any."""
    value = await conn.fetchval(
        "SELECT data->>'note' FROM events WHERE stream_id = $1 AND type = $2"
        " AND (data->>'tree_size')::bigint = $3 ORDER BY version DESC LIMIT 1",
        CHECKPOINT_STREAM, NEW, size,
    )  # fmt: skip
    return None if value is None else str(value)


async def cosignature_lines(conn: asyncpg.Connection | asyncpg.Pool, size: int) -> list[str]:
    """Witness cosignature lines held for the checkpoint of `size`, oldest first."""
    rows = await conn.fetch(
        "SELECT line FROM tlog_cosignature WHERE tree_size = $1 ORDER BY received_at, witness",
        size,
    )
    return [r["line"] for r in rows]


async def save_cosignatures(
    pool: asyncpg.Pool, size: int, root_b64: str, cosigs: list[tuple[NoteSignature, str]]
) -> None:
    """Keep verified cosignatures (self-authenticating: anyone may re-check them)."""
    await pool.executemany(
        "INSERT INTO tlog_cosignature (tree_size, witness, key_hash, root_hash, cosigned_at, line)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree_size, witness, key_hash)"
        " DO UPDATE SET cosigned_at = excluded.cosigned_at, line = excluded.line,"
        " received_at = now()",
        [
            (size, s.name, f"{s.key_hash:08x}", root_b64,
             datetime.fromtimestamp(s.timestamp or 0, UTC), line)
            for s, line in cosigs
        ],
    )  # fmt: skip


async def witnessed_sizes(pool: asyncpg.Pool) -> list[int]:
    """The newest cosigned size of each witness (for packs' consistency proofs)."""
    rows = await pool.fetch("SELECT witness, max(tree_size) AS size FROM tlog_cosignature"
                            " GROUP BY witness")  # fmt: skip
    return sorted({r["size"] for r in rows})


async def entries(
    pool: asyncpg.Pool, start: int, end: int
) -> tuple[list[tuple[int, bytes]], int | None]:
    """Canonical bytes of positions start..end (at most one page) and where to go on."""
    head = await store.log_size(pool)
    last = min(end, head, start + PAGE - 1)
    found = await store.entries(pool, start, last) if start <= last else []
    more = last < min(end, head)
    return found, (last + 1 if more else None)


async def inclusion(pool: asyncpg.Pool, position: int, tree_size: int) -> list[bytes]:
    """Inclusion proof of the event at `position` in the tree of `tree_size` events."""
    async with pool.acquire() as conn:
        return await store.inclusion(conn, position - 1, tree_size)


async def consistency(pool: asyncpg.Pool, first: int, second: int) -> list[bytes]:
    """Consistency proof between the trees of `first` and `second` events."""
    async with pool.acquire() as conn:
        return await store.consistency(conn, first, second)
