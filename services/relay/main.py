"""The relay process: two consumers of the log, each led by one process at a time."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from services.evidence.concerns.sealing import load_sealer
from services.evidence.subscriptions.egress import EgressPolicy
from services.relay import queries
from services.relay.config import RelaySettings
from services.relay.dispatcher import Dispatcher
from services.relay.nats import Publisher
from services.relay.webhooks import Sender
from shared.kernel.eventstore.store import Notifier
from shared.kernel.loops import run_forever
from shared.kernel.projections import lock_key
from shared.platform import db
from shared.platform.config import Settings
from shared.platform.logging import configure

log = structlog.get_logger()
Alive = Callable[[], Awaitable[None]]


async def lead(pool: asyncpg.Pool, name: str, work: Callable[[Alive], Awaitable[None]]) -> None:
    """Run `work` while this process holds the advisory lock `name`; return at once if not.

    The lock is session-level on a connection of its own: if this process dies or loses
    its database session, PostgreSQL releases the lock and a standby relay takes over.
    `work` calls `alive()` between batches, which fails once that session is gone, so a
    leader cut off from the database stops instead of working beside its successor.
    """
    async with pool.acquire() as conn:
        if not await queries.try_lock(conn, lock_key(name)):
            return

        async def alive() -> None:
            await queries.ping(conn)

        try:
            log.info("relay_leading", consumer=name)
            await work(alive)
        finally:
            if not conn.is_closed():
                await queries.unlock(conn, lock_key(name))


async def run(settings: Settings, relay: RelaySettings) -> None:
    """Relay the log to webhooks and (with `AIMS_NATS_URL`) to JetStream, until cancelled."""
    url = settings.database_url
    if not url:
        raise RuntimeError("the relay needs AIMS_DATABASE_URL")
    pool = await db.create_pool(url, size=relay.webhook_concurrency + 4,
                                timeout=settings.db_timeout, name="aims-relay")  # fmt: skip
    notifier = Notifier(url, settings.poll_interval)
    notifier.start()
    sender = Sender(EgressPolicy.from_env(), relay.webhook_timeout_seconds,
                    ca_file=relay.webhook_ca_file)  # fmt: skip
    sealer = load_sealer(settings.webhook_key_path)
    dispatcher = Dispatcher(pool, sealer, sender, relay, notifier)
    loops = [run_forever("relay_webhooks", lambda: lead(pool, "relay.webhooks", dispatcher.run),
                         every=settings.poll_interval)]  # fmt: skip
    if relay.nats_url:
        publisher = Publisher(pool, relay, notifier)
        loops.append(run_forever("relay_nats", lambda: lead(pool, "relay.nats", publisher.run),
                                 every=settings.poll_interval, max_backoff=5))  # fmt: skip
    try:
        await asyncio.gather(*loops)
    finally:
        await sender.close()
        await notifier.stop()
        await db.close_pool(pool)


def main(settings: Settings) -> None:
    """`aims relay`: run until SIGTERM or Ctrl-C."""
    configure(settings.log_level, settings.log_json)

    async def serve() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await run(settings, RelaySettings())
        except asyncio.CancelledError:
            log.info("relay_stopped")

    asyncio.run(serve())
