"""Event-sourced aggregates: typed domain events and replay (no I/O)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from shared.kernel.eventstore import StoredEvent


class DomainEvent(BaseModel):
    """A fact that happened; subclasses are registered by class name, which is the event type."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: ClassVar[int] = 1
    registry: ClassVar[dict[str, type[DomainEvent]]] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.__name__ in DomainEvent.registry:
            raise TypeError(f"event type {cls.__name__} is defined twice")
        DomainEvent.registry[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @staticmethod
    def decode(stored: StoredEvent) -> DomainEvent:
        """The typed event of a stored event."""
        return DomainEvent.registry[stored.type].model_validate(stored.data)


@dataclass
class Aggregate:
    """Base of aggregates: state is a fold of its events; new events wait in `pending`."""

    category: ClassVar[str]
    id: uuid.UUID
    version: int = 0
    pending: list[DomainEvent] = field(default_factory=list, repr=False)
    last_event_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def stream_id(self) -> str:
        return stream_id(self.category, self.id)

    def _emit(self, event: DomainEvent) -> None:
        self.apply(event)
        self.pending.append(event)

    def apply(self, event: DomainEvent) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        """Called once an event is in the log, with who wrote it and when (a hook)."""

    @classmethod
    def replay(cls, id: uuid.UUID, events: Iterable[StoredEvent]) -> Self:
        """Rebuild an aggregate from its stored events."""
        agg = cls(id)
        for e in events:
            event = DomainEvent.decode(e)
            agg.apply(event)
            agg.recorded(event, (e.metadata.get("actor") or {}).get("sub"), e.recorded_at)
            agg.version = e.version
            agg.created_at = agg.created_at or e.recorded_at
            agg.last_event_at = e.recorded_at
        return agg

    @property
    def expected_version(self) -> int:
        """Version the stream had when the aggregate was loaded."""
        return self.version


def stream_id(category: str, id: uuid.UUID | str) -> str:
    """The stream name of an entity: `<category>-<uuid>`."""
    return f"{category}-{id}"
