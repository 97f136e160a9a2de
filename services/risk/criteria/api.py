"""Risk criteria routes: read the criteria in force, adopt new ones."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.risk.criteria import handlers
from services.risk.criteria.schemas import CriteriaIn, criteria_out
from services.risk.responses import FORBIDDEN, PENDING, WRITE, documented
from shared.domain.approvals import Requested
from shared.http.approvals import Sod, accepted
from shared.http.deps import Ctx, IfMatch, Repo, resource

router = APIRouter(tags=["risks"])


@router.get("/v1/criteria")
async def get_criteria(repo: Repo) -> Response:
    """The risk criteria in force (version 0 is the built-in default)."""
    criteria = await handlers.current_criteria(repo)
    return resource(criteria_out(criteria), criteria.version)


@router.put("/v1/criteria", responses=documented(PENDING, FORBIDDEN, WRITE))
async def put_criteria(
    body: CriteriaIn, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod
) -> Response:
    """Ask for new risk criteria: 202, they take effect when another approver approves them
    (a new version; existing risks keep the version that scored them). The same criteria
    again answer 200 with those in force."""
    out = await handlers.set_criteria(body.to_command(expected), repo, ctx, sod)
    if isinstance(out, Requested):
        return accepted(out)
    return resource(criteria_out(out), out.version)
