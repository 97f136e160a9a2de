"""Coverage route: how far the records show a framework's requirements met."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter

from services.evidence.coverage import queries
from services.evidence.coverage.domain import Coverage, Facts, watched
from services.evidence.coverage.schemas import CoverageOut, Framework
from services.evidence.fields import BAD_PAGE, NOT_FRESH, problems
from shared.http.deps import Fresh, ReadPool
from shared.http.problems import Problem

router = APIRouter(tags=["coverage"])
_NO_SYSTEM = (404, "no such AI system (`system_not_found`)")


@router.get("/v1/coverage", response_model=CoverageOut, response_model_exclude_none=True,
            dependencies=[Fresh], responses=problems(BAD_PAGE, NOT_FRESH, _NO_SYSTEM))  # fmt: skip
async def coverage(
    pool: ReadPool, framework: Framework, system_id: UUID | None = None
) -> dict[str, Any]:
    """Every requirement of the framework: met, partial, expired or missing, and why."""
    facts = await gather(pool, system_id)
    return Coverage(facts).report(framework)


async def gather(pool: asyncpg.Pool, system_id: UUID | None) -> Facts:
    """What the read models hold in the scope (one system, or the whole organisation)."""
    tier = None
    if system_id is not None:
        tier = await queries.system_tier(pool, system_id)
        if tier is None:
            raise Problem(404, f"no AI system {system_id}", code="system_not_found")
    now = datetime.now(UTC)
    types = watched()
    everywhere = await queries.records(pool, types, None)
    scoped = await queries.records(pool, types, system_id) if system_id else everywhere
    return Facts(now, await queries.soa(pool), await queries.evidence(pool, system_id, now),
                 scoped, everywhere, str(system_id) if system_id else None, tier)  # fmt: skip
