"""Publishing the log to NATS JetStream: every event once, in log order, across crashes.

Each event goes to stream `AIMS` (created with subjects `aims.>` when missing) on
`aims.<category>.<type>` as its CloudEvent, with `Nats-Msg-Id` = the event id. A batch is
published without waiting for each acknowledgement (one connection keeps the order), and
every message carries `Nats-Expected-Last-Sequence`: the stream stores it only right after
the message before it. Should one message of a batch fail, every later one is refused too,
so the stream is always a prefix of the log: there is never a gap to repair. The same
header stops a second publisher (a leader that lost its lock but not yet noticed) from
interleaving anything.

Where to go on is read from the stream itself, not from a checkpoint of ours: at every
start the relay fetches the stream's last message, looks its event id up in the log and
publishes from the next position. A crash after a publish reached the server but before
anything of ours was written therefore neither repeats nor skips an event, however long
the outage (JetStream's duplicate window, two minutes by default, only catches a publish
still in flight from the dead process). The checkpoint row `nats` only reports progress.
Any error ends the session (the connection does not reconnect on its own, so nothing
buffered in it can land late); the next session starts again from the stream's tail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import nats
import orjson
import structlog
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from services.relay import queries
from services.relay.cloudevents import LogRow, cloud_event
from services.relay.config import RelaySettings
from shared.kernel.eventstore.store import Notifier

log = structlog.get_logger()
CHECKPOINT = "nats"
SUBJECTS = "aims.>"
ACK_TIMEOUT = 30.0  # seconds for a batch to be acknowledged


def subject(row: LogRow) -> str:
    """`aims.<category>.<type>` (category: the stream id's prefix before the first `-`)."""
    return f"aims.{row.category}.{row.type}"


class StreamMismatch(RuntimeError):
    """The stream's last message is not an event of this log."""


async def _quiet(*_: object) -> None:
    """Connection callbacks: errors surface as exceptions of the publishing session."""


class Publisher:
    """One leader's publishing session: connect, find the stream's tail, follow the log."""

    def __init__(self, pool: asyncpg.Pool, settings: RelaySettings, notifier: Notifier) -> None:
        assert settings.nats_url is not None
        self.pool, self.settings, self.notifier = pool, settings, notifier
        self.url, self.stream = settings.nats_url, settings.nats_stream
        self.published = 0  # this process's count, for the bench and the log
        self.seq = 0  # the stream's last sequence, as this session knows it

    async def run(self, alive: Callable[[], Awaitable[None]]) -> None:
        """Publish until an error; the caller's loop starts a new session after it."""
        nc: Client = await nats.connect(
            self.url, allow_reconnect=False, connect_timeout=5, error_cb=_quiet,
            disconnected_cb=_quiet, closed_cb=_quiet, name="aims-relay",
        )  # fmt: skip
        try:
            js = nc.jetstream(timeout=10)
            after = await self.tail(js)
            log.info("nats_publisher_resuming", after=after, stream=self.stream)
            while True:
                await alive()
                after = await self.publish_next(js, after)
        finally:
            await nc.close()

    async def tail(self, js: JetStreamContext) -> int:
        """The log position of the stream's last message (0: an empty stream)."""
        try:
            info = await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(StreamConfig(name=self.stream, subjects=[SUBJECTS]))
            self.seq = 0
            return 0
        last = self.seq = info.state.last_seq
        if not last:
            return 0
        try:
            msg = await js.get_msg(self.stream, seq=last)
        except NotFoundError:  # purged or deleted: fall back on what we last reported
            return await queries.checkpoint(self.pool, CHECKPOINT)
        return await self._position(msg.headers or {}, msg.data or b"")

    async def _position(self, headers: dict[str, str], data: bytes) -> int:
        event_id = headers.get("Nats-Msg-Id") or str(orjson.loads(data).get("id", ""))
        position = await queries.position_of(self.pool, event_id)
        if position is None:
            raise StreamMismatch(
                f"the last message of stream {self.stream} is event {event_id!r}, which this"
                " log does not hold: is the stream another deployment's? Nothing is published."
            )
        return position

    async def publish_next(self, js: JetStreamContext, after: int) -> int:
        """Publish the next batch after `after` (or wait for one); the new position."""
        seen = self.notifier.generation  # before the head is read
        upto = await queries.head(self.pool)
        rows = await queries.events(self.pool, after, upto, self.settings.relay_batch)
        if not rows:
            await self.notifier.wait(since=seen)
            return after
        pending = []
        for i, row in enumerate(rows):
            headers = {"Nats-Msg-Id": row.id, "Nats-Expected-Last-Sequence": str(self.seq + i)}
            pending.append(await js.publish_async(subject(row), cloud_event(row),
                                                  stream=self.stream, headers=headers))  # fmt: skip
        async with asyncio.timeout(ACK_TIMEOUT):
            acks = await asyncio.gather(*pending)
        if acks[-1].seq != self.seq + len(rows):
            raise StreamMismatch(f"stream {self.stream} is at {acks[-1].seq}, expected"
                                 f" {self.seq + len(rows)}: another publisher?")  # fmt: skip
        self.seq, after = acks[-1].seq, rows[-1].position
        self.published += len(rows)
        await queries.save_checkpoint(self.pool, CHECKPOINT, after)
        return after
