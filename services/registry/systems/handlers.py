"""Inventory command handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import asyncpg

from services.registry.gate.handlers import Gate
from services.registry.systems import queries
from services.registry.systems.commands import (
    RegisterModelVersion,
    RegisterSystem,
    TransitionSystem,
    UpdateSystem,
)
from services.registry.systems.domain import AISystem, ModelVersion, refuse_claimed
from shared.contract.events.approvals import ApprovalRef
from shared.domain import approvals
from shared.domain.approvals import ApprovalKind, ChangeControlled, ChangeRequest, Requested
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext

NO_SYSTEM = UUID(int=0)  # claims checked for a system that does not exist yet


async def register_system(
    cmd: RegisterSystem, ctx: RequestContext, repo: Repository, pool: asyncpg.Pool
) -> tuple[AISystem, AppendResult]:
    """Register a new AI system; its MLflow names must be unclaimed."""
    refuse_claimed(await queries.claimed_elsewhere(pool, cmd.mlflow_model_names, NO_SYSTEM))
    system = AISystem.register(
        ctx.new_id("system"), name=cmd.name, purpose=cmd.purpose, owner=cmd.owner,
        provider_role=cmd.provider_role, eu_ai_act_tier=cmd.eu_ai_act_tier,
        intended_use=cmd.intended_use, tags=list(cmd.tags),
        mlflow_model_names=list(cmd.mlflow_model_names),
    )  # fmt: skip
    return system, await repo.save(system, ctx, expected_version=0)


async def update_system(
    cmd: UpdateSystem, ctx: RequestContext, repo: Repository, pool: asyncpg.Pool, sod: SodPolicy
) -> tuple[AISystem, AppendResult | None] | Requested:
    """Change inventory fields (owner or admin; If-Match); no change, no result.

    A lower tier than the last assessed one, or an owner handing the system on, waits for
    an approver: the request is recorded and returned instead.
    """
    changes = _changes(cmd)
    system = await repo.load(AISystem, cmd.system_id)
    system.check_changer(ctx.actor)
    names = changes.get("mlflow_model_names", [])
    refuse_claimed(await queries.claimed_elsewhere(pool, names, cmd.system_id))
    decision = system.update_decision(changes, ctx.actor)
    if decision is not None:
        return await approvals.request(
            repo, ctx, sod, SYSTEMS, system, decision, changes, basis=system.basis(),
            system_id=system.id, expected_version=cmd.expected_version,
        )  # fmt: skip
    system.update(changes, ctx.actor)
    if not system.pending:
        return system, None
    return system, await repo.save(system, ctx, expected_version=cmd.expected_version)


def _changes(cmd: UpdateSystem) -> dict[str, Any]:
    """The fields the command sets, named as the aggregate and its events name them."""
    fields = {
        "name": cmd.name, "purpose": cmd.purpose, "owner": cmd.owner,
        "provider_role": cmd.provider_role, "eu_ai_act_tier": cmd.eu_ai_act_tier,
        "intended_use": cmd.intended_use,
        "tags": None if cmd.tags is None else list(cmd.tags),
        "mlflow_model_names": (
            None if cmd.mlflow_model_names is None else list(cmd.mlflow_model_names)
        ),
    }  # fmt: skip
    return {k: v for k, v in fields.items() if v is not None}


async def transition_system(
    cmd: TransitionSystem, ctx: RequestContext, repo: Repository, gate: Gate
) -> tuple[AISystem, AppendResult]:
    """Move a system to another stage (owner or admin); GateNotSatisfied lists what is missing."""
    system = await repo.load(AISystem, cmd.system_id)
    system.check_changer(ctx.actor)
    facts = await gate.facts.of_view(system.view())
    system.move(cmd.to, cmd.reason, gate.config.policy, facts, datetime.now(UTC))
    return system, await repo.save(system, ctx, expected_version=cmd.expected_version)


async def register_model_version(
    cmd: RegisterModelVersion, ctx: RequestContext, repo: Repository
) -> tuple[AISystem, ModelVersion, AppendResult | None]:
    """Register a model version; the same digest again returns the existing one (no result)."""
    system = await repo.load(AISystem, cmd.system_id)
    system.check_changer(ctx.actor, "mlops")  # the pipeline registers what it builds
    mv, created = system.add_model_version(
        ctx.new_id("model-version"), name=cmd.name, version=cmd.version, digest=cmd.digest,
        source_uri=cmd.source_uri,
    )  # fmt: skip
    if not created:
        return system, mv, None
    return system, mv, await repo.save(system, ctx)


class SystemChanges(ApprovalKind):
    """AI systems in four-eyes approvals: tier downgrades, owners handing a system on."""

    aggregate = AISystem
    subject_type = "system"

    def href(self, subject_id: UUID, change: Mapping[str, Any]) -> str:
        return f"/v1/systems/{subject_id}"

    async def relations(
        self, repo: Repository, agg: ChangeControlled, req: ChangeRequest
    ) -> dict[str, set[str]]:
        system = cast(AISystem, agg)
        proposed = req.change.get("owner")
        return {
            "author": {system.author} if system.author else set(),
            "revisers": set(system.writers), "system_owner": {system.owner},
            "proposed_owner": {proposed} if proposed else set(),
        }  # fmt: skip

    async def carry_out(
        self, repo: Repository, ctx: RequestContext, agg: ChangeControlled, req: ChangeRequest,
        ref: ApprovalRef,
    ) -> AppendResult:  # fmt: skip
        cast(AISystem, agg).carry_out(req, ref)
        return await repo.save(agg, ctx)


SYSTEMS = SystemChanges()
