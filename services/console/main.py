"""Console app (:8000): inventory, heat maps, SoA coverage, gate decisions, audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.console.upstream import Unauthorized, Upstream, UpstreamError
from services.console.views import (
    heat_map,
    history_rows,
    inventory_summary,
    soa_coverage,
    when,
)
from shared.platform.config import Settings, get_settings

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["when"] = when
COOKIE = "aims_token"
TRAIL_TYPES = (
    "SystemRegistered", "SystemStageChanged", "ModelVersionRegistered", "DeploymentDecisionMade",
    "DeploymentRecorded", "RiskIdentified", "RiskTreatmentPlanned", "AcceptanceRequested",
    "AcceptanceApproved", "AcceptanceRejected", "ImpactAssessmentApproved", "SoAEntrySet",
    "EvidenceRecorded", "AuditPlanned", "FindingRaised", "NonconformityRaised",
    "CorrectiveActionAdded", "NonconformityClosed", "ManagementReviewRecorded", "CheckpointSigned",
)  # fmt: skip


def who(token: str) -> dict[str, Any]:
    """The subject and roles a token claims (for display; the services verify it)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {"sub": "?", "roles": []}
    return {"sub": claims.get("sub", "?"), "roles": claims.get("roles", [])}


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

    @app.exception_handler(UpstreamError)
    async def _upstream(request: Request, exc: UpstreamError) -> Response:
        status = exc.status if 400 <= exc.status < 500 else 502
        return page(request, "error.html", status_code=status, error=exc.detail)

    def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
        tok = request.cookies.get(COOKIE)
        ctx = {"active": name.split(".")[0], "me": who(tok) if tok else None, **ctx}
        return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)

    def token_of(request: Request) -> str:
        tok = request.cookies.get(COOKIE)
        if not tok:
            raise Unauthorized("please sign in")
        return tok

    async def names(tok: str) -> dict[str, str]:
        systems = await app.state.up.all_pages(tok, "registry", "/v1/systems")
        return {str(s["id"]): s["name"] for s in systems}

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
        systems = await app.state.up.all_pages(token_of(request), "registry", "/v1/systems")
        systems.sort(key=lambda s: s["name"].lower())
        return page(request, "inventory.html", systems=systems,
                    summary=inventory_summary(systems))  # fmt: skip

    @app.get("/systems/{system_id}", response_class=HTMLResponse)
    async def system(request: Request, system_id: UUID, as_of: str = "") -> HTMLResponse:
        tok, up = token_of(request), app.state.up
        current = await up.get(tok, "registry", f"/v1/systems/{system_id}")
        if current is None:
            return page(request, "error.html", status_code=404, error="No such AI system.")
        then, as_of_error = None, ""
        if as_of:
            try:
                then = await up.get(tok, "registry", f"/v1/systems/{system_id}", as_of=as_of)
            except UpstreamError as exc:
                as_of_error = exc.detail
        history = await up.all_pages(tok, "registry", f"/v1/systems/{system_id}/history")
        risks = await up.all_pages(tok, "risk", "/v1/risks", system_id=str(system_id))
        rows = history_rows(history)
        decided = [r for r in rows if r["type"] == "DeploymentDecisionMade"]
        return page(request, "system.html", system=current, then=then, as_of=as_of,
                    as_of_error=as_of_error, history=rows, risks=risks, heat=heat_map(risks),
                    decisions=decided)  # fmt: skip

    @app.get("/risks", response_class=HTMLResponse)
    async def risks(request: Request) -> HTMLResponse:
        tok = token_of(request)
        all_risks = await app.state.up.all_pages(tok, "risk", "/v1/risks")
        return page(request, "risks.html", heat=heat_map(all_risks), risks=all_risks,
                    names=await names(tok))  # fmt: skip

    @app.get("/soa", response_class=HTMLResponse)
    async def soa(request: Request) -> HTMLResponse:
        body = await app.state.up.get(token_of(request), "risk", "/v1/soa")
        return page(request, "soa.html", **soa_coverage(body))

    @app.get("/decisions", response_class=HTMLResponse)
    async def decisions(request: Request) -> HTMLResponse:
        tok, up = token_of(request), app.state.up
        trail = await up.get(tok, "evidence", "/v1/audit-trail",
                             type="DeploymentDecisionMade", limit=100)  # fmt: skip
        entries = list((trail or {}).get("items", []))
        ids = [str(e["stream_id"]).removeprefix("decision-") for e in entries]
        found = await up.many(tok, "registry", [f"/v1/deployment-decisions/{i}" for i in ids])
        rows = [{**e, "d": d or {}} for e, d in zip(entries, found, strict=True)]
        return page(request, "decisions.html", rows=rows, names=await names(tok))

    @app.get("/trail", response_class=HTMLResponse)
    async def trail(request: Request, system_id: str = "", actor: str = "", type: str = "",
                    frm: str = "", to: str = "", cursor: str = "") -> HTMLResponse:  # fmt: skip
        tok = token_of(request)
        filters = {"system_id": system_id, "actor": actor, "type": type, "frm": frm, "to": to}
        error, body = "", {}
        try:
            body = await app.state.up.get(
                tok, "evidence", "/v1/audit-trail", cursor=cursor or None, limit=100,
                system_id=system_id, actor=actor, type=type, to=to, **{"from": frm},
            )  # fmt: skip
        except UpstreamError as exc:
            error = exc.detail
        return page(request, "trail.html", entries=(body or {}).get("items", []),
                    filters=filters, error=error, next_cursor=(body or {}).get("next_cursor"),
                    names=await names(tok), types=TRAIL_TYPES)  # fmt: skip

    @app.get("/integrity", response_class=HTMLResponse)
    async def integrity(request: Request) -> HTMLResponse:
        body = await app.state.up.get(token_of(request), "evidence", "/v1/integrity")
        return page(request, "integrity.html", report=body or {})

    return app
