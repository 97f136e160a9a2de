"""Read-side SQL of coverage: the SoA, evidence per control and the newest record per type."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.evidence.coverage.domain import EVIDENCE_SHOWN, Found

# Per control, the newest pieces of evidence in scope (current ones first) and how many
# there are: evidence naming the system, or no system (organisation-wide).
_EVIDENCE = """
SELECT * FROM (
    SELECT c.control_id, e.id, e.title, e.kind, e.valid_until, e.collected_at,
           (e.valid_until IS NULL OR e.valid_until > $2) AS current,
           count(*) OVER (PARTITION BY c.control_id) AS total,
           row_number() OVER (
               PARTITION BY c.control_id
               ORDER BY (e.valid_until IS NULL OR e.valid_until > $2) DESC,
                        e.created_position DESC
           ) AS n
    FROM evidence_evidence e CROSS JOIN LATERAL unnest(e.control_ids) AS c(control_id)
    WHERE e.superseded_by IS NULL
      AND ($1::uuid IS NULL OR cardinality(e.system_ids) = 0 OR $1 = ANY(e.system_ids))
) shown WHERE n <= $3 ORDER BY control_id, n
"""

# The newest audit-trail row of each event type, and how many rows of it, in scope. One
# pass over the trail's (type, position) index for the types asked about.
_RECORDS = """
SELECT DISTINCT ON (type) type, position, stream_id, summary, recorded_at,
       count(*) OVER (PARTITION BY type) AS n
FROM evidence_trail
WHERE type = ANY($1)
  AND ($2::uuid IS NULL OR cardinality(system_ids) = 0 OR $2 = ANY(system_ids))
ORDER BY type, position DESC
"""


async def soa(pool: asyncpg.Pool) -> dict[str, dict[str, Any]]:
    """The SoA entry of each decided control (this service's projection of SoAEntrySet)."""
    rows = await pool.fetch(
        "SELECT control_id, applicable, justification, status, owner FROM evidence_soa"
    )
    return {r["control_id"]: dict(r) for r in rows}


async def evidence(
    pool: asyncpg.Pool, system_id: UUID | None, now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """Evidence per Annex A control in scope, not superseded, current first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in await pool.fetch(_EVIDENCE, system_id, now, EVIDENCE_SHOWN):
        out.setdefault(r["control_id"], []).append(dict(r))
    return out


async def records(pool: asyncpg.Pool, types: list[str], system_id: UUID | None) -> dict[str, Found]:
    """The newest record of each of `types` about the system or no system (all, if None)."""
    rows = await pool.fetch(_RECORDS, types, system_id)
    return {
        r["type"]: Found(r["type"], r["n"], r["position"], r["stream_id"], r["summary"],
                         r["recorded_at"])
        for r in rows
    }  # fmt: skip


async def system_tier(pool: asyncpg.Pool, system_id: UUID) -> str | None:
    """The EU AI Act tier of a registered system (None when it is not registered)."""
    tier = await pool.fetchval(
        "SELECT eu_ai_act_tier FROM evidence_system WHERE system_id = $1", system_id
    )
    return str(tier) if tier is not None else None
