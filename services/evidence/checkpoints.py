"""Signed checkpoints of the log head (guarantee 7): on demand and at an interval.

All checkpoints are events of one stream, so the newest is a keyed read and two signers
racing conflict on its version instead of both signing. A transaction-free advisory
lock additionally keeps a second replica from even starting: only one signs at a time.
Before signing, the chain is verified from the previous checkpoint to the head, so a
checkpoint only ever certifies history that verified.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import asyncpg
import structlog

from services.evidence.pack_verify import checkpoint_message
from services.evidence.signing import Signer
from shared.contract.events.evidence import CheckpointSigned
from shared.domain.aggregate import stream_id
from shared.domain.errors import Conflict
from shared.kernel.eventstore import EventStore, NewEvent, WrongExpectedVersion
from shared.kernel.eventstore.hashing import iso, verify_chain
from shared.kernel.eventstore.verify import rows
from shared.kernel.loops import run_forever
from shared.kernel.projections import lock_key
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext

log = structlog.get_logger()
STREAM = stream_id("checkpoint", uuid5(NAMESPACE_URL, "aims:checkpoints"))
LOCK = lock_key("evidence.checkpointer")


async def latest(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, Any] | None:
    """The newest checkpoint, with the stream version and position of its event."""
    row = await conn.fetchrow(
        "SELECT version, position, data FROM events WHERE stream_id = $1"
        " ORDER BY version DESC LIMIT 1",
        STREAM,
    )
    if row is None:
        return None
    return {**row["data"], "version": row["version"], "event_position": row["position"]}


def as_public(cp: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint as the API and packs show it; `signed_at` exactly as signed."""
    signed_at = cp["signed_at"]
    if isinstance(signed_at, datetime):
        signed_at = iso(signed_at)
    else:
        signed_at = iso(datetime.fromisoformat(signed_at.replace("Z", "+00:00")))
    return {
        "position": cp["position"], "head_hash": cp["head_hash"], "signed_at": signed_at,
        "key_id": cp["key_id"], "public_key": cp["public_key"], "signature": cp["signature"],
        "event_position": cp.get("event_position"),
    }  # fmt: skip


async def sign_checkpoint(
    pool: asyncpg.Pool, store: EventStore, signer: Signer, ctx: RequestContext,
    *, min_age: float | None = None,
) -> tuple[dict[str, Any] | None, bool]:  # fmt: skip
    """Sign the verified head; returns (checkpoint, new). `min_age` skips a recent one."""
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
        try:
            last = await latest(conn)
            if last and min_age is not None:
                age = datetime.now(UTC) - datetime.fromisoformat(last["signed_at"])
                if age.total_seconds() < min_age:
                    return as_public(last), False
            start, prev = (
                (last["position"], bytes.fromhex(last["head_hash"])) if last else (0, bytes(32))
            )
            report = await verify_chain(rows(conn, start), start_position=start, prev_hash=prev)
            if not report.ok:
                log.error("checkpoint_refused", mismatch=report.first_mismatch)
                raise Conflict("the log does not verify; no checkpoint signed", code="chain_broken",
                               first_mismatch=report.first_mismatch)  # fmt: skip
            if report.head_position == 0 or (
                last and report.head_position == last["event_position"]
            ):
                return (as_public(last) if last else None), False
            return await _append(store, signer, ctx, report.head_position, report.head_hash, last)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK)


async def _append(
    store: EventStore, signer: Signer, ctx: RequestContext, position: int, head: str,
    last: dict[str, Any] | None,
) -> tuple[dict[str, Any], bool]:  # fmt: skip
    now = datetime.now(UTC)
    event = CheckpointSigned(
        position=position, head_hash=head, signed_at=now, public_key=signer.public_pem,
        signature=signer.sign(checkpoint_message(position, head, iso(now))), key_id=signer.key_id,
    )  # fmt: skip
    version = last["version"] if last else 0
    eid = ctx.event_id(STREAM, version + 1)
    try:
        result = await store.append(
            STREAM, [NewEvent(event.type_name(), event.to_data(), eid)],
            expected_version=version, metadata=ctx.metadata(),
        )  # fmt: skip
    except WrongExpectedVersion as exc:
        raise Conflict("another checkpoint was signed meanwhile", code="checkpoint_race") from exc
    cp = {**event.to_data(), "event_position": result.position}
    return as_public(cp), not result.duplicate


async def run_periodically(
    pool: asyncpg.Pool, store: EventStore, signer: Signer, every: float
) -> None:
    """Sign a checkpoint every `every` seconds (the replica holding the lock does it)."""

    async def step() -> None:
        ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
        await sign_checkpoint(pool, store, signer, ctx, min_age=every * 0.9)

    await run_forever("checkpoint", step, every=every, initial_delay=every)
