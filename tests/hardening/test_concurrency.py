"""Conflicting writes and retried writes at volume: no lost update, no duplicate event."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.support.apps import auth

OWNER = auth("alice", "system_owner")
SYSTEM = {"name": "Credit scoring", "purpose": "score loans", "owner": "alice"}


@pytest.mark.slow
async def test_two_hundred_rounds_of_conflicting_if_match_writes_lose_no_update(service):
    async with service("registry") as c:
        created = await c.post("/v1/systems", json=SYSTEM, headers=OWNER)
        url, etag = created.headers["location"], created.headers["etag"]
        winners = []
        for round_ in range(200):
            rs = await asyncio.gather(*(
                c.patch(url, json={"name": f"r{round_}-w{w}"}, headers={**OWNER, "If-Match": etag})
                for w in range(4)
            ))  # fmt: skip
            ok = [r for r in rs if r.status_code == 200]
            assert len(ok) == 1, [r.status_code for r in rs]
            assert sorted(r.status_code for r in rs) == [200, 412, 412, 412]
            winners.append(ok[0].json()["name"])
            etag = ok[0].headers["etag"]
        history = await c.app.state.pool.fetch(
            "SELECT data->'changes'->>'name' AS name FROM events"
            " WHERE type = 'SystemUpdated' ORDER BY position"
        )
        assert [h["name"] for h in history] == winners  # every acknowledged update is there
        final = await c.get(url, headers=OWNER)
        assert final.json()["name"] == winners[-1] and final.headers["etag"] == '"201"'


@pytest.mark.slow
async def test_ten_thousand_retried_posts_with_idempotency_keys_write_one_event_each(service):
    keys = [str(uuid.uuid4()) for _ in range(2500)]
    async with service("registry", db_pool_size=20) as c:

        async def client(offset: int) -> list[int]:
            statuses = []
            for i in range(len(keys)):
                key = keys[(i + offset) % len(keys)]
                r = await c.post("/v1/systems", json={**SYSTEM, "name": key},
                                 headers={**OWNER, "Idempotency-Key": key})  # fmt: skip
                statuses.append(r.status_code)
            return statuses

        results = await asyncio.gather(*(client(k * 625) for k in range(4)))  # 4 x 2500 = 10k
        assert all(s in (201, 409) for statuses in results for s in statuses)
        pool = c.app.state.pool
        assert await pool.fetchval("SELECT count(*) FROM events") == len(keys)
        names = await pool.fetch("SELECT data->>'name' AS n FROM events")
        assert sorted(r["n"] for r in names) == sorted(keys)
