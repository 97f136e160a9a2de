"""The console's pages: each reads the services through the SDK and renders a template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import jwt
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.applications import Starlette

from services.console.forms import csrf_token, may_write, posted
from services.console.security import same_origin, served_over_https
from services.console.upstream import COOKIE, Aims, collect, explain, found, many
from services.console.views import (
    heat_map,
    history_rows,
    incident_rows,
    inventory_summary,
    soa_coverage,
    when,
)
from services.sdk import AimsError, AsyncAimsClient, ServiceUnreachable
from shared.http.oidc import OidcVerifier
from shared.http.problems import problem_response

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["when"] = when
PAGE = 500  # items per request when a page shows a whole list
TRAIL_TYPES = (
    "SystemRegistered", "SystemStageChanged", "ModelVersionRegistered", "DeploymentDecisionMade",
    "DeploymentRecorded", "RiskIdentified", "RiskTreatmentPlanned", "AcceptanceRequested",
    "AcceptanceApproved", "AcceptanceRejected", "ImpactAssessmentApproved", "SoAEntrySet",
    "EvidenceRecorded", "AuditPlanned", "FindingRaised", "NonconformityRaised",
    "CorrectiveActionAdded", "NonconformityClosed", "ManagementReviewRecorded", "CheckpointSigned",
    "LogCheckpointSigned", "IncidentReported", "IncidentNotificationSent", "IncidentClosed",
    "ConcernRaised", "OversightAssigned", "MonitoringPlanSet", "MonitoringThresholdBreached",
    "MonitoringBreachReviewed",
)  # fmt: skip

HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
SIGN_IN: dict[int | str, dict[str, Any]] = {
    303: {"description": "Not signed in, or the services refused the token: to `/login`"},
}
# Every page reads the services with the user's token; their refusals become error pages.
UPSTREAM: dict[int | str, dict[str, Any]] = {
    **SIGN_IN,
    403: {"description": "The user's roles may not read this (an error page)", "content": HTML},
    502: {"description": "A service failed or cannot be reached (an error page)",
          "content": HTML},
}  # fmt: skip
TOKEN = r"^\s*[A-Za-z0-9._~+/=-]+\s*$"  # a bearer token (a JWT), pasted with stray blanks
Text = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str, Query(max_length=512, description="`next_cursor` of the page before")]
Time = Annotated[str, Query(
    max_length=64, description="RFC 3339 time; the service checks it and the page shows why "
    "one is refused, so a typing slip is not an error page",
)]  # fmt: skip

router = APIRouter(default_response_class=HTMLResponse)


def who(token: str, app: Starlette | None = None) -> dict[str, Any]:
    """The subject and roles a token claims (for display; the services verify it).

    With an OpenID provider configured, the roles are the token's groups mapped through
    AIMS_OIDC_ROLE_MAP by the services' own code, so the pages follow what they grant.
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {"sub": "?", "roles": []}
    provider: OidcVerifier | None = getattr(app.state, "oidc", None) if app else None
    roles = sorted(provider.roles_of(claims)) if provider else claims.get("roles", [])
    return {"sub": claims.get("sub", "?"), "roles": roles}


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """A page of the console, with the navigation, the signed-in user and their inbox count."""
    tok = request.cookies.get(COOKIE)
    me = who(tok, request.app) if tok else None
    ctx = {"active": name.split(".")[0], "me": me, "can": may_write(me and me["roles"]),
           "csrf": csrf_token(request), "inbox_count": getattr(request.state, "inbox_count", None),
           **ctx}  # fmt: skip
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)


async def names(aims: AsyncAimsClient) -> dict[str, str]:
    """AI system names by id (the pages show names, the API answers ids)."""
    return {str(s["id"]): s["name"] for s in await collect(aims.systems(PAGE))}


@router.get("/healthz", response_class=JSONResponse)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/login")
async def login_form(request: Request, error: Text = "") -> HTMLResponse:
    provider = getattr(request.app.state, "oidc_provider", None)
    return render(request, "login.html", error=error, provider=provider and provider.name)


