"""Read side of AI policies: the list from its projection, and who should acknowledge."""

from __future__ import annotations

import asyncpg

from shared.http.pagination import Condition, Page, keyset_page

DUE = "coalesce(next_review_at <= now(), false)"
COLUMNS = (
    "id, title, owner, author, scope, control_ids, evidence_id, review_every_days,"
    " policy_version, approval_status, in_force_version, approved_by, approved_at,"
    f" reviewed_at, next_review_at, {DUE} AS review_due, version, created_position,"
    " created_at, updated_at"
)
# Everyone who holds an active AI role (the roster kept with `/v1/ai-roles`).
_ROSTER = (
    "SELECT DISTINCT m AS person FROM risk_ai_role, unnest(members) AS m"
    " WHERE status = 'active' ORDER BY 1"
)


async def list_policies(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, review_due: bool | None,
    approval_status: str | None, owner: str | None,
) -> Page:  # fmt: skip
    """AI policies, newest first; `review_due` keeps those past (or not past) their review."""
    conditions: list[Condition] = [
        ("approval_status = {}", approval_status), ("owner = {}", owner),
    ]  # fmt: skip
    if review_due is not None:
        conditions.append((DUE if review_due else f"NOT {DUE}", ...))
    return await keyset_page(pool, "risk_policy", conditions, cursor=cursor, limit=limit,
                             columns=COLUMNS, keep_key=False)  # fmt: skip


async def roster(pool: asyncpg.Pool) -> list[str]:
    """The people expected to acknowledge the AI policy: every holder of an active AI role."""
    return [r["person"] for r in await pool.fetch(_ROSTER)]
