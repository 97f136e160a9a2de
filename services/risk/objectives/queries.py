"""Read side of AI objectives: the list, its status computed in SQL by the domain's rule."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Condition, Page, keyset_page

# objective_status (domain.py) in SQL, over the row's first and latest measurement.
_TODAY = "(now() AT TIME ZONE 'UTC')::date"
_START = "(created_at AT TIME ZONE 'UTC')::date"
_ELAPSED = f"least(greatest(({_TODAY} - {_START})::float8 / greatest(due - {_START}, 1), 0), 1)"
_REF = "coalesce(baseline, first_value)"
_EXPECTED = f"({_REF} + (target - {_REF}) * {_ELAPSED})"
_VALUE = "coalesce(latest_value, baseline)"
STATUS = (
    "CASE WHEN latest_value IS NOT NULL AND ((direction = 'at_least' AND latest_value >= target)"
    " OR (direction = 'at_most' AND latest_value <= target)) THEN 'met'"
    f" WHEN {_TODAY} > due THEN 'missed'"
    f" WHEN {_REF} IS NULL THEN CASE WHEN {_ELAPSED} > 0.5 THEN 'at_risk' ELSE 'on_track' END"
    f" WHEN (direction = 'at_least' AND {_VALUE} < {_EXPECTED})"
    f" OR (direction = 'at_most' AND {_VALUE} > {_EXPECTED}) THEN 'at_risk'"
    " ELSE 'on_track' END"
)
COLUMNS = (
    "id, title, measure, unit, target, direction, baseline, due, owner, system_ids,"
    f" {STATUS} AS status, latest_value, latest_measured_at, measurements, approval_status,"
    " approved_by, approved_at, author, version, created_position, created_at, updated_at"
)


async def list_objectives(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, status: str | None,
    owner: str | None, system_id: UUID | None, approval_status: str | None,
) -> Page:  # fmt: skip
    """AI objectives, newest first, each with its status as of today."""
    conditions: list[Condition] = [
        (f"({STATUS}) = {{}}", status), ("owner = {}", owner),
        ("{} = ANY(system_ids)", system_id), ("approval_status = {}", approval_status),
    ]  # fmt: skip
    return await keyset_page(pool, "risk_objective", conditions, cursor=cursor, limit=limit,
                             columns=COLUMNS, keep_key=False)  # fmt: skip
