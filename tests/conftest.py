"""Fixtures: one real PostgreSQL per session, a fresh database per test that wants one."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.kernel.eventstore import EventStore
from shared.platform import db
from tests.support import pg
from tests.support.apps import running, settings_for

pytest_plugins = ["tests.support.watchdog"]

# pgserver takes an inter-process lock (around starting and stopping a cluster) in the
# runtime directory it finds when first imported; without XDG_RUNTIME_DIR that is
# /tmp/runtime-<uid>, one lock for every test process of the machine, so one worker's
# stuck start would stall the other. Each test process (the controller and every xdist
# worker import this file) gets a runtime directory of its own; children inherit it.
_RUNTIME = tempfile.mkdtemp(prefix="aims-tests-run-")  # 0700, as platformdirs requires
os.environ["XDG_RUNTIME_DIR"] = _RUNTIME
atexit.register(shutil.rmtree, _RUNTIME, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pg.Server]:
    server = pg.start(str(tmp_path_factory.mktemp("postgres")))
    yield server
    if server.pg is not None:
        server.pg.stop()


@pytest.fixture
async def database(pg_server: pg.Server) -> AsyncIterator[pg.Database]:
    """A fresh, migrated database of its own for this test."""
    database = await pg.create_database(pg_server)
    yield database
    await pg.drop_database(pg_server, database)


@pytest.fixture
async def pool(database: pg.Database) -> AsyncIterator[Any]:
    p = await db.create_pool(database.url, size=20, timeout=30)
    yield p
    await p.close()


@pytest.fixture
async def store(pool: Any) -> EventStore:
    return EventStore(pool)


@pytest.fixture
def service(
    database: pg.Database, tmp_path: Path
) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """Start a service app on this test's database: `async with service("registry") as c:`."""

    def start(name: str, **overrides: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return running(name, settings_for(database.url, tmp_path / "data", **overrides))

    return start
