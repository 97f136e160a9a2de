"""Deployment gate routes: decisions and the deployments that cite them (thin)."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from services.registry.gate import handlers
from services.registry.gate.domain import DeploymentDecision
from services.registry.gate.handlers import Gate
from services.registry.gate.queries import ProjectedFacts, decision_pool, system_views
from services.registry.gate.schemas import DecisionIn, DecisionOut, DeploymentIn
from services.registry.policy.handlers import STREAM as POLICY_STREAM
from services.registry.policy.handlers import follow, follow_version, last_followed
from services.registry.state import registry_state
from shared.http.deps import Ctx, Fresh, Repo, resource, written
from shared.http.problems import Problem
from shared.http.state import core

router = APIRouter(tags=["deployment gate"])


async def get_gate(request: Request) -> Gate:
    """The gate of this app: its configuration, facts from the projection and the log."""
    state = registry_state(request.app)
    config = await follow(request.app, core(request.app).repo, state.gate)
    return Gate(config, _facts(request))


def _facts(request: Request) -> ProjectedFacts:
    state = registry_state(request.app)
    return ProjectedFacts(
        state.read_pool, state.store, POLICY_STREAM, decision_pool(request.app),
        system_views(request.app),
    )  # fmt: skip


GateDep = Annotated[Gate, Depends(get_gate)]


@router.post(
    "/v1/deployment-decisions", response_model=DecisionOut, dependencies=[Fresh],
    responses={400: {"description": "`min_position` beyond the log"}},
)  # fmt: skip
async def decide(body: DecisionIn, ctx: Ctx, repo: Repo, request: Request) -> Response:
    """May this model version of this system go to this environment? A deny is a 200."""
    state = registry_state(request.app)
    follow = partial(follow_version, request.app, repo, state.gate)
    decision, result = await handlers.decide_deployment(
        body.to_command(), ctx, repo, _facts(request), follow,
        last_followed(request.app, state.gate),
    )  # fmt: skip
    return written(result, DecisionOut.of(decision), location=_where(decision.id))


@router.get(
    "/v1/deployment-decisions/{decision_id}", response_model=DecisionOut,
    responses={404: {"description": "no such decision"}},
)  # fmt: skip
async def get_decision(decision_id: UUID, repo: Repo) -> Response:
    """One recorded decision, with its basis and the deployment that cited it, if any."""
    decision = await repo.load(DeploymentDecision, decision_id)
    return resource(DecisionOut.of(decision), decision.version)


@router.post(
    "/v1/deployments", status_code=201, response_model=DecisionOut,
    responses={409: {"description": "the decision is unknown, a deny, used, expired, made"
                     " for another target or policy, or what it relied on has changed"}},
)  # fmt: skip
async def deploy(
    body: DeploymentIn, ctx: Ctx, repo: Repo, gate: GateDep, request: Request
) -> Response:
    """Record a deployment; refused (409) unless it cites an allow decision that still holds."""
    await _caught_up(request)
    decision, result = await handlers.record_deployment(body.to_command(), ctx, repo, gate)
    return written(result, DecisionOut.of(decision), status=201, location=_where(decision.id))


def _where(decision_id: UUID) -> str:
    return f"/v1/deployment-decisions/{decision_id}"


async def _caught_up(request: Request) -> None:
    """Wait until the gate's facts include every event committed so far."""
    state = registry_state(request.app)
    head = await state.store.head_position()
    if not await state.runner.wait_for(head, state.settings.min_position_wait):
        raise Problem(503, "the gate's facts are behind the log; retry shortly", code="not_fresh")
