"""Run every benchmark and write bench/results.json and bench/results.md.

python -m bench [--quick] [--only append,history,lag,observations,failover,gate] [--out DIR]

AIMS_BENCH_OPS=raw_read,export,export_stored runs only those operations of the history
section (of raw_read, verify, replay, tlog, export, export_stored, audit; the audit
queries need the replay's trail); the others are reported as skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import append, failover, gate_load, history, lag, observations, relay, report

BENCHMARKS: dict[str, Callable[[bool], Awaitable[dict[str, Any]]]] = {
    "append": append.run,
    "history": history.run,
    "lag": lag.run,
    "observations": observations.run,  # runs the registry as a real process too
    "failover": failover.run,  # two PostgreSQL servers and a registry process
    "relay": relay.run,  # a nats-server and the relay as real processes
    "gate": gate_load.run,  # last: it runs the registry as a real process
}


async def run_all(quick: bool, only: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if quick else "full",
        "machine": report.machine(),
        "errors": {},
    }
    started = time.perf_counter()
    for name in only:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            results[name] = await BENCHMARKS[name](quick)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        print(f"bench: {name} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    report.summarise(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="aims benchmarks against peers and PostgreSQL")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="output dir")
    args = parser.parse_args(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in only if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results = asyncio.run(run_all(args.quick, only))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (args.out / "results.md").write_text(report.markdown(results))
    print(report.markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
