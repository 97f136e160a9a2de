"""The checkpoint signer: it never signs what it has not verified.

Before signing tree size N it runs the full audit pass (`shared.kernel.tlog.audit`) from
position 1: the hash chain, every leaf recomputed from the events' canonical bytes, every
stored tree node compared, and every earlier checkpoint checked, signature with the
configured key (never one read from the database) and root against the recomputed root.
So a rewrite of any earlier event stops it, not only one of the newest. On a mismatch it
refuses, logs an alarm, records it in `tlog_alarm`, sets the `aims_log_alarm` gauge, and
keeps refusing until an operator has looked and cleared the alarm (`aims log clear-alarm`).

One signer at a time: a session advisory lock, and the checkpoint stream's expected
version as the final guard, so two replicas never sign two heads concurrently.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import structlog
from prometheus_client import Gauge

from services.evidence.log import queries
from services.evidence.log.keys import LogKeys
from shared.contract.events.evidence import CHECKPOINT_STREAM, LogCheckpointSigned
from shared.domain.errors import Conflict
from shared.kernel.eventstore import EventStore, NewEvent, WrongExpectedVersion
from shared.kernel.eventstore.hashing import iso
from shared.kernel.loops import run_as_leader
from shared.kernel.projections import lock_key
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext
from shared.kernel.tlog import Checkpoint, sign_note
from shared.kernel.tlog.audit import audit

log = structlog.get_logger()
LOCK = lock_key("evidence.checkpointer")
# Held by the periodic signer that leads, so one worker of all runs the audit pass each round.
LEADER = lock_key("evidence.checkpointer.leader")
ALARM = Gauge("aims_log_alarm", "1 while the checkpoint signer refuses to sign (see /v1/integrity)")


class SignerHalted(Conflict):
    """An integrity alarm is open: nothing is signed until an operator clears it."""

    code = "signer_halted"


async def open_alarm(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, Any] | None:
    """The oldest alarm nobody has cleared yet."""
    row = await conn.fetchrow(
        "SELECT id, raised_at, detail::text FROM tlog_alarm WHERE cleared_at IS NULL"
        " ORDER BY id LIMIT 1"
    )
    ALARM.set(0 if row is None else 1)
    if row is None:
        return None
    return {"id": row["id"], "raised_at": iso(row["raised_at"]), **orjson.loads(row["detail"])}


async def clear_alarms(conn: asyncpg.Connection, by: str, reason: str) -> int:
    """Close every open alarm with who cleared it and why; returns how many."""
    status = await conn.execute(
        "UPDATE tlog_alarm SET cleared_at = now(), cleared_by = $1, reason = $2"
        " WHERE cleared_at IS NULL",
        by, reason,
    )  # fmt: skip
    ALARM.set(0)
    return int(status.split()[-1])


async def _raise_alarm(conn: asyncpg.Connection, mismatch: dict[str, Any]) -> None:
    log.error("integrity_alarm", mismatch=mismatch)
    await conn.execute("INSERT INTO tlog_alarm (detail) VALUES ($1::jsonb)",
                       orjson.dumps(mismatch).decode())  # fmt: skip
    ALARM.set(1)


def public(data: dict[str, Any], event_position: int) -> dict[str, Any]:
    """A checkpoint as the API shows it."""
    signed_at = data["signed_at"]
    if isinstance(signed_at, datetime):
        signed_at = iso(signed_at)
    return {
        "origin": data["origin"], "tree_size": data["tree_size"], "root_hash": data["root_hash"],
        "note": data["note"], "head_hash": data["head_hash"], "signed_at": signed_at,
        "key_hash": data["key_hash"], "position": data["tree_size"],
        "event_position": event_position,
    }  # fmt: skip


async def sign_checkpoint(
    pool: asyncpg.Pool, store: EventStore, keys: LogKeys, ctx: RequestContext,
    *, min_age: float | None = None,
) -> tuple[dict[str, Any] | None, bool]:  # fmt: skip
    """Verify everything, then sign the head; returns (checkpoint, newly signed)."""
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
        try:
            return await _sign_locked(conn, store, keys, ctx, min_age)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK)


async def _sign_locked(
    conn: asyncpg.Connection, store: EventStore, keys: LogKeys, ctx: RequestContext,
    min_age: float | None,
) -> tuple[dict[str, Any] | None, bool]:  # fmt: skip
    alarm = await open_alarm(conn)
    if alarm is not None:
        raise SignerHalted("an integrity alarm is open; no checkpoint is signed until an"
                           " operator investigates and clears it", alarm=alarm)  # fmt: skip
    last = await queries.latest_checkpoint(conn)
    age = (datetime.now(UTC) - last.signed_at).total_seconds() if last else None
    if last and min_age is not None and age is not None and age < min_age:
        return public(last.data, last.event_position), False
    report = await audit(conn, keys.verifier, CHECKPOINT_STREAM, store_nodes=True)
    if not report.ok or report.root is None:
        await _raise_alarm(conn, report.first_mismatch or {"reason": "unknown"})
        raise Conflict("the log does not verify; no checkpoint signed", code="chain_broken",
                       first_mismatch=report.first_mismatch)  # fmt: skip
    if report.head_position == 0:
        return None, False
    if last and report.head_position == last.event_position == last.tree_size + 1:
        # Nothing after the last checkpoint but its own event. Events appended between
        # that checkpoint's audit and its append are not covered by it: sign again.
        return public(last.data, last.event_position), False
    cp = Checkpoint(keys.signer.name, report.head_position, report.root)
    event = LogCheckpointSigned(
        tree_size=cp.size, root_hash=base64.b64encode(cp.root_hash).decode(), origin=cp.origin,
        note=sign_note(cp.format(), keys.signer), head_hash=report.head_hash.hex(),
        signed_at=datetime.now(UTC), key_hash=f"{keys.signer.key_hash:08x}",
    )  # fmt: skip
    version = await queries.checkpoint_stream_version(conn)
    eid = ctx.event_id(CHECKPOINT_STREAM, version + 1)
    try:
        result = await store.append(
            CHECKPOINT_STREAM, [NewEvent(event.type_name(), event.to_data(), eid)],
            expected_version=version, metadata=ctx.metadata(),
        )  # fmt: skip
    except WrongExpectedVersion as exc:
        raise Conflict("another checkpoint was signed meanwhile", code="checkpoint_race") from exc
    return public(event.to_data(), result.position), not result.duplicate


async def run_periodically(
    pool: asyncpg.Pool, store: EventStore, keys: LogKeys, every: float
) -> None:
    """Sign a checkpoint every `every` seconds, in the one worker or replica that leads."""

    async def step() -> None:
        ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
        await sign_checkpoint(pool, store, keys, ctx, min_age=every * 0.9)

    await run_as_leader("checkpoint", pool, LEADER, step, every=every, initial_delay=every)
