"""Console app (:8000): inventory, heat maps, SoA coverage, gate decisions, audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.console.upstream import Unauthorized, Upstream
from services.console.views import heat_map, soa_coverage
from shared.config import Settings, get_settings

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
COOKIE = "aims_token"


def create(settings: Settings | None = None) -> FastAPI:
    """The console app (uvicorn runs it with --factory)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.up = Upstream(settings)
        yield
        await app.state.up.close()

    app = FastAPI(title="aims console", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.exception_handler(Unauthorized)
    async def _signin(request: Request, exc: Unauthorized) -> Response:
        resp = RedirectResponse("/login?error=" + str(exc)[:100], status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    def page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, name, {"active": name.split(".")[0], **ctx})

    def token_of(request: Request) -> str:
        tok = request.cookies.get(COOKIE)
        if not tok:
            raise Unauthorized("please sign in")
        return tok

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, error: str = "") -> HTMLResponse:
        return page(request, "login.html", error=error)

    @app.post("/login")
    async def login(token: str = Form(..., max_length=8192)) -> Response:
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
        return resp

    @app.post("/logout")
    async def logout() -> Response:
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/", response_class=HTMLResponse)
    async def inventory(request: Request) -> HTMLResponse:
        tok = token_of(request)
        systems = await request.app.state.up.all_pages(tok, "registry", "/v1/systems")
        return page(request, "inventory.html", systems=systems)

    @app.get("/systems/{system_id}", response_class=HTMLResponse)
    async def system(request: Request, system_id: UUID, as_of: str = "") -> HTMLResponse:
        tok, up = token_of(request), request.app.state.up
        current = await up.get(tok, "registry", f"/v1/systems/{system_id}")
        then = await up.get(tok, "registry", f"/v1/systems/{system_id}", as_of=as_of or None)
        history = await up.get(tok, "registry", f"/v1/systems/{system_id}/history") or []
        risks = await up.all_pages(tok, "risk", "/v1/risks", system_id=str(system_id))
        return page(request, "system.html", system=current, then=then, as_of=as_of,
                    history=_items(history), heat=heat_map(risks))  # fmt: skip

    @app.get("/risks", response_class=HTMLResponse)
    async def risks(request: Request) -> HTMLResponse:
        tok, up = token_of(request), request.app.state.up
        all_risks = await up.all_pages(tok, "risk", "/v1/risks")
        return page(request, "risks.html", heat=heat_map(all_risks), risks=all_risks)

    @app.get("/soa", response_class=HTMLResponse)
    async def soa(request: Request) -> HTMLResponse:
        body = await request.app.state.up.get(token_of(request), "risk", "/v1/soa")
        return page(request, "soa.html", **soa_coverage(body))

    @app.get("/decisions", response_class=HTMLResponse)
    async def decisions(request: Request) -> HTMLResponse:
        trail = await request.app.state.up.get(
            token_of(request), "evidence", "/v1/audit-trail", type="DeploymentDecisionMade",
            limit=200,
        )  # fmt: skip
        return page(request, "decisions.html", entries=_items(trail))

    @app.get("/trail", response_class=HTMLResponse)
    async def trail(request: Request, system_id: str = "", actor: str = "", type: str = "",
                    frm: str = "", to: str = "", cursor: str = "") -> HTMLResponse:  # fmt: skip
        filters = {"system_id": system_id, "actor": actor, "type": type, "from": frm, "to": to}
        body = await request.app.state.up.get(
            token_of(request), "evidence", "/v1/audit-trail", cursor=cursor or None, limit=100,
            **filters,
        )  # fmt: skip
        return page(request, "trail.html", entries=_items(body), filters=filters,
                    next_cursor=(body or {}).get("next_cursor"))  # fmt: skip

    @app.get("/integrity", response_class=HTMLResponse)
    async def integrity(request: Request) -> HTMLResponse:
        body = await request.app.state.up.get(token_of(request), "evidence", "/v1/integrity")
        return page(request, "integrity.html", report=body or {})

    return app


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return list(body.get("items") or body.get("events") or [])
    return []
