"""The gate policy in force: read it, propose another (four eyes)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.registry.policy import handlers
from services.registry.policy.schemas import PolicyIn, policy_out
from shared.http.approvals import Sod, accepted
from shared.http.deps import Ctx, IfMatch, Repo, resource

router = APIRouter(tags=["deployment gate"])


@router.get("/v1/gate-policy")
async def get_gate_policy(request: Request, repo: Repo) -> Response:
    """The policy in force (`source`: the file a fresh installation runs, or `adopted`)."""
    rec, from_file = await handlers.record(repo), request.app.state.gate_policy_file
    return resource(policy_out(rec, rec.in_force(from_file), from_file), rec.version)


@router.put(
    "/v1/gate-policy",
    responses={
        202: {"description": "the policy waits for an approver (the body is the approval)"},
        409: {"description": "another policy already waits for approval"},
        412: {"description": "If-Match names a version the record is no longer at"},
        422: {"description": "not a valid gate policy"},
    },
)  # fmt: skip
async def put_gate_policy(
    body: PolicyIn, request: Request, ctx: Ctx, repo: Repo, sod: Sod, expected: IfMatch
) -> Response:
    """Propose a gate policy: 202, in force once another person approves it; the policy
    already in force answers 200."""
    from_file = request.app.state.gate_policy_file
    rec, requested = await handlers.propose(body.document, repo, ctx, sod, from_file, expected)
    if requested is not None:
        return accepted(requested)
    return resource(policy_out(rec, rec.in_force(from_file), from_file), rec.version)
