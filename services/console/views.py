"""Shapes the API answers into what the pages draw (pure functions, tested directly)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

LEVEL_ORDER = ["low", "medium", "high", "critical"]


def heat_map(risks: list[dict[str, Any]], size: int = 5) -> dict[str, Any]:
    """Counts of open risks per (likelihood, consequence) cell; rows from likely to rare."""
    counts = [[0] * size for _ in range(size)]
    levels: dict[tuple[int, int], str] = {}
    for r in risks:
        if r.get("status") == "closed":
            continue
        lk, cq = int(r.get("likelihood", 0)), int(r.get("consequence", 0))
        if 1 <= lk <= size and 1 <= cq <= size:
            counts[lk - 1][cq - 1] += 1
            levels[(lk, cq)] = str(r.get("level", ""))
    rows = [
        {"likelihood": lk, "cells": [
            {"consequence": cq, "count": counts[lk - 1][cq - 1], "level": levels.get((lk, cq), "")}
            for cq in range(1, size + 1)
        ]}
        for lk in range(size, 0, -1)
    ]  # fmt: skip
    return {"rows": rows, "total": sum(map(sum, counts)), "size": size}


def soa_coverage(body: Any) -> dict[str, Any]:
    """Applicable controls with their evidence state: current, expired or missing."""
    entries = body.get("controls", body.get("items", [])) if isinstance(body, dict) else body or []
    now = datetime.now(UTC)
    rows, tally = [], {"current": 0, "expired": 0, "missing": 0}
    for e in entries:
        if not e.get("applicable", True):
            continue
        state = e.get("evidence_status") or _state(e.get("evidence", []), now)
        tally[state] = tally.get(state, 0) + 1
        rows.append({**e, "evidence_state": state})
    return {"rows": rows, "tally": tally}


def _state(evidence: list[dict[str, Any]], now: datetime) -> str:
    if not evidence:
        return "missing"
    for ev in evidence:
        until = ev.get("valid_until")
        if not until or datetime.fromisoformat(until.replace("Z", "+00:00")) > now:
            return "current"
    return "expired"
