"""Read-side SQL of evidence records: the filtered list."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page


async def list_evidence(
    pool: asyncpg.Pool, *, system_id: UUID | None, control_id: str | None,
    risk_id: UUID | None, kind: str | None, include_superseded: bool, cursor: str | None,
    limit: int, expires_within_days: int | None = None,
) -> Page:  # fmt: skip
    """Evidence, newest first, each with its status and download link."""
    page = await keyset_page(pool, "evidence_evidence", [
        ("{} = ANY(system_ids)", system_id), ("{} = ANY(control_ids)", control_id),
        ("{} = ANY(risk_ids)", risk_id), ("kind = {}", kind),
        ("superseded_by IS NULL", None if include_superseded else ...),
        ("valid_until > now() AND valid_until <= now() + make_interval(days => {})",
         expires_within_days),
    ], cursor=cursor, limit=limit)  # fmt: skip
    now = datetime.now(UTC)
    for item in page.items:
        valid = item["valid_until"]
        item["status"] = ("superseded" if item["superseded_by"] else
                          "expired" if valid and valid <= now else "current")  # fmt: skip
        item["content_url"] = f"/v1/evidence/{item['id']}/content" if item["stored"] else None
    return page


async def blob_referenced(pool: asyncpg.Pool, sha256: str) -> bool:
    """Whether any recorded evidence names these stored bytes (asks the log, not a read model,
    so a record committed a moment ago counts; only refused uploads ask)."""
    return bool(await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE type = 'EvidenceRecorded'"
        " AND data->>'sha256' = $1 AND data->>'stored' = 'true')", sha256,
    ))  # fmt: skip
