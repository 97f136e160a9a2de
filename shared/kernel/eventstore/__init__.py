"""The aims event store: one append-only, hash-chained PostgreSQL table shared by all services."""

from shared.kernel.eventstore.connection import OneConnection
from shared.kernel.eventstore.errors import (
    DuplicateEventId,
    EventStoreError,
    InvalidEventData,
    StreamNotFound,
    WrongExpectedVersion,
)
from shared.kernel.eventstore.hashing import GENESIS_HASH, VerifyReport, verify_chain
from shared.kernel.eventstore.store import AppendResult, EventStore, NewEvent, StoredEvent

__all__ = [
    "GENESIS_HASH",
    "AppendResult",
    "DuplicateEventId",
    "EventStore",
    "EventStoreError",
    "InvalidEventData",
    "NewEvent",
    "OneConnection",
    "StoredEvent",
    "StreamNotFound",
    "VerifyReport",
    "WrongExpectedVersion",
    "verify_chain",
]
