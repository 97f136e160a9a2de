"""An event store that appends inside a transaction the caller already holds.

A caller that must commit its own rows together with events (a reactor moving its
checkpoint, the registry's telemetry ingest updating its tallies) opens a transaction
on one connection and builds `EventStore(OneConnection(conn))`: the store's own
transaction nests as a savepoint, and the serialising append lock it takes is held
until the caller commits, so rows and events land or vanish together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg


class OneConnection:
    """The pool interface the event store uses, served by one connection in a transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        yield self._conn  # its `transaction()` nests as a savepoint

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)  # fetch, fetchrow, fetchval
