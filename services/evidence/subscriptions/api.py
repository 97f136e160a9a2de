"""Webhook subscription routes: subscribe, list, inspect deliveries, redeliver, resume."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from services.evidence.audits.handlers import load
from services.evidence.concerns.sealing import Sealer, load_sealer
from services.evidence.fields import BAD_PAGE, NOT_FRESH, problems
from services.evidence.subscriptions import handlers, queries
from services.evidence.subscriptions.commands import RedeliverSubscription, ResumeSubscription
from services.evidence.subscriptions.domain import Subscription
from services.evidence.subscriptions.egress import EgressPolicy
from services.evidence.subscriptions.schemas import SubscriptionIn, subscription_out
from shared.http.deps import Ctx, Fresh, Pool, ReadPool, Repo, Store, resource, written
from shared.http.pagination import Cursor, Page
from shared.http.state import settings

router = APIRouter(tags=["subscriptions"])
Limit = Annotated[int, Query(ge=1, le=500)]
_NONE = (404, "no such subscription (`subscription_not_found`)")


def sealer_of(request: Request) -> Sealer:
    """The key sealing subscription secrets (`AIMS_WEBHOOK_KEY_FILE`, or created 0600 in the
    data dir on first use); the relay opens them with the same file."""
    app = request.app
    if getattr(app.state, "webhook_sealer", None) is None:
        app.state.webhook_sealer = load_sealer(settings(app).webhook_key_path)
    sealer: Sealer = app.state.webhook_sealer
    return sealer


async def _out(pool: Pool, sub: Subscription) -> dict[str, object]:
    return subscription_out(sub, await queries.relay_state(pool, sub.id))


@router.post("/v1/subscriptions", status_code=201, responses=problems(
    (422, "invalid fields (`validation`), a malformed URL (`bad_url`), a URL whose host is"
          " an address deliveries may not reach (`egress_refused`), an unknown event type"
          " (`unknown_type`, with `types`) or a secret that is not `whsec_<base64>` of 24-64"
          " bytes (`bad_secret`)"),
))  # fmt: skip
async def create_subscription(
    body: SubscriptionIn, request: Request, ctx: Ctx, repo: Repo, store: Store, pool: Pool
) -> Response:
    """Deliver events of these types to the URL as signed CloudEvents (Standard Webhooks)."""
    sub, result = await handlers.create_subscription(
        body.to_command(), repo, store, sealer_of(request), EgressPolicy.from_env(), ctx
    )
    return written(result, await _out(pool, sub), status=201,
                   location=f"/v1/subscriptions/{sub.id}")  # fmt: skip


@router.get("/v1/subscriptions", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def list_subscriptions(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50,
    status: Literal["active", "paused"] | None = None,
) -> Page:  # fmt: skip
    """Subscriptions, newest first (never their secrets)."""
    return await queries.list_subscriptions(pool, status=status, cursor=cursor, limit=limit)


@router.get("/v1/subscriptions/{subscription_id}", responses=problems(_NONE))
async def get_subscription(subscription_id: UUID, repo: Repo, pool: Pool) -> Response:
    """One subscription with the relay's progress: delivered position, failures, next try."""
    sub = await load(repo, Subscription, subscription_id, "subscription")
    return resource(await _out(pool, sub), sub.version)


@router.get("/v1/subscriptions/{subscription_id}/deliveries", response_model=Page,
            responses=problems(_NONE, BAD_PAGE))  # fmt: skip
async def list_deliveries(
    subscription_id: UUID, repo: Repo, pool: Pool, cursor: Cursor = None, limit: Limit = 50,
    outcome: Literal["delivered", "failed"] | None = None,
) -> Page:  # fmt: skip
    """Delivery attempts, newest first; `outcome=failed` lists the failures."""
    await load(repo, Subscription, subscription_id, "subscription")
    return await queries.list_deliveries(
        pool, subscription_id, outcome=outcome, cursor=cursor, limit=limit
    )


@router.post("/v1/subscriptions/{subscription_id}/redeliver", responses=problems(
    _NONE, (422, "`from_position` missing, below 1 or beyond the log (`position_ahead_of_log`)"),
))  # fmt: skip
async def redeliver(
    subscription_id: UUID, ctx: Ctx, repo: Repo, store: Store, pool: Pool,
    from_position: Annotated[int, Query(ge=1, le=2**62)],
) -> Response:  # fmt: skip
    """Deliver every matching event again from `from_position` on; resumes a paused one."""
    cmd = RedeliverSubscription(subscription_id, from_position)
    sub, result = await handlers.redeliver(cmd, repo, store, ctx)
    return written(result, await _out(pool, sub))


@router.post("/v1/subscriptions/{subscription_id}/resume", responses=problems(
    _NONE, (409, "the subscription is not paused (`not_paused`)"),
))  # fmt: skip
async def resume(subscription_id: UUID, ctx: Ctx, repo: Repo, pool: Pool) -> Response:
    """Resume a paused subscription at the event that failed."""
    sub, result = await handlers.resume_subscription(ResumeSubscription(subscription_id), repo, ctx)
    return written(result, await _out(pool, sub))
