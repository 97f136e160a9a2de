"""Webhook deliveries: every subscription gets its matching events in log order, at least once.

The dispatcher is a log consumer like a projection. Each round it first folds the
subscription events that arrived (created, paused, resumed, redelivery requested) into
`relay_subscription`, in one transaction with its checkpoint; then it serves the
subscriptions that are due, several at once, each one event after the other. A subscription's
`cursor` is the last position it is done with: an attempt's `relay_delivery` row and the
cursor's move are one transaction, so a crash between the HTTP call and the commit sends
that event again (at least once; the receiver deduplicates by `webhook-id`) and never skips it.
A failed attempt keeps the cursor and waits (exponential backoff with jitter) before the
same event is tried again; after `AIMS_WEBHOOK_MAX_FAILURES` consecutive failures the relay
appends `SubscriptionPaused` and deliveries stop until an admin resumes or redelivers.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import structlog

from services.evidence.concerns.sealing import Sealer
from services.evidence.subscriptions.domain import ALL_TYPES, Subscription, secret_bytes
from services.relay import queries
from services.relay.cloudevents import cloud_event
from services.relay.config import RelaySettings
from services.relay.webhooks import Sender
from shared.domain.repository import Repository
from shared.kernel.eventstore import EventStore, StreamNotFound, WrongExpectedVersion
from shared.kernel.eventstore.store import Notifier
from shared.kernel.requestctx import Actor, RequestContext

log = structlog.get_logger()
CONTROL = "webhooks.control"
PER_ROUND = 50  # events one subscription is sent per round before others get their turn
PRUNE_EVERY = 3600.0  # seconds between prunings of old delivery attempts
RELAY_ACTOR = Actor("relay", frozenset({"system"}))


def backoff(failures: int, base: float, cap: float) -> float:
    """Seconds before retry `failures`: doubling from `base` up to `cap`, with equal jitter."""
    delay = min(cap, base * 2 ** min(failures - 1, 30))
    return float(delay * (0.5 + random.random() / 2))


class Dispatcher:
    """Serves every active subscription from the relay's state tables."""

    def __init__(
        self, pool: asyncpg.Pool, sealer: Sealer, sender: Sender, settings: RelaySettings,
        notifier: Notifier,
    ) -> None:  # fmt: skip
        self.pool, self.sealer, self.sender = pool, sealer, sender
        self.settings, self.notifier = settings, notifier
        self.repo = Repository(EventStore(pool, categories=frozenset({"subscription"})))
        self._folding = asyncio.Lock()  # a fold applies each event once: never two at a time
        self._pruned_at: float | None = None

    async def run(self, alive: Callable[[], Awaitable[None]]) -> None:
        """Fold, deliver, wait; forever, while this process holds the lead."""
        while True:
            await alive()
            seen = self.notifier.generation  # before the fold reads the log
            await self.prune()
            await self.fold()
            rows = await queries.due(self.pool, self.settings.webhook_concurrency)
            worked = await asyncio.gather(*(self.serve(r) for r in rows))
            if not any(worked):
                await self.notifier.wait(await self._idle_for(), since=seen)

    async def prune(self) -> None:
        """Drop old delivery attempts, on leading and then once every PRUNE_EVERY seconds."""
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        days = self.settings.webhook_delivery_retention_days
        dropped = await queries.prune_deliveries(self.pool, days)
        if dropped:
            log.info("relay_deliveries_pruned", dropped=dropped, older_than_days=days)

    async def _idle_for(self) -> float:
        """Until the next retry is due, at most the poll interval (a NOTIFY wakes sooner)."""
        at = await queries.next_due_at(self.pool)
        wait = self.notifier.poll_interval
        if at is not None:
            wait = min(wait, max(0.01, (at - datetime.now(UTC)).total_seconds()))
        return wait

    async def fold(self) -> None:
        """Apply new subscription events to the relay's state, with the checkpoint."""
        async with self._folding, self.pool.acquire() as conn, conn.transaction():
            start, upto = await queries.checkpoint(conn, CONTROL), await queries.head(conn)
            if upto <= start:
                return
            for row in await queries.events(conn, start, upto, 1_000_000, queries.CONTROL_TYPES):
                await queries.fold_control(conn, row, orjson.loads(row.data))
            await queries.save_checkpoint(conn, CONTROL, upto)

    async def serve(self, sub: asyncpg.Record) -> bool:
        """Send one subscription its next events; True when anything was attempted."""
        types = None if ALL_TYPES in sub["types"] else list(sub["types"])
        upto = await queries.head(self.pool)
        rows = await queries.events(self.pool, sub["cursor"], upto, PER_ROUND, types)
        if not rows:
            if upto > sub["cursor"]:
                await queries.advance(self.pool, sub["id"], sub["generation"], upto)
            return False
        secret = self.sealer.unseal(sub["secret_sealed"], sub["id"])
        if secret is None:
            await self._pause(sub, rows[0].position, "the secret does not open with this"
                              " relay's key (webhook_secret.key)", sub["failures"])  # fmt: skip
            return True
        key = secret_bytes(secret)
        failures = sub["failures"]
        for row in rows:
            outcome = await self.sender.send(sub["url"], key, row.id, cloud_event(row))
            failed = outcome["outcome"] == "failed"
            retry_at = self._retry_at(failures + 1) if failed else None
            async with self.pool.acquire() as conn, conn.transaction():
                if not await queries.record_delivery(conn, sub["id"], sub["generation"], row,
                                                     failures + 1, outcome, retry_at):  # fmt: skip
                    return True  # resumed or redelivered meanwhile: the next round restarts
            if failed:
                if failures + 1 >= self.settings.webhook_max_failures:
                    await self._pause(sub, row.position, outcome["error"], failures + 1)
                return True
            failures = 0
        return True

    def _retry_at(self, failures: int) -> datetime:
        s = self.settings
        delay = backoff(failures, s.webhook_backoff_seconds, s.webhook_backoff_max_seconds)
        return datetime.now(UTC) + timedelta(seconds=delay)

    async def _pause(self, sub: asyncpg.Record, position: int, error: str, failures: int) -> None:
        """Append `SubscriptionPaused`, unless an admin resumed it since this relay's view."""
        try:
            agg = await self.repo.load(Subscription, sub["id"])
        except StreamNotFound:
            return
        if agg.redeliveries != sub["generation"] or agg.status == "paused":
            return  # a resume or redelivery is in the log: the next fold applies it
        agg.pause(position, failures, f"{failures} failed attempts at position {position}:"
                                      f" {error}")  # fmt: skip
        ctx = RequestContext(RELAY_ACTOR, "relay", request_id=str(uuid.uuid4()))
        try:
            await self.repo.save(agg, ctx)
        except WrongExpectedVersion:
            return  # changed meanwhile: the next round sees why
        log.warning("webhook_subscription_paused", subscription=str(sub["id"]),
                    position=position, failures=failures)  # fmt: skip
        await self.fold()
