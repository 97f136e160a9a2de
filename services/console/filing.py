"""Forms for assessments and records: impact assessments, SoA applicability, evidence
uploads, nonconformities. Each posts through the SDK with the form's Idempotency-Key."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from services.console.editing import FORM, POSTED, key_of, page, saved
from services.console.forms import (
    MAX_UPLOAD,
    Field,
    Form,
    attempt,
    end_of_day,
    listed,
    posted,
    settle,
    text,
    upload,
)
from services.console.forms import values as typed_values
from services.console.routes import HTML, UPSTREAM, names, render
from services.console.upstream import Aims, found
from services.sdk import AsyncAimsClient

router = APIRouter(default_response_class=HTMLResponse)
SEVERITIES = tuple((s, s) for s in ("low", "medium", "high", "critical"))
REVERSIBILITY = tuple((r, r.replace("_", " ")) for r in (
    "reversible", "partially_reversible", "irreversible"))  # fmt: skip
SOA_STATUS = tuple((s, s.replace("_", " ")) for s in (
    "not_started", "planned", "in_progress", "implemented", "not_applicable"))  # fmt: skip
YES_NO = (("yes", "yes: the control applies"), ("no", "no: excluded"))
ControlId = Annotated[str, PathParam(pattern=r"^A\.[0-9]+(\.[0-9]+)*$", max_length=16)]


async def system_choices(aims: AsyncAimsClient) -> tuple[tuple[str, str], ...]:
    """The AI systems as (id, name) options, by name."""
    return tuple(sorted((await names(aims)).items(), key=lambda kv: kv[1].lower()))


async def impact_form(aims: AsyncAimsClient, typed: dict[str, Any]) -> Form:
    fields = [
        Field("system_id", "AI system", "select", True, await system_choices(aims)),
        Field("intended_use", "Intended use", "textarea", True),
        Field("foreseeable_misuse", "Foreseeable misuse", "textarea"),
        Field("affected_individuals", "Affected individuals", "textarea"),
        Field("affected_groups", "Affected groups", "textarea"),
        Field("affected_society", "Affected society", "textarea"),
        Field("severity", "Severity", "select", options=SEVERITIES),
        Field("reversibility", "Reversibility", "select", options=REVERSIBILITY),
    ]  # fmt: skip
    return Form("/impact-assessments/new", fields, "Save the draft", values=typed)


@router.get("/impact-assessments/new", responses=UPSTREAM)
async def new_impact(request: Request, aims: Aims, system_id: UUID | None = None) -> HTMLResponse:
    """Draft an impact assessment of an AI system."""
    form = await impact_form(aims, {"system_id": str(system_id or "")})
    return page(request, "Draft an impact assessment", form)


@router.post("/impact-assessments/new", responses=POSTED)
async def draft_impact(request: Request, aims: Aims) -> Response:
    data = await posted(request)
    form = await impact_form(aims, typed_values(data))
    body: dict[str, Any] = {f.name: text(data, f.name) for f in form.fields}
    for optional in ("severity", "reversibility"):
        body[optional] = body[optional] or None
    made = await attempt(form, lambda: aims.post("risk", "/v1/impact-assessments", body,
                                                 key_of(data)))  # fmt: skip
    if made is None:
        return page(request, "Draft an impact assessment", form)
    return await saved(request, aims, f"/impact-assessments/{made['id']}")


def step_form(action: str, submit: str, comment: bool = False) -> Form:
    """A one-button form (submit, approve), with a comment when the step takes one."""
    return Form(action, [Field("comment", "Comment", "textarea")] if comment else [], submit)


@router.get("/impact-assessments/{assessment_id}", responses=FORM)
async def impact_page(request: Request, assessment_id: UUID, aims: Aims) -> HTMLResponse:
    """One impact assessment; submit it (a draft) or approve it (submitted)."""
    return await impact_view(request, aims, assessment_id)


async def impact_view(request: Request, aims: AsyncAimsClient, assessment_id: UUID,
                      refused: Form | None = None) -> HTMLResponse:  # fmt: skip
    """The assessment's page; after a refused step, saying why with the refusal's status."""
    ia = await found(aims.get("risk", f"/v1/impact-assessments/{assessment_id}"))
    if ia is None:
        return render(request, "error.html", status_code=404, error="No such impact assessment.")
    system = await found(aims.get_system(str(ia["system_id"]))) or {}
    facts = [("AI system", system.get("name", "")), ("status", ia["status"]),
             ("author", ia["author"]), ("submitted by", ia.get("submitted_by") or ""),
             ("approved by", ia.get("approved_by") or "")] + [
        (k.replace("_", " "), ia.get(k) or "") for k in (
            "intended_use", "foreseeable_misuse", "affected_individuals", "affected_groups",
            "affected_society", "severity", "reversibility")]  # fmt: skip
    base = f"/impact-assessments/{assessment_id}"
    forms = []
    if ia["status"] == "draft":
        forms.append(("Submit for approval", step_form(base + "/submit", "Submit")))
    if ia["status"] == "submitted":
        forms.append(("Approve", step_form(base + "/approve", "Approve", comment=True)))
    why = " ".join(refused.errors.values()) if refused else ""
    return render(request, "record.html", title=f"Impact assessment of {system.get('name', '')}",
                  facts=facts, page_forms=forms, error=why,
                  status_code=refused.status if refused else 200)  # fmt: skip


async def impact_step(request: Request, aims: AsyncAimsClient, assessment_id: UUID,
                      step: str) -> Response:  # fmt: skip
    """Submit or approve an impact assessment; a refusal is an error page saying why."""
    data = await posted(request)
    base = f"/impact-assessments/{assessment_id}"
    form = step_form(f"{base}/{step}", step.title(), comment=step == "approve")
    body = {"comment": text(data, "comment")} if step == "approve" else None
    path = f"/v1{base}/{step}"
    if await attempt(form, lambda: aims.post("risk", path, body, key_of(data))) is None:
        return await impact_view(request, aims, assessment_id, form)
    return await saved(request, aims, base)


@router.post("/impact-assessments/{assessment_id}/submit", responses=POSTED)
async def submit_impact(request: Request, assessment_id: UUID, aims: Aims) -> Response:
    return await impact_step(request, aims, assessment_id, "submit")


@router.post("/impact-assessments/{assessment_id}/approve", responses=POSTED)
async def approve_impact(request: Request, assessment_id: UUID, aims: Aims) -> Response:
    return await impact_step(request, aims, assessment_id, "approve")


def soa_form(control_id: str, typed: dict[str, Any]) -> Form:
    fields = [
        Field("applicable", "Applicable", "select", True, YES_NO),
        Field("justification", "Justification", "textarea", True),
        Field("status", "Implementation status", "select", options=SOA_STATUS),
        Field("owner", "Owner"),
    ]  # fmt: skip
    return Form(f"/soa/{control_id}", fields, "Save applicability", values=typed)


@router.get("/soa/{control_id}", responses=FORM)
async def soa_entry(request: Request, control_id: ControlId, aims: Aims) -> HTMLResponse:
    """Set whether an Annex A control applies, with the justification."""
    entry = next((c for c in (await aims.soa())["items"] if c["control_id"] == control_id), None)
    if entry is None:
        return render(request, "error.html", status_code=404, error="No such Annex A control.")
    applicable = {True: "yes", False: "no"}.get(entry.get("applicable"), "")
    typed = {"applicable": applicable, "justification": entry.get("justification") or "",
             "status": entry.get("status") or "", "owner": entry.get("owner") or ""}  # fmt: skip
    return page(request, f"{control_id} {entry.get('title', '')}", soa_form(control_id, typed),
                back="/soa")  # fmt: skip


@router.post("/soa/{control_id}", responses=POSTED)
async def set_soa_entry(request: Request, control_id: ControlId, aims: Aims) -> Response:
    data = await posted(request)
    form = soa_form(control_id, typed_values(data))
    applicable = {"yes": True, "no": False}.get(text(data, "applicable"), text(data, "applicable"))
    body = {"applicable": applicable, "justification": text(data, "justification"),
            "status": text(data, "status") or None, "owner": text(data, "owner")}  # fmt: skip
    out = await attempt(form, lambda: aims.put("risk", f"/v1/soa/controls/{control_id}", body,
                                               key_of(data)))  # fmt: skip
    if out is None:
        return page(request, f"Applicability of {control_id}", form, back="/soa")
    if out.get("approval_id"):
        await settle(aims)  # "in their inbox": the approvals list, a read model, has it
        return render(request, "done.html", title="Waiting for approval", next="/soa",
                      message="Excluding a control lowers protection: it takes effect once "
                      "someone else approves it (it is in their inbox).")  # fmt: skip
    return await saved(request, aims, "/soa")


async def evidence_form(aims: AsyncAimsClient, typed: dict[str, Any]) -> Form:
    fields = [
        Field("file", "File", "file", True), Field("title", "Title", required=True),
        Field("kind", "Kind", required=True, hint="For example: policy, test_report, log"),
        Field("system_ids", "AI system", "select", options=await system_choices(aims)),
        Field("control_ids", "Annex A controls", hint="Control ids such as A.6.2.4, "
              "separated by commas"),
        Field("valid_until", "Valid until", "date"),
    ]  # fmt: skip
    return Form("/evidence/new", fields, "Upload the evidence", values=typed)


@router.get("/evidence/new", responses=UPSTREAM)
async def new_evidence(request: Request, aims: Aims) -> HTMLResponse:
    """Upload a file as evidence; the evidence service stores and hashes it."""
    return page(request, "Upload evidence", await evidence_form(aims, {}), multipart=True)


@router.post("/evidence/new", responses={
    **POSTED, 413: {"description": "The file is too large: the form again", "content": HTML},
})  # fmt: skip
async def upload_evidence(request: Request, aims: Aims) -> Response:
    data = await posted(request)
    form = await evidence_form(aims, typed_values(data))
    file = upload(data, "file")
    if file is None or (file.size or 0) > MAX_UPLOAD:
        why = "choose a file to upload" if file is None else "the file is larger than 50 MiB"
        form.errors, form.status = {"file": why}, 422 if file is None else 413
        return page(request, "Upload evidence", form, multipart=True)
    content = await file.read()
    fields = {"title": text(data, "title"), "kind": text(data, "kind"),
              "system_ids": listed(data, "system_ids"), "control_ids": listed(data, "control_ids"),
              "valid_until": end_of_day(text(data, "valid_until")) or None}  # fmt: skip
    made = await attempt(form, lambda: aims.upload_evidence(
        file.filename or "upload", content, file.content_type or "application/octet-stream",
        key=key_of(data), **fields))  # fmt: skip
    if made is None:
        return page(request, "Upload evidence", form, multipart=True)
    return await saved(request, aims, f"/evidence/{made['id']}")


@router.get("/evidence/{evidence_id}", responses=FORM)
async def evidence_page(request: Request, evidence_id: UUID, aims: Aims) -> HTMLResponse:
    """One piece of evidence with its sha256."""
    ev = await found(aims.get("evidence", f"/v1/evidence/{evidence_id}"))
    if ev is None:
        return render(request, "error.html", status_code=404, error="No such evidence.")
    facts = [("sha256", ev["sha256"]), ("kind", ev["kind"]), ("status", ev.get("status", "")),
             ("size", ev.get("size") or ""), ("recorded by", ev.get("recorded_by", "")),
             ("controls", ", ".join(ev.get("control_ids") or [])),
             ("valid until", ev.get("valid_until") or "")]  # fmt: skip
    return render(request, "record.html", title=ev["title"], facts=facts)


async def nc_form(aims: AsyncAimsClient, typed: dict[str, Any]) -> Form:
    fields = [
        Field("title", "Title", required=True),
        Field("description", "Description", "textarea", True),
        Field("owner", "Owner", required=True),
        Field("system_id", "AI system", "select", options=await system_choices(aims)),
    ]  # fmt: skip
    return Form("/nonconformities/new", fields, "Raise the nonconformity", values=typed)


@router.get("/nonconformities/new", responses=UPSTREAM)
async def new_nonconformity(request: Request, aims: Aims) -> HTMLResponse:
    """Raise a nonconformity (ISO/IEC 42001 10.2)."""
    return page(request, "Raise a nonconformity", await nc_form(aims, {}))


@router.post("/nonconformities/new", responses=POSTED)
async def raise_nonconformity(request: Request, aims: Aims) -> Response:
    data = await posted(request)
    form = await nc_form(aims, typed_values(data))
    body = {"title": text(data, "title"), "description": text(data, "description"),
            "owner": text(data, "owner"), "system_id": text(data, "system_id") or None}  # fmt: skip
    made = await attempt(form, lambda: aims.post("evidence", "/v1/nonconformities", body,
                                                 key_of(data)))  # fmt: skip
    if made is None:
        return page(request, "Raise a nonconformity", form)
    return await saved(request, aims, f"/nonconformities/{made['id']}")


def nc_forms(nc_id: UUID, action: dict[str, Any] | None = None,
             closing: dict[str, Any] | None = None) -> list[tuple[str, Form]]:  # fmt: skip
    base = f"/nonconformities/{nc_id}"
    act = Form(base + "/actions", [
        Field("description", "Corrective action", "textarea", True),
        Field("owner", "Action owner", required=True), Field("due", "Action due", "date", True),
    ], "Add the corrective action", values=action or {})  # fmt: skip
    close = Form(base + "/close", [
        Field("effectiveness_review", "Effectiveness review", "textarea", True),
        Field("effective", "Effective: the actions removed the cause", "checkbox"),
    ], "Close the nonconformity", values=closing or {"effective": "yes"})  # fmt: skip
    return [("Add a corrective action", act), ("Close", close)]


async def nc_page(
    request: Request, aims: AsyncAimsClient, nc_id: UUID,
    forms: list[tuple[str, Form]] | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    """A nonconformity's page, with its forms (refilled after a refusal)."""
    nc = await found(aims.get("evidence", f"/v1/nonconformities/{nc_id}"))
    if nc is None:
        return render(request, "error.html", status_code=404, error="No such nonconformity.")
    facts = [("status", nc["status"]), ("owner", nc["owner"]), ("raised by", nc["raised_by"]),
             ("description", nc["description"]), ("root cause", nc.get("root_cause") or ""),
             ("effectiveness review", nc.get("effectiveness_review") or "")]  # fmt: skip
    actions = [{"action": a["description"], "owner": a["owner"], "due": a["due"],
                "done": "yes" if a.get("completed") else "no"}
               for a in nc.get("corrective_actions") or []]  # fmt: skip
    shown = [] if nc["status"] == "closed" else (forms or nc_forms(nc_id))
    return render(request, "record.html", status_code=status, title=nc["title"], facts=facts,
                  tables=[("Corrective actions", actions)], page_forms=shown)  # fmt: skip


