"""The Statement of Applicability, read from the projections.

Each Annex A control with its entry, the risks whose treatments chose it, and the
evidence (recorded by the evidence service) that supports it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.contract import annex_a


async def soa(
    pool: asyncpg.Pool, now: datetime, system_id: UUID | None = None
) -> list[dict[str, Any]]:
    """Every Annex A control with its SoA entry, the risks treating it and its evidence."""
    entries = {r["control_id"]: dict(r) for r in await pool.fetch("SELECT * FROM risk_soa_entry")}
    treated = await pool.fetch(
        "SELECT t.id AS treatment_id, t.controls, t.option, r.id, r.title, r.status,"
        " coalesce(r.residual_level, r.level) AS level FROM risk_treatment t"
        " JOIN risk_risk r ON r.id = t.risk_id WHERE $1::uuid IS NULL OR t.system_id = $1"
        " ORDER BY t.created_position",
        system_id,
    )
    evidence = await pool.fetch(
        "SELECT * FROM risk_control_evidence WHERE superseded_by IS NULL"
        " AND ($1::uuid IS NULL OR $1 = ANY(system_ids)) ORDER BY collected_at",
        system_id,
    )
    return [
        _row(c, entries.get(cid), treated, [e for e in evidence if e["control_id"] == cid], now)
        for cid, c in annex_a.controls().items()
    ]


def _row(
    c: annex_a.Control, entry: dict[str, Any] | None, treated: list[asyncpg.Record],
    evidence: list[asyncpg.Record], now: datetime,
) -> dict[str, Any]:  # fmt: skip
    risks: dict[str, Any] = {}
    for t in treated:
        if c.id in t["controls"]:
            risks.setdefault(t["id"], {"risk_id": str(t["id"]), "title": t["title"],
                                       "level": t["level"], "status": t["status"]})  # fmt: skip
    items = [
        {"evidence_id": str(e["evidence_id"]), "title": e["title"], "kind": e["kind"],
         "collected_at": e["collected_at"], "valid_until": e["valid_until"],
         "expired": e["valid_until"] is not None and e["valid_until"] <= now}
        for e in evidence
    ]  # fmt: skip
    if not items:
        evidence_status = "missing"
    elif all(i["expired"] for i in items):
        evidence_status = "expired"
    else:
        evidence_status = "current"
    applicable = entry["applicable"] if entry else None
    flags = []
    if entry is None:
        flags.append("not_decided")
    if (applicable or risks) and evidence_status != "current":
        flags.append(f"evidence_{evidence_status}")
    return {
        "control_id": c.id, "title": c.title, "group": c.group, "group_title": c.group_title,
        "applicable": applicable, "justification": entry["justification"] if entry else None,
        "status": entry["status"] if entry else None, "owner": entry["owner"] if entry else None,
        "deployment_gate": entry["deployment_gate"] if entry else False,
        "risks": list(risks.values()), "evidence": items, "evidence_status": evidence_status,
        "flags": flags,
    }  # fmt: skip
