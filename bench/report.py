"""The summary of a benchmark run: headline ratios, latencies, goals and a Markdown table."""

from __future__ import annotations

import os
import platform
from typing import Any

import psutil

from bench.append import PEERS, case_ratio_keys

RATIO_KEYS = (
    "append_vs_eventsourcing", "append_vs_messagedb", "append_vs_raw", "replay_vs_raw_read",
    "verify_vs_raw_read", "export_vs_raw_read", "gate_vs_trivial",
)  # fmt: skip
# (goal, key, how it is judged, threshold)
GOALS = [
    ("append >= 2x eventsourcing", "append_vs_eventsourcing", ">=", 2.0),
    ("append >= 1x Message DB", "append_vs_messagedb", ">=", 1.0),
    ("append >= 0.5x raw INSERT", "append_vs_raw", ">=", 0.5),
    ("replay >= 0.25x raw read (stretch 0.5x)", "replay_vs_raw_read", ">=", 0.25),
    ("verification >= 0.5x raw read", "verify_vs_raw_read", ">=", 0.5),
    ("export >= 0.5x raw read", "export_vs_raw_read", ">=", 0.5),
    ("inclusion proof p99 < 5 ms at the largest log", "inclusion_proof_p99", "<", 5.0),
    ("consistency proof p99 < 5 ms at the largest log", "consistency_proof_p99", "<", 5.0),
    (
        "projection lag p99 < 250 ms (at 1,000 events/s)",
        "projection_lag_p99",
        "<",
        250.0,
    ),
    ("gate >= 0.5x trivial endpoint (16 connections, wrk)", "gate_vs_trivial", ">=", 0.5),
    ("gate p99 < 10 ms at 1 connection (10k systems)", "gate_p99_c1", "<", 10.0),
    ("every service's RSS after the load < 150 MB", "rss_mb_max", "<", 150.0),
    ("observation ingest >= 20,000/s (batches of 1,000)", "observations_per_s", ">=", 20000.0),
    ("audit trail p99 < 3x point lookup", "audit_trail_vs_point_lookup", "<", 3.0),
    ("system history p99 < 5x point lookup", "history_vs_point_lookup", "<", 5.0),
    ("failover loses no acknowledged append", "failover_acknowledged_lost", "<", 1),
    ("relay to NATS >= 0.5x append (same run)", "relay_vs_append", ">=", 0.5),
]


def machine() -> dict[str, Any]:
    """CPU count and model, memory, OS and Python of the machine the run used."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), ""
            )
    except OSError:
        model = platform.processor()
    return {
        "cpus": os.cpu_count(), "cpu_model": model or "unknown",
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(), "python": platform.python_version(),
    }  # fmt: skip


def summarise(r: dict[str, Any]) -> None:
    """Fill `ratios`, `latency_ms` and `goals` from the benchmarks' own figures."""
    ratios: dict[str, Any] = dict.fromkeys(RATIO_KEYS)
    for part in ("append", "history"):
        ratios.update((r.get(part) or {}).get("ratios", {}))
    ratios.update((r.get("gate") or {}).get("ratios", {}))
    r["ratios"] = {k: ratios.get(k) for k in (*RATIO_KEYS, *case_ratio_keys())}
    audit = (r.get("history") or {}).get("audit", {})
    server = (r.get("append") or {}).get("server", {})
    r["machine"]["postgresql"] = server.get("server_version")
    r["latency_ms"] = {
        "projection_lag_p99": ((r.get("lag") or {}).get("paced") or {}).get("p99_ms"),
        "projection_lag_p99_saturated": (r.get("lag") or {}).get("p99_ms"),
        **_gate_p99(r.get("gate")),
        "audit_trail_p99": audit.get("audit_trail_actor_time", {}).get("p99_ms"),
        "point_lookup_p99": audit.get("point_lookup", {}).get("p99_ms"),
        "system_history_p99": audit.get("system_history", {}).get("p99_ms"),
        **_proof_p99(r.get("history")),
    }
    lat = r["latency_ms"]
    values = {
        **r["ratios"], "projection_lag_p99": lat["projection_lag_p99"],
        "audit_trail_vs_point_lookup": _div(lat["audit_trail_p99"], lat["point_lookup_p99"]),
        "history_vs_point_lookup": _div(lat["system_history_p99"], lat["point_lookup_p99"]),
        "inclusion_proof_p99": lat["inclusion_proof_p99"],
        "observations_per_s": (r.get("observations") or {}).get("observations_per_s"),
        "consistency_proof_p99": lat["consistency_proof_p99"],
        "gate_p99_c1": lat["gate_p99_c1"], "rss_mb_max": _rss_max(r),
        "failover_acknowledged_lost": (r.get("failover") or {}).get("acknowledged_lost"),
        "relay_vs_append": ((r.get("relay") or {}).get("ratios") or {}).get("relay_vs_append"),
    }  # fmt: skip
    r["goals"] = []
    for goal, key, op, limit in GOALS:
        v = values.get(key)
        met = None if v is None else (v >= limit if op == ">=" else v < limit)
        r["goals"].append({"goal": goal, "measure": key, "value": v, "met": met})
    r["goals"] += _append_case_goals(r["ratios"])
    memory = (r.get("history") or {}).get("memory", {})
    flats = [m.get("flat") for op, m in memory.items() if op != "raw_read"]
    known = [f for f in flats if f is not None]
    r["goals"].append({
        "goal": "memory flat in event count (verify, replay, export)", "measure": "memory",
        "value": {op: m.get("peak_growth_mib") for op, m in memory.items()},
        "met": all(known) if known else None,
    })  # fmt: skip


