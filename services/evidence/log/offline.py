"""`aims verify` against the database: the full audit pass with the configured key."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.evidence.integrity.signing import load_signer
from services.evidence.log import keys
from shared.contract.events.evidence import CHECKPOINT_STREAM
from shared.kernel.tlog.audit import audit
from shared.platform.config import Settings
from shared.platform.db import plain_url


async def verify_database(url: str, settings: Settings) -> dict[str, Any]:
    """Chain, tree and every checkpoint (signature with the configured key, root recomputed)."""
    log = keys.build(load_signer(settings.checkpoint_key_path).key, settings)
    conn = await asyncpg.connect(plain_url(url))
    try:
        report = await audit(conn, log.verifier, CHECKPOINT_STREAM)
        alarm = await conn.fetchval(
            "SELECT detail::text FROM tlog_alarm WHERE cleared_at IS NULL ORDER BY id LIMIT 1"
        )
    finally:
        await conn.close()
    body = report.as_dict()
    body["log"] = log.verifier.line()
    body["open_alarm"] = alarm
    return body


async def clear_alarms(url: str, by: str, reason: str) -> int:
    """Close open signer alarms after an investigation; returns how many."""
    from services.evidence.log.signer import clear_alarms as clear

    conn = await asyncpg.connect(plain_url(url))
    try:
        return await clear(conn, by, reason)
    finally:
        await conn.close()
