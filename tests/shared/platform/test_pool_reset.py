"""Request pools skip the session reset on release, and still hand out clean connections."""

from __future__ import annotations

from shared.platform import db


async def test_a_pool_without_session_resets_rolls_back_what_a_user_left_open(database):
    pool = await db.create_pool(database.url, size=1, reset_sessions=False)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMP TABLE left_open (x int)")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('left_open')") is None
    finally:
        await pool.close()
