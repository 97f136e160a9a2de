"""The app factory: one FastAPI app per service with every shared convention wired in."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from shared.domain.approvals import Kinds
from shared.domain.repository import Repository
from shared.domain.sod import load_sod_policy
from shared.http import approvals as approvals_http
from shared.http import problems
from shared.http.auth import AccessTable, access_control, load_key
from shared.http.idempotency import IdempotencyMiddleware
from shared.http.jsonresp import ORJSONResponse
from shared.http.middleware import RequestMiddleware
from shared.http.state import Core, core
from shared.kernel.eventstore import EventStore
from shared.kernel.eventstore.store import Notifier
from shared.kernel.projections import Projection, ProjectionRunner
from shared.platform import collector, db
from shared.platform.config import Settings, get_settings
from shared.platform.logging import configure

LAG = Gauge("aims_projection_lag_events", "Events a projection is behind", ["projection"])
POSITION = Gauge("aims_projection_position", "Checkpoint of a projection", ["projection"])
HEAD = Gauge("aims_event_log_head", "Position of the newest event seen by this service")

Hook = Callable[[FastAPI], Awaitable[None]]


def create_app(
    service: str,
    *,
    routers: Sequence[APIRouter],
    access: AccessTable,
    categories: frozenset[str],
    projections: Sequence[Projection] = (),
    public_routers: Sequence[APIRouter] = (),
    body_limits: Mapping[str, int] | None = None,
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    settings: Settings | None = None,
    description: str = "",
    approval_kinds: Kinds | None = None,
) -> FastAPI:
    """A service app: auth by `access`, writes limited to `categories`, projections run.

    Services whose things need four eyes pass `approval_kinds` (stream category -> kind)
    and list `shared.http.approvals.approval_list` among their projections.
    """
    settings = settings or get_settings()
    configure(settings.log_level, settings.log_json)
    sod = load_sod_policy(settings.sod_policy_file)  # a bad file stops the service here
    # The policy route first: it must win over a service's `/v1/policies/{id}`.
    routers = [approvals_http.policy_router(), *routers]
    if approval_kinds:
        table = approvals_http.table_of(service)
        routers.append(approvals_http.approvals_router(approval_kinds, table))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _start(app, settings, service, categories, projections)
        for hook in on_start:
            await hook(app)
        _collect_less()
        try:
            yield
        finally:
            _collect_as_before()
            for hook in on_stop:
                await hook(app)
            await _stop(app)

    app = FastAPI(
        title=f"aims {service}",
        version="1.0",
        description=description,
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
        telemetry=None if _otel_configured() else _NO_TELEMETRY,
    )
    app.state.service, app.state.settings, app.state.sod = service, settings, sod
    problems.install(app)
    guard = Depends(access_control(access))
    for router in routers:
        app.include_router(router, dependencies=[guard])
    for router in public_routers:
        app.include_router(router)
    # Routes that carry their own authentication (e.g. an HMAC-signed webhook).
    app.state.public_paths = {getattr(r, "path", "") for pr in public_routers for r in pr.routes}
    app.include_router(_operational_router())
    _document_problems(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        RequestMiddleware, service=service, max_body=settings.max_body_bytes,
        body_limits=body_limits or {},
    )  # fmt: skip
    return app


# While an app runs, the collector passes come per 20,000 new objects, with what exists at
# its start frozen out of them (shared.platform.collector); the last app of the process to
# stop restores the collector.
GC_THRESHOLD = 20_000
_gc_users: list[collector.Thresholds] = []  # the thresholds before the first running app


def _collect_less() -> None:
    """Freeze what exists and raise the thresholds, unless a running app already did."""
    _gc_users.append(_gc_users[0] if _gc_users else collector.collect_less(GC_THRESHOLD))


def _collect_as_before() -> None:
    """Undo `_collect_less` once the last running app of the process stops."""
    if _gc_users:
        before = _gc_users.pop()
        if not _gc_users:
            collector.collect_as_before(before)


# FastAPI's native OpenTelemetry asks the global providers, and through them the
# environment, on every request whether anything listens (a few percent of a request's
# CPU). OpenTelemetry is configured through OTEL_* variables (as `opentelemetry-instrument`
# does); without any at start, nothing can listen, so the question is not asked.
_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def _otel_configured() -> bool:
    return any(name.startswith("OTEL_") for name in os.environ)


async def _start(
    app: FastAPI, settings: Settings, service: str, categories: frozenset[str],
    projections: Sequence[Projection],
) -> None:  # fmt: skip
    if not settings.database_url:
        raise RuntimeError("AIMS_DATABASE_URL is not set (`aims up` sets it for its services)")
    app.state.jwt_key = load_key(settings)
    url, timeout = settings.database_url, settings.db_timeout
    name = f"aims-{service}"
    # The pools keep asyncpg's session reset on release: the checkpoint signer and the
    # leader loops take session-level advisory locks on pool connections, and a lock whose
    # unlock was cut off (a timeout, a failover) must not stay with an idle connection.
    pool = await db.create_pool(url, size=settings.db_pool_size, timeout=timeout, name=name)
    read_pool = (
        await db.create_pool(settings.database_read_url, size=settings.db_pool_size,
                             timeout=timeout, name=name)
        if settings.database_read_url else pool
    )  # fmt: skip
    store = EventStore(pool, categories=categories)
    notifier = Notifier(url, settings.poll_interval)
    notifier.start()
    runner_pool = await db.create_pool(url, size=2, timeout=timeout, name=name)
    runner = ProjectionRunner(
        runner_pool, projections, notifier,
        batch=settings.projection_batch, poll_interval=settings.poll_interval,
    )  # fmt: skip
    c = Core(pool, read_pool, runner_pool, store, Repository(store), notifier, runner)
    app.state.core = c
    # The same objects under their own names, for the services' lifespan hooks.
    app.state.pool, app.state.read_pool, app.state.store = pool, read_pool, store
    app.state.repo, app.state.notifier, app.state.runner = c.repo, notifier, runner
    if settings.run_projections:
        runner.start()


async def _stop(app: FastAPI) -> None:
    c = core(app)
    await c.runner.stop()
    await c.notifier.stop()
    await asyncio.gather(*(db.close_pool(p) for p in c.pools), return_exceptions=True)


_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}


def _document_problems(app: FastAPI) -> None:
    """Declare in OpenAPI that every error is problem+json (RFC 9457)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = generate()
        spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                _document_shared_parameters(op, responses)
                for code in [c for c in responses if c.startswith(("4", "5"))]:
                    responses[code]["content"] = problem
                responses["default"] = {"description": "Problem (RFC 9457)", "content": problem}
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def _document_shared_parameters(op: dict[str, Any], responses: dict[str, Any]) -> None:
    """The answers the shared query parameters can cause, on every operation that has them."""
    names = {p.get("name") for p in op.get("parameters", [])}
    if names & {"cursor", "min_position"}:
        responses.setdefault("400", {"description": "a cursor this API did not return, or a"
                                     " min_position past the end of the log"})  # fmt: skip
    if "min_position" in names:
        responses.setdefault("503", {"description": "read models did not reach min_position"})


def _operational_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "not ready"}})
    async def readyz(request: Request) -> Any:
        """Readiness: the database answers and its schema is current."""
        try:
            revision = await asyncio.wait_for(db.schema_revision(core(request.app).pool), 2.0)
        except (TimeoutError, *db.UNAVAILABLE):
            return problems.problem_response(503, "database unreachable", code="not_ready")
        if revision != db.head_revision():
            return problems.problem_response(
                503, f"schema at {revision}, code expects {db.head_revision()}", code="not_ready"
            )
        return {"status": "ready", "schema": revision}

    @router.get("/metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics, including projection lag."""
        runner = core(request.app).runner
        for name, lag in runner.lag().items():
            LAG.labels(name).set(lag)
            POSITION.labels(name).set(runner.positions.get(name, 0))
        HEAD.set(runner.head)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
