"""A breach sends its system back to re-evaluation, decided by the registry on its own.

The reactor is a projection without tables (as the risk service's): the runner hands it
each `MonitoringThresholdBreached` in log order inside a transaction that also moves its
checkpoint, and it appends the stage change on that same connection, so the move and
the checkpoint past its cause commit together. Event ids derive from the breach event's
id and the system is loaded as it is now, so a rerun writes nothing new: a system no
longer in deployment or operation (already moved, retired, or moved back after a review)
is left where it is.

The move is an ordinary lifecycle transition by the `aims` actor: the policy must allow
it and the `re_evaluation` gate (empty by default) must be satisfied; the reason names
the breach, and the basis records the breach stream next to what the gate relied on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.registry.gate.domain import (
    Evaluation,
    GateFacts,
    GateNotSatisfied,
    GatePolicy,
    evaluate,
)
from services.registry.gate.queries import load_facts
from services.registry.systems.domain import AISystem
from shared.contract.events import CATEGORIES
from shared.domain.repository import Repository
from shared.kernel.eventstore import EventStore, OneConnection, StoredEvent, StreamNotFound
from shared.kernel.projections import Projection
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext

log = structlog.get_logger()
MOVED_FROM = frozenset({"deployment", "operation"})


def reaction_context(cause: StoredEvent) -> RequestContext:
    """Context of the automatic move: the aims actor, caused by the breach event."""
    key = f"breach-reactor:{cause.id}"
    return RequestContext(
        actor=SYSTEM_ACTOR, service="registry", request_id=key,
        correlation_id=cause.metadata.get("correlation_id"), causation_id=str(cause.id),
        idempotency_key=key,
    )  # fmt: skip


def reason_of(data: Mapping[str, Any]) -> str:
    """The recorded reason of the move: the breach, its metric and its threshold."""
    threshold = data.get("threshold") or {}
    op = {"gt": ">", "lt": "<"}.get(str(threshold.get("op")), "?")
    seen = len(data.get("observations") or [])
    return (
        f"monitoring breach {data.get('breach_id')}: {data.get('metric')} {op}"
        f" {threshold.get('value')} in {seen} observation(s)"
    )


class BreachReactor(Projection):
    """Moves a system in deployment or operation to re_evaluation when a breach is recorded."""

    name = "registry.breach_reactor"
    tables = ()
    rebuild = False  # its effects are events already in the log
    types = frozenset({"MonitoringThresholdBreached"})

    def __init__(self, policy: GatePolicy) -> None:
        self.policy = policy

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        # Finish a started reaction on its borrowed connection before a cancellation goes
        # on (see the risk reactor): the store shields its write, the rollback discards it.
        task = asyncio.ensure_future(self._react(e, conn))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.gather(task, return_exceptions=True)
            raise

    async def _react(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        one = OneConnection(conn)
        repo = Repository(EventStore(one, categories=CATEGORIES["registry"]))
        system_id = UUID(str(e.data["system_id"]))
        try:
            system = await repo.load(AISystem, system_id)
        except StreamNotFound:
            log.warning("breach_reactor_missing_system", position=e.position)
            return
        if system.stage not in MOVED_FROM or not self.policy.allows(system.stage, "re_evaluation"):
            return
        facts, position = await load_facts(one, system_id)
        now, view = datetime.now(UTC), GateFacts(system.view(), facts, position)
        gate = evaluate(self.policy.gate("re_evaluation"), view, now)
        basis = Evaluation(gate.reasons, {**gate.streams, e.stream_id: e.version}, gate.position,
                           gate.expires_at)  # fmt: skip
        try:
            system.transition("re_evaluation", reason_of(e.data), self.policy, basis)
        except GateNotSatisfied as exc:
            log.warning("breach_reactor_gate_not_satisfied", system_id=str(system_id),
                        missing=exc.extra.get("missing"))  # fmt: skip
            return
        await repo.save(system, reaction_context(e))
