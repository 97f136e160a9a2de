"""Read side of the register: lists from its projection, and current reads of the log.

The lists read the projection tables (they may lag; `?min_position=` waits for them).
Commands and single-resource reads never do: they need what is in the log now, so the
acceptances of a risk are found in `events` itself, on the primary.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.risk.register.domain import Acceptance
from shared.domain.repository import Repository
from shared.http.pagination import Condition, Page, keyset_page

RISK_COLUMNS = (
    "id, system_id, title, category, owner, likelihood, consequence, level, criteria_version,"
    " residual_likelihood, residual_consequence, residual_level, residual_criteria_version,"
    " above_appetite, status, accepted_by_id AS acceptance_id, version, created_position,"
    " created_at, updated_at"
)
# A treatment still planned after its due date.
OVERDUE = "(status = 'planned' AND due < CURRENT_DATE)"
# Uses a partial expression index on `events` (migration 0003).
_ACCEPTANCES = (
    "SELECT stream_id FROM events WHERE type = 'AcceptanceRequested'"
    " AND data->>'risk_id' = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2)"
    " ORDER BY position"
)


async def _page(
    pool: asyncpg.Pool, table: str, conditions: list[Condition], cursor: str | None,
    limit: int, columns: str = "*",
) -> Page:  # fmt: skip
    return await keyset_page(
        pool, table, conditions, cursor=cursor, limit=limit, columns=columns, keep_key=False
    )


async def list_risks(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, system_id: UUID | None,
    level: str | None, status: str | None, owner: str | None, category: str | None,
) -> Page:  # fmt: skip
    """Risks, newest first; a filter left None matches every risk."""
    conditions = [
        ("system_id = {}", system_id), ("level = {}", level), ("status = {}", status),
        ("owner = {}", owner), ("category = {}", category),
    ]  # fmt: skip
    return await _page(pool, "risk_risk", conditions, cursor, limit, RISK_COLUMNS)


async def list_treatments(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, overdue: bool | None,
    risk_id: UUID | None, system_id: UUID | None, owner: str | None, status: str | None,
) -> Page:  # fmt: skip
    """Treatments, newest first, each saying whether it is overdue."""
    conditions = [
        (f"{OVERDUE} = {{}}", overdue), ("risk_id = {}", risk_id),
        ("system_id = {}", system_id), ("owner = {}", owner), ("status = {}", status),
    ]  # fmt: skip
    columns = f"*, {OVERDUE} AS overdue"
    return await _page(pool, "risk_treatment", conditions, cursor, limit, columns)


async def list_acceptances(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, risk_id: UUID | None,
    system_id: UUID | None, status: str | None,
) -> Page:  # fmt: skip
    """Acceptance requests and decisions, newest first."""
    conditions = [("risk_id = {}", risk_id), ("system_id = {}", system_id), ("status = {}", status)]
    return await _page(pool, "risk_acceptance", conditions, cursor, limit)


async def expired_acceptance_ids(pool: asyncpg.Pool, now: datetime) -> list[UUID]:
    """Open acceptances past their expiry, soonest expired first."""
    rows = await pool.fetch(
        "SELECT id FROM risk_acceptance WHERE status IN ('requested', 'approved')"
        " AND expires_at <= $1 ORDER BY expires_at",
        now,
    )
    return [r["id"] for r in rows]


async def acceptance_ids(
    repo: Repository, risk_id: UUID, as_of: datetime | None = None
) -> list[UUID]:
    """Ids of every acceptance requested for a risk (by `as_of`), oldest first, from the log."""
    rows = await repo.store.pool.fetch(_ACCEPTANCES, str(risk_id), as_of)
    return [UUID(r["stream_id"].split("-", 1)[1]) for r in rows]


async def acceptances_of(
    repo: Repository, risk_id: UUID, as_of: datetime | None = None
) -> list[Acceptance]:
    """Every acceptance requested for a risk, oldest first, as it is (or was at `as_of`)."""
    ids = await acceptance_ids(repo, risk_id, as_of)
    return [await repo.load(Acceptance, i, as_of=as_of) for i in ids]
