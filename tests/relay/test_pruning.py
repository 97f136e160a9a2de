"""Old delivery attempts are dropped (the log keeps the governance record); a paused
subscription's stay, since they explain the pause."""

import uuid

from services.relay import queries


async def subscription(pool, status):
    sid = uuid.uuid4()
    await pool.execute(
        "INSERT INTO relay_subscription (id, url, types, secret_sealed, status, cursor)"
        " VALUES ($1, 'https://hooks.example.com/aims', '{*}', 'sealed', $2, 0)",
        sid, status,
    )  # fmt: skip
    return sid


async def attempts(pool, sid, *ages_in_days):
    for i, age in enumerate(ages_in_days):
        await pool.execute(
            "INSERT INTO relay_delivery (subscription_id, position, event_id, event_type,"
            " attempt, outcome, http_status, error, duration_ms, attempted_at)"
            " VALUES ($1, $2, $3, 'SystemRegistered', 1, 'failed', 500, 'HTTP 500', 3,"
            " now() - make_interval(days => $4))",
            sid, i + 1, uuid.uuid4(), age,
        )  # fmt: skip


async def ages(pool, sid):
    rows = await pool.fetch(
        "SELECT extract(day FROM now() - attempted_at)::int AS age FROM relay_delivery"
        " WHERE subscription_id = $1 ORDER BY id",
        sid,
    )
    return [r["age"] for r in rows]


async def test_attempts_older_than_the_retention_are_dropped_except_a_paused_ones(pool):
    active, paused = await subscription(pool, "active"), await subscription(pool, "paused")
    await attempts(pool, active, 90, 31, 29, 0)
    await attempts(pool, paused, 90, 0)

    assert await queries.prune_deliveries(pool, 30, chunk=1) == 2  # several chunks
    assert await ages(pool, active) == [29, 0]
    assert await ages(pool, paused) == [90, 0]
    assert await queries.prune_deliveries(pool, 30) == 0
