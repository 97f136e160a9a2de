"""One registry app and database per test module for tests that touch only their own systems.

Tests that change organisation-wide facts (SoA, risk criteria) or need other settings
use the per-test `service` fixture instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.kernel.eventstore import EventStore
from shared.platform import db
from tests.support import pg
from tests.support.apps import running, settings_for
from tests.support.registry import WEBHOOK_SECRET


@pytest.fixture(scope="module")
async def module_database(pg_server: pg.Server) -> AsyncIterator[pg.Database]:
    database = await pg.create_database(pg_server)
    yield database
    await pg.drop_database(pg_server, database)


@pytest.fixture(scope="module")
async def registry(
    module_database: pg.Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """A registry app shared by the tests of one module."""
    settings = settings_for(
        module_database.url, tmp_path_factory.mktemp("registry"),
        mlflow_webhook_secret=WEBHOOK_SECRET,
    )  # fmt: skip
    async with running("registry", settings) as client:
        yield client


@pytest.fixture(scope="module")
async def log(module_database: pg.Database) -> AsyncIterator[Any]:
    """The event store of the module's database, writing as the other services would."""
    pool = await db.create_pool(module_database.url, size=5, timeout=30)
    yield EventStore(pool)
    await pool.close()
