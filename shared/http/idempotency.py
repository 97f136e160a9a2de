"""Idempotency-Key: a retried write replays the first response and writes nothing new.

The first request with a key claims it (INSERT ... ON CONFLICT DO NOTHING), runs, and
stores its response. A concurrent duplicate waits for that response and replays it; the
same key with a different request is refused (422). A claim whose owner died is taken
over after a lease; the events of the retried command get the same ids (they derive
from the key, see RequestContext.event_id), so even then nothing is written twice.
Authentication failures and 5xx responses are not stored: the client may retry them.

A key is honoured only after authentication: a request with a key and no valid token
is answered 401 before its body is read or a claim row is written, so an anonymous
client cannot make the service spool large bodies or fill the claim table. Routes that
carry their own authentication (`app.state.public_paths`, e.g. an HMAC-signed webhook)
ignore the header; they deduplicate by their own delivery ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import time
from typing import IO

import asyncpg
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.auth import AuthError, verify_token
from shared.http.problems import problem_response, unavailable_response
from shared.platform.db import UNAVAILABLE

METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SPOOL_BYTES = 1 << 20  # request bodies above this wait on disk, not in memory
CHUNK_BYTES = 1 << 16
LEASE_SECONDS = 60
WAIT_SECONDS = 10.0


class IdempotencyMiddleware:
    """Stores and replays responses of writes that carry an Idempotency-Key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
        if scope["type"] != "http" or scope["method"] not in METHODS or key is None:
            return await self.app(scope, receive, send)
        if scope["path"] in getattr(scope["app"].state, "public_paths", ()):
            return await self.app(scope, receive, send)
        principal = await _principal(scope)
        if principal is None:
            resp = problem_response(401, "an Idempotency-Key needs a valid bearer token",
                                    headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
            return await resp(scope, receive, send)
        if not 1 <= len(key) <= 255:
            resp = problem_response(400, "Idempotency-Key must be 1-255 characters")
            return await resp(scope, receive, send)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
            digest = await _spool(scope, receive, body)
            await self._handle(scope, receive, send, principal, key, digest, body)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, principal: str, key: str, digest: str,
        body: IO[bytes],
    ) -> None:  # fmt: skip
        pool: asyncpg.Pool = scope["app"].state.pool
        try:
            stored = await _claim_or_wait(pool, principal, key, scope, digest)
        except UNAVAILABLE as exc:
            return await unavailable_response(exc)(scope, receive, send)
        if stored is not None:
            return await _replay(stored, digest, scope, receive, send)
        scope.setdefault("state", {})["idempotency_key"] = key
        await self._run_and_store(pool, principal, key, scope, body, send)

    async def _run_and_store(
        self, pool: asyncpg.Pool, principal: str, key: str, scope: Scope, body: IO[bytes],
        send: Send,
    ) -> None:  # fmt: skip
        status, headers, chunks = 500, [], []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        done = False
        try:
            await self.app(scope, _replay_body(body), capture)
            done = status < 500 and status not in (401, 403)
        finally:
            await _finish(pool, principal, key, status, headers, b"".join(chunks), done)


def _key(scope: Scope) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == b"idempotency-key":
            return str(v.decode("latin-1")).strip()
    return None


async def _principal(scope: Scope) -> str | None:
    """The authenticated subject keys are scoped to; None without a valid bearer token."""
    for k, v in scope.get("headers", ()):
        if k == b"authorization":
            scheme, _, token = v.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            try:
                return (await verify_token(scope["app"], token.strip()))[0].sub
            except AuthError:
                return None
    return None


async def _spool(scope: Scope, receive: Receive, body: IO[bytes]) -> str:
    """Copy the request body to `body` (memory, then disk); returns the request's digest."""
    digest = hashlib.sha256(
        b"\n".join((scope["method"].encode(), scope["path"].encode(),
                    scope.get("query_string", b""), b""))
    )  # fmt: skip
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        digest.update(chunk)
        body.write(chunk)
        if not message.get("more_body"):
            body.seek(0)
            return digest.hexdigest()


def _replay_body(body: IO[bytes]) -> Receive:
    """The spooled body, chunk by chunk, as the application's `receive`."""
    size = body.seek(0, 2)
    body.seek(0)
    done = False

    async def receive() -> Message:
        nonlocal done
        if done:
            await asyncio.Event().wait()  # like a client that sent everything and waits
        chunk = body.read(CHUNK_BYTES)
        done = body.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return receive


async def _claim_or_wait(
    pool: asyncpg.Pool, principal: str, key: str, scope: Scope, digest: str
) -> asyncpg.Record | None:
    """None when this request owns the key; otherwise the stored row to replay."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        claimed = await pool.fetchval(
            "INSERT INTO http_idempotency (principal, key, method, path, request_hash)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
            principal, key, scope["method"], scope["path"], digest,
        )  # fmt: skip
        if claimed:
            return None
        row = await pool.fetchrow(
            "SELECT request_hash, status, headers, body,"
            " created_at < now() - make_interval(secs => $3) AS stale"
            " FROM http_idempotency WHERE principal = $1 AND key = $2",
            principal, key, LEASE_SECONDS,
        )  # fmt: skip
        if row is None:
            continue  # the owner gave up between our two statements: claim again
        if row["status"] is not None or row["request_hash"] != digest:
            return row
        if row["stale"] and await _take_over(pool, principal, key):
            return None
        if time.monotonic() > deadline:
            return row
        await asyncio.sleep(0.02)


async def _take_over(pool: asyncpg.Pool, principal: str, key: str) -> bool:
    return bool(
        await pool.fetchval(
            "UPDATE http_idempotency SET created_at = now() WHERE principal = $1 AND key = $2"
            " AND status IS NULL AND created_at < now() - make_interval(secs => $3) RETURNING 1",
            principal,
            key,
            LEASE_SECONDS,
        )  # fmt: skip
    )


async def _finish(
    pool: asyncpg.Pool, principal: str, key: str, status: int, headers: list[tuple[bytes, bytes]],
    body: bytes, keep: bool,
) -> None:  # fmt: skip
    try:
        if keep:
            kept = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers
                    if k.lower() != b"x-request-id"]  # fmt: skip
            await pool.execute(
                "UPDATE http_idempotency SET status = $3, headers = $4, body = $5,"
                " completed_at = now() WHERE principal = $1 AND key = $2",
                principal, key, status, orjson.dumps(kept).decode(), body,
            )  # fmt: skip
        else:
            await pool.execute(
                "DELETE FROM http_idempotency WHERE principal = $1 AND key = $2 AND status IS NULL",
                principal, key,
            )  # fmt: skip
    except UNAVAILABLE:
        pass  # the claim expires after its lease; derived event ids keep the retry safe


async def _replay(
    row: asyncpg.Record, digest: str, scope: Scope, receive: Receive, send: Send
) -> None:
    if row["request_hash"] != digest:
        resp = problem_response(
            422,
            "this Idempotency-Key was used with a different request",
            code="idempotency_key_reused",
        )
        return await resp(scope, receive, send)
    if row["status"] is None:
        resp = problem_response(
            409, "a request with this Idempotency-Key is still in progress; retry shortly",
            code="idempotency_in_progress",
        )  # fmt: skip
        return await resp(scope, receive, send)
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row["headers"]]
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": row["status"], "headers": headers})
    await send({"type": "http.response.body", "body": bytes(row["body"])})
