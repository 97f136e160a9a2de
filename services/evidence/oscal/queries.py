"""Read-side SQL of the OSCAL exports: the SoA, evidence, audits and nonconformities, with
the events of their streams (for what the read models do not keep: criteria, summaries,
root causes, corrective actions)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.evidence.oscal.domain import Stamp
from services.evidence.oscal.domain.common import actor_of


async def head(pool: asyncpg.Pool) -> Stamp | None:
    """The newest event of the log (None when the log is empty)."""
    row = await pool.fetchrow("SELECT position, recorded_at FROM events ORDER BY position DESC"
                              " LIMIT 1")  # fmt: skip
    return Stamp(row["recorded_at"], row["position"]) if row else None


async def soa(pool: asyncpg.Pool) -> dict[str, dict[str, Any]]:
    """The current SoA entry of each decided control."""
    rows = await pool.fetch(
        "SELECT control_id, applicable, justification, status, owner, set_at, position"
        " FROM evidence_soa ORDER BY control_id"
    )
    return {r["control_id"]: dict(r) for r in rows}


async def evidence(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Evidence linked to controls and not superseded, oldest first."""
    rows = await pool.fetch(
        "SELECT id, kind, title, sha256, uri, stored, media_type, control_ids, valid_until,"
        " collected_at, created_at, created_position FROM evidence_evidence"
        " WHERE superseded_by IS NULL AND cardinality(control_ids) > 0 ORDER BY created_position"
    )
    return [dict(r) for r in rows]


async def audits(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Every audit, oldest first, with the events of its stream."""
    rows = [dict(r) for r in await pool.fetch(
        "SELECT id, title, scope, status, auditors, system_ids, starts_on, ends_on, created_at,"
        " created_position FROM evidence_audit ORDER BY created_position"
    )]  # fmt: skip
    return await _with_events(pool, rows, "audit")


async def findings(pool: asyncpg.Pool, ids: list[UUID] | None = None) -> list[dict[str, Any]]:
    """Audit findings (all, or those with `ids`), oldest first, with the nonconformity each
    raised."""
    rows = await pool.fetch(
        "SELECT f.id, f.audit_id, f.kind, f.reference, f.description, f.system_id, f.raised_by,"
        " f.created_at, f.created_position, nc.id AS nc_id FROM evidence_finding f"
        " LEFT JOIN evidence_nc nc ON nc.finding_id = f.id"
        " WHERE $1::uuid[] IS NULL OR f.id = ANY($1) ORDER BY f.created_position",
        ids,
    )
    return [dict(r) for r in rows]


async def nonconformities(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Every nonconformity, oldest first, with the events of its stream."""
    rows = [dict(r) for r in await pool.fetch(
        "SELECT id, title, owner, status, system_id, finding_id, audit_id, reference,"
        " created_at, created_position FROM evidence_nc ORDER BY created_position"
    )]  # fmt: skip
    return await _with_events(pool, rows, "nc")


async def _with_events(
    pool: asyncpg.Pool, rows: list[dict[str, Any]], category: str
) -> list[dict[str, Any]]:
    """Each row with `events`: its stream's events (type, data, actor, time), oldest first."""
    streams = {f"{category}-{r['id']}": r for r in rows}
    for r in rows:
        r["events"] = []
    if not streams:
        return rows
    found = await pool.fetch(
        "SELECT id, stream_id, type, data, metadata, recorded_at, position FROM events"
        " WHERE stream_id = ANY($1) ORDER BY position",
        list(streams),
    )
    for e in found:
        streams[e["stream_id"]]["events"].append({
            "id": e["id"], "type": e["type"], "data": e["data"], "actor": actor_of(e["metadata"]),
            "recorded_at": e["recorded_at"], "position": e["position"],
        })  # fmt: skip
    return rows
