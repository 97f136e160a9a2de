"""A lost database answers 503 problem+json with Retry-After, never 500, wherever it surfaces."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http import problems
from shared.http.middleware import RequestMiddleware


def _lost() -> Exception:
    """A RuntimeError raised while handling a lost connection (a failed cleanup)."""
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        except asyncpg.PostgresError:
            raise RuntimeError("cleanup failed") from None  # the context still names it
    except RuntimeError as exc:
        return exc


OUTAGES = [
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
    asyncpg.AdminShutdownError("terminating connection due to unexpected postmaster exit"),
    asyncpg.exceptions.TargetServerAttributeNotMatched("none of the hosts is read-write"),
    ConnectionRefusedError(111, "Connection refused"),
    TimeoutError(),
    _lost(),
    ExceptionGroup("tasks", [ConnectionResetError()]),
]


class FailingMiddleware:
    """A middleware that meets the outage itself, outside every route's exception handlers."""

    def __init__(self, app: ASGIApp, exc: Exception) -> None:
        self.app, self.exc = app, exc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/in-middleware":
            raise self.exc
        await self.app(scope, receive, send)


def app_failing_with(exc: Exception) -> FastAPI:
    app = FastAPI()
    problems.install(app)
    app.add_middleware(FailingMiddleware, exc=exc)
    app.add_middleware(RequestMiddleware, service="t", max_body=1000, body_limits={})

    @app.post("/in-route")
    async def route() -> None:
        raise exc

    return app


@pytest.mark.parametrize("exc", OUTAGES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("path", ["/in-route", "/in-middleware"])
async def test_a_connection_level_error_is_a_503_problem_with_retry_after(exc, path):
    transport = httpx.ASGITransport(app=app_failing_with(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post(path)
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == problems.RETRY_AFTER
    assert r.json()["type"].endswith("/unavailable") and r.json()["status"] == 503


async def test_a_bug_is_still_a_500():
    transport = httpx.ASGITransport(
        app=app_failing_with(ValueError("bug")), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.post("/in-route")).status_code == 500
        assert (await c.post("/in-middleware")).status_code == 500
