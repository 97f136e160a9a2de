"""Routes of systems in operation: oversight, monitoring plans, observations, breaches (thin)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from services.registry.operation import handlers, queries
from services.registry.operation.domain import Breach, MonitoringPlan, Oversight
from services.registry.operation.schemas import (
    BreachOut,
    BreachPage,
    IngestOut,
    MonitoringIn,
    MonitoringOut,
    ObservationsIn,
    OversightIn,
    OversightOut,
    ReviewIn,
)
from services.registry.operation.telemetry import Telemetry
from shared.domain.aggregate import Aggregate, stream_id
from shared.domain.repository import Repository
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.fields import Instant
from shared.http.jsonresp import ORJSONResponse
from shared.http.pagination import Cursor
from shared.kernel.eventstore import StreamNotFound

router = APIRouter(tags=["systems in operation"])
Responses = dict[int | str, dict[str, Any]]
AsOf = Annotated[Instant | None, Query(description="RFC 3339 date-time")]

NO_SYSTEM: Responses = {404: {"description": "no such AI system"}}
OWNER_ONLY: Responses = {
    403: {"description": "not the system's owner nor an admin"},
    409: {"description": "the system is retired"},
    412: {"description": "If-Match names another version than the current one"},
}


def get_telemetry(request: Request) -> Telemetry:
    """The app's observation store (made when the app starts)."""
    telemetry = getattr(request.app.state, "telemetry", None)
    if not isinstance(telemetry, Telemetry):
        raise RuntimeError("app.state.telemetry is not set: is the app started?")
    return telemetry


TelemetryDep = Annotated[Telemetry, Depends(get_telemetry)]
A = TypeVar("A", bound=Aggregate)


async def _of_system(repo: Repository, cls: type[A], system_id: UUID,
                     as_of: datetime | None) -> A:  # fmt: skip
    """The system's aggregate of `cls` (empty when never set); 404 for an unknown system."""
    try:
        return await repo.load(cls, system_id, as_of=as_of)
    except StreamNotFound:
        events = await repo.store.read_stream(stream_id("system", system_id), until=as_of)
        return cls(system_id, created_at=events[0].recorded_at)


@router.put("/v1/systems/{system_id}/oversight", response_model=OversightOut,
            responses=NO_SYSTEM | OWNER_ONLY)  # fmt: skip