def _append_case_goals(ratios: dict[str, Any]) -> list[dict[str, Any]]:
    """Every append case ahead of Message DB and eventsourcing (judged on the weakest case),
    and one writer appending one event at a time near a raw INSERT."""
    goals = []
    for peer, name in (("message_db", "Message DB"), ("eventsourcing", "eventsourcing")):
        keys = [k for k in case_ratio_keys() if k.endswith(f"_vs_{peer}")]
        known = [k for k in keys if ratios.get(k) is not None]
        worst = min(known, key=lambda k: ratios[k]) if known else keys[0]
        v = ratios.get(worst) if len(known) == len(keys) else None
        goals.append({"goal": f"every append case >= 1x {name}", "measure": worst,
                      "value": v, "met": None if v is None else v >= 1.0})  # fmt: skip
    v = ratios.get("append_w1_e1_distinct_vs_raw_insert")
    goals.append({"goal": "append, 1 writer, 1 event >= 0.7x raw INSERT",
                  "measure": "append_w1_e1_distinct_vs_raw_insert",
                  "value": v, "met": None if v is None else v >= 0.7})  # fmt: skip
    return goals


def _gate_p99(g: dict[str, Any] | None) -> dict[str, Any]:
    """The gate's p99 at 16 connections (`gate_p99`) and at 1 (`gate_p99_c1`)."""
    runs = (g or {}).get("runs") or {}
    return {"gate_p99": ((runs.get("c16") or {}).get("gate") or {}).get("p99_ms"),
            "gate_p99_c1": ((runs.get("c1") or {}).get("gate") or {}).get("p99_ms")}  # fmt: skip


def _rss_max(r: dict[str, Any]) -> float | None:
    """The largest RSS of the services after the gate benchmark's load (`rss_mb`)."""
    rss = (r.get("gate") or {}).get("rss_mb") or {}
    r["rss_mb"] = {k: v for k, v in rss.items() if k != "trivial"}
    return max(r["rss_mb"].values(), default=None)


