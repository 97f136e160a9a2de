"""Shapes the API answers into what the pages draw (pure functions, tested directly)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from shared.contract import eu_ai_act

LEVEL_ORDER = ["low", "medium", "high", "critical"]
STAGES = ["inception", "design", "verification", "deployment", "operation", "re_evaluation",
          "retired"]  # fmt: skip
TIERS = [t.id for t in eu_ai_act.tiers()]  # most protective first, as the data lists them
SHOWN = ("name", "owner", "frm", "to", "reason", "eu_ai_act_tier", "version", "model_version",
         "environment", "decision", "mode", "deployed_by", "notes", "changes", "previous_owner",
         "digest")  # fmt: skip


def heat_map(risks: list[dict[str, Any]], size: int = 5) -> dict[str, Any]:
    """Counts of open risks per (likelihood, consequence) cell; rows from likely to rare."""
    counts = [[0] * size for _ in range(size)]
    levels: dict[tuple[int, int], str] = {}
    by_level: Counter[str] = Counter()
    for r in risks:
        if r.get("status") == "closed":
            continue
        lk, cq = int(r.get("likelihood") or 0), int(r.get("consequence") or 0)
        if 1 <= lk <= size and 1 <= cq <= size:
            counts[lk - 1][cq - 1] += 1
            levels[(lk, cq)] = str(r.get("level", ""))
            by_level[str(r.get("level", ""))] += 1
    rows = [
        {"likelihood": lk, "cells": [
            {"consequence": cq, "count": counts[lk - 1][cq - 1],
             "level": levels.get((lk, cq)) or _default_level(lk * cq)}
            for cq in range(1, size + 1)
        ]}
        for lk in range(size, 0, -1)
    ]  # fmt: skip
    return {"rows": rows, "total": sum(map(sum, counts)), "size": size,
            "by_level": [(lv, by_level.get(lv, 0)) for lv in LEVEL_ORDER]}  # fmt: skip


def _default_level(score: int) -> str:
    """Background shade of an empty cell (the default 5x5 criteria)."""
    for limit, level in ((4, "low"), (9, "medium"), (16, "high")):
        if score <= limit:
            return level
    return "critical"


def soa_coverage(body: Any) -> dict[str, Any]:
    """Every control of the SoA with its evidence state; tallies over the applicable ones."""
    entries = body.get("items", []) if isinstance(body, dict) else body or []
    tally = {"current": 0, "expired": 0, "missing": 0}
    decided = {"applicable": 0, "excluded": 0, "undecided": 0}
    rows: list[dict[str, Any]] = []
    groups: list[Any] = []
    for e in entries:
        applicable = e.get("applicable")
        state = e.get("evidence_status") or ("current" if e.get("evidence") else "missing")
        if applicable is None:
            decided["undecided"] += 1
        elif applicable:
            decided["applicable"] += 1
            tally[state] = tally.get(state, 0) + 1
        else:
            decided["excluded"] += 1
        if not groups or groups[-1] != e.get("group"):
            groups.append(e.get("group"))
            rows.append({"heading": f"{e.get('group')} {e.get('group_title') or ''}".strip()})
        rows.append({**e, "evidence_state": state if applicable else "n/a",
                     "applicability": {None: "undecided", True: "applicable",
                                       False: "excluded"}[applicable]})  # fmt: skip
    covered = tally["current"] * 100 // decided["applicable"] if decided["applicable"] else 0
    return {"rows": rows, "tally": tally, "decided": decided, "covered": covered}


def inventory_summary(systems: list[dict[str, Any]]) -> dict[str, Any]:
    """How many systems are at each stage and in each tier."""
    stages, tiers = (
        Counter(s.get("stage") for s in systems),
        Counter(s.get("eu_ai_act_tier") for s in systems),
    )
    return {"total": len(systems), "stages": [(s, stages.get(s, 0)) for s in STAGES],
            "tiers": [(t, tiers.get(t, 0)) for t in TIERS]}  # fmt: skip


def describe(data: dict[str, Any]) -> str:
    """The notable fields of an event's data, as one line."""
    parts = []
    for k in SHOWN:
        v = data.get(k)
        if v in (None, "", [], {}):
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a}={b}" for a, b in v.items())
        parts.append(f"{k.replace('frm', 'from').replace('_', ' ')}: {v}")
    for r in data.get("reasons") or []:
        parts.append(f"{r.get('code')}: {r.get('message')}")
    return " · ".join(parts)


def history_rows(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`GET /v1/systems/{id}/history` entries as table rows, oldest first."""
    rows = []
    for h in history:
        data = h.get("data") or {}
        rows.append({
            "when": h.get("recorded_at"), "type": h.get("type"), "actor": h.get("actor") or "",
            "roles": ", ".join(h.get("roles") or []), "position": h.get("position"),
            "details": describe(data), "decision": data.get("decision"),
        })  # fmt: skip
    return rows


def when(value: Any) -> str:
    """An RFC 3339 time as `YYYY-MM-DD HH:MM:SS` (UTC)."""
    text = str(value or "")
    return text[:19].replace("T", " ") if len(text) >= 19 else text


def deadline(incident: dict[str, Any], now: datetime) -> dict[str, str]:
    """Where an incident stands against its Art. 73 notification deadline, for the page."""
    due = _instant(incident.get("notification_due_at"))
    sent = _instant(incident.get("initial_notified_at"))
    if not incident.get("serious") or due is None:
        return {"state": "none", "text": "no notification duty"}
    if sent is not None:
        late = sent > due
        text = f"notified {when(sent.isoformat())}" + (" (late)" if late else "")
        return {"state": "late" if late else "notified", "text": text}
    left = due - now
    if left.total_seconds() < 0:
        return {"state": "overdue", "text": f"overdue by {_span(-left.total_seconds())}"}
    return {"state": "due", "text": f"due in {_span(left.total_seconds())}"}


def incident_rows(incidents: list[dict[str, Any]], now: datetime | None = None) -> list[
        dict[str, Any]]:  # fmt: skip
    """Incidents for the list: open before closed, then by deadline, each with its state."""
    now = now or datetime.now(UTC)
    rows = [{**i, "deadline": deadline(i, now)} for i in incidents]
    order = {"overdue": 0, "due": 1, "late": 2, "notified": 3, "none": 4}
    return sorted(rows, key=lambda r: (r.get("status") == "closed", order[r["deadline"]["state"]],
                                       str(r.get("notification_due_at") or "")))  # fmt: skip


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _span(seconds: float) -> str:
    """A duration as whole days, else hours, else minutes."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"