@router.post("/login", status_code=303, response_class=RedirectResponse, responses={
    **SIGN_IN, 403: {"description": "Posted from another origin (login CSRF): refused"},
})  # fmt: skip
async def login(
    request: Request, token: Annotated[str, Form(max_length=8192, pattern=TOKEN)]
) -> Response:
    if not same_origin(request):
        return problem_response(403, "sign-in is accepted only from the console's own page",
                                code="cross_origin")  # fmt: skip
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict",
                    secure=served_over_https(request))  # fmt: skip
    return resp


@router.post("/logout", status_code=303, response_class=RedirectResponse, responses={
    403: {"description": "Posted from another origin or without the session's token"},
})  # fmt: skip
async def logout(request: Request) -> Response:
    await posted(request)  # no forced sign-out from another site
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, httponly=True, samesite="strict",
                       secure=served_over_https(request))  # fmt: skip
    return resp


@router.get("/", responses=UPSTREAM)
async def inventory(request: Request, aims: Aims) -> HTMLResponse:
    systems = await collect(aims.systems(PAGE))
    systems.sort(key=lambda s: s["name"].lower())
    return render(request, "inventory.html", systems=systems,
                  summary=inventory_summary(systems))  # fmt: skip


@router.get("/systems/{system_id}", responses={
    **UPSTREAM, 404: {"description": "No such AI system (an error page)", "content": HTML},
})  # fmt: skip
async def system(request: Request, system_id: UUID, aims: Aims, as_of: Time = "") -> HTMLResponse:
    sid = str(system_id)
    current = await found(aims.get_system(sid))
    if current is None:
        return render(request, "error.html", status_code=404, error="No such AI system.")
    then, as_of_error = None, ""
    if as_of:
        try:
            then = await found(aims.get_system(sid, as_of=as_of))
        except (AimsError, ServiceUnreachable) as exc:
            as_of_error = explain(exc)
    rows = history_rows(await collect(aims.system_history(sid, PAGE)))
    risks = await collect(aims.risks(sid, PAGE))
    decided = [r for r in rows if r["type"] == "DeploymentDecisionMade"]
    incidents = incident_rows(await collect(aims.pages("evidence", "/v1/incidents",
                                                       page_size=PAGE, system_id=sid)))  # fmt: skip
    return render(request, "system.html", system=current, then=then, as_of=as_of,
                  as_of_error=as_of_error, history=rows, risks=risks, heat=heat_map(risks),
                  decisions=decided, incidents=incidents,
                  **await in_operation(aims, sid), **await resources(aims, sid))  # fmt: skip


async def in_operation(aims: AsyncAimsClient, sid: str) -> dict[str, Any]:
    """The system's human oversight, monitoring plan and breach timeline (oldest first)."""
    base = f"/v1/systems/{sid}"
    oversight = await found(aims.get("registry", base + "/oversight"))
    monitoring = await found(aims.get("registry", base + "/monitoring"))
    breaches = await collect(aims.pages("registry", base + "/breaches", page_size=200))
    return {"oversight": oversight, "monitoring": monitoring, "breaches": breaches[::-1]}


async def resources(aims: AsyncAimsClient, sid: str) -> dict[str, Any]:
    """The system's responsibilities (RACI) and the datasets linked to it."""
    raci = await found(aims.get("registry", f"/v1/systems/{sid}/responsibilities"))
    datasets = await collect(aims.pages("registry", "/v1/datasets", page_size=200, system_id=sid))
    return {"raci": raci, "datasets": datasets}


@router.get("/systems/{system_id}/dossier", responses={
    **UPSTREAM, 404: {"description": "No such AI system (an error page)", "content": HTML},
})  # fmt: skip
async def dossier(request: Request, system_id: UUID, aims: Aims) -> HTMLResponse:
    """The system's Annex IV technical documentation, as the registry assembles it."""
    page = await found(aims.request("GET", "registry", f"/v1/systems/{system_id}/dossier"))
    if page is None:
        return render(request, "error.html", status_code=404, error="No such AI system.")
    return HTMLResponse(page.text)


