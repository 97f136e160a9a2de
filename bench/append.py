"""Append throughput and latency: aims against eventsourcing, Message DB and a raw INSERT."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from bench.common import Postgres, latency_summary, ratio, server_settings, throwaway_postgres
from bench.peers import CONTENDERS, Conflict, Contender


@dataclass(frozen=True)
class Case:
    """One load shape: writers, events per transaction, and how many streams they share."""

    writers: int
    events: int
    hot_streams: int | None = None  # None: every writer has a stream of its own

    @property
    def key(self) -> str:
        shape = f"{self.hot_streams}hot" if self.hot_streams else "distinct"
        return f"w{self.writers}_e{self.events}_{shape}"


CASES = [Case(w, e) for e in (1, 10) for w in (1, 4, 16)] + [Case(16, 1, 4), Case(16, 10, 4)]
HEADLINE = Case(16, 1).key
# contender name -> how the ratio keys `append_<case>_vs_<peer>` spell it
PEERS = {"message_db": "messagedb", "eventsourcing": "eventsourcing", "raw_insert": "raw_insert"}


def case_ratio_keys() -> list[str]:
    """`append_<case>_vs_<peer>` for every case and peer, in table order."""
    return [f"append_{c.key}_vs_{peer}" for c in CASES for peer in PEERS]


# Each case runs in this many slices per contender, the contenders taking turns, so that a
# shared machine's load changes hit every contender alike rather than the one running then.
ROUNDS = 6


@dataclass
class Tally:
    """What one contender did in one case, summed over its slices."""

    events: int = 0
    conflicts: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "events_per_s": round(self.events / self.elapsed, 1) if self.elapsed else None,
            "transactions": len(self.latencies),
            "conflicts_retried": self.conflicts,
            **latency_summary(self.latencies),
        }


async def run_case(c: Contender, case: Case, seconds: float, tally: Tally) -> None:
    """Every writer appends in a loop for `seconds`; conflicts re-read the version and retry."""
    if case.hot_streams:
        shared = [c.new_stream() for _ in range(case.hot_streams)]
        streams = [shared[i % case.hot_streams] for i in range(case.writers)]
    else:
        streams = [c.new_stream() for _ in range(case.writers)]
    deadline = time.perf_counter() + seconds

    async def writer(stream: str) -> None:
        version = await c.version(stream) if case.hot_streams else 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            while True:
                try:
                    await c.append(stream, case.events, version)
                    break
                except Conflict:
                    tally.conflicts += 1
                    version = await c.version(stream)
            tally.latencies.append(time.perf_counter() - t0)
            version += case.events
            tally.events += case.events

    t0 = time.perf_counter()
    await asyncio.gather(*(writer(s) for s in streams))
    tally.elapsed += time.perf_counter() - t0


async def run(quick: bool) -> dict[str, Any]:
    """All cases for all contenders on one server; contenders alternate within each case."""
    seconds = 0.3 if quick else 3.0
    out: dict[str, Any] = {
        "seconds_per_case": seconds, "rounds_per_case": ROUNDS, "cases": {}, "contenders": {}
    }  # fmt: skip
    async with throwaway_postgres() as pg:
        out["server"] = await server_settings(pg.admin_url)
        contenders = await _open_all(pg, out)
        try:
            for case in CASES:
                tallies = {c.name: Tally() for c in contenders}
                for i in range(ROUNDS):
                    for c in contenders[i:] + contenders[:i]:  # a different one first each round
                        await run_case(c, case, seconds / ROUNDS, tallies[c.name])
                out["cases"][case.key] = {name: t.summary() for name, t in tallies.items()}
        finally:
            for c in contenders:
                await c.close()
    head = out["cases"].get(HEADLINE, {})
    eps = {name: r["events_per_s"] for name, r in head.items()}
    out["ratios"] = {
        "append_vs_eventsourcing": ratio(eps.get("aims"), eps.get("eventsourcing")),
        "append_vs_messagedb": ratio(eps.get("aims"), eps.get("messagedb")),
        "append_vs_raw": ratio(eps.get("aims"), eps.get("raw_insert")),
    }
    for key, row in out["cases"].items():
        aims = row.get("aims", {}).get("events_per_s")
        for peer, name in PEERS.items():
            other = row.get(name, {}).get("events_per_s")
            out["ratios"][f"append_{key}_vs_{peer}"] = ratio(aims, other)
    return out


async def _open_all(pg: Postgres, out: dict[str, Any]) -> list[Contender]:
    opened: list[Contender] = []
    for cls in CONTENDERS:
        c = cls()
        try:
            await c.open(pg, 16)
            for _ in range(3):  # warm connections and prepared statements
                await c.append(c.new_stream(), 1, 0)
        except Exception as exc:  # a peer that cannot be installed is reported, not fatal
            out["contenders"][cls.name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            continue
        out["contenders"][c.name] = {"note": c.note}
        opened.append(c)
    return opened
