"""Routes of a system's responsibilities (thin)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.registry.responsibilities import handlers
from services.registry.responsibilities.domain import Responsibilities
from services.registry.responsibilities.schemas import ResponsibilitiesIn, ResponsibilitiesOut
from shared.domain.aggregate import stream_id
from shared.http.deps import Ctx, IfMatch, Repo, resource, written
from shared.http.fields import Instant
from shared.kernel.eventstore import StreamNotFound

router = APIRouter(tags=["responsibilities"])
Responses = dict[int | str, dict[str, Any]]
AsOf = Annotated[Instant | None, Query(description="RFC 3339 date-time")]
NO_SYSTEM: Responses = {404: {"description": "no such AI system"}}


@router.put(
    "/v1/systems/{system_id}/responsibilities", response_model=ResponsibilitiesOut,
    responses=NO_SYSTEM | {
        403: {"description": "not the system's owner nor an admin"},
        409: {"description": "the system is retired"},
        412: {"description": "If-Match names another version than the current one"},
    },
)  # fmt: skip
async def put_responsibilities(
    system_id: UUID, body: ResponsibilitiesIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Name who is accountable, responsible, consulted and informed for the system (5.3)."""
    cmd = body.to_command(system_id, expected)
    raci, result = await handlers.assign_responsibilities(cmd, ctx, repo)
    if result is None:
        return resource(ResponsibilitiesOut.of(raci), raci.version)
    return written(result, ResponsibilitiesOut.of(raci))


@router.get("/v1/systems/{system_id}/responsibilities", response_model=ResponsibilitiesOut,
            responses=NO_SYSTEM)  # fmt: skip
async def get_responsibilities(system_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """The system's responsibilities (`assigned` is false until someone is accountable)."""
    try:
        raci = await repo.load(Responsibilities, system_id, as_of=as_of)
    except StreamNotFound:
        events = await repo.store.read_stream(stream_id("system", system_id), until=as_of)
        raci = Responsibilities(system_id, created_at=events[0].recorded_at)
    return resource(ResponsibilitiesOut.of(raci), raci.version)
