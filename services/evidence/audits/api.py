"""Audit, nonconformity and management-review routes (9.2, 10.2, 9.3)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from services.evidence.audits import handlers, queries
from services.evidence.audits.commands import CompleteCorrectiveAction
from services.evidence.audits.domain.audit import Audit
from services.evidence.audits.domain.nonconformity import Nonconformity
from services.evidence.audits.domain.review import ManagementReview
from services.evidence.audits.schemas import (
    AuditCompleteIn,
    AuditIn,
    CloseIn,
    ContainmentIn,
    CorrectiveActionIn,
    FindingIn,
    ManagementReviewIn,
    NonconformityIn,
    RootCauseIn,
    audit_out,
    nc_out,
    review_out,
)
from services.evidence.fields import BAD_PAGE, IF_MATCH, NOT_FRESH, problems
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, Pool, ReadPool, Repo, resource, written
from shared.http.pagination import Cursor, Page
from shared.http.problems import Problem
from shared.http.state import core, settings

router = APIRouter(tags=["audits"])
Limit = Annotated[int, Query(ge=1, le=500)]
_NO_AUDIT = (404, "no such audit (`audit_not_found`)")
_NO_NC = (404, "no such nonconformity (`nonconformity_not_found`)")
_NC_STEP = problems(
    _NO_NC, (409, "the nonconformity is closed (`nc_closed`) or changed meanwhile"
                  " (`version_conflict`)"), IF_MATCH,
)  # fmt: skip


async def current(request: Request) -> None:
    """Wait until the read models include every committed event.

    Decisions that consult a projection (who owns a system, which audit a finding
    belongs to) must not miss a change the caller has just made in another service.
    """
    c, wait = core(request.app), settings(request.app).min_position_wait
    if not await c.runner.wait_for(await c.store.head_position(), wait):
        raise Problem(503, "read models are catching up; retry shortly", code="not_fresh")


Current = Depends(current)


@router.post("/v1/audits", status_code=201, dependencies=[Current], responses=problems(
    (403, "an auditor owns a system in scope (`impartiality`)"),
    (422, "invalid fields (`validation`) or `ends_on` before `starts_on` (`invalid_dates`)"),
    NOT_FRESH,
))  # fmt: skip
async def plan_audit(body: AuditIn, ctx: Ctx, repo: Repo, pool: Pool) -> Response:
    """Enter an audit in the programme; 403 when an auditor owns a system in scope."""
    audit, result = await handlers.plan_audit(body.to_command(), repo, pool, ctx)
    return written(result, audit_out(audit), status=201, location=f"/v1/audits/{audit.id}")


@router.get("/v1/audits", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def list_audits(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, status: str | None = None,
    system_id: UUID | None = None,
) -> Page:  # fmt: skip
    """The audit programme, newest first."""
    return await queries.list_audits(
        pool, status=status, system_id=system_id, cursor=cursor, limit=limit
    )


@router.get("/v1/audits/{audit_id}", responses=problems(_NO_AUDIT))
async def get_audit(audit_id: UUID, repo: Repo) -> Response:
    """One audit with its findings."""
    audit = await handlers.load(repo, Audit, audit_id, "audit")
    return resource(audit_out(audit), audit.version)


@router.post("/v1/audits/{audit_id}/findings", status_code=201, dependencies=[Current],
             responses=problems(
    (403, "not on the audit team (`not_auditor`), or the finder owns the system"
          " (`impartiality`)"),
    _NO_AUDIT, (409, "the audit is completed (`audit_completed`)"),
    (422, "invalid fields (`validation`), a reference that is neither a clause nor an Annex A"
          " control (`unknown_reference`), a system outside the scope (`out_of_scope`), or a"
          " nonconformity asked of an observation (`not_a_nonconformity`) or without an owner"
          " (`nc_owner_required`)"),
    NOT_FRESH,
))  # fmt: skip
async def raise_finding(
    audit_id: UUID, body: FindingIn, ctx: Ctx, repo: Repo, pool: Pool
) -> Response:
    """Record a finding against a clause or Annex A control; may raise its nonconformity."""
    audit, finding, result, nc = await handlers.raise_finding(
        body.to_command(audit_id), repo, pool, ctx
    )
    out = {**asdict(finding), "audit_id": audit.id, "nonconformity_id": nc.id if nc else None}
    return written(result, out, status=201, location=f"/v1/audits/{audit.id}")


@router.post("/v1/audits/{audit_id}/complete", responses=problems(
    _NO_AUDIT, (409, "the audit is already completed (`audit_completed`)")))  # fmt: skip
async def complete_audit(audit_id: UUID, body: AuditCompleteIn, ctx: Ctx, repo: Repo) -> Response:
    """Complete the audit with its summary."""
    audit, result = await handlers.complete_audit(body.to_command(audit_id), repo, ctx)
    return written(result, audit_out(audit))


@router.post("/v1/nonconformities", status_code=201, dependencies=[Current],
             responses=problems(
    (404, "`finding_id` names no finding (`finding_not_found`)"),
    (409, "the finding has already raised a nonconformity (`finding_has_nonconformity`)"),
    (422, "invalid fields (`validation`), a finding that is no nonconformity"
          " (`not_a_nonconformity`) or of another system (`system_mismatch`)"),
    NOT_FRESH,
))  # fmt: skip
async def raise_nonconformity(body: NonconformityIn, ctx: Ctx, repo: Repo, pool: Pool) -> Response:
    """Raise a nonconformity directly or from a major/minor NC finding."""
    nc, result = await handlers.raise_nonconformity(body.to_command(), repo, pool, ctx)
    return written(result, nc_out(nc), status=201, location=f"/v1/nonconformities/{nc.id}")


@router.get("/v1/nonconformities", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def list_nonconformities(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, status: str | None = None,
    system_id: UUID | None = None, owner: str | None = None,
) -> Page:  # fmt: skip
    """Nonconformities, newest first."""
    return await queries.list_nonconformities(
        pool, status=status, system_id=system_id, owner=owner, cursor=cursor, limit=limit
    )


@router.get("/v1/nonconformities/{nc_id}", responses=problems(_NO_NC))
async def get_nonconformity(nc_id: UUID, repo: Repo) -> Response:
    """One nonconformity with its containment, root cause and corrective actions."""
    nc = await handlers.load(repo, Nonconformity, nc_id, "nonconformity")
    return resource(nc_out(nc), nc.version)


@router.post("/v1/nonconformities/{nc_id}/containment", responses=_NC_STEP)
async def contain(
    nc_id: UUID, body: ContainmentIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record a containment action."""
    nc, result = await handlers.contain_nonconformity(body.to_command(nc_id, expected), repo, ctx)
    return written(result, nc_out(nc))


