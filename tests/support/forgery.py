"""What an operator holding the database superuser (and maybe the signing key) can do."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import asyncpg
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.contract.events.evidence import CHECKPOINT_STREAM
from shared.kernel.eventstore.hashing import GENESIS_HASH, iso
from shared.kernel.tlog import Checkpoint, Signer, merkle, sign_note
from shared.kernel.tlog import store as tree
from shared.platform.db import plain_url


async def _rows(conn: asyncpg.Connection) -> list[Any]:
    return [r async for batch in tree.raw_rows(conn, 0, 10**12) for r in batch]


async def rechain(conn: asyncpg.Connection, start: int = 1) -> None:
    """Recompute every stored chain hash from `start` on, as the review did."""
    prev = GENESIS_HASH
    for r in await _rows(conn):
        h = hashlib.sha256(tree.canonical_row(r, iso(r[6])) + prev).digest()
        if r[0] >= start and h != bytes(r[9]):
            await conn.execute("UPDATE events SET hash = $1 WHERE position = $2", h, r[0])
        prev = h


async def rewrite(
    admin_url: str, position: int, data: dict[str, Any], *, key: Ed25519PrivateKey | None = None,
    origin: str = "aims.local/log",
) -> None:  # fmt: skip
    """Triggers off, one event's data replaced, the chain recomputed after it, the tree cache
    dropped; with the signing key, every checkpoint re-signed over the forged roots too."""
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("UPDATE events SET data = $1::json WHERE position = $2",
                           orjson.dumps(data).decode(), position)  # fmt: skip
        await conn.execute("DELETE FROM tlog_node")
        await conn.execute("DELETE FROM tlog_alarm")
        if key is not None:
            await _resign(conn, Signer(origin, key))
        await rechain(conn, position)
    finally:
        await conn.close()


def _chain_heads(rows: list[Any]) -> list[bytes]:
    heads, prev = [], GENESIS_HASH
    for r in rows:
        prev = hashlib.sha256(tree.canonical_row(r, iso(r[6])) + prev).digest()
        heads.append(prev)
    return heads


async def _resign(conn: asyncpg.Connection, signer: Signer) -> None:
    rows = await _rows(conn)
    leaves = [merkle.leaf_hash(tree.canonical_row(r, iso(r[6]))) for r in rows]
    checkpoints = await conn.fetch(
        "SELECT position, data::text FROM events WHERE stream_id = $1 AND type ="
        " 'LogCheckpointSigned' ORDER BY position", CHECKPOINT_STREAM,
    )  # fmt: skip
    for cp_row in checkpoints:
        data = orjson.loads(cp_row["data"])
        size = data["tree_size"]
        root = merkle.root(leaves[:size])
        data["root_hash"] = base64.b64encode(root).decode()
        data["note"] = sign_note(Checkpoint(signer.name, size, root).format(), signer)
        data["head_hash"] = _chain_heads(rows)[size - 1].hex()
        await conn.execute("UPDATE events SET data = $1::json WHERE position = $2",
                           orjson.dumps(data).decode(), cp_row["position"])  # fmt: skip
        # later leaves include this checkpoint event: recompute them with the new bytes
        rows = await _rows(conn)
        leaves = [merkle.leaf_hash(tree.canonical_row(r, iso(r[6]))) for r in rows]
