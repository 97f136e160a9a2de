"""Risk criteria routes: read the criteria in force, adopt new ones."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.risk.criteria import handlers
from services.risk.criteria.schemas import CriteriaIn, criteria_out
from services.risk.responses import WRITE
from shared.http.deps import Ctx, IfMatch, Repo, resource, saved

router = APIRouter(tags=["risks"])


@router.get("/v1/criteria")
async def get_criteria(repo: Repo) -> Response:
    """The risk criteria in force (version 0 is the built-in default)."""
    criteria = await handlers.current_criteria(repo)
    return resource(criteria_out(criteria), criteria.version)


@router.put("/v1/criteria", responses=WRITE)
async def put_criteria(body: CriteriaIn, ctx: Ctx, repo: Repo, expected: IfMatch) -> Response:
    """Adopt new risk criteria (a new version; existing risks keep the version that scored them)."""
    criteria, result = await handlers.set_criteria(body.to_command(expected), repo, ctx)
    return saved(result, criteria_out(criteria), criteria.version)