def _div(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return str(v)


def markdown(r: dict[str, Any]) -> str:
    """The results as Markdown: goals first, then each benchmark's table."""
    m = r["machine"]
    out = [
        f"# aims benchmarks ({r['mode']} run)", "",
        f"Run {r['date']} on {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB,"
        f" PostgreSQL {m.get('postgresql') or '?'} (fsync and synchronous_commit on),"
        f" Python {m['python']}; {r.get('duration_s')} s in all. Ratios are aims / other,"
        " measured in this run on the same server (higher is better for aims).", "",
        "| goal | measured | met |", "| --- | --- | --- |",
    ]  # fmt: skip
    for g in r.get("goals", []):
        met = {True: "yes", False: "**no**", None: "–"}[g["met"]]
        out.append(f"| {g['goal']} | {_fmt(g['value'])} | {met} |")
    out += _append_md(r.get("append")) + _history_md(r.get("history"))
    out += _lag_gate_md(r.get("lag"), r.get("gate")) + _observations_md(r.get("observations"))
    out += _failover_md(r.get("failover"))
    if r.get("errors"):
        out += ["", "## Errors", ""] + [f"- {k}: {v}" for k, v in r["errors"].items()]
    return "\n".join(out) + "\n"


def _append_md(a: dict[str, Any] | None) -> list[str]:
    if not a:
        return []
    names = [n for n, c in a["contenders"].items() if "note" in c]
    out = ["", "## Append (events/s, p50/p99 ms)", "",
           f"{a['seconds_per_case']} s per case and contender (in {a.get('rounds_per_case', 1)}"
           " slices, the contenders taking turns); shape w<writers>_e<events per transaction>.",
           "",
           "| case | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]  # fmt: skip
    for case, row in a["cases"].items():
        cells = [_cell(row[n]) if n in row else "–" for n in names]
        out.append(f"| {case} | " + " | ".join(cells) + " |")
    out += [""] + [f"- {n}: {c.get('note') or c.get('error')}" for n, c in a["contenders"].items()]
    ratios = a.get("ratios", {})
    out += ["", "aims / peer (events/s) per case:", "",
            "| case | " + " | ".join(PEERS) + " |", "|---" * (len(PEERS) + 1) + "|"]  # fmt: skip
    for case in a["cases"]:
        cells = [_fmt(ratios.get(f"append_{case}_vs_{peer}")) for peer in PEERS]
        out.append(f"| {case} | " + " | ".join(cells) + " |")
    return out


def _cell(c: dict[str, Any]) -> str:
    return f"{c['events_per_s']:,.0f} ({_fmt(c['p50_ms'])}/{_fmt(c['p99_ms'])})"


def _proof_p99(h: dict[str, Any] | None) -> dict[str, Any]:
    """Proof latency p99 at the largest log the history benchmark reached."""
    phases = list(((h or {}).get("sizes") or {}).values())
    proofs = (phases[-1].get("tlog_proofs") or {}) if phases else {}
    return {f"{kind}_proof_p99": (proofs.get(kind) or {}).get("p99_ms")
            for kind in ("inclusion", "consistency")}  # fmt: skip


def _history_md(h: dict[str, Any] | None) -> list[str]:
    if not h:
        return []
    ops = ("raw_read", "replay", "verify", "export", "export_stored", "tlog_signer_pass")
    out = [
        "",
        "## Reading the log (events/s, peak RSS growth MiB)",
        "",
        "| events | load ev/s | " + " | ".join(ops) + " |",
        "|---" * (len(ops) + 2) + "|",
    ]
    for phase in h["sizes"].values():
        cells = []
        for op in ops:
            p = phase[op]
            cells.append(
                p.get("skipped")
                and "skipped"
                or p.get("error")
                and "error"
                or f"{_fmt(p.get('events_per_s'))} ({_fmt(p.get('growth_mib'))})"
            )
        out.append(f"| {phase['events']:,} | {_fmt(phase['load_events_per_s'])} | "
                   + " | ".join(cells) + " |")  # fmt: skip
    out += ["", "tlog_signer_pass: the checkpoint signer's full pass (chain, leaves, stored"
            " tree nodes, every checkpoint).", "",
            "| events | inclusion proof p50 / p99 ms | consistency proof p50 / p99 ms |",
            "| --- | --- | --- |"]  # fmt: skip
    for phase in h["sizes"].values():
        proofs = phase.get("tlog_proofs") or {}
        inc, con = proofs.get("inclusion") or {}, proofs.get("consistency") or {}
        out.append(f"| {phase['events']:,} | {_fmt(inc.get('p50_ms'))} / {_fmt(inc.get('p99_ms'))}"
                   f" | {_fmt(con.get('p50_ms'))} / {_fmt(con.get('p99_ms'))} |")  # fmt: skip
    for phase in h["sizes"].values():
        for op in ops:
            note = phase[op].get("skipped") or phase[op].get("error")
            if note:
                out.append(f"\n{op} at {phase['events']:,} events: {note}")
    audit = h.get("audit", {})
    out += ["", f"## Audit queries ({audit.get('rounds')} rounds)", "",
            "| query | p50 ms | p99 ms | indexes (EXPLAIN ANALYZE) | seq scan |",
            "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for name, q in audit.items():
        if not isinstance(q, dict):
            continue
        if "error" in q:
            out.append(f"| {name} | error: {q['error']} | | | |")
            continue
        ex = q["explain"]
        out.append(
            f"| {name} | {_fmt(q['p50_ms'])} | {_fmt(q['p99_ms'])} |"
            f" {', '.join(ex['indexes'])} | {'yes' if ex['seq_scan'] else 'no'} |"
        )
    return out


def _lag_gate_md(lag: dict[str, Any] | None, gate: dict[str, Any] | None) -> list[str]:
    out: list[str] = []
    if lag:
        out += ["", "## Projection lag", "",
                f"{lag['writers']} writers as fast as they can, {lag['events']:,} events in"
                f" {lag['seconds']} s ({_fmt(lag['events_per_s'])}/s) into"
                f" {', '.join(lag['projections'])}: p50 {_fmt(lag['p50_ms'])} ms,"
                f" p99 {_fmt(lag['p99_ms'])} ms, max {_fmt(lag['max_ms'])} ms (a backlog that"
                " grows while the load lasts)."]  # fmt: skip
        if paced := lag.get("paced"):
            out += ["", f"At a steady {_fmt(paced['offered_events_per_s'])} events/s offered"
                    f" (the goal's load; {_fmt(paced['events_per_s'])}/s appended):"
                    f" p50 {_fmt(paced['p50_ms'])}"
                    f" ms, p99 {_fmt(paced['p99_ms'])} ms,"
                    f" max {_fmt(paced['max_ms'])} ms."]  # fmt: skip
    if gate and gate.get("skipped"):
        out += ["", "## Gate under load (uvicorn, wrk)", "", f"Not measured: {gate['skipped']}."]
    elif gate:
        out += ["", "## Gate under load (uvicorn, wrk)", "",
                f"{gate['systems']:,} systems; {gate['load_generator']},"
                f" {gate['seconds_per_run']} s per run, {gate['workers']} uvicorn worker(s) per"
                " service; every answer recorded"
                f" ({_fmt(gate['decisions_recorded'])}).", "",
                "| endpoint | connections | requests/s | p50 ms | p99 ms |",
                "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for conns, row in gate["runs"].items():
            for name, g in row.items():
                out.append(f"| {name} | {conns[1:]} | {_fmt(g['requests_per_s'])} |"
                           f" {_fmt(g['p50_ms'])} | {_fmt(g['p99_ms'])} |")  # fmt: skip
        for name, g in gate.get("reads", {}).items():
            out.append(f"| {name} list | 16 | {_fmt(g['requests_per_s'])} |"
                       f" {_fmt(g['p50_ms'])} | {_fmt(g['p99_ms'])} |")  # fmt: skip
        out += [
            "",
            "RSS after the load (MB, all processes of a service): "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in gate.get("rss_mb", {}).items()),
        ]
    return out


def _observations_md(o: dict[str, Any] | None) -> list[str]:
    if not o:
        return []
    out = ["", "## Observation ingest (uvicorn, breach detection on)", "",
           f"{o['batches']:,} batches of {o['batch_size']:,} from {o['concurrency']} clients into"
           f" {o['systems']} monitored systems: {_fmt(o['observations_per_s'])} observations/s"
           f" (batch p50 {_fmt(o['batch']['p50_ms'])} ms, p99 {_fmt(o['batch']['p99_ms'])} ms);"
           f" {o['outcomes'].get('breaches_opened', 0)} breaches opened,"
           f" {o['outcomes'].get('summaries', 0)} summaries written.", "",
           "| gate decisions (2 clients) | p50 ms | p99 ms |", "| --- | --- | --- |"]  # fmt: skip
    for name in ("gate_alone", "gate_during_ingest", "gate_after_ingest"):
        g = o.get(name) or {}
        out.append(
            f"| {name.replace('_', ' ')} | {_fmt(g.get('p50_ms'))} | {_fmt(g.get('p99_ms'))} |"
        )
    return out


def _failover_md(f: dict[str, Any] | None) -> list[str]:
    if not f or "recovery_s" not in f:
        return []
    return ["", "## Failover (kill -9 of the primary, synchronous standby promoted)", "",
            f"{_fmt(f['recovery_s'])} s from the kill to the first acknowledged write"
            f" ({_fmt(f['after_promote_s'])} s after the promotion, which took"
            f" {_fmt(f['promote_s'])} s); {f['acknowledged']:,} appends acknowledged,"
            f" {f['acknowledged_lost']} of them lost; {f['responses_503']} answers 503,"
            f" {f['responses_500']} answers 500; the chain verifies: {f['chain_ok']}."]  # fmt: skip
