"""Errors raised by the event store."""

from __future__ import annotations


class EventStoreError(Exception):
    """Base class of event-store errors."""


class WrongExpectedVersion(EventStoreError):
    """The stream is not at the version the writer expected (optimistic concurrency)."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


class DuplicateEventId(EventStoreError):
    """An event id was reused for a different event."""

    def __init__(self, event_id: object) -> None:
        super().__init__(f"event id {event_id} is already used by another event")
        self.event_id = event_id


class StreamNotFound(EventStoreError):
    """No events exist for the stream."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(f"stream {stream_id} not found")
        self.stream_id = stream_id


class InvalidEventData(EventStoreError, ValueError):
    """Event content PostgreSQL text cannot hold (a NUL character) or JSON cannot express."""
