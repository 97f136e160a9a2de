"""The deployment gate under `wrk` next to a trivial authenticated GET, and the services' RSS.

    python -m bench.gate_load [--quick] [--workers N]

Seeding comes from `bench.gate` (10,000 systems with their facts). The registry and the
yardstick app (`bench.trivial`: the same app factory, one `SELECT 1`) run as uvicorn
processes against the same database, and `wrk` drives each in turn at 1 and at 16
connections: the gate asks about a random system per request, and every answer is
recorded as a `DeploymentDecisionMade` event with its basis, so the figures include
the append. The risk and evidence services start afterwards, fold the same log and
answer list reads under `wrk` too; each service's resident memory is taken after the
load (all its processes: the uvicorn supervisor and its workers). Each run also reports
the CPU a request costs the app and the database (`gate_vs_trivial_cpu` compares them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from bench import gate, gate_wrk
from bench.common import ratio, throwaway_postgres
from shared.http.auth import issue_token

CONNECTIONS = (1, 16)
# The other services' load: a list read each, folded from the same seeded log.
READS = {"risk": "/v1/risks?limit=50", "evidence": "/v1/audit-trail?limit=50"}
FACTORIES = {
    "registry": "services.registry.main:create", "trivial": "bench.trivial:create",
    "risk": "services.risk.main:create", "evidence": "services.evidence.main:create",
}  # fmt: skip


def rss_mb(proc: subprocess.Popen[bytes]) -> tuple[float, float]:
    """Resident memory of a process and its children (uvicorn's workers) in MB: the sum and
    the largest one."""
    try:
        root = psutil.Process(proc.pid)
        sizes = [p.memory_info().rss / 1e6 for p in [root, *root.children(recursive=True)]]
    except psutil.Error:
        return 0.0, 0.0
    return round(sum(sizes), 1), round(max(sizes), 1)


def cpu_seconds(*pids: int) -> float:
    """CPU time (user and system) used so far by processes and all their children."""
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for proc in procs:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


def _postmaster(pg: Any) -> int:
    """The PostgreSQL server's process id (its backends are its children)."""
    return int((pg.tmp / "pg" / "postmaster.pid").read_text().split()[0])


def _start(name: str, url: str, port: int, tmp: Path, workers: int) -> subprocess.Popen[bytes]:
    extra = {"AIMS_MIN_POSITION_WAIT": "30"} if name != "trivial" else {}
    return gate.start_app(FACTORIES[name], url, port, tmp, workers=workers, **extra)


async def _ready(
    base: str, path: str, headers: dict[str, str], proc: subprocess.Popen[bytes]
) -> float:
    """Seconds until `path` answers 200 (projections at the head when it asks for that)."""
    started, last = time.perf_counter(), "no answer"
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.perf_counter() - started < 300:
            if proc.poll() is not None:
                raise RuntimeError(f"{base} exited with code {proc.returncode}")
            try:
                r = await client.get(path, headers=headers)
                if r.status_code == 200:
                    return round(time.perf_counter() - started, 1)
                last = f"{r.status_code} {r.text[:300]}"
            except httpx.TransportError as exc:
                last = type(exc).__name__
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{base}{path} not ready after 300 s: {last}")


async def _decisions(url: str) -> dict[str, int]:
    """Decisions recorded in the log, by outcome (every answer is an event)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT data->>'decision' AS d, count(*) AS n FROM events"
            " WHERE type = 'DeploymentDecisionMade' GROUP BY 1"
        )
    finally:
        await conn.close()
    return {r["d"]: int(r["n"]) for r in rows}


async def run(quick: bool, workers: int = 1) -> dict[str, Any]:
    """Seed, start the services, drive them with wrk; the figures (or why there are none)."""
    systems, seconds = (200, 2.0) if quick else (10_000, 10.0)
    wrk, version = gate_wrk.ensure_wrk()
    if wrk is None:
        return {"systems": systems, "skipped": version}
    token = issue_token(gate.SECRET, "bench", ["mlops"], timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    async with throwaway_postgres() as pg:
        ids, head = await gate.seed(pg.app_url, systems)
        script, id_file = gate_wrk.write_script(pg.tmp, [str(i) for i in ids])
        postmaster = _postmaster(pg)
        ports = {name: gate._free_port() for name in FACTORIES}
        base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        # The seeded facts are not whole histories (risk's reactor skips some), so the other
        # services are only asked to answer, not to reach the head.
        probes = {"registry": f"/v1/systems?limit=1&min_position={head}",
                  "trivial": "/v1/trivial", **READS}  # fmt: skip
        procs: dict[str, subprocess.Popen[bytes]] = {}
        caught_up: dict[str, float] = {}

        async def start(names: tuple[str, ...]) -> None:
            for n in names:
                procs[n] = _start(n, pg.app_url, ports[n], pg.tmp, workers)
            for n in names:
                caught_up[n] = await _ready(base[n], probes[n], headers, procs[n])

        try:
            # The gate first, with only its yardstick beside it: the other services would
            # fold every decision too, on the same cores.
            await start(("registry", "trivial"))

            def drive(name: str, args: list[str], conns: int, secs: float) -> dict[str, Any]:
                # The CPU each request costs the app and the database: on two shared cores
                # the throughput ratio is close to the inverse ratio of these, and they
                # move less than throughput when other work loads the machine.
                before = cpu_seconds(procs[name].pid), cpu_seconds(postmaster)
                out = gate_wrk.run(wrk, base[name], script, [args[0], token, *args[1:]],
                                   conns, secs)  # fmt: skip
                app, dbs = cpu_seconds(procs[name].pid), cpu_seconds(postmaster)
                n = max(1, out["requests"])
                out["app_cpu_ms_per_request"] = round((app - before[0]) / n * 1000, 3)
                out["db_cpu_ms_per_request"] = round((dbs - before[1]) / n * 1000, 3)
                return out

            targets = {"trivial": ["get", "/v1/trivial"], "gate": ["gate", str(id_file)]}
            runs: dict[str, dict[str, Any]] = {}
            for conns in CONNECTIONS:
                row = runs[f"c{conns}"] = {}
                for name, args in targets.items():
                    app = "registry" if name == "gate" else "trivial"
                    await asyncio.to_thread(drive, app, args, conns, 1.0)  # warm-up
                    row[name] = await asyncio.to_thread(drive, app, args, conns, seconds)
            await start(tuple(READS))
            reads = {n: await asyncio.to_thread(drive, n, ["get", p], 16, seconds)
                     for n, p in READS.items()}  # fmt: skip
            rss = {n: rss_mb(p) for n, p in procs.items()}  # sum, largest process
            decisions = await _decisions(pg.app_url)
        finally:
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                proc.wait(timeout=30)
    return {
        "systems": systems, "events_seeded": head, "load_generator": version,
        "seconds_per_run": seconds, "workers": workers, "projection_catch_up_seconds": caught_up,
        "runs": runs, "reads": reads, "decisions_recorded": decisions,
        "rss_mb": {n: total for n, (total, _) in rss.items()},
        "rss_mb_largest_process": {n: largest for n, (_, largest) in rss.items()},
        "ratios": {
            "gate_vs_trivial": ratio(runs["c16"]["gate"]["requests_per_s"],
                                     runs["c16"]["trivial"]["requests_per_s"]),
            "gate_vs_trivial_c1": ratio(runs["c1"]["gate"]["requests_per_s"],
                                        runs["c1"]["trivial"]["requests_per_s"]),
            "gate_vs_trivial_cpu": ratio(_cpu(runs["c16"]["trivial"]), _cpu(runs["c16"]["gate"])),
        },
    }  # fmt: skip


def _cpu(run: dict[str, Any]) -> float:
    """The app's and the database's CPU per request of a run, in ms."""
    return float(run["app_cpu_ms_per_request"] + run["db_cpu_ms_per_request"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 systems, 2 s per run")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per service")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.quick, args.workers)), indent=2))


if __name__ == "__main__":
    main()
