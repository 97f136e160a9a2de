"""The posture route: one AI system's risks, acceptances and impact assessments at a glance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.risk.posture import queries
from services.risk.responses import BAD_LIST, INVALID, documented
from shared.http.deps import Fresh, ReadPool

router = APIRouter(tags=["posture"])


@router.get(
    "/v1/systems/{system_id}/posture", dependencies=[Fresh],
    responses=documented(BAD_LIST, INVALID),
)  # fmt: skip
async def get_posture(system_id: UUID, pool: ReadPool) -> dict[str, Any]:
    """Open risks by level, unaccepted risks above appetite, expiries, impact status, and
    monitoring: whether the plan's review is overdue and which breaches await review."""
    return await queries.posture(pool, system_id, datetime.now(UTC))
