"""Current reads of the log that commands need (never projections, which may lag)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from shared.domain.aggregate import Aggregate
from shared.domain.repository import Repository
from shared.kernel.eventstore import StreamNotFound

A = TypeVar("A", bound=Aggregate)

# Both queries use partial expression indexes on `events` (migration 0003).
_ACCEPTANCES = (
    "SELECT stream_id FROM events WHERE type = 'AcceptanceRequested'"
    " AND data->>'risk_id' = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2)"
    " ORDER BY position"
)
_IMPACTS = (
    "SELECT stream_id FROM events WHERE type = 'ImpactAssessmentDrafted'"
    " AND data->>'system_id' = $1 ORDER BY position"
)


async def load(repo: Repository, cls: type[A], id: UUID, as_of: datetime | None = None) -> A:
    """An aggregate of a known type (StreamNotFound when it has no events)."""
    agg = await repo.load(cls, id, as_of=as_of)
    assert isinstance(agg, cls)
    return agg


async def load_or_new(repo: Repository, cls: type[A], id: UUID) -> A:
    """The aggregate, or a fresh one when its stream is empty."""
    try:
        return await load(repo, cls, id)
    except StreamNotFound:
        return cls(id)


async def _ids(repo: Repository, sql: str, *args: Any) -> list[UUID]:
    rows = await repo.store.pool.fetch(sql, *args)
    return [UUID(r["stream_id"].split("-", 1)[1]) for r in rows]


async def acceptance_ids(
    repo: Repository, risk_id: UUID, as_of: datetime | None = None
) -> list[UUID]:
    """Ids of every acceptance requested for a risk, oldest first."""
    return await _ids(repo, _ACCEPTANCES, str(risk_id), as_of)


async def impact_ids(repo: Repository, system_id: UUID) -> list[UUID]:
    """Ids of every impact assessment of an AI system, oldest first."""
    return await _ids(repo, _IMPACTS, str(system_id))


async def exists(repo: Repository, stream_id: str) -> bool:
    return await repo.store.stream_version(stream_id) > 0
