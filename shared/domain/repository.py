"""The repository: loads aggregates from their streams and saves their pending events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

from shared.domain.aggregate import Aggregate, stream_id
from shared.kernel.eventstore import AppendResult, EventStore, NewEvent
from shared.kernel.requestctx import RequestContext

A = TypeVar("A", bound=Aggregate)


class Repository:
    """Loads aggregates from their streams and saves their pending events."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def load(self, cls: type[A], id: uuid.UUID, *, as_of: datetime | None = None) -> A:
        """Current (or `as_of`) state; raises StreamNotFound when it has no events."""
        events = await self.store.read_stream(stream_id(cls.category, id), until=as_of)
        return cls.replay(id, events)

    async def save(
        self, agg: Aggregate, ctx: RequestContext, *, expected_version: int | None = None
    ) -> AppendResult:
        """Append the aggregate's pending events, checking the version it was loaded at.

        `expected_version` overrides the loaded version (an `If-Match` from the client).
        Event ids derive from the request's Idempotency-Key when it has one, so a retry
        of a request whose response was lost cannot write the same events twice.
        """
        expected = agg.version if expected_version is None else expected_version
        events = [
            NewEvent(e.type_name(), e.to_data(), ctx.event_id(agg.stream_id, agg.version + i),
                     e.schema_version)
            for i, e in enumerate(agg.pending, start=1)
        ]  # fmt: skip
        result = await self.store.append(
            agg.stream_id, events, expected_version=expected, metadata=ctx.metadata()
        )
        for e in agg.pending:
            agg.recorded(e, ctx.actor.sub, result.recorded_at)
        agg.version, agg.pending = result.version, []
        agg.last_event_at = result.recorded_at or agg.last_event_at
        agg.created_at = agg.created_at or agg.last_event_at
        return result
