"""AI incident routes (A.8.4, 10.2, EU AI Act Art. 73)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response

from services.evidence.audits.api import Current
from services.evidence.audits.handlers import load
from services.evidence.audits.schemas import nc_out
from services.evidence.concerns.api import Seal
from services.evidence.fields import BAD_PAGE, IF_MATCH, NOT_FRESH, QueryTime, problems
from services.evidence.incidents import handlers, queries
from services.evidence.incidents.domain import Incident
from services.evidence.incidents.schemas import (
    CloseIn,
    IncidentIn,
    IncidentNonconformityIn,
    NotificationIn,
    ReclassifyIn,
    SeverityIn,
    Status,
    StatusChangeIn,
    incident_out,
)
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, Pool, ReadPool, Repo, resource, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["incidents"])
Limit = Annotated[int, Query(ge=1, le=500)]
_NO_INCIDENT = (404, "no such incident (`incident_not_found`)")
_CLOSED = "the incident is closed (`incident_closed`)"
_CHANGED = "it changed meanwhile (`version_conflict`)"
_TIMES = (
    "a time in the future (`time_in_future`), `aware_at` before `occurred_at`"
    " (`aware_before_occurred`)"
)


def _out(incident: Incident) -> dict[str, object]:
    return incident_out(incident, datetime.now(UTC))


@router.post("/v1/incidents", status_code=201, dependencies=[Current], responses=problems(
    (422, f"invalid fields (`validation`), {_TIMES}, or a system that is not registered"
          " (`unknown_system`, with `system_ids`)"),
    NOT_FRESH,
))  # fmt: skip
async def report_incident(body: IncidentIn, ctx: Ctx, repo: Repo, pool: Pool) -> Response:
    """Report an AI incident; a serious one gets its Art. 73 `notification_due_at`."""
    incident, result = await handlers.report_incident(body.to_command(), repo, pool, ctx)
    return written(result, _out(incident), status=201, location=f"/v1/incidents/{incident.id}")


@router.get("/v1/incidents", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def list_incidents(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, status: Status | None = None,
    system_id: UUID | None = None, serious: bool | None = None,
    severity: SeverityIn | None = None,
    overdue: Annotated[bool | None, Query(
        description="true: past `notification_due_at` with no initial notification sent")] = None,
) -> Page:  # fmt: skip
    """AI incidents, newest first, each with `overdue`."""
    return await queries.list_incidents(
        pool, status=status, system_id=system_id, serious=serious, severity=severity,
        overdue=overdue, cursor=cursor, limit=limit,
    )  # fmt: skip


@router.get("/v1/incidents/{incident_id}", responses=problems(_NO_INCIDENT))
async def get_incident(incident_id: UUID, repo: Repo, as_of: QueryTime | None = None) -> Response:
    """One incident (or as it was at `as_of`) with its deadline, notifications and history."""
    if as_of is None:
        incident = await load(repo, Incident, incident_id, "incident")
    else:
        incident = await repo.load(Incident, incident_id, as_of=as_of)
    return resource(_out(incident), incident.version)


@router.post("/v1/incidents/{incident_id}/classification", responses=problems(
    _NO_INCIDENT,
    (409, f"{_CLOSED}, the classification is the same (`classification_unchanged`), or"
          f" {_CHANGED}"),
    IF_MATCH,
))  # fmt: skip
async def reclassify_incident(
    incident_id: UUID, body: ReclassifyIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Change severity, seriousness, reach or harm (triage); the deadline is recomputed."""
    cmd = body.to_command(incident_id, expected)
    incident, result = await handlers.reclassify_incident(cmd, repo, ctx)
    return written(result, _out(incident))


@router.post("/v1/incidents/{incident_id}/status", responses=problems(
    _NO_INCIDENT,
    (409, f"{_CLOSED}, already in that status (`status_unchanged`), a move the statuses do"
          f" not allow (`invalid_transition`, with `allowed`), or {_CHANGED}"),
    (422, "invalid fields (`validation`; `closed` is one: use /close)"),
    IF_MATCH,
))  # fmt: skip
async def change_status(
    incident_id: UUID, body: StatusChangeIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Move along detected -> triaged -> reported -> investigating -> resolved."""
    cmd = body.to_command(incident_id, expected)
    incident, result = await handlers.change_status(cmd, repo, ctx)
    return written(result, _out(incident))


@router.post("/v1/incidents/{incident_id}/notifications", status_code=201, responses=problems(
    _NO_INCIDENT,
    (409, "the initial (`initial_notification_sent`) or final (`final_notification_sent`)"
          " notification is already recorded, a follow-up or final one comes before the"
          f" initial one (`initial_notification_missing`), or {_CHANGED}"),
    (422, "invalid fields (`validation`), `sent_at` in the future (`time_in_future`) or"
          " before the incident occurred (`sent_before_occurred`)"),
    IF_MATCH,
))  # fmt: skip
async def record_notification(
    incident_id: UUID, body: NotificationIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record a notification sent to an authority; the incident, with it, is the answer."""
    cmd = body.to_command(incident_id, expected)
    incident, _, result = await handlers.record_notification(cmd, repo, ctx)
    return written(result, _out(incident), status=201, location=f"/v1/incidents/{incident.id}")


@router.post("/v1/incidents/{incident_id}/nonconformity", status_code=201,
             dependencies=[Current], responses=problems(
    _NO_INCIDENT, (409, _CHANGED),
    (422, "invalid fields (`validation`), a system the incident does not name"
          " (`system_mismatch`), or no owner given for a system of unknown owner"
          " (`nc_owner_required`)"),
    NOT_FRESH,
))  # fmt: skip
async def raise_nonconformity(
    incident_id: UUID, ctx: Ctx, repo: Repo, pool: Pool,
    body: Annotated[IncidentNonconformityIn | None, Body()] = None,
) -> Response:  # fmt: skip
    """Raise a nonconformity linked to the incident; corrective actions follow on it."""
    cmd = (body or IncidentNonconformityIn()).to_command(incident_id)
    incident, nc, result = await handlers.raise_nonconformity(cmd, repo, pool, ctx)
    return written(result, {**nc_out(nc), "incident_id": incident.id}, status=201,
                   location=f"/v1/nonconformities/{nc.id}")  # fmt: skip


@router.post("/v1/incidents/{incident_id}/close", responses=problems(
    (403, "the reporter, or whoever raised the concern it came from, may not close it"
          " (`separation_of_duties`, with `relation`)"),
    _NO_INCIDENT,
    (409, f"{_CLOSED}, the concern's reporter cannot be unsealed (`reporter_unreadable`),"
          f" or {_CHANGED}"),
    (422, "invalid fields (`validation`): a resolution is required"),
    IF_MATCH,
))  # fmt: skip
async def close_incident(
    incident_id: UUID, body: CloseIn, ctx: Ctx, repo: Repo, sealer: Seal, expected: IfMatch,
    sod: Sod,
) -> Response:  # fmt: skip
    """Close with a resolution, by someone other than the reporter (403 for the reporter)."""
    cmd = body.to_command(incident_id, expected)
    incident, result = await handlers.close_incident(cmd, repo, sealer, ctx, sod)
    return written(result, _out(incident))
