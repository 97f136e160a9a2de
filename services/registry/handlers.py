"""Registry command handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.registry import gate_facts, mlflow
from services.registry.domain.gate import DeploymentDecision, Evaluation, evaluate, mode_for
from services.registry.domain.policy import GatePolicy
from services.registry.domain.system import AISystem, ModelVersion
from shared.domain.aggregate import stream_id
from shared.domain.errors import Conflict, NotFound
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext
from shared.platform.config import Settings


@dataclass(frozen=True)
class Gate:
    """What the gate handlers need beyond the repository: policy, settings, read pool."""

    policy: GatePolicy
    settings: Settings
    pool: asyncpg.Pool


def now() -> datetime:
    return datetime.now(UTC)


async def register_system(
    repo: Repository, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[AISystem, AppendResult]:
    """Register a new AI system."""
    system = AISystem.register(ctx.new_id("system"), **fields)
    result = await repo.save(system, ctx, expected_version=0)
    return system, result


async def load_system(repo: Repository, system_id: UUID, as_of: datetime | None = None) -> AISystem:
    """A system from its stream (raises StreamNotFound -> 404)."""
    system = await repo.load(AISystem, system_id, as_of=as_of)
    assert isinstance(system, AISystem)
    return system


async def update_system(
    repo: Repository, ctx: RequestContext, system_id: UUID, changes: dict[str, Any],
    expected_version: int | None,
) -> tuple[AISystem, AppendResult | None]:  # fmt: skip
    """Change inventory fields of a system (optimistic concurrency via If-Match)."""
    system = await load_system(repo, system_id)
    system.update(changes)
    if not system.pending:
        return system, None
    return system, await repo.save(system, ctx, expected_version=expected_version)


async def transition_system(
    repo: Repository, gate: Gate, ctx: RequestContext, system_id: UUID, to: str, reason: str,
    expected_version: int | None,
) -> tuple[AISystem, AppendResult]:  # fmt: skip
    """Move a system to another lifecycle stage; raises GateNotSatisfied with what is missing."""
    system = await load_system(repo, system_id)
    system.check_move(to, gate.policy)
    facts = gate_facts.gate_facts(system.view(), await gate_facts.load_facts(gate.pool, system_id))
    system.transition(to, reason, gate.policy, evaluate(gate.policy.gate(to), facts, now()))
    return system, await repo.save(system, ctx, expected_version=expected_version)


async def register_model_version(
    repo: Repository, ctx: RequestContext, system_id: UUID, fields: dict[str, Any]
) -> tuple[AISystem, ModelVersion, AppendResult | None]:
    """Register a model version; the same digest again returns the existing one (no result)."""
    system = await load_system(repo, system_id)
    mv, created = system.add_model_version(ctx.new_id("model-version"), **fields)
    if not created:
        return system, mv, None
    return system, mv, await repo.save(system, ctx)


async def decide_deployment(
    repo: Repository, gate: Gate, ctx: RequestContext, system_id: UUID, model_version: str,
    environment: str,
) -> tuple[DeploymentDecision, AppendResult]:  # fmt: skip
    """Answer "may this version go to this environment?" and record the answer."""
    evaluation = await _evaluate_deployment(repo, gate, system_id, model_version)
    s = gate.settings
    decision = DeploymentDecision.decide(
        ctx.new_id("decision"), system_id=system_id, model_version=model_version,
        environment=environment, mode=mode_for(s.gate_modes, s.gate_default_mode, environment),
        evaluation=evaluation, policy=gate.policy, now=now(),
        ttl=timedelta(seconds=s.gate_decision_ttl_seconds),
    )  # fmt: skip
    return decision, await repo.save(decision, ctx, expected_version=0)


async def record_deployment(
    repo: Repository, gate: Gate, ctx: RequestContext, decision_id: UUID, notes: str,
    target: dict[str, Any],
) -> tuple[DeploymentDecision, AppendResult]:  # fmt: skip
    """Record a deployment citing a decision that still holds (else Conflict with why).

    Call it once the gate facts have caught up with the log, so a fact that appeared
    after the decision (a new risk, say) shows up in the re-evaluated basis.
    """
    try:
        decision = await repo.load(DeploymentDecision, decision_id)
    except StreamNotFound:
        raise Conflict(f"no deployment decision {decision_id}", code="decision_unknown") from None
    assert isinstance(decision, DeploymentDecision) and decision.system_id is not None
    current = await _evaluate_deployment(repo, gate, decision.system_id, decision.model_version)
    assert current is not None
    logged = await repo.store.stream_versions(list(decision.basis.get("streams", {})))
    current = Evaluation(current.reasons, {**current.streams, **_moved(decision, logged)},
                         current.position, current.expires_at)  # fmt: skip
    decision.deploy(by=ctx.actor.sub, notes=notes, now=now(), policy=gate.policy,
                    current=current, target=target)  # fmt: skip
    return decision, await repo.save(decision, ctx)


def _moved(decision: DeploymentDecision, logged: dict[str, int]) -> dict[str, int]:
    """Streams whose version in the log differs from the basis (the log is authoritative)."""
    recorded = decision.basis.get("streams", {})
    return {s: v for s, v in logged.items() if recorded.get(s) != v}


async def _evaluate_deployment(
    repo: Repository, gate: Gate, system_id: UUID, model_version: str
) -> Evaluation | None:
    """The deployment gate's evaluation for a system (None when it does not exist).

    Two indexed reads, side by side: the system's own (short) stream and its gate facts.
    """
    events, loaded = await asyncio.gather(
        repo.store.read_stream(stream_id("system", system_id), must_exist=False),
        gate_facts.load_facts(gate.pool, system_id),
    )
    if not events:
        return None
    system = AISystem.replay(system_id, events)
    facts = gate_facts.gate_facts(system.view(), loaded, model_version)
    return evaluate(gate.policy.deployment_gate, facts, now())


async def receive_mlflow_delivery(
    repo: Repository, ctx: RequestContext, system_id: UUID, delivery: mlflow.Delivery
) -> dict[str, Any]:
    """Apply one MLflow delivery to the system claiming its model; redeliveries are no-ops."""
    kind = f"{delivery.entity}.{delivery.action}"
    system = await load_system(repo, system_id)
    outcome = {"system_id": str(system_id), "event": kind}
    try:
        match kind:
            case "model_version.created":
                v = mlflow.VersionCreated.model_validate(delivery.data)
                mv, _ = system.add_model_version(
                    ctx.new_id("model-version"), name=v.name, version=v.version,
                    digest=mlflow.digest_of(v.tags), source_uri=v.source, source="mlflow",
                    run_id=v.run_id, tags=v.tags,
                )  # fmt: skip
                outcome["model_version_id"] = str(mv.id)
            case "model_version_tag.set":
                t = mlflow.VersionTagSet.model_validate(delivery.data)
                system.tag_model_version(t.name, t.version, t.key, t.value)
            case "model_version_alias.created":
                a = mlflow.VersionAliasCreated.model_validate(delivery.data)
                system.alias_model_version(a.name, a.version, a.alias)
            case _:
                return outcome | {"status": "ignored", "reason": f"{kind} is not recorded"}
    except (NotFound, Conflict) as exc:
        return outcome | {"status": "ignored", "reason": exc.detail}
    if not system.pending:
        return outcome | {"status": "unchanged"}
    result = await repo.save(system, ctx)
    return outcome | {"status": "duplicate" if result.duplicate else "recorded",
                      "position": result.position}  # fmt: skip
