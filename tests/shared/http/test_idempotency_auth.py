"""An Idempotency-Key is honoured only after authentication."""

from __future__ import annotations

import time

from starlette.types import Message

from tests.support.apps import app_of, auth, token

FIFTY_MIB = 50 * 1024 * 1024


async def claim_rows(c) -> int:
    return await c.app.state.pool.fetchval("SELECT count(*) FROM http_idempotency")


async def call(app, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[bytes, bytes], int]:
    """POST /v1/evidence straight through ASGI: status, headers, body chunks the app read."""
    reads, sent = 0, []

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/evidence", "raw_path": b"/v1/evidence",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": ("e", 80),
        "headers": [(b"host", b"evidence"), (b"content-length", str(FIFTY_MIB).encode()),
                    (b"content-type", b"application/json"), (b"idempotency-key", b"k-1"),
                    *headers],
    }  # fmt: skip
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), reads


async def test_an_anonymous_request_with_a_key_and_a_huge_body_gets_401_at_once(service):
    async with service("evidence") as c:
        events = await c.app.state.pool.fetchval("SELECT count(*) FROM events")
        started = time.perf_counter()
        status, headers, reads = await call(app_of(c), [])
        assert status == 401 and headers[b"www-authenticate"] == b"Bearer"
        assert reads == 0, "nothing of the body was read or spooled"
        # `reads == 0` proves the body was never read; the budget, generous for a loaded
        # machine, only catches a refusal that waited for something first.
        assert time.perf_counter() - started < 10
        assert await claim_rows(c) == 0
        assert await c.app.state.pool.fetchval("SELECT count(*) FROM events") == events


async def test_a_forged_or_non_bearer_token_with_a_key_gets_401_and_no_claim(service):
    async with service("evidence") as c:
        forged = token("alice", "admin")[:-3] + "abc"
        for value in (f"Bearer {forged}", "Basic YWxpY2U6cHc=", "Bearer "):
            status, _, reads = await call(app_of(c), [(b"authorization", value.encode())])
            assert (status, reads) == (401, 0)
        assert await claim_rows(c) == 0


async def test_an_authenticated_request_with_a_key_still_claims_and_replays(service):
    async with service("registry") as c:
        headers = {**auth("alice", "system_owner"), "Idempotency-Key": "after-auth-1"}
        body = {"name": "Credit scoring", "purpose": "score loans", "owner": "alice"}
        first = await c.post("/v1/systems", json=body, headers=headers)
        again = await c.post("/v1/systems", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert await claim_rows(c) == 1
