"""The benchmarks still run: a quick pass writes the results table with every headline key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = [f"w{w}_e{e}_distinct" for w in (1, 4, 16) for e in (1, 10)] + [
    "w16_e1_4hot", "w16_e10_4hot"]  # fmt: skip
PEERS = ("message_db", "eventsourcing", "raw_insert")


def test_quick_benchmark_run_writes_the_table_and_every_headline_key(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,  # a loaded 2-core machine
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["errors"] == {}
    assert set(results["ratios"]) >= {
        "append_vs_eventsourcing", "append_vs_messagedb", "append_vs_raw",
        "replay_vs_raw_read", "verify_vs_raw_read", "export_vs_raw_read", "gate_vs_trivial",
        *(f"append_{case}_vs_{peer}" for case in CASES for peer in PEERS),
    }  # fmt: skip
    assert set(results["rss_mb"]) == {"registry", "risk", "evidence"}
    assert results["relay"] and "failover" in results
    assert set(results["latency_ms"]) >= {
        "projection_lag_p99",
        "projection_lag_p99_saturated",
        "gate_p99",
        "gate_p99_c1",
        "audit_trail_p99",
        "point_lookup_p99",
    }
    assert results["machine"]["cpus"] >= 1 and results["machine"]["postgresql"]
    table = (tmp_path / "results.md").read_text()
    assert "| goal | measured | met |" in table and "## Append" in table
