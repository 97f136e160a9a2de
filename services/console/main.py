"""Console app (:8000): inventory, heat maps, SoA coverage, gate decisions, audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from services.console.routes import render, router
from services.console.security import SecurityHeaders
from services.console.upstream import COOKIE, Unauthorized, client, connect, explain
from services.sdk import AimsError, ServiceUnreachable
from shared.http.problems import allowed_methods
from shared.platform.config import Settings, get_settings


def create(settings: Settings | None = None) -> FastAPI:
    """The console app (uvicorn runs it with --factory)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.aims = connect(settings)
        yield
        await client(app).close()

    app = FastAPI(title="aims console", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(router)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:  # Starlette names only the first matching route's methods
            allow = {"Allow": ", ".join(allowed_methods(request))}
            exc = HTTPException(405, exc.detail, headers={**(exc.headers or {}), **allow})
        return await http_exception_handler(request, exc)

    @app.exception_handler(Unauthorized)
    async def _signin(request: Request, exc: Unauthorized) -> Response:
        return sign_in_again(str(exc))

    @app.exception_handler(AimsError)
    async def _refused(request: Request, exc: AimsError) -> Response:
        if exc.status == 401:
            return sign_in_again(exc.detail)
        status = exc.status if 400 <= exc.status < 500 else 502
        return render(request, "error.html", status_code=status, error=explain(exc))

    @app.exception_handler(ServiceUnreachable)
    async def _unreachable(request: Request, exc: ServiceUnreachable) -> Response:
        return render(request, "error.html", status_code=502, error=explain(exc))

    return app


def sign_in_again(why: str) -> Response:
    """Back to the sign-in page, saying why, with the refused token forgotten."""
    resp = RedirectResponse("/login?error=" + why[:100], status_code=303)
    resp.delete_cookie(COOKIE)
    return resp
