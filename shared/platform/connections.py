"""How many connections `aims up` may open: the services' pools sized to the server's limit.

Every worker of a service has a pool of its own and three connections beside it (the
projection runner's two, the notifier's LISTEN one); the registry's decisions have a second
pool of half the size, and the relay has a pool too. With the default pool size, two workers
per service already want more than PostgreSQL's default of 100 connections, so under load
the last ones would be refused and their requests answer 503. `aims up` therefore picks the
pool size, and if need be fewer workers, so that everything fits with room to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

SERVICES = 3  # registry, risk, evidence (the console reaches them over HTTP)
BESIDE_POOL = 3  # per worker: the projection runner's two connections, the notifier's one
HEADROOM = 10  # for `aims status`, `aims replay`, migrations and an operator's session
MIN_POOL = 4  # below this a worker would queue its requests for connections


class TooFewConnections(RuntimeError):
    """The server admits too few connections for the workers asked for."""


@dataclass(frozen=True)
class Plan:
    """Workers per service and each worker's pool size: `needed` of the `limit` connections."""

    workers: int
    pool: int
    needed: int
    limit: int


def decision_pool_size(pool: int) -> int:
    """The registry's pool for its decisions' read: half the service pool, at least two."""
    return max(2, pool // 2)


def needed(workers: int, pool: int, relay: int) -> int:
    """Connections `workers` workers of each service with pools of `pool`, and a relay that
    opens `relay`, may hold at once, with the headroom."""
    per_worker = SERVICES * (pool + BESIDE_POOL) + decision_pool_size(pool)
    return workers * per_worker + relay + HEADROOM


def plan(limit: int, workers: int, pool: int, relay: int, *, exact_workers: bool) -> Plan:
    """The most workers up to `workers` (exactly `workers` when asked for), then the largest
    pool up to `pool`, that fit within `limit` connections."""
    for w in [workers] if exact_workers else range(workers, 0, -1):
        for p in range(pool, min(pool, MIN_POOL) - 1, -1):
            if (n := needed(w, p, relay)) <= limit:
                return Plan(w, p, n, limit)
    least = needed(workers if exact_workers else 1, min(pool, MIN_POOL), relay)
    raise TooFewConnections(
        f"PostgreSQL admits {limit} connections and aims needs at least {least} for"
        f" {workers if exact_workers else 1} worker(s) per service: raise max_connections"
        " or run fewer workers (AIMS_WORKERS)"
    )


async def server_limit(url: str) -> int:
    """Connections the server admits to roles without reserved slots."""
    conn = await asyncpg.connect(url)
    try:
        total = int(await conn.fetchval("SHOW max_connections"))
        reserved = int(await conn.fetchval("SHOW superuser_reserved_connections"))
        # PostgreSQL 16 also keeps slots for pg_use_reserved_connections
        reserved += int(await conn.fetchval(
            "SELECT coalesce((SELECT setting FROM pg_settings"
            " WHERE name = 'reserved_connections'), '0')"
        ))  # fmt: skip
        return total - reserved
    finally:
        await conn.close()
