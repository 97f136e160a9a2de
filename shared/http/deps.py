"""FastAPI dependencies and response helpers every service route uses."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Query, Request, Response

from shared.domain.repository import Repository
from shared.http.auth import authenticate
from shared.http.jsonresp import ORJSONResponse
from shared.http.problems import Problem
from shared.http.state import core, settings
from shared.kernel.eventstore import AppendResult, EventStore
from shared.kernel.requestctx import RequestContext

_ETAG = re.compile(r'^(?:W/)?"?v?(\d+)"?$')


async def request_context(request: Request) -> RequestContext:
    """The authenticated actor and ids of this request."""
    # The middleware's values, read from the dict: getattr(request.state, name, None) raises
    # and catches an AttributeError for every name a request lacks.
    state = request.scope.get("state", {})
    return RequestContext(
        actor=authenticate(request),
        service=request.app.state.service,
        request_id=state.get("request_id") or "",
        correlation_id=state.get("correlation_id"),
        idempotency_key=state.get("idempotency_key"),
        sod_policy=request.app.state.sod.reference(),
    )


async def get_store(request: Request) -> EventStore:
    return core(request.app).store


async def get_repo(request: Request) -> Repository:
    return core(request.app).repo


async def get_pool(request: Request) -> asyncpg.Pool:
    return core(request.app).pool


async def get_read_pool(request: Request) -> asyncpg.Pool:
    """Pool for projection reads (the read replica when configured)."""
    return core(request.app).read_pool


async def if_match(request: Request) -> int | None:
    """The version an `If-Match` header names (None when absent or `*`)."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    m = _ETAG.match(raw.strip())
    if not m:
        raise Problem(412, f"If-Match {raw!r} is not an ETag of this resource", code="bad_etag")
    return int(m.group(1))


async def fresh(
    request: Request,
    min_position: Annotated[
        int | None, Query(ge=0, description="wait until read models include this position")
    ] = None,
) -> None:
    """Honour `?min_position=N`: wait briefly until this service's projections reach N."""
    if min_position is None:
        return
    state = core(request.app)
    wait = settings(request.app).min_position_wait
    if min_position > state.runner.head:
        head = await state.store.head_position()
        if min_position > head:
            raise Problem(
                400, f"position {min_position} does not exist: the log ends at {head}",
                code="position_ahead_of_log",
            )  # fmt: skip
    if state.read_pool is state.pool:
        reached = await state.runner.wait_for(min_position, wait)
    else:  # reads go to a standby: its copy of the checkpoints must have arrived there
        reached = await replica_reached(state.read_pool, state.runner, min_position, wait)
    if not reached:
        raise Problem(
            503, f"read models have not reached position {min_position} yet; retry shortly",
            code="not_fresh",
        )  # fmt: skip


async def replica_reached(
    read_pool: asyncpg.Pool, runner: Any, position: int, timeout: float
) -> bool:
    """Poll the standby until every projection's replicated checkpoint reaches `position`."""
    names = [p.name for p in runner.projections]
    deadline = time.monotonic() + timeout
    while True:
        lowest = await read_pool.fetchval(
            "SELECT CASE WHEN count(*) = $2 THEN min(position) ELSE 0 END"
            " FROM projection_checkpoint WHERE name = ANY($1)",
            names, len(names),
        )  # fmt: skip
        if not names or (lowest or 0) >= position:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)  # replication has no NOTIFY; poll the standby briefly


def etag(version: int) -> str:
    return f'"{version}"'


def written(
    result: AppendResult, body: Any, *, status: int = 200, location: str | None = None
) -> Response:
    """The response to a write: body, AIMS-Position, ETag of the stream, Location."""
    headers = {"AIMS-Position": str(result.position), "ETag": etag(result.version)}
    if location:
        headers["Location"] = location
    return ORJSONResponse(body, status_code=status, headers=headers)


def resource(body: Any, version: int) -> Response:
    """The response to a read of one aggregate, with its ETag."""
    return ORJSONResponse(body, headers={"ETag": etag(version)})


def saved(result: AppendResult | None, body: Any, version: int) -> Response:
    """The write response, or (nothing changed: no event) the resource at its version."""
    return resource(body, version) if result is None else written(result, body)


Ctx = Annotated[RequestContext, Depends(request_context)]
Store = Annotated[EventStore, Depends(get_store)]
Repo = Annotated[Repository, Depends(get_repo)]
Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
ReadPool = Annotated[asyncpg.Pool, Depends(get_read_pool)]
IfMatch = Annotated[int | None, Depends(if_match)]
Fresh = Depends(fresh)
