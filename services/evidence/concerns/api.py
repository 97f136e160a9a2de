"""Concern routes (A.3.3): anyone raises one, anonymously if they wish; triage decides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response

from services.evidence.audits.api import Current
from services.evidence.audits.handlers import load
from services.evidence.concerns import handlers, queries
from services.evidence.concerns.domain import Concern
from services.evidence.concerns.schemas import ConcernIn, TriageIn, concern_out
from services.evidence.concerns.sealing import Sealer
from services.evidence.fields import BAD_PAGE, IF_MATCH, NOT_FRESH, problems
from services.evidence.incidents.schemas import incident_out
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, Pool, ReadPool, Repo, resource, written
from shared.http.pagination import Cursor, Page
from shared.kernel.requestctx import RequestContext

router = APIRouter(tags=["concerns"])
Limit = Annotated[int, Query(ge=1, le=500)]
_NO_CONCERN = (404, "no such concern (`concern_not_found`)")


def sealer_of(app: FastAPI) -> Sealer:
    """The app's key for anonymous reporters (typed access to `app.state.concern_sealer`)."""
    sealer: Sealer = app.state.concern_sealer
    return sealer


def get_sealer(request: Request) -> Sealer:
    return sealer_of(request.app)


Seal = Annotated[Sealer, Depends(get_sealer)]


def _admin(ctx: RequestContext) -> bool:
    return ctx.actor.has("admin")


def _out(c: Concern, sealer: Sealer, ctx: RequestContext) -> dict[str, Any]:
    return concern_out(c, c.shown_reporter(sealer, _admin(ctx)))


@router.post("/v1/concerns", status_code=201, dependencies=[Current], responses=problems(
    (422, "invalid fields (`validation`) or a system that is not registered"
          " (`unknown_system`, with `system_ids`)"),
    NOT_FRESH,
))  # fmt: skip
async def raise_concern(
    body: ConcernIn, ctx: Ctx, repo: Repo, pool: Pool, sealer: Seal
) -> Response:
    """Raise a concern about AI (anyone); an anonymous reporter is shown to admins only."""
    concern, result = await handlers.raise_concern(body.to_command(), repo, pool, sealer, ctx)
    return written(result, _out(concern, sealer, ctx), status=201,
                   location=f"/v1/concerns/{concern.id}")  # fmt: skip


@router.get("/v1/concerns", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def list_concerns(
    pool: ReadPool, ctx: Ctx, sealer: Seal, cursor: Cursor = None, limit: Limit = 50,
    status: Literal["open", "incident", "dismissed"] | None = None,
    system_id: UUID | None = None,
) -> Page:  # fmt: skip
    """Concerns, newest first; an anonymous reporter is shown to admins only."""
    page = await queries.list_concerns(pool, status=status, system_id=system_id,
                                       cursor=cursor, limit=limit)  # fmt: skip
    for row in page.items:
        sealed = row.pop("reporter_sealed", None)
        if row["anonymous"]:
            row["reporter"] = sealer.unseal(sealed or "", row["id"]) if _admin(ctx) else None
        row["reported_by"] = row["reporter"]
    return page


@router.get("/v1/concerns/{concern_id}", responses=problems(_NO_CONCERN))
async def get_concern(concern_id: UUID, ctx: Ctx, repo: Repo, sealer: Seal) -> Response:
    """One concern; an anonymous reporter is shown to admins only."""
    concern = await load(repo, Concern, concern_id, "concern")
    return resource(_out(concern, sealer, ctx), concern.version)


@router.post("/v1/concerns/{concern_id}/triage", responses=problems(
    (403, "the person who raised the concern may not triage it (`separation_of_duties`)"),
    _NO_CONCERN,
    (409, "already triaged (`concern_triaged`), the anonymous reporter cannot be unsealed"
          " (`reporter_unreadable`), or it changed meanwhile (`version_conflict`)"),
    (422, "invalid fields (`validation`), incident times that do not fit"
          " (`time_in_future`, `aware_before_occurred`), or a system that is not registered"
          " (`unknown_system`)"),
    IF_MATCH, NOT_FRESH,
), dependencies=[Current])  # fmt: skip
async def triage_concern(
    concern_id: UUID, body: TriageIn, ctx: Ctx, repo: Repo, pool: Pool, sealer: Seal,
    expected: IfMatch, sod: Sod,
) -> Response:  # fmt: skip
    """Make the concern an incident (reported by the triager) or dismiss it, with a reason."""
    cmd = body.to_command(concern_id, expected)
    concern, incident, result = await handlers.triage_concern(cmd, repo, pool, sealer, ctx, sod)
    made = incident_out(incident, datetime.now(UTC)) if incident else None
    return written(result, {**_out(concern, sealer, ctx), "incident": made})
