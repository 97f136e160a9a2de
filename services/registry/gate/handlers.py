"""Deployment gate handlers: read the facts through one port, decide, save (one commit each)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from services.registry.gate.commands import DecideDeployment, RecordDeployment
from services.registry.gate.domain import (
    DeploymentDecision,
    GateConfig,
    GateFacts,
    SystemView,
)
from shared.domain.errors import Conflict
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


@dataclass(frozen=True)
class DecisionRead:
    """What a decision reads at one instant: the facts (None: no such system) and the
    version of the gate policy's stream (None: the policy file is in force)."""

    facts: GateFacts | None
    policy_version: int | None


# The gate configuration with the policy at a given version of its stream in force.
PolicyFollower = Callable[[int | None], Awaitable[GateConfig]]


class GateFactsPort(Protocol):
    """Where the gate reads what it decides on; `gate.queries.ProjectedFacts` implements it."""

    async def for_decision(
        self, system_id: UUID, model_version: str, kinds: frozenset[str] | None = None
    ) -> DecisionRead:
        """The system, its facts (of `kinds`; None: all) and the gate policy's version, read
        together."""
        ...

    async def of_system(
        self, system_id: UUID, model_version: str | None = None
    ) -> GateFacts | None:
        """The system (from its stream) and its facts; None when the system does not exist."""
        ...

    async def of_view(self, system: SystemView) -> GateFacts:
        """The facts about a system the caller has already loaded."""
        ...

    async def logged_versions(self, streams: Sequence[str]) -> dict[str, int]:
        """The version each stream has in the log itself (absent streams are 0)."""
        ...


@dataclass(frozen=True)
class Gate:
    """The gate as the handlers use it: its configuration and the port its facts come from."""

    config: GateConfig
    facts: GateFactsPort


async def decide_deployment(
    cmd: DecideDeployment, ctx: RequestContext, repo: Repository, facts: GateFactsPort,
    follow: PolicyFollower, last: GateConfig,
) -> tuple[DeploymentDecision, AppendResult]:  # fmt: skip
    """Answer "may this version go to this environment?" and record the answer.

    The policy in force is taken at the version read with the facts: one read, and the
    decision's policy and basis describe the same instant. The read asks for the fact
    kinds of `last`, the policy this process followed last; should the read find another
    policy in force that needs more, the facts are read again, all of them.
    """
    kinds = last.policy.deployment_kinds
    read = await facts.for_decision(cmd.system_id, cmd.model_version, kinds)
    config = await follow(read.policy_version)
    if not config.policy.deployment_kinds <= kinds:
        read = await facts.for_decision(cmd.system_id, cmd.model_version)
        config = await follow(read.policy_version)
    decision = DeploymentDecision.ask(
        ctx.new_id("decision"), system_id=cmd.system_id, model_version=cmd.model_version,
        environment=cmd.environment, facts=read.facts, gate=config, now=datetime.now(UTC),
    )  # fmt: skip
    return decision, await repo.save(decision, ctx, expected_version=0)


async def record_deployment(
    cmd: RecordDeployment, ctx: RequestContext, repo: Repository, gate: Gate
) -> tuple[DeploymentDecision, AppendResult]:
    """Record a deployment citing a decision that still holds (else Conflict with why).

    Call it once the gate facts have caught up with the log, so a fact that appeared
    after the decision (a new risk, say) shows up in the re-evaluated basis.
    """
    try:
        decision = await repo.load(DeploymentDecision, cmd.decision_id)
    except StreamNotFound:
        raise Conflict(
            f"no deployment decision {cmd.decision_id}", code="decision_unknown"
        ) from None
    facts = await gate.facts.of_system(decision.system_id, decision.model_version)
    logged = await gate.facts.logged_versions(list(decision.basis.get("streams", {})))
    decision.cite(
        by=ctx.actor.sub, notes=cmd.notes, now=datetime.now(UTC), gate=gate.config, facts=facts,
        logged=logged, target=cmd.target(),
    )  # fmt: skip
    return decision, await repo.save(decision, ctx)
