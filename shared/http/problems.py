"""RFC 9457 problem+json responses for every error the services return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from shared.domain import errors
from shared.http.auth import AuthError
from shared.http.jsonresp import dumps
from shared.kernel.eventstore import (
    DuplicateEventId,
    InvalidEventData,
    StreamNotFound,
    WrongExpectedVersion,
)
from shared.platform.db import UNAVAILABLE, is_unavailable

log = structlog.get_logger()
PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 412: "Precondition failed",
    413: "Content too large", 415: "Unsupported media type", 422: "Unprocessable content",
    428: "Precondition required", 500: "Internal server error", 503: "Service unavailable",
}  # fmt: skip
# Seconds a client should wait before retrying a 503: a failover or restart takes seconds.
RETRY_AFTER = "1"
_DOMAIN_STATUS = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.NotAllowed: 403,
    errors.Invalid: 422,
}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, code: str | None = None, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.code, self.extra = status, detail, code, extra


def problem_response(
    status: int, detail: str, *, code: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:  # fmt: skip
    """A problem+json response."""
    body = {
        "type": f"https://aims.dev/problems/{code or status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def unavailable_response(exc: BaseException | None = None) -> Response:
    """The 503 for a database outage (a failover, a restart): the client retries after a pause.

    Every path that meets a connection-level error answers with this one response: the
    exception handlers, the request middleware (errors raised outside the routes) and the
    idempotency middleware. A write answered 503 may still have committed (the connection
    died during COMMIT); a retry with the same Idempotency-Key writes it at most once.
    """
    if exc is not None:
        log.warning("database_unavailable", error=type(exc).__name__)
    return problem_response(
        503, "the database is unavailable; retry shortly", code="unavailable",
        headers={"Retry-After": RETRY_AFTER},
    )  # fmt: skip


def _validation(exc: RequestValidationError) -> Response:
    fields = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    names = ", ".join(".".join(f["loc"][1:] or f["loc"]) for f in fields)
    return problem_response(422, f"invalid request: {names}", code="validation", errors=fields)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (HEAD with GET), for a 405's Allow."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into problem+json."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> Response:
        return problem_response(exc.status, exc.detail, code=exc.code, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        return _validation(exc)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        headers = exc.headers
        if exc.status_code == 405:  # Starlette names only the first route's methods
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(AuthError)
    async def _auth(_: Request, exc: AuthError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc.status, exc.detail, headers=headers)

    @app.exception_handler(errors.DomainError)
    async def _domain(_: Request, exc: errors.DomainError) -> Response:
        status = next((s for t, s in _DOMAIN_STATUS.items() if isinstance(exc, t)), 409)
        return problem_response(status, exc.detail, code=exc.code, **exc.extra)

    @app.exception_handler(StreamNotFound)
    async def _missing(_: Request, exc: StreamNotFound) -> Response:
        return problem_response(404, "no such resource", code="not_found")

    @app.exception_handler(WrongExpectedVersion)
    async def _version(request: Request, exc: WrongExpectedVersion) -> Response:
        status = 412 if request.headers.get("if-match") else 409
        return problem_response(
            status,
            f"the resource changed: it is at version {exc.actual}, not {exc.expected}",
            code="version_conflict",
            current_version=exc.actual,
        )

    @app.exception_handler(InvalidEventData)
    async def _bad_content(_: Request, exc: InvalidEventData) -> Response:
        return problem_response(422, str(exc), code="invalid_content")

    @app.exception_handler(DuplicateEventId)
    async def _dup(_: Request, exc: DuplicateEventId) -> Response:
        return problem_response(409, str(exc), code="duplicate_event")

    async def _unavailable(_: Request, exc: Exception) -> Response:
        return unavailable_response(exc)

    for cls in UNAVAILABLE:
        app.add_exception_handler(cls, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_unavailable(exc):  # an outage surfacing as another exception
            return unavailable_response(exc)
        log.exception("unhandled_error", path=request.url.path)
        return problem_response(500, "internal error; the request id identifies it in the logs")
