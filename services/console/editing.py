"""Forms for the inventory and the risk register: systems, lifecycle, risks, treatments,
acceptance requests. Each posts through the SDK with the form's Idempotency-Key."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from services.console.forms import (
    KEY,
    Field,
    Form,
    attempt,
    end_of_day,
    listed,
    posted,
    settle,
    text,
    texts,
    values,
)
from services.console.inbox import forget
from services.console.routes import HTML, UPSTREAM, names, render, who
from services.console.upstream import COOKIE, Aims, collect, found
from services.sdk import AsyncAimsClient
from shared.contract import eu_ai_act

router = APIRouter(default_response_class=HTMLResponse)
FORM: dict[int | str, dict[str, Any]] = {
    **UPSTREAM, 404: {"description": "No such thing (an error page)", "content": HTML},
}  # fmt: skip
POSTED: dict[int | str, dict[str, Any]] = {
    **FORM,
    303: {"description": "Saved: on to what was written (or not signed in: to `/login`)"},
    403: {"description": "Another origin, a stale session token, or a role the service "
          "refuses (the form or an error page)", "content": HTML},
    409: {"description": "The service refused it: the form again, saying why", "content": HTML},
    412: {"description": "Changed since the form was opened: the conflict and the current "
          "values", "content": HTML},
    422: {"description": "Invalid fields: the form again, errors beside them (a malformed id "
          "in the path: a JSON validation error)",
          "content": {**HTML, "application/json": {"schema": {"type": "object"}}}},
}  # fmt: skip

# The EU AI Act tiers from its data, least protective first: "unassessed" is the default.
TIERS = tuple((t.id, t.id) for t in reversed(eu_ai_act.tiers()))
ROLES = tuple((r, r) for r in ("provider", "producer", "deployer", "customer", "partner",
                               "subject", "authority"))  # fmt: skip
STAGES = tuple(
    (s, s.replace("_", "-"))
    for s in (
        "inception",
        "design",
        "verification",
        "deployment",
        "operation",
        "re_evaluation",
        "retired",
    )
)
CATEGORIES = tuple((c, c.replace("_", " ")) for c in (
    "accountability", "ai_expertise", "data_quality", "environmental_impact", "fairness",
    "maintainability", "privacy", "robustness", "safety", "security", "transparency",
    "explainability"))  # fmt: skip
AFFECTED = tuple((a, a) for a in ("organisation", "individuals", "groups", "society"))
OPTIONS = tuple((o, o) for o in ("avoid", "modify", "share", "retain"))
EDITABLE = ("name", "purpose", "owner", "eu_ai_act_tier", "provider_role", "intended_use")


def system_fields() -> list[Field]:
    """The fields of a system, registered or edited."""
    return [
        Field("name", "Name", required=True), Field("purpose", "Purpose", "textarea", True),
        Field("owner", "Owner", required=True),
        Field("eu_ai_act_tier", "EU AI Act tier", "select", True, TIERS),
        Field("provider_role", "Provider role", "select", True, ROLES),
        Field("intended_use", "Intended use", "textarea"),
    ]  # fmt: skip


def key_of(data: FormData) -> str | None:
    """The Idempotency-Key the form was rendered with."""
    return text(data, KEY) or None


def page(request: Request, title: str, form: Form, **ctx: Any) -> HTMLResponse:
    """A form page (with the status of the refusal that brought it back, if any)."""
    return render(request, "form.html", status_code=form.status, title=title, form=form, **ctx)


async def saved(request: Request, aims: AsyncAimsClient, to: str) -> Response:
    """After a write: on to what was written, once the lists show it; the user's inbox
    count is read afresh."""
    forget(request.app, request.cookies.get(COOKIE, ""))
    await settle(aims)
    return RedirectResponse(to, status_code=303)


def chosen(data: FormData) -> dict[str, str]:
    """The system fields as typed."""
    return {name: text(data, name) for name in EDITABLE}


@router.get("/systems/new", responses=UPSTREAM)
async def new_system(request: Request, aims: Aims) -> HTMLResponse:
    """Register an AI system: name, purpose, owner, tier, role, intended use."""
    me = str(who(request.cookies.get(COOKIE, ""))["sub"]).strip("?")
    start = {"eu_ai_act_tier": "unassessed", "provider_role": "provider", "owner": me}
    form = Form("/systems/new", system_fields(), "Register the system", values=start)
    return page(request, "Register an AI system", form)


@router.post("/systems/new", responses=POSTED)
async def register_system(request: Request, aims: Aims) -> Response:
    data = await posted(request)
    form = Form("/systems/new", system_fields(), "Register the system", values=values(data))
    body = {k: v for k, v in chosen(data).items() if v or k in ("name", "purpose", "owner")}
    made = await attempt(form, lambda: aims.register_system(key=key_of(data), **body))
    if made is None:
        return page(request, "Register an AI system", form)
    return await saved(request, aims, f"/systems/{made['id']}")


async def system_or_none(aims: AsyncAimsClient, system_id: UUID) -> dict[str, Any] | None:
    return await found(aims.get_system(str(system_id)))


def edit_form(system: dict[str, Any]) -> Form:
    """The edit form of a system at its current version."""
    current = {k: str(system.get(k) or "") for k in EDITABLE}
    return Form(f"/systems/{system['id']}/edit", system_fields(), "Save changes", values=current,
                hidden={"version": str(system["version"])})  # fmt: skip


@router.get("/systems/{system_id}/edit", responses=FORM)
async def edit_system(request: Request, system_id: UUID, aims: Aims) -> HTMLResponse:
    """Edit a system; saving sends If-Match with the version the form was opened at."""
    system = await system_or_none(aims, system_id)
    if system is None:
        return render(request, "error.html", status_code=404, error="No such AI system.")
    return page(request, f"Edit {system['name']}", edit_form(system), back=f"/systems/{system_id}")


@router.post("/systems/{system_id}/edit", responses=POSTED)
async def save_system(request: Request, system_id: UUID, aims: Aims) -> Response:
    data = await posted(request)
    system = await system_or_none(aims, system_id)
    if system is None:
        return render(request, "error.html", status_code=404, error="No such AI system.")
    typed, version = chosen(data), text(data, "version")
    # Only what the user changed is sent: an untouched owner or tier is not a change.
    changes = {k: v for k, v in typed.items() if v != str(system.get(k) or "")}
    if not changes and version == str(system["version"]):
        return await saved(request, aims, f"/systems/{system_id}")
    form = Form(f"/systems/{system_id}/edit", system_fields(), "Save changes", values=typed,
                hidden={"version": version})  # fmt: skip
    path = f"/v1/systems/{system_id}"
    out = await attempt(form, lambda: aims.patch("registry", path, changes, key_of(data),
                                                 if_match=version or None))  # fmt: skip
    if out is not None:
        if out.get("approval_id"):
            await settle(aims)  # "in their inbox": the approvals list, a read model, has it
            return render(request, "done.html", title="Waiting for approval",
                          message="This change lowers protection: it takes effect once someone "
                          "else approves it (it is in their inbox).",
                          next=f"/systems/{system_id}")  # fmt: skip
        return await saved(request, aims, f"/systems/{system_id}")
    if form.status != 412:
        return page(request, f"Edit {system['name']}", form, back=f"/systems/{system_id}")
    return await conflict(request, aims, system_id, changes)


async def conflict(request: Request, aims: AsyncAimsClient, system_id: UUID,
                   yours: dict[str, str]) -> HTMLResponse:  # fmt: skip
    """A stale edit: nothing written; the current values, and what the user wanted."""
    current = await system_or_none(aims, system_id) or {}
    form = edit_form(current)
    form.status = 412
    shown = {k: current.get(k, "") for k in EDITABLE}
    return page(request, f"Edit {current.get('name', '')}", form, back=f"/systems/{system_id}",
                conflict={"what": "system", "version": current.get("version"), "yours": yours,
                          "current": shown})  # fmt: skip


def transition_form(system_id: UUID, typed: dict[str, Any] | None = None) -> Form:
    fields = [Field("to", "Stage", "select", True, STAGES),
              Field("reason", "Reason", "textarea", True)]  # fmt: skip
    return Form(f"/systems/{system_id}/transition", fields, "Move the system",
                values=typed or {})  # fmt: skip


@router.get("/systems/{system_id}/transition", responses=FORM)
async def transition(request: Request, system_id: UUID, aims: Aims) -> HTMLResponse:
    """Move a system through its lifecycle; a refusal lists the gate's reasons."""
    system = await system_or_none(aims, system_id)
    if system is None:
        return render(request, "error.html", status_code=404, error="No such AI system.")
    form = transition_form(system_id)
    return page(request, f"Lifecycle of {system['name']} (now {system['stage']})", form,
                back=f"/systems/{system_id}")  # fmt: skip


