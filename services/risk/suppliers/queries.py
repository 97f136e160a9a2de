"""Read side of suppliers: the list from its projection."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Condition, Page, keyset_page

DUE = "(status = 'active' AND next_review_at <= now())"
COLUMNS = (
    "id, name, services, contract_ref, due_diligence, review_every_days, description, owner,"
    " system_ids, risk_ids, approval_status, approved_by, approved_at, status, next_review_at,"
    f" {DUE} AS review_due, reviewed_at, author, version, created_position, created_at,"
    " updated_at"
)


async def list_suppliers(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, system_id: UUID | None,
    risk_id: UUID | None, due_diligence: str | None, approval_status: str | None,
    status: str | None, review_due: bool | None,
) -> Page:  # fmt: skip
    """Suppliers, newest first."""
    conditions: list[Condition] = [
        ("{} = ANY(system_ids)", system_id), ("{} = ANY(risk_ids)", risk_id),
        ("due_diligence = {}", due_diligence), ("approval_status = {}", approval_status),
        ("status = {}", status),
    ]  # fmt: skip
    if review_due is not None:
        conditions.append((DUE if review_due else f"NOT {DUE}", ...))
    return await keyset_page(pool, "risk_supplier", conditions, cursor=cursor, limit=limit,
                             columns=COLUMNS, keep_key=False)  # fmt: skip
