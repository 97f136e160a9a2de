"""Read side of competence: training records, and the roster and records the gaps compare."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.risk.competence.domain import Held, gaps
from shared.http.pagination import Condition, Page, keyset_page

STATUS = (
    "CASE WHEN withdrawn THEN 'withdrawn' WHEN expires_at IS NOT NULL AND expires_at <= now()"
    " THEN 'expired' ELSE 'current' END"
)
COLUMNS = (
    "id, person, competence, completed_at, expires_at, evidence_id, provider, recorded_by,"
    f" {STATUS} AS status, version, created_position, created_at, updated_at"
)
_HOLDERS = (
    "SELECT r.id, r.name, m.person, r.competences FROM risk_ai_role r, unnest(r.members) AS"
    " m(person) WHERE r.status = 'active' AND ($1::uuid IS NULL OR r.id = $1)"
    " AND ($2::text IS NULL OR m.person = $2) ORDER BY r.name, r.id, m.person"
)
_HELD = (
    "SELECT id, person, competence, expires_at FROM risk_training_record"
    " WHERE NOT withdrawn AND person = ANY($1) AND completed_at <= $2"
)


async def list_training(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, person: str | None,
    competence: str | None, status: str | None,
) -> Page:  # fmt: skip
    """Training records, newest first."""
    conditions: list[Condition] = [
        ("person = {}", person), ("competence = {}", competence), (f"{STATUS} = {{}}", status),
    ]  # fmt: skip
    return await keyset_page(pool, "risk_training_record", conditions, cursor=cursor,
                             limit=limit, columns=COLUMNS, keep_key=False)  # fmt: skip


async def competence_gaps(
    pool: asyncpg.Pool, now: datetime, role_id: UUID | None, person: str | None
) -> list[dict[str, Any]]:
    """Per active AI role and holder: the competences the role requires, held or not."""
    holders = await pool.fetch(_HOLDERS, role_id, person)
    held: dict[str, list[Held]] = defaultdict(list)
    for r in await pool.fetch(_HELD, sorted({h["person"] for h in holders}), now):
        held[r["person"]].append(Held(r["competence"], r["id"], r["expires_at"]))
    return [
        {"role_id": h["id"], "role": h["name"], "person": h["person"],
         "required": list(h["competences"]),
         **gaps(h["competences"], held[h["person"]], now)}
        for h in holders
    ]  # fmt: skip