async def put_oversight(
    system_id: UUID, body: OversightIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Name who oversees the system in use, their measures and the stop procedure."""
    cmd = body.to_command(system_id, expected)
    oversight, result = await handlers.assign_oversight(cmd, ctx, repo)
    if result is None:
        return resource(OversightOut.of(oversight), oversight.version)
    return written(result, OversightOut.of(oversight))


@router.get("/v1/systems/{system_id}/oversight", response_model=OversightOut,
            responses=NO_SYSTEM)  # fmt: skip
async def get_oversight(system_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """The system's human oversight (`assigned` is false until overseers are named)."""
    oversight = await _of_system(repo, Oversight, system_id, as_of)
    return resource(OversightOut.of(oversight), oversight.version)


@router.put("/v1/systems/{system_id}/monitoring", response_model=MonitoringOut,
            responses=NO_SYSTEM | OWNER_ONLY)  # fmt: skip
async def put_monitoring(
    system_id: UUID, body: MonitoringIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Set the monitoring plan; sending it unchanged records its review (both restart the
    review period)."""
    plan, result = await handlers.set_monitoring_plan(body.to_command(system_id, expected), ctx,
                                                      repo)  # fmt: skip
    return written(result, MonitoringOut.of(plan, datetime.now(UTC)))


@router.get("/v1/systems/{system_id}/monitoring", response_model=MonitoringOut,
            responses=NO_SYSTEM)  # fmt: skip
async def get_monitoring(system_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """The monitoring plan, when its review is due and whether that is past."""
    plan = await _of_system(repo, MonitoringPlan, system_id, as_of)
    return resource(MonitoringOut.of(plan, as_of or datetime.now(UTC)), plan.version)


OBSERVATION_SLOTS = "observation_slots"


async def one_batch_at_a_time(request: Request) -> AsyncIterator[None]:
    """Validate and record one batch of observations at a time in this process.

    A batch is milliseconds of validation and threshold checks without a pause, and with
    several arriving at once every other request waited behind all of them at each of its
    own pauses (the gate's p99 rose to hundreds of milliseconds during an ingest). Taken
    before the body is validated; batches that wait hold no CPU."""
    slots = getattr(request.app.state, OBSERVATION_SLOTS, None)
    if slots is None:  # made on first use, in the app's own event loop
        slots = asyncio.Semaphore(1)
        setattr(request.app.state, OBSERVATION_SLOTS, slots)
    async with slots:
        yield


@router.post(
    "/v1/systems/{system_id}/observations", response_model=IngestOut,
    dependencies=[Depends(one_batch_at_a_time)],
    responses=NO_SYSTEM | {
        409: {"description": "the system has no monitoring plan"},
        422: {"description": "an unknown metric, a non-finite value, a time in the future,"
              " or more than 1,000 observations: nothing is recorded"},
    },
)  # fmt: skip
async def post_observations(
    system_id: UUID, body: ObservationsIn, ctx: Ctx, repo: Repo, telemetry: TelemetryDep
) -> Response:
    """Take up to 1,000 observations; a crossing opens a breach, summaries go to the log."""
    done = await handlers.record_observations(body.to_command(system_id), ctx, repo, telemetry)
    return ORJSONResponse(IngestOut.of(done), headers={"AIMS-Position": str(done.position)})


@router.get(
    "/v1/systems/{system_id}/breaches", response_model=BreachPage, dependencies=[Fresh],
    responses=NO_SYSTEM | {400: {"description": "a cursor this API did not return"}},
)  # fmt: skip
async def list_breaches(
    system_id: UUID, repo: Repo, pool: ReadPool, cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Literal["open", "reviewed"] | None = None,
) -> BreachPage:  # fmt: skip
    """The system's monitoring breaches with their reviews, newest first."""
    if not await repo.store.stream_version(stream_id("system", system_id)):
        raise StreamNotFound(stream_id("system", system_id))
    page = await queries.breaches(pool, system_id, status=status, cursor=cursor, limit=limit)
    return BreachPage(items=[BreachOut.of_row(r) for r in page.items],
                      next_cursor=page.next_cursor)  # fmt: skip


@router.get(
    "/v1/breaches", response_model=BreachPage, dependencies=[Fresh],
    responses={400: {"description": "a cursor this API did not return"}},
)  # fmt: skip
async def list_all_breaches(
    pool: ReadPool, cursor: Cursor = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Literal["open", "reviewed"] | None = None,
) -> BreachPage:  # fmt: skip
    """Monitoring breaches of every system, newest first (`status=open`: waiting for review)."""
    page = await queries.breaches(pool, None, status=status, cursor=cursor, limit=limit)
    return BreachPage(items=[BreachOut.of_row(r) for r in page.items],
                      next_cursor=page.next_cursor)  # fmt: skip


@router.get("/v1/systems/{system_id}/breaches/{breach_id}", response_model=BreachOut,
            responses={404: {"description": "no such breach of this system"}})  # fmt: skip
async def get_breach(system_id: UUID, breach_id: UUID, repo: Repo) -> Response:
    """One breach with the observations that crossed, and its review."""
    breach = await repo.load(Breach, breach_id)
    breach.of_system(system_id)
    return resource(BreachOut.of(breach), breach.version)


@router.post(
    "/v1/systems/{system_id}/breaches/{breach_id}/review", response_model=BreachOut,
    responses={403: {"description": "separation of duties: the system's owner may not review"},
               404: {"description": "no such breach of this system"},
               409: {"description": "the breach was already reviewed"}},
)  # fmt: skip
async def review_breach(
    system_id: UUID, breach_id: UUID, body: ReviewIn, ctx: Ctx, telemetry: TelemetryDep,
    sod: Sod,
) -> Response:  # fmt: skip
    """An approver's decision (accept, retrain, retire); it clears `monitoring_breach`.
    Not by the system's owner (403 `separation_of_duties`)."""
    breach, result = await handlers.review_breach(body.to_command(system_id, breach_id), ctx,
                                                  telemetry, sod)  # fmt: skip
    return written(result, BreachOut.of(breach))