@router.post("/systems/{system_id}/transition", responses=POSTED)
async def move_system(request: Request, system_id: UUID, aims: Aims) -> Response:
    data = await posted(request)
    form = transition_form(system_id, values(data))
    body = {"to": text(data, "to"), "reason": text(data, "reason")}
    refusal: dict[str, Any] = {}

    async def send() -> dict[str, Any]:
        try:
            return await aims.post("registry", f"/v1/systems/{system_id}/transitions", body,
                                   key_of(data))  # fmt: skip
        except Exception as exc:
            refusal.update(getattr(exc, "problem", {}) or {})
            raise

    if await attempt(form, send) is not None:
        return await saved(request, aims, f"/systems/{system_id}")
    system = await system_or_none(aims, system_id) or {"name": "", "stage": ""}
    return page(request, f"Lifecycle of {system['name']} (now {system['stage']})", form,
                back=f"/systems/{system_id}", reasons=refusal.get("reasons") or [],
                refusal=refusal.get("detail", ""))  # fmt: skip


def score(data: FormData) -> tuple[int | str, int | str]:
    """Likelihood and consequence from the 5x5 picker ('' when none was picked)."""
    picked = text(data, "score").split(",")
    if len(picked) == 2 and all(p.isdigit() for p in picked):
        return int(picked[0]), int(picked[1])
    return "", ""