@router.post("/v1/nonconformities/{nc_id}/root-cause", responses=_NC_STEP)
async def root_cause(
    nc_id: UUID, body: RootCauseIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record the root cause."""
    nc, result = await handlers.record_root_cause(body.to_command(nc_id, expected), repo, ctx)
    return written(result, nc_out(nc))


@router.post("/v1/nonconformities/{nc_id}/corrective-actions", status_code=201,
             responses=_NC_STEP)  # fmt: skip
async def add_corrective_action(
    nc_id: UUID, body: CorrectiveActionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Plan a corrective action with its owner and due date."""
    nc, result = await handlers.add_corrective_action(body.to_command(nc_id, expected), repo, ctx)
    return written(result, nc_out(nc), status=201)


@router.post("/v1/nonconformities/{nc_id}/corrective-actions/{action_id}/complete",
             responses=problems(
    (404, "no such nonconformity (`nonconformity_not_found`) or corrective action on it"),
    (409, "the nonconformity is closed (`nc_closed`), the action already completed"
          " (`action_completed`), or it changed meanwhile (`version_conflict`)"),
    IF_MATCH,
))  # fmt: skip
async def complete_corrective_action(
    nc_id: UUID, action_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Mark a corrective action as done."""
    cmd = CompleteCorrectiveAction(nc_id=nc_id, action_id=action_id, expected_version=expected)
    nc, result = await handlers.complete_corrective_action(cmd, repo, ctx)
    return written(result, nc_out(nc))


@router.post("/v1/nonconformities/{nc_id}/close", responses=problems(
    (403, "the raiser, the owner or a corrective-action owner may not close it"
          " (`separation_of_duties`, with `relation`)"), _NO_NC,
    (409, "already closed (`nc_closed`), no root cause or an open corrective action"
          " (`closure_incomplete`, with `missing`), the correction was not effective"
          " (`not_effective`), or it changed meanwhile (`version_conflict`)"),
    IF_MATCH,
))  # fmt: skip
async def close_nonconformity(
    nc_id: UUID, body: CloseIn, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod
) -> Response:
    """Close with an effectiveness review once the root cause is recorded and every corrective
    action completed (409 otherwise), by someone neither raiser nor owner (403 otherwise)."""
    cmd = body.to_command(nc_id, expected)
    nc, result = await handlers.close_nonconformity(cmd, repo, ctx, sod)
    return written(result, nc_out(nc))


@router.post("/v1/management-reviews", status_code=201, responses=problems(
    (422, "invalid fields (`validation`) or no attendees (`no_attendees`)")))  # fmt: skip
async def record_review(body: ManagementReviewIn, ctx: Ctx, repo: Repo) -> Response:
    """Record the minutes of a management review."""
    review, result = await handlers.record_review(body.to_command(), repo, ctx)
    return written(result, review_out(review), status=201,
                   location=f"/v1/management-reviews/{review.id}")  # fmt: skip


@router.get("/v1/management-reviews", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def list_reviews(pool: ReadPool, cursor: Cursor = None, limit: Limit = 50) -> Page:
    """Management reviews, newest first."""
    return await queries.list_reviews(pool, cursor=cursor, limit=limit)


@router.get(
    "/v1/management-reviews/{review_id}",
    responses=problems((404, "no such management review (`review_not_found`)")),
)
async def get_review(review_id: UUID, repo: Repo) -> Response:
    """The minutes of one management review."""
    review = await handlers.load(repo, ManagementReview, review_id, "review")
    return resource(review_out(review), review.version)
