"""AI policy routes: thin translations between JSON and commands.

`GET /v1/policies/separation-of-duties` (the shared policy of who may decide what) is
registered before these routes; `{policy_id}` is a UUID, so the two never meet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Response

from services.risk.fields import AsOf, Limit, OwnerQuery
from services.risk.policies import handlers, queries
from services.risk.policies.domain import Policy
from services.risk.policies.schemas import (
    AcknowledgementIn,
    PolicyApprovalIn,
    PolicyIn,
    PolicyVersionIn,
    acknowledgement_out,
    acknowledgements_out,
    policy_out,
    version_out,
)
from services.risk.responses import (
    CHANGE,
    CONFLICT,
    CREATE,
    DECIDE,
    INVALID,
    LIST,
    NOT_FOUND,
    READ_ONE,
    STALE,
    Documented,
    documented,
)
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["AI policy"])
ApprovalStatus = Literal["pending", "approved"]
VersionNumber = Annotated[int, Path(ge=1, le=1_000_000)]
UNCHANGED: Documented = {200: {"description": "the same text as the latest version: the policy"}}
ALREADY: Documented = {200: {"description": "the caller had acknowledged it: nothing written"}}


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/v1/policies", status_code=201, responses=CREATE)
async def draft_policy(body: PolicyIn, ctx: Ctx, repo: Repo) -> Response:
    """Write the first version of an AI policy (5.2); it takes effect once approved."""
    policy, result = await handlers.draft_policy(body.to_command(), repo, ctx)
    return written(result, policy_out(policy, _now()), status=201,
                   location=f"/v1/policies/{policy.id}")  # fmt: skip


@router.get("/v1/policies", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_policies(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, review_due: bool | None = None,
    approval_status: ApprovalStatus | None = None, owner: OwnerQuery = None,
) -> Page:  # fmt: skip
    """AI policies, newest first; `review_due=true`: those past their planned review."""
    return await queries.list_policies(pool, cursor=cursor, limit=limit, review_due=review_due,
                                       approval_status=approval_status, owner=owner)  # fmt: skip


@router.get("/v1/policies/{policy_id}", responses=READ_ONE)
async def get_policy(policy_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One AI policy: its latest version, the version in force, its review clock."""
    policy = await repo.load(Policy, policy_id, as_of=as_of)
    return resource(policy_out(policy, as_of or _now()), policy.version)


@router.post(
    "/v1/policies/{policy_id}/versions", status_code=201, responses=documented(UNCHANGED, CHANGE)
)
async def revise_policy(
    policy_id: UUID, body: PolicyVersionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Write a new version; the approved one stays in force until this one is approved.
    The same text as the latest version answers 200 with the policy and writes nothing."""
    policy, result = await handlers.revise_policy(body.to_command(policy_id, expected), repo, ctx)
    if result is None:
        return saved(result, policy_out(policy, _now()), policy.version)
    where = f"/v1/policies/{policy.id}/versions/{policy.latest.number}"
    return written(result, version_out(policy, policy.latest), status=201, location=where)


@router.get("/v1/policies/{policy_id}/versions", responses=READ_ONE)
async def list_policy_versions(policy_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """Every version of a policy, oldest first, with who wrote and who approved it."""
    policy = await repo.load(Policy, policy_id, as_of=as_of)
    items = [version_out(policy, v) for v in policy.versions]
    return resource({"items": items}, policy.version)


@router.get("/v1/policies/{policy_id}/versions/{number}", responses=READ_ONE)
async def get_policy_version(policy_id: UUID, number: VersionNumber, repo: Repo) -> Response:
    """One version of a policy."""
    policy = await repo.load(Policy, policy_id)
    return resource(version_out(policy, policy.version_numbered(number)), policy.version)


@router.post("/v1/policies/{policy_id}/approve", responses=documented(DECIDE, STALE))
async def approve_policy(
    policy_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod,
    body: PolicyApprovalIn | None = None,
) -> Response:  # fmt: skip
    """Approve the latest version: by an approver who neither drafted the policy nor wrote a
    version of it. Approving the version already approved records its planned review."""
    cmd = (body or PolicyApprovalIn()).to_command(policy_id, expected)
    policy, result = await handlers.approve_policy(cmd, repo, ctx, sod)
    return written(result, policy_out(policy, _now()))


@router.post(
    "/v1/policies/{policy_id}/acknowledgements", status_code=201,
    responses=documented(ALREADY, NOT_FOUND, CONFLICT, INVALID),
)  # fmt: skip
async def acknowledge_policy(
    policy_id: UUID, ctx: Ctx, repo: Repo, body: AcknowledgementIn | None = None
) -> Response:
    """The caller acknowledges having read the version in force (201; 200 when they already
    had). 409 while no version is approved, or when `policy_version` is not the one in force."""
    cmd = (body or AcknowledgementIn()).to_command(policy_id)
    policy, result = await handlers.acknowledge_policy(cmd, repo, ctx)
    out = acknowledgement_out(policy, ctx.actor.sub)
    if result is None:
        return resource(out, policy.version)
    return written(result, out, status=201)


@router.get(
    "/v1/policies/{policy_id}/acknowledgements", dependencies=[Fresh],
    responses=documented(READ_ONE, LIST),
)  # fmt: skip
async def policy_acknowledgements(policy_id: UUID, repo: Repo, pool: ReadPool) -> Response:
    """Who acknowledged the version in force, and who has not: the `audience` is everyone
    holding an active AI role (`/v1/ai-roles`), `missing` those of them yet to acknowledge."""
    policy = await repo.load(Policy, policy_id)
    return resource(acknowledgements_out(policy, await queries.roster(pool)), policy.version)