async def risk_form(aims: AsyncAimsClient, typed: dict[str, Any]) -> Form:
    systems = sorted((await names(aims)).items(), key=lambda kv: kv[1].lower())
    fields = [
        Field("system_id", "AI system", "select", True, tuple(systems)),
        Field("title", "Title", required=True),
        Field("category", "Category", "select", True, CATEGORIES),
        Field("score", "Likelihood and consequence", "grid", True),
        Field("affects", "Affects", "checks", True, AFFECTED),
        Field("owner", "Owner", required=True), Field("description", "Description", "textarea"),
    ]  # fmt: skip
    return Form("/risks/new", fields, "Record the risk", values=typed,
                aliases={"likelihood": "score", "consequence": "score"})  # fmt: skip


@router.get("/risks/new", responses=UPSTREAM)
async def new_risk(request: Request, aims: Aims, system_id: UUID | None = None) -> HTMLResponse:
    """Record a risk, scored on a 5x5 likelihood/consequence picker."""
    form = await risk_form(aims, {"system_id": str(system_id or "")})
    return page(request, "Record a risk", form)


@router.post("/risks/new", responses=POSTED)
async def record_risk(request: Request, aims: Aims) -> Response:
    data = await posted(request)
    form = await risk_form(aims, values(data))
    likelihood, consequence = score(data)
    body = {"system_id": text(data, "system_id"), "title": text(data, "title"),
            "category": text(data, "category"), "likelihood": likelihood,
            "consequence": consequence, "affects": texts(data, "affects"),
            "owner": text(data, "owner"), "description": text(data, "description")}  # fmt: skip
    made = await attempt(form, lambda: aims.post("risk", "/v1/risks", body, key_of(data)))
    if made is None:
        return page(request, "Record a risk", form)
    return await saved(request, aims, f"/risks/{made['id']}")


def risk_facts(risk: dict[str, Any], system: str) -> list[tuple[str, Any]]:
    residual = risk.get("residual") or {}
    return [("AI system", system), ("category", risk["category"]), ("owner", risk["owner"]),
            ("likelihood x consequence", f"{risk['likelihood']} x {risk['consequence']}"),
            ("level", risk["level"]), ("residual level", residual.get("level", "not assessed")),
            ("status", risk["status"]), ("description", risk.get("description") or "")]  # fmt: skip


