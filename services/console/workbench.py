"""`/inbox` and its decisions: approve or reject beside a comment, as the signed-in user."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.forms import KEY, posted, settle, text
from services.console.inbox import Me, forget, inbox, waiting
from services.console.routes import HTML, UPSTREAM, render, who
from services.console.upstream import COOKIE, Aims, explain
from services.sdk import AimsError, AsyncAimsClient, ServiceUnreachable

router = APIRouter(default_response_class=HTMLResponse)
# A form post: refused without this session's CSRF token or from another origin (403).
POSTED: dict[int | str, dict[str, Any]] = {
    **UPSTREAM,
    403: {"description": "Another origin, a stale session token, or a role the service "
          "refuses (an error page)", "content": HTML},
    409: {"description": "The service refused the decision (the inbox, saying why)",
          "content": HTML},
}  # fmt: skip
Notice = Annotated[str, Query(max_length=200)]


def me_of(request: Request) -> Me:
    """The signed-in user's subject and roles (as their token claims them)."""
    claims = who(request.cookies.get(COOKIE, ""), request.app)
    return Me(str(claims["sub"]), {str(r) for r in claims["roles"] or []})


async def inbox_page(request: Request, aims: AsyncAimsClient, status_code: int = 200,
                     **ctx: Any) -> HTMLResponse:  # fmt: skip
    """The inbox, with any decision error shown beside its item."""
    sections = await inbox(aims, me_of(request))
    request.state.inbox_count = waiting(sections)
    keys = {it["id"]: str(uuid.uuid4()) for s in sections for it in s.items}
    ctx = {"errors": {}, "comments": {}, "notice": "", **ctx}
    return render(request, "inbox.html", status_code=status_code, sections=sections, keys=keys,
                  **ctx)  # fmt: skip


@router.get("/inbox", responses=UPSTREAM)
async def my_inbox(request: Request, aims: Aims, notice: Notice = "") -> HTMLResponse:
    """What waits for me: decisions, things I own that are due, and my own requests."""
    return await inbox_page(request, aims, notice=notice)


async def decide(request: Request, aims: AsyncAimsClient, item: str, service: str, path: str,
                 approve_only: bool = False) -> Response:  # fmt: skip
    """Post an Approve or Reject with its comment; back to the inbox either way."""
    form = await posted(request)
    choice, comment = text(form, "decision"), text(form, "comment")
    if choice not in ("approve", "reject") or (approve_only and choice == "reject"):
        return await inbox_page(request, aims, 422, errors={item: "choose Approve or Reject"})
    try:
        await aims.post(service, f"{path}/{choice}", {"comment": comment}, text(form, KEY) or None)
    except (AimsError, ServiceUnreachable) as exc:
        status = exc.status if isinstance(exc, AimsError) and exc.status < 500 else 502
        if status == 401:
            raise
        return await inbox_page(request, aims, status, errors={item: explain(exc)},
                                comments={item: comment})  # fmt: skip
    forget(request.app, request.cookies.get(COOKIE, ""))
    await settle(aims)
    done = "approved" if choice == "approve" else "rejected"
    return RedirectResponse(f"/inbox?notice=You+{done}+it.", status_code=303)


@router.post("/acceptances/{acceptance_id}/decide", responses=POSTED)
async def decide_acceptance(request: Request, acceptance_id: UUID, aims: Aims) -> Response:
    """Approve or reject a risk acceptance (form fields `decision`, `comment`)."""
    sid = str(acceptance_id)
    return await decide(request, aims, sid, "risk", f"/v1/acceptances/{sid}")


@router.post("/approvals/{service}/{approval_id}/decide", responses=POSTED)
async def decide_approval(
    request: Request, service: Literal["risk", "registry"], approval_id: UUID, aims: Aims
) -> Response:
    """Approve or reject a four-eyes change (a rejection needs a comment)."""
    sid = str(approval_id)
    return await decide(request, aims, sid, service, f"/v1/approvals/{sid}")


@router.post("/impact-assessments/{assessment_id}/decide", responses=POSTED)
async def decide_impact(request: Request, assessment_id: UUID, aims: Aims) -> Response:
    """Approve a submitted impact assessment, with a comment."""
    sid = str(assessment_id)
    return await decide(request, aims, sid, "risk", f"/v1/impact-assessments/{sid}",
                        approve_only=True)  # fmt: skip
