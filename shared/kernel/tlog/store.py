"""The Merkle tree over the log, kept as perfect-subtree hashes in `tlog_node`.

Leaf i (0-based) is SHA-256(0x00 || canonical bytes of the event at position i + 1): the
same bytes the hash chain hashes. The stored nodes only make proofs cheap (O(log n)
indexed reads). They are never trusted on their own: the signer and every verifier
recompute the leaves from the events and compare (`shared.kernel.tlog.audit`), and a
client checks every proof against a root it got in a signed checkpoint, so a wrong node
can make a proof fail, never make a forgery pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TypeAlias

import asyncpg

from shared.kernel.eventstore.hashing import iso
from shared.kernel.projections import lock_key
from shared.kernel.tlog import merkle
from shared.kernel.tlog.merkle import Frontier, Node

TREE_LOCK = lock_key("tlog.tree")
BATCH = 5000
_NODES = (
    "SELECT n.level, n.idx, n.hash FROM unnest($1::smallint[], $2::bigint[]) AS w(level, idx)"
    " JOIN tlog_node n ON n.level = w.level AND n.idx = w.idx"
)
_INSERT = (
    "INSERT INTO tlog_node (level, idx, hash)"
    " SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[]) ON CONFLICT DO NOTHING"
)
# Rows of the log as the chain hashes them: data and metadata as the stored text.
_ROWS = (
    "SELECT position, id, stream_id, version, type, schema_version, recorded_at,"
    " data::text, metadata::text, hash FROM events WHERE position > $1 AND position <= $2"
    " ORDER BY position LIMIT $3"
)

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


class TreeTooSmall(ValueError):
    """A proof or root was asked for a size past the head of the log."""


async def fetch_nodes(conn: Conn, wanted: Iterable[Node]) -> dict[Node, bytes]:
    """The stored hashes of `wanted` nodes (absent ones are left out)."""
    want = list(dict.fromkeys(wanted))
    if not want:
        return {}
    rows = await conn.fetch(_NODES, [w[0] for w in want], [w[1] for w in want])
    return {(r["level"], r["idx"]): bytes(r["hash"]) for r in rows}


async def save_nodes(conn: Conn, nodes: Sequence[tuple[int, int, bytes]]) -> None:
    """Store completed perfect nodes (already stored ones are left as they are)."""
    if nodes:
        await conn.execute(
            _INSERT, [n[0] for n in nodes], [n[1] for n in nodes], [n[2] for n in nodes]
        )


async def stored_size(conn: Conn) -> int:
    """How many leaves the stored tree holds."""
    value = await conn.fetchval("SELECT max(idx) FROM tlog_node WHERE level = 0")
    return 0 if value is None else int(value) + 1


async def log_size(conn: Conn) -> int:
    """How many events the log holds (positions are gapless, see EventStore.append)."""
    return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))


def canonical_row(row: Sequence[object], recorded_iso: str) -> bytes:
    """The canonical bytes of a raw row (see shared.kernel.eventstore.hashing)."""
    import orjson

    pos, eid, stream, ver, typ, sver = row[0], row[1], row[2], row[3], row[4], row[5]
    header = orjson.dumps([pos, str(eid), stream, ver, typ, sver, recorded_iso])
    data, meta = str(row[7]).encode(), str(row[8]).encode()
    return b"".join((header, b"\n", data, b"\n", meta))


async def raw_rows(
    conn: asyncpg.Connection, after: int, until: int, batch: int = BATCH
) -> AsyncIterator[list[asyncpg.Record]]:
    """Raw log rows in (after, until], position order, in batches."""
    while after < until:
        rows = await conn.fetch(_ROWS, after, until, batch)
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def entries(conn: Conn, start: int, end: int) -> list[tuple[int, bytes]]:
    """(position, canonical bytes) of the events at positions start..end inclusive."""
    rows = await conn.fetch(_ROWS, start - 1, end, end - start + 1)
    return [(r[0], canonical_row(r, iso(r[6]))) for r in rows]


async def extend(conn: asyncpg.Connection, size: int) -> int:
    """Store the tree's nodes up to `size` leaves from the events; returns the stored size.

    Used to serve proofs for sizes the signer has not reached yet. It resumes from stored
    nodes it does not re-check: that is the signer's job, and a proof built from a wrong
    node fails at the client. One extender at a time (transaction-scoped advisory lock).
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", TREE_LOCK)
        have = await stored_size(conn)
        if have >= size:
            return have
        nodes = await fetch_nodes(conn, merkle.frontier_nodes(have))
        frontier = Frontier.from_nodes(have, lambda level, idx: nodes[(level, idx)])
        async for rows in raw_rows(conn, have, size):
            new: list[tuple[int, int, bytes]] = []
            for r in rows:
                new.extend(frontier.append(merkle.leaf_hash(canonical_row(r, iso(r[6])))))
            await save_nodes(conn, new)
        return frontier.size


async def _ensure(conn: asyncpg.Connection, size: int) -> None:
    if size > await log_size(conn):
        raise TreeTooSmall(f"the log holds fewer than {size} events")
    if size > await stored_size(conn):
        await extend(conn, size)


async def _materialised(conn: asyncpg.Connection, wanted: list[Node]) -> dict[Node, bytes]:
    nodes = await fetch_nodes(conn, wanted)
    missing = [w for w in wanted if w not in nodes]
    if missing:  # deleted from storage: refuse; the signer's next pass stores it again
        raise LookupError(f"tree nodes missing from storage: {missing[:3]}")
    return nodes


async def inclusion(conn: asyncpg.Connection, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves."""
    await _ensure(conn, size)
    nodes = await _materialised(conn, merkle.inclusion_nodes(index, size))
    return merkle.inclusion_proof(index, size, lambda lv, ix: nodes[(lv, ix)])


async def consistency(conn: asyncpg.Connection, m: int, n: int) -> list[bytes]:
    """RFC 9162 consistency proof between the trees of `m` and `n` leaves."""
    await _ensure(conn, n)
    nodes = await _materialised(conn, merkle.consistency_nodes(m, n))
    return merkle.consistency_proof(m, n, lambda lv, ix: nodes[(lv, ix)])


async def root(conn: asyncpg.Connection, size: int) -> bytes:
    """Root of the tree of `size` leaves from stored nodes (cheap, not a verification)."""
    await _ensure(conn, size)
    nodes = await _materialised(conn, merkle.frontier_nodes(size))
    return merkle.root_at(size, lambda lv, ix: nodes[(lv, ix)])
