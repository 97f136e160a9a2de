"""One pass over the log that trusts nothing stored: chain, leaves, tree nodes, checkpoints.

The pass recomputes, from the events' canonical bytes, the hash chain (each row's stored
hash), the Merkle leaves and every perfect subtree, and checks on the way:
- every stored chain hash (the first position that does not match is reported);
- every stored tree node it passes (an edited `tlog_node` row is reported);
- every checkpoint in the log: its signature with the *configured* verifier key, never a
  key read from the database, and its root against the recomputed root at its size.

An operator with the database superuser can rewrite events and recompute the chain and
the stored nodes, but not produce a signature of the configured key over the new roots:
checkpoints signed before the rewrite then fail here, and a witness holding one of them
sees the inconsistency. The signer runs this pass (from zero) before every signature.
Starting from a `LogState` of an earlier pass makes it incremental (`/v1/integrity`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.kernel.eventstore.hashing import GENESIS_HASH, iso
from shared.kernel.tlog import store
from shared.kernel.tlog.merkle import Frontier, leaf_hash
from shared.kernel.tlog.note import Checkpoint, NoteError, Verifier, open_checkpoint

NEW, LEGACY = "LogCheckpointSigned", "CheckpointSigned"


@dataclass
class LogState:
    """Where a verified pass stopped: size, chain head and tree frontier at that size."""

    size: int = 0
    chain_head: bytes = GENESIS_HASH
    frontier: Frontier = field(default_factory=Frontier)

    def copy(self) -> LogState:
        return LogState(self.size, self.chain_head, self.frontier.copy())


@dataclass
class Claim:
    """A checkpoint found in the log, as it claims to be."""

    event_position: int
    size: int
    root: bytes | None  # None for a legacy checkpoint (it signed the chain head only)
    chain_head: bytes | None
    note: str | None
    signed_at: str | None
    verified: bool = False


@dataclass
class AuditReport:
    """Outcome of a pass; `state` is where the next incremental pass may start."""

    ok: bool
    events_verified: int
    head_position: int
    head_hash: bytes
    first_mismatch: dict[str, Any] | None
    checkpoints_verified: int
    latest: Claim | None
    state: LogState
    new_nodes: int = 0
    root: bytes | None = None  # tree root at head_position when the pass completed

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_verified": self.events_verified,
            "head": {"position": self.head_position, "hash": self.head_hash.hex()},
            "first_mismatch": self.first_mismatch,
            "checkpoints_verified": self.checkpoints_verified,
        }


def legacy_message(position: int, head_hash: str, signed_at: str) -> bytes:
    """The bytes a pre-tree checkpoint signature covers."""
    return f"aims-checkpoint/v1\n{position}\n{head_hash}\n{signed_at}".encode()


async def claims(
    conn: asyncpg.Connection, stream: str, verifier: Verifier, after_size: int, until: int
) -> tuple[list[Claim], dict[str, Any] | None]:
    """Checkpoints recorded up to `until` that claim sizes past `after_size`, signatures checked."""
    rows = await conn.fetch(
        "SELECT position, type, data::text FROM events WHERE stream_id = $1 AND position <= $2"
        " ORDER BY version",
        stream, until,
    )  # fmt: skip
    found: list[Claim] = []
    for r in rows:
        claim = _claim(r["position"], r["type"], orjson.loads(r["data"]), verifier)
        if claim is None:
            why = "a checkpoint does not verify with the configured key"
            return found, _mismatch(r["position"], "checkpoint_signature", why)
        if claim.size > after_size:
            found.append(claim)
    return found, None


def _claim(position: int, type_: str, data: dict[str, Any], verifier: Verifier) -> Claim | None:
    if type_ == NEW:
        try:
            cp, _ = open_checkpoint(str(data["note"]), [verifier])
        except (NoteError, KeyError):
            return None
        if cp.origin != verifier.name or cp.size != data.get("tree_size"):
            return None
        chain_head = bytes.fromhex(str(data.get("head_hash", "")))
        return Claim(position, cp.size, cp.root_hash, chain_head or None, str(data["note"]),
                     str(data.get("signed_at")))  # fmt: skip
    try:  # a checkpoint of the hash chain only, from before the tree
        size, head_hex, signed = int(data["position"]), str(data["head_hash"]), _iso(data)
        key = Ed25519PublicKey.from_public_bytes(verifier.public_key)
        key.verify(base64.b64decode(data["signature"]), legacy_message(size, head_hex, signed))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return None
    return Claim(position, size, None, bytes.fromhex(head_hex), None, signed)


def _iso(data: dict[str, Any]) -> str:
    return iso(datetime.fromisoformat(str(data["signed_at"]).replace("Z", "+00:00")))


async def audit(
    conn: asyncpg.Connection,
    verifier: Verifier,
    checkpoint_stream: str,
    *,
    start: LogState | None = None,
    until: int | None = None,
    store_nodes: bool = False,
) -> AuditReport:
    """Verify the log from `start` (or zero) to `until` (or the head); see the module doc."""
    state = start.copy() if start else LogState()
    head = await store.log_size(conn) if until is None else until
    wanted, bad = await claims(conn, checkpoint_stream, verifier, state.size, head)
    pass_ = _Pass(state, {c.size for c in wanted})
    if bad is None:
        bad = await pass_.run(conn, head, store_nodes)
    verified = 0
    latest: Claim | None = None
    for claim in sorted(wanted, key=lambda c: c.size):
        if bad is not None:
            break
        bad = pass_.check(claim)
        if bad is None:
            claim.verified, latest, verified = True, claim, verified + 1
    resume = pass_.snapshots.get(latest.size, state) if latest else (start or LogState())
    return AuditReport(
        ok=bad is None, events_verified=pass_.state.size - (start.size if start else 0),
        head_position=pass_.state.size, head_hash=pass_.state.chain_head, first_mismatch=bad,
        checkpoints_verified=verified, latest=latest, state=resume if bad is None else
        (start or LogState()), new_nodes=pass_.new_nodes,
        root=pass_.state.frontier.root() if bad is None else None,
    )  # fmt: skip


# Rows between two turns of the event loop: the pass runs in a service (the checkpoint
# signer, the integrity monitor), whose requests would otherwise wait for a whole batch
# of hashing (about 90 ms per 5,000 events).
YIELD_EVERY = 1000


class _Pass:
    """The walk itself: chain, leaves, nodes; snapshots at the sizes checkpoints claim."""

    def __init__(self, state: LogState, sizes: set[int]) -> None:
        self.state, self.sizes = state, sizes
        self.snapshots: dict[int, LogState] = {}
        self.new_nodes = 0

    async def run(
        self, conn: asyncpg.Connection, head: int, store_nodes: bool
    ) -> dict[str, Any] | None:
        s, sha256 = self.state, hashlib.sha256
        last_rec, last_iso = None, ""
        async for rows in store.raw_rows(conn, s.size, head):
            stored = await _stored_nodes(conn, s.size, rows[-1][0])
            new: list[tuple[int, int, bytes]] = []
            for i, r in enumerate(rows):
                if i % YIELD_EVERY == YIELD_EVERY - 1:
                    await asyncio.sleep(0)
                if r[0] != s.size + 1:
                    return _mismatch(s.size + 1, "missing", "no event at this position")
                if r[6] != last_rec:
                    last_rec, last_iso = r[6], iso(r[6])
                canonical = store.canonical_row(r, last_iso)
                chained = sha256(canonical + s.chain_head).digest()
                if chained != bytes(r[9]):
                    return _mismatch(r[0], "hash", "stored hash does not match the event's"
                                     " content and its predecessor")  # fmt: skip
                for node in s.frontier.append(leaf_hash(canonical)):
                    have = stored.get((node[0], node[1]))
                    if have is None:
                        new.append(node)
                    elif have != node[2]:
                        why = f"stored tree node {node[:2]} differs from the recomputed one"
                        return _mismatch(r[0], "tree_node", why)
                s.size, s.chain_head = r[0], chained
                if s.size in self.sizes:
                    self.snapshots[s.size] = s.copy()
            if store_nodes and new:
                await store.save_nodes(conn, new)
                self.new_nodes += len(new)
        if s.size != head:
            return _mismatch(s.size + 1, "missing", "no event at this position")
        return None

    def check(self, claim: Claim) -> dict[str, Any] | None:
        snap = self.snapshots.get(claim.size)
        if snap is None:
            return _mismatch(claim.event_position, "checkpoint", "a checkpoint claims a size"
                             " that this pass did not reach")  # fmt: skip
        if claim.root is not None and claim.root != snap.frontier.root():
            return _mismatch(claim.size, "checkpoint_root", "the tree root recomputed from the"
                             " events differs from the signed checkpoint")  # fmt: skip
        if claim.chain_head is not None and claim.chain_head != snap.chain_head:
            return _mismatch(claim.size, "checkpoint", "the log's hash at this position differs"
                             " from the signed checkpoint")  # fmt: skip
        return None


# One range of the primary key per level. As a plain join the planner saw a few ranges of
# unknown width and scanned the whole table for each batch (a pass grew with the square of
# the log: 200 ms per batch at a million events); the ORDER BY keeps the subquery from
# being merged into a join, so each range is an index scan.
_STORED_NODES = (
    "SELECT n.level, n.idx, n.hash FROM unnest($1::smallint[], $2::bigint[], $3::bigint[])"
    " AS r(level, lo, hi), LATERAL (SELECT level, idx, hash FROM tlog_node"
    " WHERE level = r.level AND idx BETWEEN r.lo AND r.hi ORDER BY idx) n"
)


async def _stored_nodes(
    conn: asyncpg.Connection, after: int, last: int
) -> dict[tuple[int, int], bytes]:
    """Stored nodes that complete at leaves after..last-1 (positions after+1..last)."""
    levels: list[int] = []
    los: list[int] = []
    his: list[int] = []
    for level in range(last.bit_length() + 1):
        lo, hi = -(-(after + 1) // (1 << level)) - 1, (last >> level) - 1
        if hi >= max(lo, 0):
            levels.append(level)
            los.append(max(lo, 0))
            his.append(hi)
    rows = await conn.fetch(_STORED_NODES, levels, los, his)
    return {(r[0], r[1]): bytes(r[2]) for r in rows}


def _mismatch(position: int, reason: str, detail: str) -> dict[str, Any]:
    return {"position": position, "reason": reason, "detail": detail}


def checkpoint_of(claim: Claim) -> Checkpoint | None:
    """The parsed checkpoint of a (tree) claim."""
    if claim.note is None:
        return None
    return Checkpoint.parse(claim.note.split("\n\n", 1)[0] + "\n")