@router.get("/risks/{risk_id}", responses=FORM)
async def risk_page(request: Request, risk_id: UUID, aims: Aims) -> HTMLResponse:
    """One risk: its score, treatments and acceptance requests, and what can be done next."""
    risk = await found(aims.get("risk", f"/v1/risks/{risk_id}"))
    if risk is None:
        return render(request, "error.html", status_code=404, error="No such risk.")
    system = await found(aims.get_system(str(risk["system_id"]))) or {}
    asked = await collect(aims.pages("risk", "/v1/acceptances", page_size=200, risk_id=risk_id))
    treatments = [{"option": t["option"], "plan": t["plan"], "owner": t["owner"], "due": t["due"],
                   "status": t["status"]} for t in risk.get("treatments", [])]  # fmt: skip
    acceptances = [{"requested by": a["requested_by"], "status": a["status"],
                    "decided by": a.get("decided_by") or "", "expires": a["expires_at"]}
                   for a in asked]  # fmt: skip
    links = [(f"/risks/{risk_id}/treatments/new", "Add a treatment"),
             (f"/risks/{risk_id}/acceptance-requests/new", "Request acceptance")]  # fmt: skip
    return render(request, "record.html", title=risk["title"],
                  facts=risk_facts(risk, system.get("name", "")), links=links,
                  tables=[("Treatments", treatments),
                          ("Acceptance requests", acceptances)])  # fmt: skip


def treatment_form(risk_id: UUID, typed: dict[str, Any]) -> Form:
    fields = [
        Field("option", "Option", "select", True, OPTIONS),
        Field("controls", "Annex A controls", hint="Control ids such as A.6.2.4, separated by "
              "commas"),
        Field("plan", "Plan", "textarea", True), Field("owner", "Owner", required=True),
        Field("due", "Due", "date", True),
    ]  # fmt: skip
    return Form(f"/risks/{risk_id}/treatments/new", fields, "Add the treatment", values=typed)


@router.get("/risks/{risk_id}/treatments/new", responses=FORM)
async def new_treatment(request: Request, risk_id: UUID, aims: Aims) -> HTMLResponse:
    """Plan a treatment of a risk with the Annex A controls it relies on."""
    if await found(aims.get("risk", f"/v1/risks/{risk_id}")) is None:
        return render(request, "error.html", status_code=404, error="No such risk.")
    return page(request, "Add a treatment", treatment_form(risk_id, {}), back=f"/risks/{risk_id}")


@router.post("/risks/{risk_id}/treatments/new", responses=POSTED)
async def plan_treatment(request: Request, risk_id: UUID, aims: Aims) -> Response:
    data = await posted(request)
    form = treatment_form(risk_id, values(data))
    body = {"option": text(data, "option"), "controls": listed(data, "controls"),
            "plan": text(data, "plan"), "owner": text(data, "owner"),
            "due": text(data, "due")}  # fmt: skip
    path = f"/v1/risks/{risk_id}/treatments"
    if await attempt(form, lambda: aims.post("risk", path, body, key_of(data))) is None:
        return page(request, "Add a treatment", form, back=f"/risks/{risk_id}")
    return await saved(request, aims, f"/risks/{risk_id}")


def acceptance_form(risk_id: UUID, typed: dict[str, Any]) -> Form:
    fields = [Field("justification", "Justification", "textarea", True),
              Field("expires_at", "Expires on", "date", True)]  # fmt: skip
    return Form(f"/risks/{risk_id}/acceptance-requests/new", fields, "Request acceptance",
                values=typed)  # fmt: skip


@router.get("/risks/{risk_id}/acceptance-requests/new", responses=FORM)
async def new_acceptance(request: Request, risk_id: UUID, aims: Aims) -> HTMLResponse:
    """Ask an approver to accept the risk as it is now."""
    if await found(aims.get("risk", f"/v1/risks/{risk_id}")) is None:
        return render(request, "error.html", status_code=404, error="No such risk.")
    form = acceptance_form(risk_id, {})
    return page(request, "Request acceptance of the risk", form, back=f"/risks/{risk_id}")


@router.post("/risks/{risk_id}/acceptance-requests/new", responses=POSTED)
async def request_acceptance(request: Request, risk_id: UUID, aims: Aims) -> Response:
    data = await posted(request)
    form = acceptance_form(risk_id, values(data))
    body = {"justification": text(data, "justification"),
            "expires_at": end_of_day(text(data, "expires_at"))}  # fmt: skip
    path = f"/v1/risks/{risk_id}/acceptance-requests"
    if await attempt(form, lambda: aims.post("risk", path, body, key_of(data))) is None:
        return page(request, "Request acceptance of the risk", form, back=f"/risks/{risk_id}")
    return await saved(request, aims, f"/risks/{risk_id}")
