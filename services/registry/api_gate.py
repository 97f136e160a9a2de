"""Deployment gate routes: decisions and the deployments that cite them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from services.registry import handlers
from services.registry.deps import GateDep
from services.registry.domain.gate import DeploymentDecision
from services.registry.schemas import DecisionIn, DecisionOut, DeploymentIn
from shared.http.deps import Ctx, Fresh, Repo, Store, resource, written
from shared.http.problems import Problem

router = APIRouter(tags=["deployment gate"])


@router.post("/v1/deployment-decisions", response_model=DecisionOut, dependencies=[Fresh])
async def decide(body: DecisionIn, ctx: Ctx, repo: Repo, gate: GateDep) -> Response:
    """May this model version of this system go to this environment? A deny is a 200."""
    decision, result = await handlers.decide_deployment(
        repo, gate, ctx, body.system_id, body.model_version, body.environment
    )
    return written(result, DecisionOut.of(decision), location=_where(decision.id))


@router.get("/v1/deployment-decisions/{decision_id}", response_model=DecisionOut)
async def get_decision(decision_id: UUID, repo: Repo) -> Response:
    """One recorded decision, with its basis and the deployment that cited it, if any."""
    decision = await repo.load(DeploymentDecision, decision_id)
    return resource(DecisionOut.of(decision), decision.version)


@router.post("/v1/deployments", status_code=201, response_model=DecisionOut)
async def deploy(
    body: DeploymentIn, ctx: Ctx, repo: Repo, store: Store, gate: GateDep, request: Request
) -> Response:
    """Record a deployment; refused (409) unless it cites an allow decision that still holds."""
    await _caught_up(request, store)
    target = body.model_dump(include={"system_id", "model_version", "environment"},
                             exclude_none=True)  # fmt: skip
    decision, result = await handlers.record_deployment(
        repo, gate, ctx, body.decision_id, body.notes, target
    )
    return written(result, DecisionOut.of(decision), status=201, location=_where(decision.id))


def _where(decision_id: UUID) -> str:
    return f"/v1/deployment-decisions/{decision_id}"


async def _caught_up(request: Request, store: Store) -> None:
    """Wait until the gate's facts include every event committed so far."""
    app = request.app
    head = await store.head_position()
    if not await app.state.runner.wait_for(head, app.state.settings.min_position_wait):
        raise Problem(503, "the gate's facts are behind the log; retry shortly", code="not_fresh")
