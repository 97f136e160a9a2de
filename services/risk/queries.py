"""Read-side queries over the risk projections: SoA join and per-system posture."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.contract import annex_a
from shared.contract.criteria import DEFAULT

EXPIRY_WARNING_DAYS = 30


async def soa(pool: asyncpg.Pool, now: datetime, system_id: UUID | None = None) -> list[dict]:
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
    c: annex_a.Control, entry: dict | None, treated: list, evidence: list, now: datetime
) -> dict[str, Any]:
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


CSV_COLUMNS = (
    "control_id", "title", "group", "applicable", "justification", "status", "owner",
    "risk_ids", "evidence_ids", "evidence_status", "flags",
)  # fmt: skip


def soa_csv(rows: list[dict[str, Any]]) -> str:
    """The SoA as CSV, one line per control (lists joined with ';')."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for r in rows:
        applicable = "" if r["applicable"] is None else ("yes" if r["applicable"] else "no")
        w.writerow([
            r["control_id"], r["title"], r["group"], applicable, r["justification"] or "",
            r["status"] or "", r["owner"] or "", ";".join(str(x["risk_id"]) for x in r["risks"]),
            ";".join(str(x["evidence_id"]) for x in r["evidence"]), r["evidence_status"],
            ";".join(r["flags"]),
        ])  # fmt: skip
    return out.getvalue()


async def current_levels(pool: asyncpg.Pool) -> list[str]:
    row = await pool.fetchrow(
        "SELECT levels FROM risk_criteria ORDER BY criteria_version DESC LIMIT 1"
    )
    return list(row["levels"]) if row else list(DEFAULT["levels"])


async def posture(pool: asyncpg.Pool, system_id: UUID, now: datetime) -> dict[str, Any]:
    """What the deployment gate and dashboards read about one AI system."""
    risks = await pool.fetch(
        "SELECT id, title, status, above_appetite, coalesce(residual_level, level) AS level"
        " FROM risk_risk WHERE system_id = $1 ORDER BY created_position",
        system_id,
    )
    by_level = dict.fromkeys(await current_levels(pool), 0)
    for r in risks:
        if r["status"] != "closed":
            by_level[r["level"]] = by_level.get(r["level"], 0) + 1
    acceptances = await pool.fetch(
        "SELECT id, risk_id, status, expires_at FROM risk_acceptance WHERE system_id = $1"
        " AND status IN ('requested', 'approved') ORDER BY expires_at",
        system_id,
    )
    overdue = await pool.fetchval(
        "SELECT count(*) FROM risk_treatment WHERE system_id = $1 AND status = 'planned'"
        " AND due < $2::date",
        system_id, now.date(),
    )  # fmt: skip
    impacts = await pool.fetch(
        "SELECT id, status, updated_at FROM risk_impact_assessment WHERE system_id = $1"
        " ORDER BY created_position DESC",
        system_id,
    )
    return {
        "system_id": system_id,
        "open_risks": {"total": sum(by_level.values()), "by_level": by_level},
        "unaccepted_above_appetite": [
            {"risk_id": r["id"], "title": r["title"], "level": r["level"], "status": r["status"]}
            for r in risks
            if r["above_appetite"] and r["status"] not in ("closed", "accepted")
        ],
        "acceptances": [_expiry(a, now) for a in acceptances if a["status"] == "approved"],
        "pending_acceptance_requests": sum(a["status"] == "requested" for a in acceptances),
        "overdue_treatments": overdue,
        "impact_assessment": {
            "status": impacts[0]["status"] if impacts else "none",
            "approved": any(i["status"] == "approved" for i in impacts),
            "assessments": [dict(i) for i in impacts],
        },
    }


def _expiry(a: asyncpg.Record, now: datetime) -> dict[str, Any]:
    days = (a["expires_at"] - now).total_seconds() / 86400
    return {
        "acceptance_id": a["id"], "risk_id": a["risk_id"], "expires_at": a["expires_at"],
        "expired": days <= 0, "expiring_soon": 0 < days <= EXPIRY_WARNING_DAYS,
    }  # fmt: skip
