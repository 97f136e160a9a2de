"""`aims up` sizes the services' pools, and if need be its workers, to the connections
PostgreSQL admits, so that no request meets a refused connection under load."""

from __future__ import annotations

import asyncpg
import pytest

from shared.platform import connections
from shared.platform.connections import TooFewConnections, needed, plan, server_limit
from tests.support import pg

RELAY = 21  # the default relay: 16 deliveries at once, 4 more, and its LISTEN connection


def test_two_workers_fit_postgresqls_default_limit_with_smaller_pools() -> None:
    p = plan(97, 2, 10, RELAY, exact_workers=False)  # 100 connections, 3 for superusers
    assert (p.workers, p.pool) == (2, 7) and p.needed == needed(2, 7, RELAY) <= 97
    assert needed(2, 10, RELAY) > 97  # the defaults as they were did not fit


def test_with_many_cores_the_default_workers_shrink_and_asked_ones_are_refused() -> None:
    p = plan(97, 16, 10, RELAY, exact_workers=False)
    assert p.workers == 2 and p.needed <= 97
    with pytest.raises(TooFewConnections, match="admits 97 connections.*AIMS_WORKERS"):
        plan(97, 16, 10, RELAY, exact_workers=True)


def test_a_server_with_room_keeps_the_pools_and_workers_asked_for() -> None:
    assert plan(500, 8, 10, RELAY, exact_workers=True) == connections.Plan(8, 10, 383, 500)


@pytest.mark.parametrize("limit", [40, 60, 97, 150, 300])
@pytest.mark.parametrize("workers", [1, 2, 3, 4, 8])
def test_every_plan_stays_within_the_limit(limit: int, workers: int) -> None:
    try:
        p = plan(limit, workers, 10, RELAY, exact_workers=False)
    except TooFewConnections:
        assert needed(1, connections.MIN_POOL, RELAY) > limit
        return
    assert p.needed <= limit and p.pool >= connections.MIN_POOL and 1 <= p.workers <= workers


async def test_the_limit_is_read_from_the_server(database: pg.Database) -> None:
    conn = await asyncpg.connect(database.admin_url)
    try:
        total = int(await conn.fetchval("SHOW max_connections"))
        su = int(await conn.fetchval("SHOW superuser_reserved_connections"))
        other = int(await conn.fetchval("SHOW reserved_connections"))  # PostgreSQL 16
    finally:
        await conn.close()
    assert await server_limit(database.admin_url) == total - su - other
