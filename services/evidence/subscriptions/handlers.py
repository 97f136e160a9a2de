"""Subscription handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

from services.evidence.audits.handlers import load
from services.evidence.concerns.sealing import Sealer
from services.evidence.subscriptions.commands import (
    CreateSubscription,
    RedeliverSubscription,
    ResumeSubscription,
)
from services.evidence.subscriptions.domain import Subscription, secret_bytes
from services.evidence.subscriptions.egress import EgressPolicy, EgressRefused
from shared.domain.errors import Invalid
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, EventStore
from shared.kernel.requestctx import RequestContext


def checked_url(url: str, egress: EgressPolicy) -> str:
    """The URL, refused (422) when malformed or aimed at an address deliveries may not reach."""
    try:
        egress.check_url(url)
    except EgressRefused as exc:
        raise Invalid(f"deliveries may not go there: {exc}", code="egress_refused",
                      field="url") from exc  # fmt: skip
    except ValueError as exc:
        raise Invalid(f"bad URL: {exc}", code="bad_url", field="url") from exc
    return url


async def create_subscription(
    cmd: CreateSubscription, repo: Repository, store: EventStore, sealer: Sealer,
    egress: EgressPolicy, ctx: RequestContext,
) -> tuple[Subscription, AppendResult]:  # fmt: skip
    """Subscribe a URL to event types; the secret is sealed before it reaches the log."""
    url = checked_url(cmd.url, egress)
    secret_bytes(cmd.secret)
    sid = ctx.new_id("subscription")
    sub = Subscription.create(
        sid, url=url, types=cmd.types, secret_sealed=sealer.seal(cmd.secret, sid),
        by=ctx.actor.sub, after_position=await store.head_position(),
    )  # fmt: skip
    return sub, await repo.save(sub, ctx, expected_version=0)


async def resume_subscription(
    cmd: ResumeSubscription, repo: Repository, ctx: RequestContext
) -> tuple[Subscription, AppendResult]:
    """Resume a paused subscription at the event that failed."""
    sub = await load(repo, Subscription, cmd.subscription_id, "subscription")
    sub.resume(ctx.actor.sub)
    return sub, await repo.save(sub, ctx)


async def redeliver(
    cmd: RedeliverSubscription, repo: Repository, store: EventStore, ctx: RequestContext
) -> tuple[Subscription, AppendResult]:
    """Deliver again from a position on; a paused subscription resumes."""
    sub = await load(repo, Subscription, cmd.subscription_id, "subscription")
    head = await store.head_position()
    if cmd.from_position > head + 1:
        raise Invalid(f"position {cmd.from_position} is beyond the log (head {head})",
                      code="position_ahead_of_log", field="from_position")  # fmt: skip
    sub.redeliver(cmd.from_position, ctx.actor.sub)
    return sub, await repo.save(sub, ctx)
