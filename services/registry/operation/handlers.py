"""Handlers of systems in operation: load, decide, save (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from services.registry.operation.commands import (
    AssignOversight,
    RecordObservations,
    ReviewBreach,
    SetMonitoringPlan,
)
from services.registry.operation.domain import (
    Breach,
    Ingested,
    MetricTally,
    MonitoringPlan,
    Oversight,
    check_batch,
    opens_breach,
    summarize,
    summary_due,
    tally_batch,
)
from services.registry.operation.telemetry import Telemetry, Unit
from services.registry.systems.domain import AISystem
from shared.domain.aggregate import Aggregate, stream_id
from shared.domain.errors import Conflict
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext

A = TypeVar("A", bound=Aggregate)


async def load_or_new(repo: Repository, cls: type[A], id: UUID) -> A:
    """The aggregate from its stream, or a new one (version 0) when the stream is empty."""
    try:
        return await repo.load(cls, id)
    except StreamNotFound:
        return cls(id)


async def changeable_system(repo: Repository, system_id: UUID, ctx: RequestContext) -> AISystem:
    """The system, when the actor is its owner or an admin and it is not retired."""
    system = await repo.load(AISystem, system_id)  # 404 for an unknown system
    system.check_changer(ctx.actor)
    if system.stage == "retired":
        raise Conflict("a retired system cannot change", code="retired")
    return system


async def assign_oversight(
    cmd: AssignOversight, ctx: RequestContext, repo: Repository
) -> tuple[Oversight, AppendResult | None]:
    """Record the system's human oversight (owner or admin); nothing new, no result."""
    await changeable_system(repo, cmd.system_id, ctx)
    oversight = await load_or_new(repo, Oversight, cmd.system_id)
    oversight.assign(cmd.overseers, cmd.measures, cmd.can_override, cmd.stop_procedure)
    if not oversight.pending:
        return oversight, None
    return oversight, await repo.save(oversight, ctx, expected_version=cmd.expected_version)


async def set_monitoring_plan(
    cmd: SetMonitoringPlan, ctx: RequestContext, repo: Repository
) -> tuple[MonitoringPlan, AppendResult]:
    """Set the plan (owner or admin); the same plan again records that it was reviewed."""
    await changeable_system(repo, cmd.system_id, ctx)
    plan = await load_or_new(repo, MonitoringPlan, cmd.system_id)
    plan.set(cmd.metrics, cmd.review_every_days, datetime.now(UTC))
    return plan, await repo.save(plan, ctx, expected_version=cmd.expected_version)


async def plan_of(repo: Repository, system_id: UUID) -> MonitoringPlan:
    """The system's monitoring plan; 404 without the system, 409 without a plan."""
    plan = await load_or_new(repo, MonitoringPlan, system_id)
    if plan.version == 0:
        if not await repo.store.stream_version(stream_id("system", system_id)):
            raise StreamNotFound(stream_id("system", system_id))
        raise Conflict(
            "the system has no monitoring plan: PUT one first", code="no_monitoring_plan"
        )
    return plan


async def record_observations(
    cmd: RecordObservations, ctx: RequestContext, repo: Repository, telemetry: Telemetry
) -> Ingested:
    """Store a batch; open breaches and write due summaries in the same transaction.

    The whole batch is checked first: a bad observation refuses it (422) with nothing written.
    """
    plan = await plan_of(repo, cmd.system_id)
    now = datetime.now(UTC)
    check_batch(plan, cmd.readings, now)
    tallies = tally_batch(plan, cmd.readings)
    await telemetry.ensure_days([now.date()])
    out = Ingested(cmd.system_id, len(cmd.readings), {m: t.count for m, t in tallies.items()})
    async with telemetry.unit(cmd.system_id) as u:
        await u.insert(cmd.readings)
        rows = await u.add(tallies, now)
        await _open_breaches(u, ctx, plan, tallies, rows, out)
        due = [r for r in rows.values() if summary_due(r, now)]
        out.position = await _log(u, ctx, out, due, now)
    return out


async def _open_breaches(
    u: Unit, ctx: RequestContext, plan: MonitoringPlan, tallies: dict[str, MetricTally],
    rows: dict[str, Any], out: Ingested,
) -> None:  # fmt: skip
    """A breach for each metric that crossed with none awaiting review; else count it there."""
    for metric, t in tallies.items():
        open_breach = rows[metric]["open_breach_id"]
        if opens_breach(t, open_breach):
            crossing = [r.part() for r in t.crossing]
            breach_id = ctx.new_id(f"breach/{metric}")
            out.breaches.append(
                Breach.detect(breach_id, u.system_id, t.spec, crossing, plan.version)
            )
            await u.opened(metric, breach_id)
        elif t.crossing:
            out.still_open[metric] = open_breach


async def _log(
    u: Unit, ctx: RequestContext, out: Ingested, due: list[dict[str, Any]], now: datetime
) -> int:
    """Append the breaches and due summaries (last: see `telemetry`); the position reached."""
    position = 0
    if due:
        metrics = [str(r["metric"]) for r in due]
        await u.summarised(metrics, now)
        out.summarised = metrics
        events = [(ctx.new_id(f"summary/{m}"), summarize(u.system_id, r, now))
                  for m, r in zip(metrics, due, strict=True)]  # fmt: skip
        position = (await u.log(stream_id("telemetry", u.system_id), events, ctx)).position
    for breach in out.breaches:
        position = max(position, (await u.repo.save(breach, ctx, expected_version=0)).position)
    return position or await u.head()


async def summarise_due(
    telemetry: Telemetry, system_id: UUID, ctx: RequestContext, now: datetime
) -> list[str]:
    """Write the summaries of a system's metrics whose window has passed; their names."""
    async with telemetry.unit(system_id) as u:
        due = [t for t in await u.tallies() if summary_due(t, now)]
        if not due:
            return []
        metrics = [str(t["metric"]) for t in due]
        await u.summarised(metrics, now)
        await u.log(stream_id("telemetry", system_id),
                    [(None, summarize(system_id, t, now)) for t in due], ctx)  # fmt: skip
    return metrics


async def review_breach(
    cmd: ReviewBreach, ctx: RequestContext, telemetry: Telemetry, sod: SodPolicy
) -> tuple[Breach, AppendResult]:
    """Record the review of a breach; its metric may open a new breach from now on."""
    async with telemetry.unit(cmd.system_id) as u:
        breach = await u.repo.load(Breach, cmd.breach_id)
        breach.of_system(cmd.system_id)
        system = await u.repo.load(AISystem, cmd.system_id)
        breach.decide(cmd.decision, cmd.comment, ctx.actor.sub, system.owner, sod)
        await u.closed(breach.metric, breach.id)
        result = await u.repo.save(breach, ctx)
    return breach, result