@router.get("/risks", responses=UPSTREAM)
async def risks(request: Request, aims: Aims) -> HTMLResponse:
    all_risks = await collect(aims.risks(page_size=PAGE))
    return render(request, "risks.html", heat=heat_map(all_risks), risks=all_risks,
                  names=await names(aims))  # fmt: skip


@router.get("/soa", responses=UPSTREAM)
async def soa(request: Request, aims: Aims) -> HTMLResponse:
    return render(request, "soa.html", **soa_coverage(await aims.soa()))


@router.get("/decisions", responses=UPSTREAM)
async def decisions(request: Request, aims: Aims) -> HTMLResponse:
    trail = await aims.audit_trail_page(type="DeploymentDecisionMade", limit=100)
    entries = list(trail.get("items", []))
    ids = [str(e["stream_id"]).removeprefix("decision-") for e in entries]
    made = await many(found(aims.deployment_decision(i)) for i in ids)
    rows = [{**e, "d": d or {}} for e, d in zip(entries, made, strict=True)]
    return render(request, "decisions.html", rows=rows, names=await names(aims))


@router.get("/incidents", responses=UPSTREAM)
async def incidents(request: Request, aims: Aims, overdue: bool = False) -> HTMLResponse:
    """AI incidents with their Art. 73 deadlines: overdue first, closed last."""
    query = {"overdue": "true"} if overdue else {}
    found = await collect(aims.pages("evidence", "/v1/incidents", page_size=PAGE, **query))
    return render(request, "incidents.html", incidents=incident_rows(found), overdue=overdue,
                  names=await names(aims))  # fmt: skip


# The management-system records of the risk service, each a list read for the page.
MANAGEMENT = {"policies": "/v1/policies", "roles": "/v1/ai-roles", "objectives": "/v1/objectives",
              "suppliers": "/v1/suppliers", "parties": "/v1/interested-parties"}  # fmt: skip


@router.get("/management", responses=UPSTREAM)
async def management(request: Request, aims: Aims) -> HTMLResponse:
    """AI policy, AI roles and competence gaps, objectives, suppliers, interested parties and
    the AIMS scope (ISO/IEC 42001 clauses 4-7, A.2, A.3.2, A.4.6, A.10)."""
    lists = await many(collect(aims.pages("risk", p, page_size=PAGE)) for p in MANAGEMENT.values())
    gaps = await aims.get("risk", "/v1/competence/gaps", gaps_only="true")
    records: dict[str, Any] = dict(zip(MANAGEMENT, lists, strict=True))
    return render(request, "management.html", gaps=gaps["items"],
                  scope=await found(aims.get("risk", "/v1/scope")), names=await names(aims),
                  **records)  # fmt: skip


@router.get("/trail", responses=UPSTREAM)
async def trail(
    request: Request, aims: Aims, system_id: UUID | Literal[""] = "", actor: Text = "",
    type: Text = "", frm: Time = "", to: Time = "", cursor: Cursor = "",
) -> HTMLResponse:  # fmt: skip
    sid = str(system_id)
    filters = {"system_id": sid, "actor": actor, "type": type, "frm": frm, "to": to}
    error, body = "", {}
    try:
        body = await aims.audit_trail_page(
            system_id=sid or None, actor=actor or None, type=type or None,
            frm=frm or None, to=to or None, cursor=cursor or None, limit=100,
        )  # fmt: skip
    except (AimsError, ServiceUnreachable) as exc:
        error = explain(exc)
    return render(request, "trail.html", entries=body.get("items", []), filters=filters,
                  error=error, next_cursor=body.get("next_cursor"), names=await names(aims),
                  types=TRAIL_TYPES)  # fmt: skip


@router.get("/integrity", responses=UPSTREAM)
async def integrity(request: Request, aims: Aims) -> HTMLResponse:
    try:
        report = await aims.integrity()
    except AimsError as exc:
        if exc.status != 403:
            raise
        # Verifying the log is for auditors and admins: say so instead of an error page.
        return render(request, "integrity.html", report=None)
    return render(request, "integrity.html", report=report)
