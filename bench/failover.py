"""Failover: kill -9 the primary under writes, promote its synchronous standby, measure.

The drill of tests/deploy/test_failover.py (the same helpers from tests/support, so the bench
and the test cannot drift apart): a primary and a synchronous standby from the bundled
PostgreSQL, a registry process on the multi-host URL, four writers; the standby is promoted
after the registry has answered 20 times 503 without a primary. Reports the seconds from
the kill to the first acknowledged write (`recovery_s`, which includes that wait), from the
promotion (`after_promote_s`), and the acknowledged appends missing from the new primary's
log (`acknowledged_lost`, which must be 0), plus whether its hash chain verifies.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from shared.kernel.eventstore.verify import verify_database
from tests.support import pgpair
from tests.support.failover import fail_over, read_log
from tests.support.procs import free_port, spawn


async def run(quick: bool) -> dict[str, Any]:
    if quick:  # two servers and a process take ~20 s: the slow test runs the drill instead
        return {"skipped": "quick run (tests/deploy/test_failover.py runs the same drill)"}
    pair = await asyncio.to_thread(pgpair.start_pair)
    data = Path(tempfile.mkdtemp(prefix="aims-bench-failover-"))
    try:
        port = free_port()
        proc = await asyncio.to_thread(
            spawn, "registry", pair.app_url, port, data, AIMS_DB_TIMEOUT="2"
        )
        try:
            drill = await fail_over(pair, f"http://127.0.0.1:{port}", before=200, after=200)
        finally:
            proc.terminate()
            await asyncio.to_thread(proc.wait, 30)
        log = await read_log(pair)
        chain = await verify_database(pair.url(pair.standby))
    finally:
        await asyncio.to_thread(pair.stop)
        shutil.rmtree(data, ignore_errors=True)
    load = drill.load
    return {
        "recovery_s": round(drill.recovery_s, 3),
        "after_promote_s": round(drill.after_promote_s, 3),
        "promote_s": round(drill.promote_s, 3),
        "acknowledged": len(load.acked),
        "acknowledged_lost": len(log.lost(load)),
        "unacknowledged_in_log": len(set(log.registered) - load.acked_ids),
        "responses_503": load.statuses[503],
        "responses_500": load.statuses[500],
        "chain_ok": chain.ok,
        "events": log.head,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run(quick=False)), indent=2))
