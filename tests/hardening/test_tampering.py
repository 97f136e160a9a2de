"""Random tampering by a superuser with triggers off is always caught at the right position."""

from __future__ import annotations

import random
import uuid

import asyncpg

from shared.kernel.eventstore import NewEvent
from shared.kernel.eventstore.hashing import verify_chain
from shared.kernel.eventstore.verify import rows

TRIALS = 100
QUOTE, BACKSLASH = ord('"'), ord("\\")


def string_bytes(raw: bytes) -> list[int]:
    """Offsets of alphanumeric bytes inside JSON strings (editing them keeps the JSON valid)."""
    inside, escaped, found = False, False, []
    for i, b in enumerate(raw):
        prev_escaped = escaped
        if inside and not prev_escaped and b not in (QUOTE, BACKSLASH) and chr(b).isalnum():
            found.append(i)
        if b == QUOTE and not prev_escaped:
            inside = not inside
        escaped = inside and b == BACKSLASH and not prev_escaped
    return found


async def tamper(conn: asyncpg.Connection, rng: random.Random, pos: int) -> str:
    field = rng.choice(["data", "metadata", "type", "stream_id", "order"])
    if field == "order":  # swap this event with its successor
        await conn.execute("UPDATE events SET position = -1 WHERE position = $1", pos)
        await conn.execute("UPDATE events SET position = $1 WHERE position = $2", pos, pos + 1)
        await conn.execute("UPDATE events SET position = $1 WHERE position = -1", pos + 1)
        return field
    raw = bytearray(
        (await conn.fetchval(f"SELECT {field}::text FROM events WHERE position = $1", pos)).encode()
    )
    json = field in ("data", "metadata")
    i = rng.choice(string_bytes(bytes(raw)) if json else range(len(raw)))
    raw[i] = ord("x") if raw[i] != ord("x") else ord("y")
    await conn.execute(
        f"UPDATE events SET {field} = $1{'::json' if json else ''} WHERE position = $2",
        raw.decode(), pos,
    )  # fmt: skip
    return field


async def test_verification_names_the_first_bad_position_for_random_tampering(store, database):
    rng = random.Random(20261126)
    for i in range(60):
        await store.append(
            f"thing-{uuid.uuid4()}",
            [NewEvent("Thing", {"name": f"event {i}", "level": "high", "n": i, "ok": True})],
            expected_version=0,
            metadata={"actor": {"sub": "alice", "roles": ["admin"]}, "note": 'say "hi"'},
        )
    admin = await asyncpg.connect(database.admin_url)
    tried: dict[str, int] = {}
    try:
        await admin.execute("SET session_replication_role = replica")  # triggers off
        for _ in range(TRIALS):
            pos = rng.randint(1, 59)
            tx = admin.transaction()
            await tx.start()
            field = await tamper(admin, rng, pos)
            report = await verify_chain(rows(admin))
            await tx.rollback()  # undo, so each trial starts from the intact log
            assert not report.ok and report.first_mismatch is not None, field
            assert report.first_mismatch["position"] == pos, (field, report.first_mismatch)
            tried[field] = tried.get(field, 0) + 1
        assert (await verify_chain(rows(admin))).ok
    finally:
        await admin.close()
    assert sum(tried.values()) == TRIALS and len(tried) == 5
