"""The console's way to the services: the SDK, acting with the signed-in user's token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie
from starlette.applications import Starlette

from services.sdk import AimsError, AsyncAimsClient, ServiceUnreachable, service_urls
from shared.platform.config import Settings

T = TypeVar("T")
COOKIE = "aims_token"
SIGNED_IN = APIKeyCookie(
    name=COOKIE, auto_error=False, scheme_name="signin",
    description="The bearer token the user signed in with (`POST /login`).",
)  # fmt: skip


class Unauthorized(Exception):
    """No token, or one the services refused; the user signs in again."""


def connect(settings: Settings) -> AsyncAimsClient:
    """The console's one client (one connection pool for every user; the console stores nothing)."""
    # No retries: a page answers at once, and the reader reloads it when a service is back.
    return AsyncAimsClient("", service_urls(settings), retries=0)


def client(app: Starlette) -> AsyncAimsClient:
    """The client the app's lifespan opened."""
    return cast(AsyncAimsClient, app.state.aims)


def acting_for_user(
    request: Request, token: Annotated[str | None, Security(SIGNED_IN)]
) -> AsyncAimsClient:
    """The services, reached with the signed-in user's token (Unauthorized when none)."""
    if not token:
        raise Unauthorized("please sign in")
    return client(request.app).with_token(token)


Aims = Annotated[AsyncAimsClient, Depends(acting_for_user)]


def explain(exc: AimsError | ServiceUnreachable) -> str:
    """What went wrong upstream, in one line for the reader."""
    if isinstance(exc, ServiceUnreachable):
        return f"the {exc.service} service cannot be reached"
    return f"{exc.service}: {exc.detail}"


async def found(call: Awaitable[T]) -> T | None:
    """The answer, or None where the service says there is no such thing (404)."""
    try:
        return await call
    except AimsError as exc:
        if exc.status == 404:
            return None
        raise


async def collect(items: AsyncIterator[T], cap: int = 5000) -> list[T]:
    """The items of a list, up to `cap`."""
    out: list[T] = []
    async for item in items:
        out.append(item)
        if len(out) >= cap:
            break
    return out


async def many(calls: Iterable[Awaitable[T]], at_once: int = 10) -> list[T]:
    """Several calls at once (at most `at_once` in flight); the answers in order."""
    gate = asyncio.Semaphore(at_once)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))
