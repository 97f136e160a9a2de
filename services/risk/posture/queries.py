"""Read side of a system's posture, from the register and impact projections."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.contract.criteria import DEFAULT

EXPIRY_WARNING_DAYS = 30


async def current_levels(pool: asyncpg.Pool) -> list[str]:
    """The levels of the newest criteria (the default ones until any are set)."""
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
        "monitoring": await monitoring(pool, system_id, now),
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


async def monitoring(pool: asyncpg.Pool, system_id: UUID, now: datetime) -> dict[str, Any]:
    """The system's monitoring plan review (due, overdue) and its breaches awaiting review."""
    row = await pool.fetchrow(
        "SELECT metrics, review_every_days, review_due_at, reviewed_at, reviewed_by,"
        " open_breaches FROM risk_monitoring_review WHERE system_id = $1",
        system_id,
    )
    if row is None:
        return {"plan": False, "review_overdue": False, "open_breaches": []}
    return {
        "plan": True, "metrics": row["metrics"], "review_every_days": row["review_every_days"],
        "reviewed_at": row["reviewed_at"], "reviewed_by": row["reviewed_by"],
        "review_due_at": row["review_due_at"], "review_overdue": now > row["review_due_at"],
        "open_breaches": list(row["open_breaches"]),
    }  # fmt: skip