@router.get("/nonconformities/{nc_id}", responses=FORM)
async def nonconformity(request: Request, nc_id: UUID, aims: Aims) -> HTMLResponse:
    """One nonconformity: its corrective actions; add one, or close it."""
    return await nc_page(request, aims, nc_id)


@router.post("/nonconformities/{nc_id}/actions", responses=POSTED)
async def add_action(request: Request, nc_id: UUID, aims: Aims) -> Response:
    data = await posted(request)
    forms = nc_forms(nc_id, action=typed_values(data))
    body = {"description": text(data, "description"), "owner": text(data, "owner"),
            "due": text(data, "due")}  # fmt: skip
    path = f"/v1/nonconformities/{nc_id}/corrective-actions"
    if await attempt(forms[0][1], lambda: aims.post("evidence", path, body, key_of(data))) is None:
        return await nc_page(request, aims, nc_id, forms, forms[0][1].status)
    return await saved(request, aims, f"/nonconformities/{nc_id}")


@router.post("/nonconformities/{nc_id}/close", responses=POSTED)
async def close_nonconformity(request: Request, nc_id: UUID, aims: Aims) -> Response:
    data = await posted(request)
    forms = nc_forms(nc_id, closing=typed_values(data))
    body = {"effectiveness_review": text(data, "effectiveness_review"),
            "effective": text(data, "effective") == "yes"}  # fmt: skip
    path = f"/v1/nonconformities/{nc_id}/close"
    if await attempt(forms[1][1], lambda: aims.post("evidence", path, body, key_of(data))) is None:
        return await nc_page(request, aims, nc_id, forms, forms[1][1].status)
    return await saved(request, aims, f"/nonconformities/{nc_id}")
