"""The stored tree and the audit pass on a real PostgreSQL, attacked as the superuser."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.kernel.eventstore import EventStore, NewEvent
from shared.kernel.eventstore.hashing import GENESIS_HASH, iso
from shared.kernel.tlog import Checkpoint, Signer, merkle, sign_note
from shared.kernel.tlog import store as tree
from shared.kernel.tlog.audit import NEW, audit
from shared.platform.db import plain_url

STREAM = "checkpoint-test"
ORIGIN = "aims.test/log"


async def fill(es: EventStore, n: int) -> None:
    for i in range(n):
        await es.append(f"thing-{uuid.uuid4()}", [NewEvent("Happened", {"i": i})],
                        expected_version=0)  # fmt: skip


async def reference_leaves(pool: Any) -> list[bytes]:
    async with pool.acquire() as conn:
        rows = [r async for batch in tree.raw_rows(conn, 0, 10**9) for r in batch]
    return [merkle.leaf_hash(tree.canonical_row(r, iso(r[6]))) for r in rows]


async def sign(pool: Any, es: EventStore, signer: Signer) -> Checkpoint:
    async with pool.acquire() as conn:
        report = await audit(conn, signer.verifier(), STREAM, store_nodes=True)
    assert report.ok, report.first_mismatch
    assert report.root is not None
    cp = Checkpoint(ORIGIN, report.head_position, report.root)
    data = {"tree_size": cp.size, "note": sign_note(cp.format(), signer),
            "head_hash": report.head_hash.hex(), "signed_at": iso(datetime.now(UTC))}  # fmt: skip
    await es.append(STREAM, [NewEvent(NEW, data)], expected_version=None)
    return cp


async def test_the_pass_recomputes_the_rfc9162_root_and_stores_every_perfect_node(pool, store):
    await fill(store, 37)
    signer = Signer(ORIGIN, Ed25519PrivateKey.generate())
    async with pool.acquire() as conn:
        report = await audit(conn, signer.verifier(), STREAM, store_nodes=True)
        leaves = await reference_leaves(pool)
        assert report.ok and report.root == merkle.root(leaves)
        assert await conn.fetchval("SELECT count(*) FROM tlog_node") == 2 * 37 - 1 - 2
        for size in (1, 5, 32, 37):
            assert await _root(conn, size) == merkle.root(leaves[:size])
        for index in (0, 17, 36):
            proof = await _inclusion(conn, index, 37)
            assert merkle.verify_inclusion(leaves[index], index, 37, proof, report.root)
        proof = await _consistency(conn, 13, 37)
        assert merkle.verify_consistency(13, 37, merkle.root(leaves[:13]), report.root, proof)


async def test_proofs_past_the_stored_tree_extend_it_from_the_events(pool, store):
    await fill(store, 10)
    async with pool.acquire() as conn:
        leaves = await reference_leaves(pool)
        proof = await _inclusion(conn, 9, 10)
        assert merkle.verify_inclusion(leaves[9], 9, 10, proof, merkle.root(leaves))
        assert await store_size(conn) == 10


async def test_checkpoints_verify_with_the_configured_key_only(pool, store):
    signer, other = (Signer(ORIGIN, Ed25519PrivateKey.generate()) for _ in range(2))
    await fill(store, 5)
    await sign(pool, store, signer)
    await fill(store, 3)
    async with pool.acquire() as conn:
        good = await audit(conn, signer.verifier(), STREAM)
        bad = await audit(conn, other.verifier(), STREAM)
    assert good.ok and good.checkpoints_verified == 1 and good.latest and good.latest.size == 5
    assert (
        not bad.ok and bad.first_mismatch and bad.first_mismatch["reason"] == "checkpoint_signature"
    )


async def test_a_superuser_rewrite_with_chain_and_nodes_recomputed_is_caught(pool, store, database):
    signer = Signer(ORIGIN, Ed25519PrivateKey.generate())
    await fill(store, 20)
    await sign(pool, store, signer)
    await fill(store, 5)
    await rewrite_as_superuser(database.admin_url, position=7, data={"i": "forged"})
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM tlog_node")  # the attacker rebuilds the cache too
        report = await audit(conn, signer.verifier(), STREAM, store_nodes=True)
    assert not report.ok
    assert report.first_mismatch == {
        "position": 20,
        "reason": "checkpoint_root",
        "detail": "the tree root recomputed from the events differs from the signed checkpoint",
    }


async def test_an_edited_tree_node_is_reported_where_it_completes(pool, store):
    signer = Signer(ORIGIN, Ed25519PrivateKey.generate())
    await fill(store, 16)
    async with pool.acquire() as conn:
        assert (await audit(conn, signer.verifier(), STREAM, store_nodes=True)).ok
        await conn.execute("UPDATE tlog_node SET hash = $1 WHERE level = 2 AND idx = 1", bytes(32))
        report = await audit(conn, signer.verifier(), STREAM)
    assert report.first_mismatch is not None
    assert report.first_mismatch["reason"] == "tree_node"
    assert report.first_mismatch["position"] == 8


async def test_an_incremental_pass_resumes_at_the_last_verified_checkpoint(pool, store):
    signer = Signer(ORIGIN, Ed25519PrivateKey.generate())
    await fill(store, 9)
    await sign(pool, store, signer)
    async with pool.acquire() as conn:
        first = await audit(conn, signer.verifier(), STREAM)
        await fill(store, 4)
        again = await audit(conn, signer.verifier(), STREAM, start=first.state)
    assert first.state.size == 9
    assert again.ok and again.events_verified == 14 - 9 and again.head_position == 14


async def rewrite_as_superuser(admin_url: str, *, position: int, data: dict[str, Any]) -> None:
    """What the review did: triggers off, one event edited, the chain recomputed after it."""
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("UPDATE events SET data = $1::json WHERE position = $2",
                           orjson.dumps(data).decode(), position)  # fmt: skip
        prev = GENESIS_HASH
        rows = [r async for batch in tree.raw_rows(conn, 0, 10**9) for r in batch]
        for r in rows:
            h = hashlib.sha256(tree.canonical_row(r, iso(r[6])) + prev).digest()
            if r[0] >= position:
                await conn.execute("UPDATE events SET hash = $1 WHERE position = $2", h, r[0])
            prev = h
    finally:
        await conn.close()


async def _root(conn: Any, size: int) -> bytes:
    return await tree.root(conn, size)


async def _inclusion(conn: Any, index: int, size: int) -> list[bytes]:
    return await tree.inclusion(conn, index, size)


async def _consistency(conn: Any, m: int, n: int) -> list[bytes]:
    return await tree.consistency(conn, m, n)


async def store_size(conn: Any) -> int:
    return await tree.stored_size(conn)


async def test_the_pass_reads_stored_nodes_by_index_whatever_the_trees_size(database):
    """Each batch of the pass reads the stored nodes it passes as index ranges; a plan that
    scans the whole node table per batch makes a pass grow with the square of the log."""
    from shared.kernel.tlog.audit import _STORED_NODES

    conn = await asyncpg.connect(plain_url(database.admin_url))
    try:
        async with conn.transaction():
            # a tree of 2^19 leaves, its nodes (about a million) stored in the order a pass
            # completes them, every level interleaved (so no level's rows are contiguous)
            await conn.execute(
                "INSERT INTO tlog_node (level, idx, hash) SELECT l, i, sha256(int8send(i))"
                " FROM generate_series(0, 19) l, generate_series(0, (1 << (19 - l)) - 1) i"
                " ORDER BY (i + 1) << l, l ON CONFLICT DO NOTHING"
            )
            await conn.execute("ANALYZE tlog_node")
            # the ranges of a batch of 5,000 leaves deep in the tree (as _stored_nodes asks)
            after, last = 400_000, 405_000
            ranges = [(lv, max(0, -(-(after + 1) // (1 << lv)) - 1), (last >> lv) - 1)
                      for lv in range(20)]  # fmt: skip
            args = [list(x) for x in zip(*ranges, strict=True)]
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + _STORED_NODES, *args))
            assert "Seq Scan on tlog_node" not in plan, plan
            assert len(await conn.fetch(_STORED_NODES, *args)) >= 9_990
            raise _RolledBack  # the test database keeps no node
    except _RolledBack:
        pass
    finally:
        await conn.close()


class _RolledBack(Exception):
    pass
