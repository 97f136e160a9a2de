"""Follow-up decisions the risk service takes on its own, driven by the log.

The reactor is a projection without tables: the runner hands it events in log order
inside a transaction that also moves its checkpoint. It appends its own events on that
same connection, so a reaction and the checkpoint past its cause commit together (the
store's serialising lock is taken inside this transaction and released at its commit).
Event ids derive from the id of the causing event, and every decision is made against
the current state of the aggregates, so running it again (a replay, a retried batch)
writes nothing new.

It does three things:
- voids acceptances a material risk change left standing (the risk handler normally
  voids them itself; this repairs a crash between its two appends), and voids an
  approval that raced a risk change;
- marks approved impact assessments review-due after a significant change to their AI
  system (`SystemUpdated` with significant=true, `SystemStageChanged` to re_evaluation).
Expiry needs no event to trigger it; `sweep_expired` runs on a timer instead.

The review-due decision belongs to impact assessments (`impact.handlers`); the reactor
only routes the system events to it. It stays one projection with one checkpoint
(`risk.reactor`), so splitting it by feature would make a new one replay the whole log.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import structlog
from fastapi import FastAPI

from services.risk.impact.commands import MarkReviewsDue
from services.risk.impact.handlers import mark_reviews_due
from services.risk.register.commands import (
    ExpireAcceptances,
    VoidAcceptanceIfStale,
    VoidStaleAcceptances,
)
from services.risk.register.handlers import (
    expire_acceptances,
    void_acceptance_if_stale,
    void_stale_acceptances,
)
from services.risk.register.queries import expired_acceptance_ids
from shared.contract.events import CATEGORIES
from shared.domain.repository import Repository
from shared.http.state import core
from shared.kernel.eventstore import EventStore, OneConnection, StoredEvent, StreamNotFound
from shared.kernel.loops import run_forever
from shared.kernel.projections import Projection
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext

log = structlog.get_logger()
SWEEP_SECONDS = 60.0


def reaction_context(cause: StoredEvent | None, key: str) -> RequestContext:
    """Context of an automatic decision: the aims actor, caused by `cause`."""
    meta = cause.metadata if cause else {}
    return RequestContext(
        actor=SYSTEM_ACTOR, service="risk", request_id=key,
        correlation_id=meta.get("correlation_id"),
        causation_id=str(cause.id) if cause else None, idempotency_key=key,
    )  # fmt: skip


class Reactor(Projection):
    """Voids stale acceptances and calls impact assessments into review."""

    name = "risk.reactor"
    tables = ()
    rebuild = False  # its effects are events already in the log
    types = frozenset({
        "RiskAssessed", "RiskTreatmentPlanned", "ResidualRiskAssessed", "AcceptanceRequested",
        "AcceptanceApproved", "SystemUpdated", "SystemStageChanged",
    })  # fmt: skip

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        # The store shields its writes from cancellation; on this borrowed connection a
        # cancelled runner would roll back while the write still runs and the connection
        # would never be released. So a reaction, once started, finishes on its connection
        # before the cancellation goes on (and the rollback discards it; it reruns later).
        task = asyncio.ensure_future(self._react(e, conn))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.gather(task, return_exceptions=True)
            raise

    async def _react(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        store = EventStore(OneConnection(conn), categories=CATEGORIES["risk"])
        repo, ctx = Repository(store), reaction_context(e, f"reactor:{e.id}")
        d, now = e.data, datetime.now(UTC)
        try:
            match e.type:
                case "SystemUpdated" if d.get("significant"):
                    why = "significant change to the AI system"
                    cmd = MarkReviewsDue(UUID(d["system_id"]), why, e.position)
                    await mark_reviews_due(cmd, repo, ctx)
                case "SystemStageChanged" if d.get("to") == "re_evaluation":
                    why = "the AI system entered re-evaluation"
                    cmd = MarkReviewsDue(UUID(d["system_id"]), why, e.position)
                    await mark_reviews_due(cmd, repo, ctx)
                case "AcceptanceRequested" | "AcceptanceApproved":
                    one = VoidAcceptanceIfStale(UUID(d["acceptance_id"]), UUID(d["risk_id"]), now)
                    await void_acceptance_if_stale(one, repo, ctx)
                case "RiskAssessed" | "RiskTreatmentPlanned" | "ResidualRiskAssessed":
                    stale = VoidStaleAcceptances(UUID(d["risk_id"]), now)
                    await void_stale_acceptances(stale, repo, ctx)
        except StreamNotFound:
            log.warning("reactor_missing_stream", type=e.type, position=e.position)


async def sweep_expired(pool: asyncpg.Pool, repo: Repository, now: datetime) -> int:
    """Void every open acceptance past its expiry; returns how many were voided."""
    ids = await expired_acceptance_ids(pool, now)
    ctx = reaction_context(None, "expiry")  # event ids per (acceptance, version)
    return await expire_acceptances(ExpireAcceptances(tuple(ids), now), repo, ctx)


def _sweeper(app: FastAPI) -> asyncio.Task[None] | None:
    """The running sweep task of this app, if any (`app.state.sweeper`)."""
    task: asyncio.Task[None] | None = getattr(app.state, "sweeper", None)
    return task


async def start_sweeper(app: FastAPI) -> None:
    """Start the periodic expiry sweep (every replica may run it: voids are idempotent)."""
    started = core(app)

    async def step() -> None:
        await sweep_expired(started.pool, started.repo, datetime.now(UTC))

    sweep = run_forever("expiry_sweep", step, every=SWEEP_SECONDS)
    app.state.sweeper = asyncio.create_task(sweep)


async def stop_sweeper(app: FastAPI) -> None:
    """Stop the expiry sweep and wait for it to end."""
    task = _sweeper(app)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
