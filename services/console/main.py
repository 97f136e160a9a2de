"""Console app (:8000): inventory, heat maps, SoA coverage, gate decisions, audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from services.console import editing, filing, signin, workbench
from services.console.forms import CsrfRefused, new_key
from services.console.inbox import count
from services.console.routes import render, router
from services.console.security import SecurityHeaders
from services.console.upstream import COOKIE, Unauthorized, client, connect, explain
from services.console.workbench import me_of
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

    app = FastAPI(title="aims console", lifespan=lifespan, docs_url=None, redoc_url=None,
                  dependencies=[Depends(nav_count)])  # fmt: skip
    # CSRF tokens are HMACs of the session: keyed by the deployment's secret, so every
    # console replica accepts a form another rendered; a random key when there is none.
    app.state.csrf_secret = "console-csrf:" + (settings.jwt_secret or new_key())
    app.state.inbox_counts = {}
    # The forms first: `/systems/new` is not the page of a system whose id is "new".
    signin.set_up(app, settings)
    app.include_router(signin.router)
    app.include_router(editing.router)
    app.include_router(filing.router)
    app.include_router(workbench.router)
    app.include_router(router)
    app.add_middleware(SecurityHeaders, form_action=signin.form_targets(app.state.oidc_provider))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:  # Starlette names only the first matching route's methods
            allow = {"Allow": ", ".join(allowed_methods(request))}
            exc = HTTPException(405, exc.detail, headers={**(exc.headers or {}), **allow})
        return await http_exception_handler(request, exc)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "error.html", status_code=403, error=str(exc))

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


# Pages that do not show the navigation's inbox count (or show their own).
UNCOUNTED = ("/login", "/logout", "/healthz", "/inbox", "/openapi.json", signin.CALLBACK)


async def nav_count(request: Request) -> None:
    """The signed-in user's inbox count for the navigation bar (None when unreadable)."""
    token = request.cookies.get(COOKIE)
    if not token or request.method != "GET" or request.url.path in UNCOUNTED:
        return
    aims = client(request.app).with_token(token)
    request.state.inbox_count = await count(request.app, aims, token, me_of(request))
