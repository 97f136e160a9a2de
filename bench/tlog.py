"""The transparency log at the size of the log under test: the signer's full pass, proof
latency from stored nodes, and what an incremental integrity check costs."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import latency_summary
from services.evidence.integrity.signing import load_signer
from shared.contract.events.evidence import CHECKPOINT_STREAM
from shared.kernel.tlog import Signer
from shared.kernel.tlog import store as tree
from shared.kernel.tlog.audit import audit
from shared.platform.config import Settings

SAMPLES = 300


async def full_pass(url: str, key_path: Path, *, store_nodes: bool) -> dict[str, Any]:
    """What the signer runs before every signature: chain, leaves, nodes, checkpoints (the
    export signs with the key at `key_path`, so its checkpoints verify here too)."""
    conn = await asyncpg.connect(url)
    try:
        verifier = Signer(Settings().log_origin, load_signer(key_path).key).verifier()
        report = await audit(conn, verifier, CHECKPOINT_STREAM, store_nodes=store_nodes)
        return {"ok": report.ok, "events": report.head_position, "new_nodes": report.new_nodes}
    finally:
        await conn.close()


async def proofs(url: str, quick: bool) -> dict[str, Any]:
    """p50/p99 of inclusion and consistency proofs (stored nodes, one connection)."""
    conn = await asyncpg.connect(url)
    rng = random.Random(7)
    try:
        n = await tree.stored_size(conn)
        inclusion, consistency = [], []
        for _ in range(SAMPLES // (10 if quick else 1)):
            t0 = time.perf_counter()
            await tree.inclusion(conn, rng.randrange(n), n)
            inclusion.append(time.perf_counter() - t0)
            m = rng.randrange(1, n + 1)
            t0 = time.perf_counter()
            await tree.consistency(conn, m, n)
            consistency.append(time.perf_counter() - t0)
        return {"tree_size": n, "inclusion": latency_summary(inclusion),
                "consistency": latency_summary(consistency)}  # fmt: skip
    finally:
        await conn.close()
