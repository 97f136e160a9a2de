"""Read-side SQL of the audits feature: owners for impartiality, findings, lists."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page


async def owners_of(pool: asyncpg.Pool, system_ids: list[UUID]) -> dict[UUID, str]:
    """Owners of AI systems, from this service's projection of the registry's events."""
    rows = await pool.fetch(
        "SELECT system_id, owner FROM evidence_system WHERE system_id = ANY($1)", system_ids
    )
    return {r["system_id"]: r["owner"] for r in rows}


async def audit_of_finding(pool: asyncpg.Pool, finding_id: UUID) -> UUID | None:
    """The audit a finding was raised in, from the findings read model."""
    found = await pool.fetchval("SELECT audit_id FROM evidence_finding WHERE id = $1", finding_id)
    return UUID(str(found)) if found else None


async def list_audits(
    pool: asyncpg.Pool, *, status: str | None, system_id: UUID | None, cursor: str | None,
    limit: int,
) -> Page:  # fmt: skip
    """The audit programme, newest first."""
    return await keyset_page(pool, "evidence_audit", [
        ("status = {}", status), ("{} = ANY(system_ids)", system_id)],
        cursor=cursor, limit=limit)  # fmt: skip


async def list_nonconformities(
    pool: asyncpg.Pool, *, status: str | None, system_id: UUID | None, owner: str | None,
    cursor: str | None, limit: int,
) -> Page:  # fmt: skip
    """Nonconformities, newest first."""
    return await keyset_page(pool, "evidence_nc", [
        ("status = {}", status), ("system_id = {}", system_id), ("owner = {}", owner)],
        cursor=cursor, limit=limit)  # fmt: skip


async def list_reviews(pool: asyncpg.Pool, *, cursor: str | None, limit: int) -> Page:
    """Management reviews, newest first."""
    return await keyset_page(pool, "evidence_review", [], cursor=cursor, limit=limit)
