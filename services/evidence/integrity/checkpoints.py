"""Integrity as `/v1/integrity` reports it: the audit pass, incremental from the last
verified checkpoint, so each call costs O(events since that checkpoint).

The first call in a process walks the whole log; later calls resume from the state at the
newest checkpoint they verified. A rewrite of history *before* that point is the signer's
to catch (it walks everything before every signature) and the witnesses' (they hold
roots the operator cannot change): the open alarm is reported here either way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.evidence.log import queries as log_queries
from services.evidence.log.keys import LogKeys
from services.evidence.log.signer import open_alarm, public
from shared.contract.events.evidence import CHECKPOINT_STREAM
from shared.kernel.tlog.audit import LogState, audit


@dataclass
class IntegrityMonitor:
    """The verified state this process has reached, shared by concurrent requests."""

    keys: LogKeys
    state: LogState | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def report(self, pool: asyncpg.Pool) -> dict[str, Any]:
        """Verify what is new since the last verified checkpoint; the report as JSON."""
        async with self.lock, pool.acquire() as conn:
            result = await audit(conn, self.keys.verifier, CHECKPOINT_STREAM, start=self.state)
            if result.ok:
                self.state = result.state
            latest = await log_queries.latest_checkpoint(conn)
            alarm = await open_alarm(conn)
        body = result.as_dict()
        body["events_verified"] = result.head_position  # all of the log before any mismatch
        body["checkpoint"] = public(latest.data, latest.event_position) if latest else None
        body["alarm"] = alarm
        if alarm is not None and body["ok"]:
            body["ok"] = False
            body["first_mismatch"] = {k: v for k, v in alarm.items() if k not in ("id",)}
        return body
